"""The landing-folder sensor, evaluated with dg.build_sensor_context."""

import os
from pathlib import Path

import dagster as dg

from pipelines.landing_sensor import landing_folder_sensor


def tick(folders, cursor):
    context = dg.build_sensor_context(cursor=cursor, resources={"folders": folders})
    result = landing_folder_sensor(context)
    return result.run_requests, result.cursor


def test_new_file_gives_one_run_request_once_it_is_stable(folders, landing_file):
    path = landing_file("products.csv", "sku,name\nA,B\n")
    requests, cursor = tick(folders, None)
    assert requests == []  # first look: could still be being written
    requests, cursor = tick(folders, cursor)
    assert len(requests) == 1
    config = requests[0].run_config["ops"]["validate"]["config"]
    assert config == {"path": str(path), "source": "folder"}
    # Same file, later ticks: nothing more.
    for _ in range(3):
        requests, cursor = tick(folders, cursor)
        assert requests == []


def test_growing_file_is_not_picked_up(folders, landing_file):
    path = landing_file("big.csv", "sku,name\n")
    requests, cursor = tick(folders, None)
    with path.open("a") as handle:
        handle.write("A,B\n")
    requests, cursor = tick(folders, cursor)
    assert requests == []
    requests, cursor = tick(folders, cursor)
    assert len(requests) == 1


def test_a_later_file_with_the_same_name_is_imported_again(folders, landing_file):
    path = landing_file("daily.csv", "sku,name\nA,B\n")
    _, cursor = tick(folders, None)
    [first], cursor = tick(folders, cursor)
    path.unlink()  # the job archived it
    _, cursor = tick(folders, cursor)
    path = landing_file("daily.csv", "sku,name\nA,B\nC,D\n")
    requests, cursor = tick(folders, cursor)
    assert requests == []  # just written: wait for a second look
    [second], cursor = tick(folders, cursor)
    assert second.run_key != first.run_key


def test_a_file_unchanged_for_a_while_is_taken_at_first_sight(folders, landing_file):
    # Copied with its old modification time kept (cp -p, rsync -t), or dropped
    # between two of the daemon's looks: nothing has written it for seconds.
    path = landing_file("settled.csv", "sku,name\nA,B\n")
    old = 1_700_000_000_000_000_000
    os.utime(path, ns=(old, old))
    [request], cursor = tick(folders, None)
    assert request.run_config["ops"]["validate"]["config"]["path"] == str(path)
    assert tick(folders, cursor)[0] == []


def test_hidden_temporary_and_other_files_are_ignored(folders, landing_file):
    for name in [".products.csv", "upload.csv.tmp", "upload.csv.part", "notes.txt", "~lock.csv"]:
        landing_file(name, "sku,name\nA,B\n")
    Path(folders.landing_dir, "sub.csv").mkdir()
    _, cursor = tick(folders, None)
    requests, _ = tick(folders, cursor)
    assert requests == []


def test_each_ready_file_gets_its_own_run(folders, landing_file):
    landing_file("a.csv", "sku,name\nA,B\n")
    landing_file("b.csv", "sku,name\nC,D\n")
    _, cursor = tick(folders, None)
    requests, _ = tick(folders, cursor)
    assert sorted(Path(r.run_config["ops"]["validate"]["config"]["path"]).name for r in requests) == ["a.csv", "b.csv"]
    assert len({r.run_key for r in requests}) == 2
