DROP TABLE campaign_runs;
DROP INDEX ix_campaigns_retried ON campaigns;
