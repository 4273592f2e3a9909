-- Per-import staging table. UNLOGGED: it is rebuilt from the file after a
-- crash anyway, so writing it to the WAL would only cost time.
DROP TABLE IF EXISTS {staging};
CREATE UNLOGGED TABLE {staging} (
    line        integer NOT NULL,
    sku         text    NOT NULL,
    sku_key     text    NOT NULL,
    name        text    NOT NULL,
    description text    NOT NULL,
    price       numeric               -- NULL: no price (or no price column, see has_price)
);
