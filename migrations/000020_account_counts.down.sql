DROP TRIGGER IF EXISTS trg_customers_count_insert;
DROP TRIGGER IF EXISTS trg_customers_count_delete;
DROP TABLE IF EXISTS account_counts;
