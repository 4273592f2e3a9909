"""Where things live, from environment variables with local defaults.

Every setting is read here and nowhere else; README.md lists them.
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR") or PROJECT_ROOT / "data").resolve()


def landing_url() -> str:
    """s3://bucket/prefix watched by the bucket sensor; empty: no bucket landing."""
    return os.environ.get("LANDING_URL", "")


def landing_settle_seconds() -> float:
    """How long a landing file must stay unchanged before it is imported."""
    return float(os.environ.get("LANDING_SETTLE_SECONDS") or 1.0)


def dagster_url() -> str:
    """Where users open the Dagster UI (links from the admin app)."""
    return os.environ.get("DAGSTER_URL") or f"http://127.0.0.1:{os.environ.get('DAGSTER_PORT', '3000')}"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or data_dir() / "dagster").resolve()


@dataclass(frozen=True)
class Folders:
    landing: Path
    processed: Path
    failed: Path
    rejects: Path
    work: Path  # per-import scratch: checked rows, bucket downloads (removed when done)

    @classmethod
    def from_env(cls) -> "Folders":
        base = data_dir()
        return cls(
            landing=Path(os.environ.get("LANDING_DIR") or base / "landing").resolve(),
            processed=Path(os.environ.get("PROCESSED_DIR") or base / "processed").resolve(),
            failed=Path(os.environ.get("FAILED_DIR") or base / "failed").resolve(),
            rejects=Path(os.environ.get("REJECTS_DIR") or base / "rejects").resolve(),
            work=(base / "work").resolve(),
        )

    def create(self) -> "Folders":
        for folder in (self.landing, self.processed, self.failed, self.rejects, self.work):
            folder.mkdir(parents=True, exist_ok=True)
        return self
