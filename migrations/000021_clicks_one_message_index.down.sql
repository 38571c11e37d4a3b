CREATE INDEX ix_clicks_message ON clicks (message_id, bot);
