"""Dagster resources, configured from environment variables."""

from pathlib import Path

import dagster as dg

from pipelines import settings
from pipelines.db import connection
from pipelines.settings import Folders, landing_url


class PostgresResource(dg.ConfigurableResource):
    """The products database: DATABASE_URL, or the embedded server if unset."""

    url: str = ""

    @classmethod
    def from_env(cls) -> "PostgresResource":
        # EnvVar keeps the URL (and its password) out of the Dagster UI.
        return cls(url=dg.EnvVar("DATABASE_URL")) if settings.database_url() else cls()

    def resolved_url(self) -> str:
        return connection.resolve_url(self.url or None)


class FoldersResource(dg.ConfigurableResource):
    """Landing, processed, failed and rejects folders (LANDING_DIR, ...)."""

    landing_dir: str
    processed_dir: str
    failed_dir: str
    rejects_dir: str
    work_dir: str = ""

    @classmethod
    def from_env(cls) -> "FoldersResource":
        folders = Folders.from_env()
        return cls(
            landing_dir=str(folders.landing),
            processed_dir=str(folders.processed),
            failed_dir=str(folders.failed),
            rejects_dir=str(folders.rejects),
            work_dir=str(folders.work),
        )

    def folders(self) -> Folders:
        return Folders(
            landing=Path(self.landing_dir),
            processed=Path(self.processed_dir),
            failed=Path(self.failed_dir),
            rejects=Path(self.rejects_dir),
            work=Path(self.work_dir) if self.work_dir else Path(self.rejects_dir).parent / "work",
        ).create()


class BucketResource(dg.ConfigurableResource):
    """Bucket landing: LANDING_URL=s3://bucket/prefix (empty: off)."""

    landing_url: str = ""

    @classmethod
    def from_env(cls) -> "BucketResource":
        return cls(landing_url=landing_url())
