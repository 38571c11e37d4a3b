-- A relay's report cursor names the account that owns the relay, so the report
-- path reads and moves it with the tenant's key like every other statement on
-- the send and report path. Existing cursors take their relay's account; a
-- cursor whose relay is gone is dropped (nothing polls it any more).
ALTER TABLE relay_report_cursors
    ADD COLUMN account_id BIGINT UNSIGNED NOT NULL DEFAULT 0 FIRST;
UPDATE relay_report_cursors c JOIN relays r ON r.id = c.relay_id SET c.account_id = r.account_id;
DELETE FROM relay_report_cursors WHERE account_id = 0;
ALTER TABLE relay_report_cursors
    DROP PRIMARY KEY,
    ADD PRIMARY KEY (account_id, relay_id),
    ALTER COLUMN account_id DROP DEFAULT;
