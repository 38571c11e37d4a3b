-- The outbox: work a committed change still owes the workflow engine. A row is
-- written in the same transaction as the change that needs it, so a crash or a
-- Temporal outage right after the commit cannot lose it; the API starts the work
-- at once, and the outbox sweeper (a workflow on every task queue) starts what is
-- left. Kinds:
--   campaign_start      ref_id is a draft campaign to send (a restock notice);
--                       removed when the campaign begins
--   reminder_schedule   ref_id is an event whose reminder Schedule must follow its
--                       row (created, changed, deleted); removed once synced
CREATE TABLE outbox (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id  BIGINT UNSIGNED NOT NULL,
    kind        VARCHAR(32) CHARACTER SET ascii NOT NULL,
    ref_id      BIGINT UNSIGNED NOT NULL,
    created_at  DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_outbox_ref (kind, ref_id),
    KEY ix_outbox_created (created_at),
    CONSTRAINT fk_outbox_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
