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
