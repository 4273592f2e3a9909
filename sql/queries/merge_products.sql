-- Upsert the staged file into products. New SKUs start active; existing
-- ones take the file's SKU casing, name and description and keep `active`.
-- Rows whose values are the same are not rewritten (no new row version, no
-- new updated_at). xmax = 0 marks a freshly inserted row.
WITH upserted AS (
    INSERT INTO products AS p (sku, sku_key, name, description)
    SELECT sku, sku_key, name, description
    FROM {staging}
    ORDER BY line
    ON CONFLICT (sku_key) DO UPDATE
        SET sku         = excluded.sku,
            name        = excluded.name,
            description = excluded.description,
            updated_at  = now()
        WHERE (p.sku, p.name, p.description)
              IS DISTINCT FROM (excluded.sku, excluded.name, excluded.description)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)     AS created,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM upserted;
