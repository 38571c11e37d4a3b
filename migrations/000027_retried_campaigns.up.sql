-- A delivery report of a campaign's earlier run, read again after a retry,
-- must not move the message's new send (store.OutrunReports). Each page of a
-- relay's report stream first asks which of the account's campaigns were
-- retried and over which messages: this index answers that from the few that
-- were, without reading their rows. campaign_runs keeps when each retry run
-- began (RetryCampaign): a message handed over since then is the retry's.
CREATE INDEX ix_campaigns_retried ON campaigns (account_id, run, last_message_id, first_message_id);

CREATE TABLE campaign_runs (
    campaign_id BIGINT UNSIGNED NOT NULL,
    run         INT UNSIGNED    NOT NULL COMMENT '2 and later: the first run has no row',
    account_id  BIGINT UNSIGNED NOT NULL,
    started_at  DATETIME(6)     NOT NULL COMMENT 'when the retry reset the failed messages',
    PRIMARY KEY (campaign_id, run),
    CONSTRAINT fk_campaign_runs_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
);
