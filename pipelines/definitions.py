"""Assembles the Dagster code location; the pieces live in pipelines.defs."""

import dagster as dg

from pipelines.defs.bucket_sensor import landing_bucket_sensor
from pipelines.defs.catalog_asset import products_asset, products_checks
from pipelines.defs.import_job import import_products
from pipelines.defs.landing_sensor import landing_folder_sensor
from pipelines.defs.recovery import catalog_recovery, recover_catalog
from pipelines.defs.resources import BucketResource, FoldersResource, PostgresResource
from pipelines.defs.retention import apply_retention, journal_retention
from pipelines.defs.run_status_sensors import import_run_canceled, import_run_failed

defs = dg.Definitions(
    assets=[products_asset],
    asset_checks=[products_checks],
    jobs=[import_products, recover_catalog, apply_retention],
    schedules=[journal_retention],
    sensors=[landing_folder_sensor, landing_bucket_sensor, import_run_failed, import_run_canceled, catalog_recovery],
    resources={
        "postgres": PostgresResource.from_env(),
        "folders": FoldersResource.from_env(),
        "bucket": BucketResource.from_env(),
        # Ops pass small state (paths, counts) within one in-process run; see defs/import_job.py.
        "io_manager": dg.mem_io_manager,
    },
)
