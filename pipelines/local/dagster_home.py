"""The local Dagster instance directory (DAGSTER_HOME, default data/dagster)."""

from pathlib import Path

from pipelines.settings import dagster_home, export_dagster_home

# Telemetry off: this tool runs offline and on operators' machines; nux off:
# no newsletter pop-up in the Dagster UI on a user's first visit. Run
# monitoring marks runs whose worker died as failed instead of "started".
# The default run coordinator launches a sensor's run at once; `dagster dev`
# would otherwise queue it and wait for the queue daemon's next poll
# (measured: seconds of the drop-to-commit time of a small file). The warm
# run launcher forks runs from a process that has the code loaded instead of
# starting a new Python for each (see pipelines/defs/run_launcher.py).
LOCAL_DAGSTER_YAML = """\
telemetry:
  enabled: false
nux:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
run_launcher:
  module: pipelines.defs.run_launcher
  class: WarmRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 15
"""


MOVED_LAUNCHER = "module: pipelines.run_launcher\n"


def ensure_dagster_home() -> Path:
    """Create DAGSTER_HOME with a dagster.yaml if needed and export it."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_DAGSTER_YAML)
    elif (text := config.read_text()) and MOVED_LAUNCHER in text:
        # Written by a version whose launcher lived at pipelines.run_launcher.
        config.write_text(text.replace(MOVED_LAUNCHER, "module: pipelines.defs.run_launcher\n"))
    if "nux:" not in (text := config.read_text()) and text.startswith("telemetry:\n  enabled: false\n"):
        # Written by a version before the pop-up was turned off: add the setting.
        config.write_text(
            text.replace("telemetry:\n  enabled: false\n", "telemetry:\n  enabled: false\nnux:\n  enabled: false\n", 1)
        )
    export_dagster_home(home)
    return home
