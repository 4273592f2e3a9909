"""Test databases: the server named by TEST_DATABASE_URL, else an embedded one.

Every test that needs a database gets a fresh one, cloned from a migrated
template made once per run, and dropped afterwards; names carry a random
suffix so concurrent runs on one server never see each other's data.
"""

import os
import socket
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from sqlalchemy.engine import make_url

from pipelines.db import connection, embedded_db, migrations
from pipelines.defs.resources import FoldersResource, PostgresResource

REAL_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"
RUN_ID = uuid.uuid4().hex[:8]


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    """Each test writes under its own DATA_DIR, never into the checkout's data/."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    """URL of a maintenance database on the test server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    pgdata = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield with_database(embedded_db.start(pgdata), "postgres")
    embedded_db.stop(pgdata)


@contextmanager
def temporary_database(server_url: str, purpose: str, template: str | None = None):
    """A database of this test run's own (from `template` if given), dropped after use."""
    name = f"pi_test_{RUN_ID}_{purpose}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def template_db(server_url) -> str:
    with temporary_database(server_url, "template") as name:
        migrations.migrate(with_database(server_url, name))
        yield name


@pytest.fixture
def db_url(server_url, template_db) -> str:
    """A fresh, migrated database for one test."""
    with temporary_database(server_url, "db", template_db) as name:
        yield with_database(server_url, name)


@pytest.fixture
def folders(tmp_path) -> FoldersResource:
    resource = FoldersResource(
        landing_dir=str(tmp_path / "landing"),
        processed_dir=str(tmp_path / "processed"),
        failed_dir=str(tmp_path / "failed"),
        rejects_dir=str(tmp_path / "rejects"),
    )
    resource.folders()  # creates them
    return resource


@pytest.fixture
def run_job(db_url, folders):
    """Run import_products in-process on a file; returns the import row."""
    from pipelines.defs.in_process import execute_import
    from pipelines.importing.import_runs import find_import_by_run

    def run(path: Path, source: str = "folder", import_id: int = 0) -> dict:
        resources = {"postgres": PostgresResource(url=db_url), "folders": folders, "io_manager": dg.mem_io_manager}
        result = execute_import(path, source, import_id, ephemeral=True, resources=resources)
        row = find_import_by_run(db_url, result.run_id)
        assert row is not None, "the run did not record an import"
        row["run_success"] = result.success
        return row

    return run


@pytest.fixture
def products(db_url):
    """Read the products table as {sku_key: row}."""

    def read() -> dict:
        with connection.connect(db_url) as conn:
            return {r["sku_key"]: r for r in conn.execute("SELECT * FROM products ORDER BY id")}

    return read


@pytest.fixture
def landing_file(folders):
    """Write bytes into the landing folder and return the path."""

    def write(name: str, content: bytes | str) -> Path:
        path = Path(folders.landing_dir) / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture
def s3(monkeypatch):
    """A real S3-compatible server on localhost (moto's server mode) with a bucket `catalog`;
    the AWS_* environment points boto3 (here and in child processes) at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # moto keeps its state per process: start every test from an empty server.
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"))
    client = boto3.client("s3")
    client.create_bucket(Bucket="catalog")
    yield client
    server.stop()
