"""The sensor that starts an import for each new file in the landing folder."""

from pathlib import Path

import dagster as dg

from pipelines.import_job import import_products
from pipelines.landing import scan_landing
from pipelines.resources import FoldersResource

# Two looks this far apart must agree before a file counts as complete, so a
# dropped file is requested within about 1-2 seconds.
INTERVAL_SECONDS = 1


@dg.sensor(
    job=import_products,
    minimum_interval_seconds=INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts one import per new CSV file in the landing folder (LANDING_DIR).",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext, folders: FoldersResource) -> dg.SensorResult:
    landing = Path(folders.landing_dir)
    ready, cursor = scan_landing(landing, context.cursor)
    requests = [
        dg.RunRequest(
            run_key=file.run_key,
            run_config=dg.RunConfig(ops={"validate": {"config": {"path": str(file.path), "source": "folder"}}}),
            tags={"product_importer/file": file.path.name, "product_importer/source": "folder"},
        )
        for file in ready
    ]
    return dg.SensorResult(run_requests=requests, cursor=cursor)
