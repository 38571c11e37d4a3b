DROP INDEX ix_campaigns_retried ON campaigns;
