"""The warm helper behind run_launcher.WarmRunLauncher.

It imports Dagster and this code once, then reads one JSON request per line
on stdin ({"run_id", "instance_ref"}), forks a worker for each and answers
with {"pid"}. A worker runs Dagster's own run entry point (what `dagster api
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
    from dagster._core.instance import DagsterInstance, InstanceRef
    from dagster._serdes import deserialize_value

    return DagsterInstance.from_ref(deserialize_value(instance_ref, InstanceRef))


def _run(run_id: str, instance_ref: str) -> int:
    from dagster._cli.api import _execute_run_command_body
    from dagster._utils.interrupts import capture_interrupts

    with capture_interrupts(), _open_instance(instance_ref) as instance:
        return _execute_run_command_body(run_id, instance, lambda event: None, set_exit_code_on_failure=False)


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
    import dagster._cli.api  # noqa: F401  (Dagster's run entry point)

    import pipelines.definitions  # noqa: F401  (the code every run needs)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished workers are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm = False
    for line in sys.stdin:
        request = json.loads(line)
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
