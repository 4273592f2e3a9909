-- One process migrates at a time; the others wait, then find the work done.
SELECT pg_advisory_xact_lock(hashtext('product_importer.migrate'));
