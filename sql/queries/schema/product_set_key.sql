-- A product's comparison key, recomputed by a new rule.
UPDATE products SET sku_key = %(sku_key)s WHERE id = %(id)s;
