-- One session at a time drops or builds the search indexes.
SELECT pg_advisory_lock(hashtext('product_importer.search_indexes'));
