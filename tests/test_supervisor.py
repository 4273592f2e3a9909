"""`up`'s parts without starting the stack: command lines, restarts, console lines.

The whole stack runs in test_embedded_and_up.py (local profile) and
test_production_shape.py (production profile).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.local import services, supervisor
from pipelines.local.console import import_line
from pipelines.settings import Listen

CLI = str(Path(sys.executable).parent / "product-importer")


def test_production_runs_dagsters_three_roles_and_two_webhook_workers():
    commands = supervisor.child_commands(Listen(code_port=4123), "production", 2)
    assert list(commands) == ["code", "webserver", "daemon", "webhooks-1", "webhooks-2", "app", "api"]
    code = commands["code"]
    assert code[1:3] == ["code-server", "start"]
    assert code[code.index("-p") + 1] == "4123" and code[code.index("-m") + 1] == "pipelines.definitions"
    assert commands["daemon"][-1].endswith("deploy/workspace.yaml")
    assert all(Path(line[0]).exists() for line in commands.values())  # executables of this environment


def test_local_runs_dagster_dev_and_one_worker():
    assert list(supervisor.child_commands(Listen(), "local", 1)) == ["dagster", "webhooks", "app", "api"]


def test_the_code_server_is_reached_on_loopback_when_it_listens_everywhere(monkeypatch, tmp_path):
    monkeypatch.delenv("CODE_SERVER_HOST", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    env = services.production_environment(Listen(code_host="0.0.0.0", code_port=4001))
    assert env == {"CODE_SERVER_HOST": "127.0.0.1", "CODE_PORT": "4001", "DAGSTER_HOME": str(tmp_path / "home")}
    assert (tmp_path / "home" / "dagster.yaml").read_text() == services.DAGSTER_YAML.read_text()
    monkeypatch.setenv("CODE_SERVER_HOST", "code")  # another container
    assert services.production_environment(Listen(code_host="0.0.0.0"))["CODE_SERVER_HOST"] == "code"


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role 'worker'"):
        services.command("worker", Listen())


def test_the_production_profile_without_its_settings_says_which_and_starts_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_POSTGRES_URL", "DAGSTER_MAX_CONCURRENT_RUNS")}
    env.update(DATA_DIR=str(tmp_path / "data"), DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    done = subprocess.run([CLI, "up", "--profile", "production"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert "DAGSTER_POSTGRES_URL" in done.stderr and "DAGSTER_MAX_CONCURRENT_RUNS" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "logs").exists()


def wait_until(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_service_that_exits_is_started_again_after_the_delay(tmp_path, capsys):
    marker = tmp_path / "starts"
    script = f"open({str(marker)!r}, 'a').write('x'); raise SystemExit(3)"
    runner = supervisor.Supervisor({"flaky": [sys.executable, "-c", script]}, dict(os.environ), tmp_path, 0.3)
    try:
        runner.start_all()
        wait_until(lambda: runner.children["flaky"].poll() is not None, 10)
        runner.restart_exited()
        assert "flaky exited with code 3; starting it again in 0.3 s" in capsys.readouterr().out
        runner.restart_exited()  # before the delay: not yet
        assert marker.read_text() == "x"
        time.sleep(0.35)
        runner.restart_exited()
        wait_until(lambda: marker.exists() and marker.read_text() == "xx", 10)
    finally:
        supervisor.stop_children(runner.children)


def test_a_service_that_keeps_exiting_stops_up(tmp_path, capsys):
    runner = supervisor.Supervisor(
        {"broken": [sys.executable, "-c", "print('no'); raise SystemExit(1)"]}, dict(os.environ), tmp_path, 0
    )
    runner.start_all()
    with pytest.raises(supervisor._Stop):
        for _ in range(200):
            runner.restart_exited()
            time.sleep(0.05)
    supervisor.stop_children(runner.children)
    assert f"broken exited {supervisor.MAX_RESTARTS + 1} times" in capsys.readouterr().err
    assert (tmp_path / "broken.log").read_text().count("no") == supervisor.MAX_RESTARTS + 1  # its output kept


def test_an_import_line_says_what_changed_or_why_not():
    done = dict(
        id=7,
        file_name="p.csv",
        source="landing",
        status="succeeded",
        seconds=1.5,
        rows_seen=1000,
        created=990,
        updated=5,
        unchanged=4,
        rows_rejected=1,
        error=None,
    )
    assert import_line(done) == (
        "Import 7 of p.csv (landing) succeeded in 1.5 s: 1,000 rows, 990 created, 5 updated, 4 unchanged, 1 rejected"
    )
    failed = {**done, "status": "failed", "seconds": None, "error": "no SKU column"}
    assert import_line(failed) == "Import 7 of p.csv (landing) failed: no SKU column"


def test_the_local_dagster_instance_has_no_telemetry_and_no_newsletter_pop_up(tmp_path, monkeypatch):
    import dagster as dg

    from pipelines.local.dagster_home import ensure_dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    # As an earlier version wrote it: the setting is added.
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n")
    home = ensure_dagster_home()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert not instance.nux_enabled and not instance.telemetry_enabled
        assert instance.run_monitoring_enabled
