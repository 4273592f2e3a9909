from pipelines.db import connection, migrations


def test_migrations_are_idempotent_and_record_the_version(db_url):
    # db_url comes from a migrated template: nothing is left to apply.
    assert migrations.migrate(db_url) == []
    assert migrations.schema_version(db_url) == max(v for v, _, _ in migrations.migrations())
    with connection.connect(db_url) as conn:
        columns = {
            r["column_name"]
            for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'products'")
        }
    assert {"id", "sku", "name", "description", "active", "created_at", "updated_at"} <= columns


def test_sku_is_unique_case_insensitively_in_the_database(db_url):
    import psycopg
    import pytest

    from pipelines.catalog.sku import normalize_sku

    with connection.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO products (sku, sku_key, name) VALUES (%s, %s, 'x')", ("ÜBER-01", normalize_sku("ÜBER-01"))
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "INSERT INTO products (sku, sku_key, name) VALUES (%s, %s, 'y')", ("über-01", normalize_sku("über-01"))
            )


def test_migration_5_recomputes_keys_and_merges_products_that_became_one_sku(db_url):
    """A database from before caseless SKUs: keys by the old rule (NFC + lower case)."""
    from pipelines.db.connection import connect

    with connect(db_url) as conn:
        conn.execute("DROP TABLE products_merged_by_sku_key")
        conn.execute("DELETE FROM schema_migrations WHERE version = 5")
        for sku, old_key, name, changed in [
            ("STRASSE", "strasse", "older", "2026-01-01"),
            ("straße", "straße", "newer", "2026-02-01"),
            ("ＡＢＣ", "ａｂｃ", "fullwidth, newer", "2026-03-01"),
            ("ABC", "abc", "ascii, older", "2026-01-01"),
            ("Über-1", "über-1", "unchanged key", "2026-01-01"),
            ("ﬁx", "ﬁx", "ligature alone", "2026-01-01"),
        ]:
            conn.execute(
                "INSERT INTO products (sku, sku_key, name, changed_at) VALUES (%s, %s, %s, %s)",
                (sku, old_key, name, changed),
            )
    [applied] = migrations.migrate(db_url)
    assert applied.startswith("0005_caseless_sku_keys (")
    assert "3 SKU key(s) recomputed" in applied and "2 product(s) merged" in applied
    with connect(db_url) as conn:
        kept = {r["sku_key"]: r["name"] for r in conn.execute("SELECT sku_key, name FROM products")}
        merged = conn.execute("SELECT sku, kept_product_id FROM products_merged_by_sku_key ORDER BY sku").fetchall()
        events = conn.execute("SELECT payload FROM events WHERE type = 'product.deleted' ORDER BY id").fetchall()
    assert kept == {"strasse": "newer", "abc": "fullwidth, newer", "über-1": "unchanged key", "fix": "ligature alone"}
    assert [m["sku"] for m in merged] == ["ABC", "STRASSE"]
    assert len(events) == 2 and all("caseless" in e["payload"]["reason"] for e in events)
    assert migrations.migrate(db_url) == []  # once
