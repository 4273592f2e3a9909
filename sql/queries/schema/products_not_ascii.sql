-- Products whose SKU has a character beyond ASCII: the only keys that a
-- change of the caseless rule can change (for ASCII it is trim + lower case).
SELECT id, sku, sku_key, changed_at, updated_at
FROM products
WHERE sku ~ '[^\x01-\x7f]';
