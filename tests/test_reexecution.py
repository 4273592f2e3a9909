"""Dagster's "Re-execute" on an import run, through the webserver's GraphQL API under `up`.

The run's file is archived by then, so a re-execution (all steps or from
failure) is refused: the new run fails saying why, and no import, no event
and no product change comes of it (README, The job).
"""

import psycopg
import pytest
from conftest import REAL_FIXTURES
from test_embedded_and_up import graphql, start_up, stop_up, wait_for

pytestmark = pytest.mark.slow

REEXECUTE = """
mutation {{
  launchRunReexecution(reexecutionParams: {{parentRunId: "{parent}", strategy: {strategy}}}) {{
    __typename
    ... on LaunchRunSuccess {{ run {{ runId }} }}
    ... on PythonError {{ message }}
  }}
}}
"""
RUN = """
{{
  runOrError(runId: "{run}") {{
    ... on Run {{
      status
      parentRunId
      eventConnection(afterCursor: null) {{
        events {{
          __typename
          ... on MessageEvent {{ message }}
          ... on ExecutionStepFailureEvent {{ failureMetadata {{ description }} }}
        }}
      }}
    }}
  }}
}}
"""


def counts(conn) -> tuple:
    return conn.execute(
        "SELECT (SELECT count(*) FROM imports), (SELECT count(*) FROM events), (SELECT count(*) FROM products)"
    ).fetchone()


def reexecute(port: int, parent: str, strategy: str) -> dict:
    answer = graphql(port, REEXECUTE.format(parent=parent, strategy=strategy))["launchRunReexecution"]
    assert answer["__typename"] == "LaunchRunSuccess", answer
    run_id = answer["run"]["runId"]

    def finished():
        run = graphql(port, RUN.format(run=run_id))["runOrError"]
        return run if run["status"] in ("SUCCESS", "FAILURE", "CANCELED") else None

    return wait_for(finished, 90, f"the {strategy} re-execution to finish")


def test_reexecuting_an_import_run_is_refused_and_changes_nothing(tmp_path, db_url):
    proc, dagster_port, _ = start_up(tmp_path, DATABASE_URL=db_url)
    landing = tmp_path / "data" / "landing"
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:

            def finished(name):
                row = conn.execute(
                    "SELECT status, dagster_run_id FROM imports WHERE file_name = %s", (name,)
                ).fetchone()
                return row if row and row[0] in ("succeeded", "failed") and row[1] else None

            (landing / "products_100.csv").write_bytes((REAL_FIXTURES / "products_100.csv").read_bytes())
            succeeded = wait_for(lambda: finished("products_100.csv"), 90, "the dropped file to be imported")
            (landing / "no-sku.csv").write_text("name\nno sku column\n")
            refused = wait_for(lambda: finished("no-sku.csv"), 90, "the bad file to be refused")
            assert (succeeded[0], refused[0]) == ("succeeded", "failed")
            wait_for(lambda: not list(landing.iterdir()), 30, "both files to be archived")
            before = counts(conn)
            # "Re-execute all" on the finished run, "Re-execute from failure" on the failed one.
            for parent, strategy in ((succeeded[1], "ALL_STEPS"), (refused[1], "FROM_FAILURE")):
                run = reexecute(dagster_port, parent, strategy)
                assert run["status"] == "FAILURE" and run["parentRunId"] == parent
                events = run["eventConnection"]["events"]
                messages = " ".join(
                    (e.get("message") or "") + " " + ((e.get("failureMetadata") or {}).get("description") or "")
                    for e in events
                )
                assert "Import runs are not re-executed" in messages and "Retry" in messages
            assert counts(conn) == before  # no new import, no upload.failed, no product change
        assert len(list((tmp_path / "data" / "processed").iterdir())) == 1
        assert len(list((tmp_path / "data" / "failed").iterdir())) == 1
    finally:
        stop_up(proc, tmp_path)
