"""The ways of loading a products file that the import benchmark compares.

Each runs in a process of its own (`python -m bench.contenders NAME FILE URL`)
so that its peak memory is its own; it prints one JSON object with seconds,
peak_mb and, for product-importer, the seconds per stage.
"""

import csv
import json
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

FLOOR_MERGE = """
INSERT INTO products AS p (sku, sku_key, name, description)
SELECT DISTINCT ON (lower(btrim(sku))) btrim(sku), lower(btrim(sku)), btrim(name), coalesce(btrim(description), '')
FROM raw
ORDER BY lower(btrim(sku))
ON CONFLICT (sku_key) DO UPDATE
    SET sku = excluded.sku, name = excluded.name, description = excluded.description, updated_at = now()
"""
BARE_TABLE = "DROP INDEX products_sku_trgm, products_name_trgm, products_description_trgm, products_inactive"


def checkpoint(url: str) -> None:
    # Start each measurement without the previous one's dirty pages.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


class Milestones(threading.Thread):
    """When an import's work became visible, watched from a connection of its own.

    `committed`: the merge committed (a new succeeded import: its products,
    outcome and upload.completed event are one transaction). `searchable`:
    after that, every search index `migrate` creates is present and valid
    (an index CONCURRENTLY being built is not valid yet). Both in seconds
    since `started`, looked at every 20 ms.
    """

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop = url, threading.Event()
        self.committed: float | None = None
        self.searchable: float | None = None
        self.started = 0.0
        with psycopg.connect(url) as conn:
            self.before = self._succeeded(conn)

    @staticmethod
    def _succeeded(conn: psycopg.Connection) -> int:
        return conn.execute("SELECT count(*) FROM imports WHERE status = 'succeeded'").fetchone()[0]

    def begin(self) -> None:
        self.started = time.perf_counter()
        self.start()

    def run(self) -> None:
        from pipelines.db.search_indexes import search_index_names
        from pipelines.db.sql_files import query

        names = list(search_index_names())
        with psycopg.connect(self.url, autocommit=True) as conn:
            while self.searchable is None and not self.stop.wait(0.02):
                now = time.perf_counter() - self.started
                if self.committed is None and self._succeeded(conn) > self.before:
                    self.committed = now
                if self.committed is not None:
                    valid = [r for r in conn.execute(query("search_indexes/status"), {"names": names}) if r[1]]
                    if len(valid) == len(names):
                        self.searchable = now

    def end(self) -> dict:
        self.stop.set()
        self.join(5)
        return {"committed": self.committed, "searchable": self.searchable}


def importer(url: str, path: Path) -> dict:
    """The import_products job in-process, as `product-importer import` runs it.

    Timed from the run's start with Dagster and this code loaded, as a run
    under `up` starts (its warm run launcher forks from a process that has
    them); what a cold CLI process adds is measured on its own
    (bench/cli_startup.py).
    """
    import dagster as dg

    import pipelines.definitions  # noqa: F401  (loaded before the clock starts, as in a warm run)
    from pipelines.defs.in_process import execute_import

    with dg.DagsterInstance.ephemeral():
        pass  # Dagster's storage modules, imported on first use
    from pipelines.defs.resources import FoldersResource, PostgresResource
    from pipelines.importing.import_runs import find_import_by_run

    with tempfile.TemporaryDirectory() as work:
        folders = FoldersResource(
            landing_dir=f"{work}/landing",
            processed_dir=f"{work}/processed",
            failed_dir=f"{work}/failed",
            rejects_dir=f"{work}/rejects",
            work_dir=f"{work}/work",
        )
        checkpoint(url)
        milestones = Milestones(url)
        started = time.perf_counter()
        milestones.begin()
        result = execute_import(
            path,
            "cli",
            ephemeral=True,
            resources={"postgres": PostgresResource(url=url), "folders": folders, "io_manager": dg.mem_io_manager},
        )
        seconds = time.perf_counter() - started
        reached = milestones.end()
        if not result.success:
            raise RuntimeError(
                f"the import failed: {next((e.message for e in result.all_events if e.is_failure), '?')}"
            )
    row = find_import_by_run(url, result.run_id)
    return {
        "seconds": seconds,
        **reached,
        "stages": row["stage_seconds"],
        "counts": {k: row[k] for k in ("created", "updated", "unchanged", "duplicates_in_file")},
    }


def importer_without_journal(url: str, path: Path) -> dict:
    """The same job with the merge writing no undo journal: what the journal costs (bench.undo_speed)."""
    from functools import partial

    from pipelines.defs import import_job
    from pipelines.importing import merging

    import_job.merge_import = partial(merging.merge_import, journal=False)
    return importer(url, path)


def floor(url: str, path: Path, bare: bool = False) -> dict:
    """COPY of the raw file + one INSERT ... ON CONFLICT, into the products table."""
    if bare:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(BARE_TABLE)
    checkpoint(url)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE raw (name text, sku text, description text)")
        with conn.cursor().copy("COPY raw FROM STDIN (FORMAT csv, HEADER true)") as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.execute(FLOOR_MERGE)
        conn.commit()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "committed": seconds, "searchable": None if bare else seconds}


def bare_floor(url: str, path: Path) -> dict:
    return floor(url, path, bare=True)


