-- Clicks are inserted at every redirect, and each secondary index is one more
-- B-tree insert per click (a random leaf: message ids arrive in no order).
-- ix_clicks_message (message_id, bot) duplicated ix_clicks_campaign
-- (campaign_id, bot, message_id) for every query, since each names the
-- campaign too; the campaign index serves them all.
DROP INDEX ix_clicks_message ON clicks;
