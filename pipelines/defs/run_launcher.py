"""Launching runs from a warm process, for the local instance that `up` runs.

Dagster's DefaultRunLauncher has the code server start every run in a new
Python process, which first imports Dagster and this code: measured under
`up`, 3.4 s from a run's creation to its first step, most of a small file's
drop-to-commit time. This launcher keeps one helper process (run_zygote.py)
that imported both once and forks a worker per run, which starts at once.

A worker runs exactly what `dagster api execute_run` runs, in a session of
its own, so it outlives the process that launched it like Dagster's own run
workers do. Terminating a run sends it SIGINT, which Dagster turns into a
clean cancellation; run monitoring asks whether the worker's process is
alive. Production deployments keep Dagster's launchers (deploy/dagster.yaml).

The helper watches the code it loaded: when a file under pipelines/ or sql/
has changed (an edit, then "Reload" in the Dagster UI), it exits instead of
forking, and a new helper with the new code takes the run, so new runs use
the code on disk as with Dagster's own launcher. If the installed Dagster is
not the one this was written for (dagster_private.warm_launch_problem), every
run goes through DefaultRunLauncher instead, and one log line says why.
"""

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path
from signal import SIGINT

import dagster as dg
import psutil

from pipelines.defs.dagster_private import CheckRunHealthResult, LaunchRunContext, WorkerStatus, warm_launch_problem

PID_TAG = "product_importer/worker_pid"
log = logging.getLogger("dagster")


class WarmRunLauncher(dg.DefaultRunLauncher):
    def __init__(self, inst_data=None):
        super().__init__(inst_data=inst_data)
        self._lock = threading.Lock()
        self._zygote: subprocess.Popen | None = None
        problem = warm_launch_problem(self)
        self.warm = problem is None
        if problem:
            log.warning(f"product-importer: runs start through DefaultRunLauncher (slower): {problem}")

    def _start_zygote(self, working_directory: str | None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.defs.run_zygote"],
            cwd=working_directory or str(Path(__file__).resolve().parents[2]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a Ctrl-C meant for `up` is not meant for running imports
        )

    def _fork_worker(self, run: dg.DagsterRun) -> int:
        origin = run.job_code_origin
        working_directory = origin.repository_origin.code_pointer.working_directory if origin else None
        request = json.dumps({"run_id": run.run_id, "instance_ref": dg.serialize_value(self._instance.get_ref())})
        with self._lock:
            # A helper that died, or that exited because the code changed, is replaced once.
            for _ in range(2):
                if self._zygote is None or self._zygote.poll() is not None:
                    self._zygote = self._start_zygote(working_directory)
                try:
                    self._zygote.stdin.write(request + "\n")
                    self._zygote.stdin.flush()
                    reply = self._zygote.stdout.readline()
                except (BrokenPipeError, OSError):
                    reply = ""
                if reply and "pid" in (answer := json.loads(reply)):
                    return answer["pid"]
                self._zygote.wait(10)
                self._zygote = None
        raise RuntimeError("The run helper process (pipelines.defs.run_zygote) did not start the run; see its output.")

    def launch_run(self, context: LaunchRunContext) -> None:
        if not self.warm:
            return super().launch_run(context)
        run = context.dagster_run
        pid = self._fork_worker(run)
        self._run_ids.add(run.run_id)
        self._instance.add_run_tags(run.run_id, {PID_TAG: str(pid)})

    def _worker(self, run: dg.DagsterRun) -> psutil.Process | None:
        pid = run.tags.get(PID_TAG)
        try:
            process = psutil.Process(int(pid)) if pid else None
        except psutil.NoSuchProcess:
            return None
        if process is None or process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if run and PID_TAG not in run.tags:
            return super().terminate(run_id)  # started by DefaultRunLauncher
        if not run or run.is_finished:
            return False
        self._instance.report_run_canceling(run)
        worker = self._worker(run)
        if worker is None:
            return False
        worker.send_signal(SIGINT)
        return True

    @property
    def supports_check_run_worker_health(self) -> bool:
        return self.warm

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        if self._worker(run) is not None:
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, "The run's worker process is gone.")

    def dispose(self) -> None:
        if self._zygote is not None and self._zygote.poll() is None:
            self._zygote.stdin.close()  # the helper exits at end of input; workers go on
            self._zygote.wait(10)
        super().dispose()