def indexed_floor(url: str, path: Path) -> dict:
    """The bare floor, then the search indexes built one after another with
    plain CREATE INDEX (as anyone would): the end state of an import."""
    from pipelines.db.search_indexes import create_statements

    loaded = floor(url, path, bare=True)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in create_statements():
            conn.execute(statement)
        conn.execute("CREATE INDEX products_inactive ON products (id) WHERE NOT active")
    seconds = loaded["seconds"] + time.perf_counter() - started
    return {"seconds": seconds, "committed": loaded["seconds"], "searchable": seconds}


PEER_MERGE = """
INSERT INTO products AS p (sku, sku_key, name, description)
SELECT sku, sku_key, name, description FROM peer_staging WHERE n > %s AND n <= %s
ON CONFLICT (sku_key) DO UPDATE
    SET sku = excluded.sku, name = excluded.name, description = excluded.description, updated_at = now()
"""
PEER_INDEXES = (
    "CREATE INDEX products_sku_trgm ON products USING gin (sku gin_trgm_ops)",
    "CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops)",
    "CREATE INDEX products_inactive ON products (id) WHERE NOT active",
)


def peer(url: str, path: Path, batch: int = 50_000) -> dict:
    """The strongest public build of this product, as written by its peers:
    the rows de-duplicated in a Python dict (the last row per lower-cased SKU
    wins), COPY in batches into an UNLOGGED staging table, INSERT ... ON
    CONFLICT in chunks of `batch` rows in one transaction, the secondary
    indexes dropped before and rebuilt after: trigram search on SKU and name
    only (no description search, no validation report, no undo journal)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BARE_TABLE)
    checkpoint(url)
    started = time.perf_counter()
    rows: dict[str, tuple[str, str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            sku = (record.get("sku") or "").strip()
            if sku and (record.get("name") or "").strip():
                rows[sku.lower()] = (sku, record["name"].strip(), (record.get("description") or "").strip())
    items = list(rows.items())
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE UNLOGGED TABLE peer_staging (n bigint GENERATED ALWAYS AS IDENTITY, "
            "sku_key text, sku text, name text, description text)"
        )
        cursor = conn.cursor()
        for low in range(0, len(items), batch):
            with cursor.copy("COPY peer_staging (sku_key, sku, name, description) FROM STDIN") as copy:
                for key, (sku, name, description) in items[low : low + batch]:
                    copy.write_row((key, sku, name, description))
        for low in range(0, len(items), batch):
            conn.execute(PEER_MERGE, (low, low + batch))
        conn.execute("DROP TABLE peer_staging")
        conn.commit()
    committed = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in PEER_INDEXES:
            conn.execute(statement)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "committed": committed, "searchable": seconds}


def dlt_merge(url: str, path: Path) -> dict:
    """dlt's merge load on the normalized SKU, fed Arrow tables (its fast path)."""
    import dlt
    import polars as pl

    @dlt.resource(name="products", primary_key="sku_key", write_disposition="merge")
    def products():
        frame = pl.read_csv(path, infer_schema=False)
        yield frame.with_columns(sku_key=pl.col("sku").str.strip_chars().str.to_lowercase()).to_arrow()

    parts = make_url(url)
    if not parts.host:  # dlt insists on a host; libpq lets ?host= (the embedded server's socket) override it
        parts = parts.set(host="localhost")
    credentials = parts.render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory() as work:
        pipeline = dlt.pipeline(
            pipeline_name="bench_products",
            pipelines_dir=work,
            destination=dlt.destinations.postgres(credentials=credentials),
            dataset_name="dlt_products",
        )
        checkpoint(url)
        started = time.perf_counter()
        pipeline.run(products())
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "committed": seconds, "searchable": None}


def seed_style(url: str, path: Path, batch: int = 1000) -> dict:
    """What a typical seed script does: an ORM, batches of 1,000 rows, look up
    existing SKUs case-insensitively, update or add, commit per batch."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Product(Base):
        __tablename__ = "products"
        id: Mapped[int] = mapped_column(primary_key=True)
        sku: Mapped[str]
        sku_key: Mapped[str]
        name: Mapped[str]
        description: Mapped[str]

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    checkpoint(url)
    started = time.perf_counter()
    with Session(engine) as session, path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        while True:
            chunk = [r for _, r in zip(range(batch), rows, strict=False)]
            if not chunk:
                break
            keys = {r["sku"].strip().lower() for r in chunk}
            existing = {p.sku_key: p for p in session.scalars(select(Product).where(func.lower(Product.sku).in_(keys)))}
            for r in chunk:
                key = r["sku"].strip().lower()
                product = existing.get(key)
                if product is None:
                    product = Product(sku_key=key)
                    session.add(product)
                    existing[key] = product
                product.sku, product.name, product.description = (
                    r["sku"].strip(),
                    r["name"].strip(),
                    r["description"].strip(),
                )
            session.commit()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "committed": seconds, "searchable": None}


CONTENDERS = {
    "importer": importer,
    "importer_without_journal": importer_without_journal,
    "floor": floor,
    "bare_floor": bare_floor,
    "indexed_floor": indexed_floor,
    "peer": peer,
    "dlt": dlt_merge,
    "seed": seed_style,
}


def main(argv: list[str]) -> int:
    name, path, url = argv
    result = CONTENDERS[name](url, Path(path))
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
