SELECT pg_advisory_unlock(hashtext('product_importer.search_indexes'));
