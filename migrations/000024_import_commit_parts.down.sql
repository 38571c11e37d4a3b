DROP TABLE IF EXISTS import_commit_parts;
