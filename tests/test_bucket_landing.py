"""Bucket landing against a real S3-compatible server on localhost (moto's server mode)."""

import dagster as dg

from pipelines.defs.bucket_sensor import landing_bucket_sensor
from pipelines.defs.resources import BucketResource
from pipelines.importing.sample import write_sample


def tick(cursor, landing="s3://catalog/incoming"):
    context = dg.build_sensor_context(cursor=cursor, resources={"bucket": BucketResource(landing_url=landing)})
    result = landing_bucket_sensor(context)
    return result.run_requests, result.cursor


def keys(client, prefix=""):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket="catalog", Prefix=prefix).get("Contents", []))


def test_new_object_is_imported_once_streamed_and_moved(s3, tmp_path, run_job, products):
    sample = write_sample(tmp_path / "big.csv", 30_000)  # ~5 MB, several multipart chunks
    s3.upload_file(str(sample), "catalog", "incoming/big.csv")
    s3.put_object(Bucket="catalog", Key="incoming/notes.txt", Body=b"not a csv")
    s3.put_object(Bucket="catalog", Key="elsewhere/other.csv", Body=b"sku,name\nX,Y\n")
    [request], cursor = tick(None)
    config = request.run_config["ops"]["validate"]["config"]
    assert config == {"path": "s3://catalog/incoming/big.csv", "source": "bucket"}
    assert tick(cursor)[0] == []  # requested once
    row = run_job(config["path"], source="bucket")
    assert row["status"] == "succeeded" and row["source"] == "bucket" and row["rows_seen"] == 30_000
    assert len(products()) == row["created"] > 25_000
    assert row["file_path"] == f"s3://catalog/incoming/processed/{row['id']}-big.csv"
    assert keys(s3, "incoming/") == ["incoming/notes.txt", f"incoming/processed/{row['id']}-big.csv"]
    assert list((tmp_path / "work").glob("*")) == []  # the local copy is gone
    # The moved object is not picked up again; a new object under the same key is.
    requests, cursor = tick(cursor)
    assert requests == []
    s3.upload_file(str(sample), "catalog", "incoming/big.csv")
    [again], cursor = tick(cursor)
    assert again.run_config["ops"]["validate"]["config"]["path"] == "s3://catalog/incoming/big.csv"


def test_refused_object_moves_to_failed(s3, run_job, products):
    s3.put_object(Bucket="catalog", Key="incoming/bad.csv", Body=b"name\nno sku\n")
    [request], _ = tick(None)
    row = run_job(request.run_config["ops"]["validate"]["config"]["path"], source="bucket")
    assert row["status"] == "failed" and "no SKU column" in row["error"]
    assert keys(s3, "incoming/") == [f"incoming/failed/{row['id']}-bad.csv"]
    assert products() == {}


def test_several_new_objects_are_requested_oldest_first(s3):
    for name in ("a.csv", "b.csv", "c.csv"):
        s3.put_object(Bucket="catalog", Key=f"incoming/{name}", Body=b"sku,name\nA,B\n")
    requests, cursor = tick(None)
    assert len(requests) == 3 and len({r.run_key for r in requests}) == 3
    assert tick(cursor)[0] == []


def test_sensor_is_off_without_landing_url():
    context = dg.build_sensor_context(resources={"bucket": BucketResource(landing_url="")})
    result = landing_bucket_sensor(context)
    assert isinstance(result, dg.SkipReason) and "LANDING_URL" in result.skip_message
