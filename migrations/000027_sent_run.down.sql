ALTER TABLE campaign_messages DROP COLUMN sent_run;
