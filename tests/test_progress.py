"""Progress within a stage: the bar moves while one long statement runs.

The merge is one statement (no progress view covers it): its progress is
its time so far against the speed of earlier merges. An index build is
read from pg_stat_progress_create_index. The time left in a stage comes
from how much of it is done in how long.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.db import connection
from pipelines.db.search_indexes import drop_search_indexes, ensure_search_indexes, index_build_fraction
from pipelines.importing.import_runs import seconds_left, stage_fraction
from pipelines.importing.merging import merge_progress
from pipelines.importing.sample import write_sample


def test_time_left_comes_from_the_share_of_the_stage_done():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    # Merging spans 60..80%: at 70% it is half done, after 10 s: 10 s left.
    row = {"status": "running", "stage": "merging", "percent": 70, "stage_started_at": now - timedelta(seconds=10)}
    assert stage_fraction(row) == 0.5 and seconds_left(row, now) == pytest.approx(10.0)
    assert seconds_left({**row, "percent": 60}, now) is None  # nothing done yet: no guess
    assert seconds_left({**row, "status": "succeeded"}, now) is None
    assert seconds_left({**row, "percent": 80}, now) is None  # the stage is ending, not "0 s left"


def test_a_merges_progress_follows_the_speed_of_earlier_merges(db_url):
    with connection.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO imports (file_name, source, status, stage, rows_seen, stage_seconds)"
            " VALUES ('a.csv', 'folder', 'succeeded', 'done', 100000, '{\"merging\": 2.0}')"
        )  # 50,000 rows per second
    measure = merge_progress(db_url, 25_000)  # about 0.5 s
    first = measure(None)
    time.sleep(0.25)
    second = measure(None)
    assert 0 <= first < second and second == pytest.approx(0.5, abs=0.25)
    time.sleep(0.5)
    assert measure(None) == 0.9  # past the expected time: waits at 90%, never claims done


def test_without_earlier_merges_the_merge_says_nothing(db_url):
    assert merge_progress(db_url, 25_000)(None) is None


@pytest.mark.slow
def test_an_index_rebuild_reports_how_far_it_has_got(db_url, tmp_path, run_job, landing_file):
    source = write_sample(tmp_path / "big.csv", 150_000)
    assert run_job(landing_file("big.csv", source.read_bytes()))["status"] == "succeeded"
    drop_search_indexes(db_url)
    seen: list[float] = []
    building = threading.Thread(target=ensure_search_indexes, args=(db_url,), kwargs={"concurrently": True})
    with connection.connect(db_url, autocommit=True) as conn:
        building.start()
        while building.is_alive():
            if (fraction := index_build_fraction(conn)) is not None:
                seen.append(fraction)
            time.sleep(0.05)
    building.join()
    assert any(0 < f < 1 for f in seen), seen
    # It moves forward: within one index, and from one index to the next.
    assert len(set(seen)) >= 3 and max(seen) - min(seen) > 0.3, seen
