-- "Check only": the file's rows in a temporary table of this session.
CREATE TEMP TABLE {staging} (
    line        integer NOT NULL,
    sku         text    NOT NULL,
    sku_key     text    NOT NULL,
    name        text    NOT NULL,
    description text    NOT NULL,
    price       numeric               -- NULL: no price (or no price column, see has_price)
) ON COMMIT DROP;
