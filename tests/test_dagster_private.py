"""Dagster's private API is used in one module, checked, and falls back cleanly."""

import ast
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.defs import dagster_private
from pipelines.defs.run_launcher import WarmRunLauncher

ROOT = Path(__file__).resolve().parents[1]


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else ([alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
        )
        found += [name for name in names if name.startswith("dagster._") or name.startswith("dagster_webserver._")]
    return found


def test_private_dagster_imports_live_in_one_module():
    users = {
        str(path.relative_to(ROOT))
        for folder in ("pipelines", "app", "bench", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if _private_imports(path)
    }
    assert users == {"pipelines/defs/dagster_private.py"}


def test_the_installed_dagster_is_the_one_the_warm_launcher_was_written_for():
    # Fails on a Dagster upgrade that changes what the warm launcher calls:
    # update dagster_private.py (and this project's pin) together.
    assert dagster_private.warm_launch_problem(dg.DefaultRunLauncher()) is None
    assert WarmRunLauncher().warm


def test_a_changed_private_signature_falls_back_to_dagsters_launcher(monkeypatch, caplog):
    def changed(run_id, instance, write_stream_fn, set_exit_code_on_failure, new_argument):
        raise AssertionError("never called")

    monkeypatch.setattr(dagster_private, "_execute_run_command_body", changed)
    with caplog.at_level(logging.WARNING, logger="dagster"):
        launcher = WarmRunLauncher()
    assert not launcher.warm and not launcher.supports_check_run_worker_health
    [line] = [r.getMessage() for r in caplog.records if "DefaultRunLauncher" in r.getMessage()]
    assert "_execute_run_command_body" in line and "new_argument" in line


def test_the_run_helper_exits_when_the_code_changed(tmp_path):
    """After an edit (and Reload in the UI), new runs must not fork from old code."""
    copy = tmp_path / "project"
    for folder in ("pipelines", "sql"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        ref = dg.serialize_value(instance.get_ref())
    env = {**os.environ, "PYTHONPATH": str(copy), "DAGSTER_HOME": str(home)}
    helper = subprocess.Popen(
        [sys.executable, "-m", "pipelines.defs.run_zygote"],
        cwd=copy,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        request = json.dumps({"run_id": "no-such-run", "instance_ref": ref}) + "\n"
        helper.stdin.write(request)
        helper.stdin.flush()
        assert "pid" in json.loads(helper.stdout.readline())  # same code: it forks
        rule = copy / "pipelines" / "catalog" / "product_rules.py"
        rule.write_text(rule.read_text() + "\n# edited\n")
        helper.stdin.write(request)
        helper.stdin.flush()
        assert json.loads(helper.stdout.readline()) == {"stale": True}
        assert helper.wait(10) == 0
    finally:
        helper.kill()
