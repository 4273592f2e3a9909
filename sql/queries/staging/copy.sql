COPY {staging} (line, sku, sku_key, name, description, price)
FROM STDIN (FORMAT csv, FORCE_NOT_NULL (sku, sku_key, name, description));
