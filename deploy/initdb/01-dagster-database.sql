-- Dagster's own storage lives in a database of its own beside the products.
CREATE DATABASE dagster OWNER importer;
