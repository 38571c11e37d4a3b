DROP INDEX ix_imports_status ON imports;
DROP INDEX ix_campaigns_status ON campaigns;
DROP TABLE IF EXISTS relay_circuits;
DROP TABLE IF EXISTS stream_tickets;
DROP TABLE IF EXISTS notification_reads;
DROP TABLE IF EXISTS notification_watermarks;
DROP TABLE IF EXISTS notifications;
ALTER TABLE accounts DROP COLUMN language;
