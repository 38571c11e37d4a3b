-- A delivery report of a campaign's earlier run, read again after a retry,
-- must not move the message's new send (store.OutrunReports): each page of a
-- relay's report stream first asks which of the account's campaigns were
-- retried, and this index answers that from the few that were.
CREATE INDEX ix_campaigns_retried ON campaigns (account_id, run);
