SELECT count(*) AS n FROM products;
