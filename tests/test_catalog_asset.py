"""The products asset's checks, executed as Dagster executes them from the UI."""

import dagster as dg

from pipelines.db.connection import connect
from pipelines.db.search_indexes import drop_search_indexes, ensure_search_indexes
from pipelines.defs.catalog_asset import PRODUCTS, products_asset, products_checks
from pipelines.defs.resources import PostgresResource
from pipelines.importing.staging import drop_staging


def run_checks(db_url: str) -> dict[str, dg.AssetCheckEvaluation]:
    result = dg.materialize(
        [products_asset, products_checks],
        resources={"postgres": PostgresResource(url=db_url)},
        selection=dg.AssetSelection.checks_for_assets(PRODUCTS),
    )
    assert result.success
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_checks_pass_on_a_healthy_catalog(db_url, run_job, landing_file):
    run_job(landing_file("good.csv", "sku,name\nA,Alpha\nB,Beta\n"))
    checks = run_checks(db_url)
    assert set(checks) == {"search_indexes_valid", "no_leftover_staging_tables", "rejected_rows_share"}
    assert all(check.passed for check in checks.values())


def test_checks_see_missing_indexes_leftover_staging_and_many_rejects(db_url, run_job, landing_file):
    run_job(landing_file("bad.csv", "sku,name\nA,Alpha\n,no sku\n,no sku either\n"))
    drop_search_indexes(db_url)
    with connect(db_url) as conn:
        conn.execute("CREATE UNLOGGED TABLE import_staging_999 (line integer)")  # what a crash leaves
    checks = run_checks(db_url)
    assert not checks["search_indexes_valid"].passed
    assert "products_description_trgm" in checks["search_indexes_valid"].description
    assert not checks["no_leftover_staging_tables"].passed
    assert "import_staging_999" in checks["no_leftover_staging_tables"].description
    rejected = checks["rejected_rows_share"]
    assert not rejected.passed and rejected.severity == dg.AssetCheckSeverity.WARN and "66.7%" in rejected.description
    ensure_search_indexes(db_url)
    drop_staging(db_url, 999)
    checks = run_checks(db_url)
    assert checks["search_indexes_valid"].passed and checks["no_leftover_staging_tables"].passed
