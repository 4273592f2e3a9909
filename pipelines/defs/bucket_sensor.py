"""The sensor that starts an import for each new object in the landing bucket."""

import dagster as dg

from pipelines.defs.import_job import import_products
from pipelines.defs.resources import BucketResource
from pipelines.defs.run_config import import_run_request
from pipelines.importing.bucket import s3_client, scan_bucket
from pipelines.settings import landing_url

INTERVAL_SECONDS = 5


@dg.sensor(
    job=import_products,
    minimum_interval_seconds=INTERVAL_SECONDS,
    # Shown as running in the Dagster UI only where bucket landing is configured.
    default_status=dg.DefaultSensorStatus.RUNNING if landing_url() else dg.DefaultSensorStatus.STOPPED,
    description="Starts one import per new CSV or .xlsx object under LANDING_URL (s3://bucket/prefix).",
)
def landing_bucket_sensor(context: dg.SensorEvaluationContext, bucket: BucketResource):
    if not bucket.landing_url:
        return dg.SkipReason("LANDING_URL is not set: bucket landing is off.")
    found, cursor = scan_bucket(s3_client(), bucket.landing_url, context.cursor)
    # Dagster also refuses a second run for the same run key.
    requests = [import_run_request(item.run_key, item.url, item.key.rsplit("/", 1)[-1], "bucket") for item in found]
    return dg.SensorResult(run_requests=requests, cursor=cursor)
