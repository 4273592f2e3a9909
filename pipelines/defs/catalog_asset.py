"""The products table as Dagster sees it: an asset, each import's change to it, checks.

The table is written by the import job's merge, not by an asset function, so
it is declared as an AssetSpec and every committed merge records an
AssetMaterialization with its counts: the asset page shows the catalog's
history import by import. The checks run from the asset page ("Execute")
and are reported after every import.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import dagster as dg

from pipelines.db.search_indexes import search_index_names, search_indexes_missing
from pipelines.defs.resources import PostgresResource
from pipelines.importing.import_runs import latest_succeeded_import
from pipelines.importing.staging import leftover_staging_tables

PRODUCTS = dg.AssetKey("products")
# Above this share of rejected rows an import is suspicious (a wrong column,
# a file from another system) though it did import.
REJECTED_SHARE_WARNING = 0.05

products_asset = dg.AssetSpec(
    PRODUCTS,
    description="The products table in PostgreSQL: one row per SKU (Unicode caseless), written by import_products.",
    kinds={"postgres"},
    group_name="catalog",
)


def materialization(
    import_id: int, file_name: str, created: int, updated: int, unchanged: int
) -> dg.AssetMaterialization:
    return dg.AssetMaterialization(
        asset_key=PRODUCTS,
        description=f"Import {import_id} of {file_name}",
        metadata={
            "import_id": import_id,
            "file_name": file_name,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        },
    )


@dataclass(frozen=True)
class Finding:
    """One check's verdict, before Dagster's types."""

    name: str
    passed: bool
    description: str
    metadata: dict = field(default_factory=dict)
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR

    def result(self) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            check_name=self.name,
            passed=self.passed,
            severity=self.severity,
            description=self.description,
            metadata=self.metadata,
        )

    def evaluation(self) -> dg.AssetCheckEvaluation:
        return dg.AssetCheckEvaluation(
            asset_key=PRODUCTS,
            check_name=self.name,
            passed=self.passed,
            severity=self.severity,
            description=self.description,
            metadata=self.metadata,
        )


def search_indexes_finding(url: str) -> Finding:
    missing = search_indexes_missing(url)
    return Finding(
        "search_indexes_valid",
        passed=not missing,
        description="Every search index is present and valid."
        if not missing
        else f"Missing or not valid: {', '.join(missing)} (filters are slower until they are rebuilt).",
        metadata={"expected": ", ".join(search_index_names()), "missing": ", ".join(missing)},
    )


def staging_tables_finding(url: str) -> Finding:
    leftover = leftover_staging_tables(url)
    return Finding(
        "no_leftover_staging_tables",
        passed=not leftover,
        description="No staging table outlived its import."
        if not leftover
        else f"{len(leftover)} staging table(s) left by ended imports: {', '.join(leftover[:10])}.",
        metadata={"leftover": len(leftover)},
    )


def rejected_share_finding(url: str) -> Finding:
    latest = latest_succeeded_import(url)
    if latest is None or not latest["rows_seen"]:
        return Finding("rejected_rows_share", True, "No rows imported yet.", severity=dg.AssetCheckSeverity.WARN)
    share = (latest["rows_rejected"] or 0) / latest["rows_seen"]
    return Finding(
        "rejected_rows_share",
        passed=share <= REJECTED_SHARE_WARNING,
        description=f"Import {latest['id']} of {latest['file_name']}: {share:.1%} of its rows were rejected "
        f"(warning above {REJECTED_SHARE_WARNING:.0%}).",
        metadata={"import_id": latest["id"], "rejected_share": round(share, 4)},
        severity=dg.AssetCheckSeverity.WARN,
    )


def findings(url: str) -> list[Finding]:
    return [search_indexes_finding(url), staging_tables_finding(url), rejected_share_finding(url)]


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "search_indexes_valid", asset=PRODUCTS, description="The product filters' indexes exist and are valid."
        ),
        dg.AssetCheckSpec(
            "no_leftover_staging_tables", asset=PRODUCTS, description="No staging table outlived its import."
        ),
        dg.AssetCheckSpec(
            "rejected_rows_share",
            asset=PRODUCTS,
            description=f"The latest import rejected at most {REJECTED_SHARE_WARNING:.0%} of its rows (a warning).",
        ),
    ],
)
def products_checks(postgres: PostgresResource) -> Iterator[dg.AssetCheckResult]:
    for finding in findings(postgres.resolved_url()):
        yield finding.result()
