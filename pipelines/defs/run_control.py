"""Asking Dagster to stop an import's run (used by defs/cancel.py)."""

from functools import cache

import dagster as dg


@cache
def _instance() -> dg.DagsterInstance | None:
    try:
        return dg.DagsterInstance.get()  # DAGSTER_HOME, as `up` and the deployment set it
    except dg.DagsterError:  # DAGSTER_HOME not set: no Dagster here
        return None


def stop_run(run_id: str) -> bool:
    """Terminate a run through its run coordinator (queued runs are dequeued, started
    ones get their launcher's termination). False when Dagster cannot: no instance
    here, no such run, or it has finished."""
    instance = _instance()
    run = instance.get_run_by_id(run_id) if instance else None
    if run is None or run.is_finished:
        return False
    return bool(instance.run_coordinator.cancel_run(run_id))


def run_finished(run_id: str) -> bool | None:
    """Whether the run has ended (None: Dagster does not know it here)."""
    instance = _instance()
    run = instance.get_run_by_id(run_id) if instance else None
    return None if run is None else run.is_finished
