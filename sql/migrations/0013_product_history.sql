-- A product's history (catalog/products.product_history) reads the events of
-- that product: an index on the product id their payload carries, for the
-- product events only (an import's events carry no product).
CREATE INDEX events_product_id ON events (((payload -> 'product' ->> 'id')::bigint))
    WHERE type IN ('product.created', 'product.updated', 'product.deleted');
