DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS password_resets;
DROP TABLE IF EXISTS invitations;
ALTER TABLE stock_adjustments DROP COLUMN actor_key_id;
ALTER TABLE api_keys DROP COLUMN role;
ALTER TABLE users DROP COLUMN token_version;
