-- The low-stock alert e-mails an account's alerts sent in the last hour are
-- counted before each alert's e-mail (SENDINGO_ALERT_MAILS_PER_HOUR): by this
-- key a count reads the hour's alerts, not every alert the account ever had.
-- Alerts not mailed keep the column's unset value (1970), outside any hour.
ALTER TABLE stock_alerts ADD KEY ix_stock_alerts_account_mailed (account_id, email_sent_at);
