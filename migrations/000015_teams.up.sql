-- Teams: roles on users and API keys, a token version per user (sign out
-- everywhere), invitations, password resets and the audit log.

-- Access tokens carry the version they were issued at; raising it (logout-all,
-- a password change or reset) refuses every older token.
ALTER TABLE users
    ADD COLUMN token_version INT UNSIGNED NOT NULL DEFAULT 0 AFTER role;

-- Keys made before roles could do everything but manage keys and members:
-- they keep that as admin. New keys default to sender.
ALTER TABLE api_keys
    ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'sender' AFTER prefix;
UPDATE api_keys SET role = 'admin';

-- Stock adjustments name the API key that made them.
ALTER TABLE stock_adjustments
    ADD COLUMN actor_key_id BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER actor_user_id;

-- An invitation's token is never stored: it is derived from nonce with the
-- server's link key (so the mail activity can rebuild the link), and found by
-- its SHA-256.
CREATE TABLE invitations (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id          BIGINT UNSIGNED NOT NULL,
    email               VARCHAR(254)    NOT NULL,
    role                VARCHAR(16)     NOT NULL,
    token_hash          BINARY(32)      NOT NULL,
    nonce               BINARY(16)      NOT NULL,
    invited_by          BIGINT UNSIGNED NOT NULL,
    invited_by_name     VARCHAR(200)    NOT NULL DEFAULT '',
    created_at          DATETIME(6)     NOT NULL,
    expires_at          DATETIME(6)     NOT NULL,
    accepted_at         DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    accepted_user_id    BIGINT UNSIGNED NOT NULL DEFAULT 0,
    mail_status         VARCHAR(8)      NOT NULL DEFAULT 'pending' COMMENT 'pending | sent | failed',
    mail_error          VARCHAR(500)    NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    UNIQUE KEY uq_invitations_token (token_hash),
    KEY ix_invitations_account (account_id, id),
    CONSTRAINT fk_invitations_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Password resets: the token as for invitations. request_key is the workflow
-- run that issued the reset, so a retried activity finds its own row.
CREATE TABLE password_resets (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id          BIGINT UNSIGNED NOT NULL,
    user_id             BIGINT UNSIGNED NOT NULL,
    request_key         VARCHAR(200) CHARACTER SET ascii NOT NULL,
    token_hash          BINARY(32)      NOT NULL,
    nonce               BINARY(16)      NOT NULL,
    created_at          DATETIME(6)     NOT NULL,
    expires_at          DATETIME(6)     NOT NULL,
    used_at             DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    PRIMARY KEY (id),
    UNIQUE KEY uq_password_resets_token (token_hash),
    UNIQUE KEY uq_password_resets_request (request_key),
    KEY ix_password_resets_user (user_id),
    CONSTRAINT fk_password_resets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who did what, when, to which subject. Rows are only ever inserted, in the
-- transaction of the change they record. actor_name is the name then: the
-- user or key may since be gone.
CREATE TABLE audit_log (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id          BIGINT UNSIGNED NOT NULL,
    at                  DATETIME(6)     NOT NULL,
    actor_kind          VARCHAR(8) CHARACTER SET ascii NOT NULL COMMENT 'user | api_key | system',
    actor_id            BIGINT UNSIGNED NOT NULL DEFAULT 0,
    actor_name          VARCHAR(200)    NOT NULL DEFAULT '',
    action              VARCHAR(48) CHARACTER SET ascii NOT NULL,
    subject_type        VARCHAR(24) CHARACTER SET ascii NOT NULL,
    subject_id          BIGINT UNSIGNED NOT NULL DEFAULT 0,
    before_json         JSON            NULL,
    after_json          JSON            NULL,
    ip                  VARCHAR(45) CHARACTER SET ascii NOT NULL DEFAULT '',
    request_id          VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY ix_audit_log_account (account_id, id),
    KEY ix_audit_log_actor (account_id, actor_kind, actor_id, id),
    KEY ix_audit_log_subject (account_id, subject_type, subject_id, id),
    KEY ix_audit_log_action (account_id, action, id),
    CONSTRAINT fk_audit_log_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
