CREATE TABLE templates (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    name                    VARCHAR(200)    NOT NULL,
    channel                 VARCHAR(16)     NOT NULL,
    subject                 VARCHAR(500)    NOT NULL DEFAULT '',
    body                    TEXT            NOT NULL,
    buttons                 JSON            NOT NULL,
    variables               JSON            NOT NULL,
    provider_template_code  VARCHAR(64)     NOT NULL DEFAULT '',
    sender_key              VARCHAR(128)    NOT NULL DEFAULT '',
    fallback_subject        VARCHAR(500)    NOT NULL DEFAULT '',
    fallback_text           TEXT            NOT NULL,
    advertisement           TINYINT(1)      NOT NULL DEFAULT 0,
    created_at              DATETIME(6)     NOT NULL,
    updated_at              DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_templates_account (account_id, id),
    CONSTRAINT fk_templates_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE relays (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id      BIGINT UNSIGNED NOT NULL,
    name            VARCHAR(100)    NOT NULL,
    kind            VARCHAR(32)     NOT NULL,
    channel         VARCHAR(16)     NOT NULL,
    config          JSON            NOT NULL COMMENT 'credentials inside; never returned by the API',
    weight          INT UNSIGNED    NOT NULL DEFAULT 1,
    price_milli     BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'price per message in thousandths of the currency unit',
    rate_limit      INT UNSIGNED    NOT NULL DEFAULT 0 COMMENT 'messages per second, 0 = unlimited',
    enabled         TINYINT(1)      NOT NULL DEFAULT 1,
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_relays_name (account_id, name),
    KEY ix_relays_channel (account_id, channel, enabled),
    CONSTRAINT fk_relays_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
