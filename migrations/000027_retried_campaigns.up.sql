-- A delivery report of a campaign's earlier run, read again after a retry,
-- must not move the message's new send (store.OutrunReports). Each page of a
-- relay's report stream first asks which of the account's campaigns were
-- retried and over which messages: this index answers that from the few that
-- were, without reading their rows. campaign_runs keeps, per retry run, when
-- the run before it ended (RetryCampaign, previous_end): every hand-over of
-- that run came before, and a message handed over later is the retry's.
CREATE INDEX ix_campaigns_retried ON campaigns (account_id, run, last_message_id, first_message_id);

CREATE TABLE campaign_runs (
    campaign_id  BIGINT UNSIGNED NOT NULL,
    run          INT UNSIGNED    NOT NULL COMMENT '2 and later: the first run has no row',
    account_id   BIGINT UNSIGNED NOT NULL,
    started_at   DATETIME(6)     NOT NULL COMMENT 'when the retry reset the failed messages',
    previous_end DATETIME(6)     NOT NULL COMMENT 'when the run before it ended (its completed_at), or started_at if that was not recorded',
    PRIMARY KEY (campaign_id, run),
    CONSTRAINT fk_campaign_runs_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
