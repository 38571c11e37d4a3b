-- A committing import's rows are split into id ranges (parts) that commit side
-- by side, each as its own stream of transactions with its own resume point:
-- one stream kept one of MySQL's cores busy and left the other idle. Each
-- batch's transaction moves its part's committed_through and adds to the
-- import's counts, so a retry resumes every part exactly where it stopped.
-- imports.committed_through stays the point the parts started after.
CREATE TABLE import_commit_parts (
    import_id           BIGINT UNSIGNED  NOT NULL,
    part                TINYINT UNSIGNED NOT NULL,
    through_id          BIGINT UNSIGNED  NOT NULL COMMENT 'last import_rows.id of the part',
    committed_through   BIGINT UNSIGNED  NOT NULL COMMENT 'last import_rows.id committed (the part''s first id - 1 before any)',
    PRIMARY KEY (import_id, part),
    CONSTRAINT fk_import_commit_parts_import FOREIGN KEY (import_id) REFERENCES imports (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
