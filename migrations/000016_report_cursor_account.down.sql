ALTER TABLE relay_report_cursors
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (relay_id),
    DROP COLUMN account_id;
