-- Whether the catalog holds any product at all (exact, unlike products/estimate).
SELECT EXISTS (SELECT 1 FROM products) AS any;
