"""Every use of Dagster's private modules, in this one module, checked before use.

The warm run launcher (run_launcher.py with run_zygote.py) does what
Dagster's DefaultRunLauncher and `dagster api execute_run` do, from a helper
process that has already imported the code. Dagster has no public API for
running a run by id inside a process, nor public types for a launcher's
health check, so those come from here. `_execute_run_command_body` has
changed its signature at least five times across releases: the launcher
calls `warm_launch_problem()` when it starts and falls back to Dagster's own
DefaultRunLauncher, with one log line, if what is installed differs from
what this was written against (dagster 1.13). tests/test_dagster_private.py
fails on an upgrade that changes any of it.
"""

import inspect

import dagster as dg
from dagster._cli.api import _execute_run_command_body
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, WorkerStatus
from dagster._utils.interrupts import capture_interrupts

__all__ = [
    "CheckRunHealthResult",
    "LaunchRunContext",
    "WorkerStatus",
    "capture_interrupts",
    "execute_run",
    "warm_launch_problem",
]

# What the warm launcher was written against (dagster 1.13.27).
EXECUTE_RUN_PARAMETERS = ("run_id", "instance", "write_stream_fn", "set_exit_code_on_failure")
HEALTH_RESULT_PARAMETERS = ("status", "msg", "transient", "run_worker_id")
WORKER_STATUSES = ("RUNNING", "FAILED")


def execute_run(run_id: str, instance: dg.DagsterInstance) -> int:
    """Run `run_id` in this process as `dagster api execute_run` does; returns its exit code."""
    return _execute_run_command_body(run_id, instance, lambda event: None, set_exit_code_on_failure=False)


def warm_launch_problem(launcher: dg.DefaultRunLauncher | None = None) -> str | None:
    """Why the warm launcher cannot work with the installed Dagster, or None if it can."""
    found = tuple(inspect.signature(_execute_run_command_body).parameters)
    if found != EXECUTE_RUN_PARAMETERS:
        return f"dagster._cli.api._execute_run_command_body takes {found}, not {EXECUTE_RUN_PARAMETERS}"
    health = tuple(inspect.signature(CheckRunHealthResult).parameters)
    if health[: len(HEALTH_RESULT_PARAMETERS)] != HEALTH_RESULT_PARAMETERS:
        return f"CheckRunHealthResult takes {health}, not {HEALTH_RESULT_PARAMETERS}"
    missing = [name for name in WORKER_STATUSES if not hasattr(WorkerStatus, name)]
    if missing:
        return f"WorkerStatus has no {', '.join(missing)}"
    if "dagster_run" not in getattr(LaunchRunContext, "__annotations__", {}) and not hasattr(
        LaunchRunContext, "dagster_run"
    ):
        return "LaunchRunContext has no dagster_run"
    if launcher is not None and not isinstance(getattr(launcher, "_run_ids", None), set):
        return "DefaultRunLauncher no longer keeps _run_ids (the runs join() waits for)"
    return None
