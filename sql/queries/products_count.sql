SELECT count(*) AS products, count(*) FILTER (WHERE active) AS active FROM products;
