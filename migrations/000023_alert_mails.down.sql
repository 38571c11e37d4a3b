ALTER TABLE stock_alerts DROP KEY ix_stock_alerts_account_mailed;
