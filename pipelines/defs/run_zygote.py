"""The warm helper behind run_launcher.WarmRunLauncher.

It imports Dagster and this code once, then reads one JSON request per line
on stdin ({"run_id", "instance_ref"}), forks a worker for each and answers
with {"pid"}; when the code it loaded has changed on disk since, it answers
{"stale": true} and exits, and the launcher starts a fresh helper. A worker
runs Dagster's own run entry point (what `dagster api
execute_run` runs) in a session of its own. Nothing here computes anything
or keeps a connection open before forking (the warm-up closes the instance
it opened), so no thread pool (Polars, DuckDB) or socket is shared with a
worker.
"""

import json
import os
import signal
import sys


def _open_instance(instance_ref: str):
    import dagster as dg

    return dg.DagsterInstance.from_ref(dg.deserialize_value(instance_ref))


def _run(run_id: str, instance_ref: str) -> int:
    from pipelines.defs.dagster_private import capture_interrupts, execute_run

    with capture_interrupts(), _open_instance(instance_ref) as instance:
        return execute_run(run_id, instance)


def code_fingerprint() -> tuple:
    """Size and modification time of every file of the code and its SQL."""
    from pipelines.settings import PROJECT_ROOT, SQL_DIR

    files = [*(PROJECT_ROOT / "pipelines").rglob("*.py"), *SQL_DIR.rglob("*.sql")]
    return tuple(sorted((str(f), s.st_size, s.st_mtime_ns) for f in files if (s := f.stat())))


def _warm_up(instance_ref: str) -> None:
    """Open and close the instance once: its storage modules load here, not in every worker."""
    with _open_instance(instance_ref):
        pass


def _worker(request: dict) -> None:
    """In the forked child: detach from the helper's pipes and run."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the helper's stdout is its answer pipe; logs go to stderr
    code = 1
    try:
        code = _run(request["run_id"], request["instance_ref"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    loaded = code_fingerprint()
    import pipelines.definitions  # noqa: F401  (the code every run needs)
    import pipelines.defs.dagster_private  # noqa: F401  (Dagster's run entry point)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished workers are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm = False
    for line in sys.stdin:
        request = json.loads(line)
        if code_fingerprint() != loaded:
            sys.stdout.write(json.dumps({"stale": True}) + "\n")
            sys.stdout.flush()
            return
        if not warm:
            _warm_up(request["instance_ref"])
            warm = True
        pid = os.fork()
        if pid == 0:
            _worker(request)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
