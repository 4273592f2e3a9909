"""Access control: a password for the app, and no listening beyond loopback without one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.access.password import AccessError, check_bind, check_password, hash_password
from pipelines.catalog import products as catalog

APP = Path(__file__).resolve().parents[1] / "app"
CLI = str(Path(sys.executable).parent / "product-importer")


@pytest.fixture
def app_env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD_HASH", raising=False)
    catalog.create_product(db_url, "SECRET-1", "Only for admins")
    return monkeypatch


def test_without_a_password_the_app_opens_on_loopback(app_env):
    at = AppTest.from_file(str(APP / "app_pages" / "products.py"), default_timeout=30).run()
    assert not at.exception and at.dataframe[0].value["sku"].tolist() == ["SECRET-1"]
    check_bind("127.0.0.1")
    check_bind("localhost")
    check_bind("::1")


@pytest.mark.parametrize("configure", ["plain", "hashed"])
def test_with_a_password_a_wrong_one_is_refused_and_the_right_one_lets_in(app_env, configure):
    if configure == "plain":
        app_env.setenv("ADMIN_PASSWORD", "correct horse")
    else:
        app_env.setenv("ADMIN_PASSWORD_HASH", hash_password("correct horse"))
    at = AppTest.from_file(str(APP / "streamlit_app.py"), default_timeout=30).run()
    assert len(at.dataframe) == 0 and at.text_input(key="login_password")
    at.text_input(key="login_password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong password."]
    assert len(at.dataframe) == 0 and "authenticated" not in at.session_state
    at.text_input(key="login_password").input("correct horse")
    at.button[0].click().run()
    assert at.session_state["authenticated"] is True and not at.error


def test_every_page_asks_for_the_password(app_env):
    app_env.setenv("ADMIN_PASSWORD", "pw")
    for page in ("import_file", "imports", "products", "webhooks"):
        at = AppTest.from_file(str(APP / "app_pages" / f"{page}.py"), default_timeout=30).run()
        assert not at.exception and len(at.dataframe) == 0 and at.text_input(key="login_password"), page


def test_password_checks():
    os.environ.pop("ADMIN_PASSWORD", None)
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    os.environ["ADMIN_PASSWORD_HASH"] = stored
    try:
        assert check_password("s3cret") and not check_password("S3cret") and not check_password("")
    finally:
        del os.environ["ADMIN_PASSWORD_HASH"]


def test_non_loopback_without_a_password_is_refused(app_env, tmp_path):
    with pytest.raises(AccessError, match="Refusing to listen on 0.0.0.0"):
        check_bind("0.0.0.0")
    env = {k: v for k, v in os.environ.items() if k not in ("ADMIN_PASSWORD", "ADMIN_PASSWORD_HASH", "DATABASE_URL")}
    env.update(BIND_HOST="0.0.0.0", DATA_DIR=str(tmp_path / "up-data"))
    done = subprocess.run([CLI, "up"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Refusing to listen on 0.0.0.0" in done.stderr and "ADMIN_PASSWORD" in done.stderr
    assert not (tmp_path / "up-data" / "postgres").exists()  # nothing was started


def test_non_loopback_with_a_password_is_allowed(app_env):
    app_env.setenv("ADMIN_PASSWORD", "pw")
    check_bind("0.0.0.0")


def test_hash_password_command(tmp_path):
    done = subprocess.run([CLI, "hash-password"], input="pw\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("scrypt$")
    os.environ["ADMIN_PASSWORD_HASH"] = done.stdout.strip()
    try:
        assert check_password("pw")
    finally:
        del os.environ["ADMIN_PASSWORD_HASH"]


def test_failed_logins_wait_longer_then_lock_the_client_out_then_expire(caplog):
    from pipelines.access.throttle import LoginThrottle

    throttle = LoginThrottle(window=900, per_client=5, overall=50)
    with caplog.at_level("WARNING", logger="product_importer.access"):
        delays = [throttle.failed("10.0.0.1", now=100.0 + i) for i in range(5)]
    assert delays == [1, 2, 4, 8, 8]
    assert len([r for r in caplog.records if "10.0.0.1" in r.getMessage()]) == 5
    assert throttle.locked_for("10.0.0.1", now=110.0) == 900 + 104 - 110
    assert throttle.locked_for("10.0.0.2", now=110.0) == 0  # another client may still try
    assert throttle.locked_for("10.0.0.1", now=104.0 + 901) == 0  # the window passed


def test_many_addresses_together_lock_every_login():
    from pipelines.access.throttle import LoginThrottle

    throttle = LoginThrottle(window=900, per_client=5, overall=50)
    for i in range(50):
        throttle.failed(f"10.0.{i}.1", now=100.0)
    assert throttle.locked_for("192.0.2.7", now=101.0) > 0


def test_a_locked_out_client_is_refused_even_with_the_right_password(monkeypatch, app_env):
    from collections import defaultdict, deque

    from pipelines.access.throttle import throttle

    monkeypatch.setenv("ADMIN_PASSWORD", "right one")
    # The app's one throttle, with a low limit and no failures from other tests.
    monkeypatch.setattr(throttle, "per_client", 2)
    monkeypatch.setattr(throttle, "_failures", defaultdict(deque))
    monkeypatch.setattr(throttle, "_all", deque())
    at = AppTest.from_file(str(APP / "app_pages" / "products.py"), default_timeout=30).run()
    for given in ("guess 1", "guess 2", "right one"):
        at.text_input(key="login_password").input(given)
        at.button[0].click().run()
    assert [e.value for e in at.error] == ["Too many failed logins; try again in 15 min."]
    assert [title.value for title in at.title] == ["product-importer"]  # still the login, not Products
