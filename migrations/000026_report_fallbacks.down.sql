ALTER TABLE campaign_messages DROP COLUMN fallback_due;
