DROP TABLE IF EXISTS relay_report_cursors;
DROP TABLE IF EXISTS message_links;
DROP TABLE IF EXISTS campaign_messages;
DROP TABLE IF EXISTS campaigns;
