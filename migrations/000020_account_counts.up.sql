-- The dashboard's customer count, kept exact by triggers in the very statements
-- (and so the transactions) that add or remove customers: every write path,
-- present or future (create, import, seed, delete), is covered without code.
-- Counts are spread over 16 shards per account (by connection), so parallel
-- import transactions do not queue on one hot row; readers sum the shards.
-- A deleted account cascades its customers and its counts together.
CREATE TABLE account_counts (
    account_id      BIGINT UNSIGNED NOT NULL,
    shard           TINYINT UNSIGNED NOT NULL COMMENT 'CONNECTION_ID() % 16 of the writer',
    customers       BIGINT          NOT NULL DEFAULT 0 COMMENT 'may be negative in one shard; the sum is exact',
    PRIMARY KEY (account_id, shard),
    CONSTRAINT fk_account_counts_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TRIGGER trg_customers_count_insert AFTER INSERT ON customers FOR EACH ROW
    INSERT INTO account_counts (account_id, shard, customers) VALUES (NEW.account_id, CONNECTION_ID() % 16, 1)
    ON DUPLICATE KEY UPDATE customers = customers + 1;

CREATE TRIGGER trg_customers_count_delete AFTER DELETE ON customers FOR EACH ROW
    INSERT INTO account_counts (account_id, shard, customers) VALUES (OLD.account_id, CONNECTION_ID() % 16, -1)
    ON DUPLICATE KEY UPDATE customers = customers - 1;

-- Backfill (and repair: rerunning these two statements makes the counts exact
-- again): everything in shard 0, the other shards zeroed.
DELETE FROM account_counts;
INSERT INTO account_counts (account_id, shard, customers)
    SELECT account_id, 0, COUNT(*) FROM customers GROUP BY account_id;
