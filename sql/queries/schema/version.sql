SELECT max(version) AS v FROM schema_migrations;
