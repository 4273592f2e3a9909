"""The FastAPI application: routers, errors, access, health.

`create_app()` reads the settings (DATABASE_URL, the folders); tests pass
their own. Served by uvicorn: `product-importer api`, started by `up`.
"""

import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool

from pipelines.api import imports, problems, products, webhooks
from pipelines.api.access import require_access
from pipelines.api.context import ApiContext
from pipelines.api.models import Health
from pipelines.api.problems import ApiProblem, documented
from pipelines.api.query_names import known_query_parameters
from pipelines.db import connection, migrations
from pipelines.settings import Folders, database_url

DESCRIPTION = """
What the admin app does, for other systems: upload files and follow their
import live (server-sent events), cancel, read and change products, export
them as CSV, manage webhooks. Errors are `application/problem+json`.

Send `Authorization: Bearer <token>` (`product-importer token create NAME`);
while no token exists the API answers on this machine only.
"""


# An upload arriving when its process died stays in work/uploads; one that old
# cannot be arriving still (other API processes may share the folder).
STALE_UPLOAD_SECONDS = 24 * 3600


def remove_stale_uploads(folders: Folders) -> None:
    scratch = folders.work / "uploads"
    if scratch.is_dir():
        for leftover in scratch.iterdir():
            if time.time() - leftover.stat().st_mtime > STALE_UPLOAD_SECONDS:
                leftover.unlink(missing_ok=True)


def create_app(url: str | None = None, folders: Folders | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        resolved = connection.resolve_url(url or database_url() or None)
        await run_in_threadpool(migrations.migrate, resolved)
        app.state.context = ApiContext(resolved, folders or Folders.from_env().create())
        remove_stale_uploads(app.state.context.folders)
        yield

    app = FastAPI(
        title="product-importer",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    problems.install(app)
    protected = [Depends(require_access), Depends(known_query_parameters)]
    for router in (imports.router, products.router, webhooks.router):
        app.include_router(router, dependencies=protected)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        """The process answers."""
        return Health(status="ok")

    @app.get("/readyz", response_model=Health, tags=["health"], responses=documented(503))
    def readyz() -> Health:
        """The database answers and its schema is current."""
        try:
            version = migrations.schema_version(app.state.context.url)
        except Exception as error:
            raise ApiProblem(503, f"The database does not answer: {str(error).splitlines()[0]}") from None
        if version < max(number for number, _, _ in migrations.migrations()):
            raise ApiProblem(503, "The database schema is behind; run `product-importer migrate`.")
        return Health(status="ok")

    return app
