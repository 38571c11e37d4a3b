CREATE TABLE campaigns (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id          BIGINT UNSIGNED NOT NULL,
    name                VARCHAR(200)    NOT NULL,
    template_id         BIGINT UNSIGNED NOT NULL,
    status              VARCHAR(16)     NOT NULL DEFAULT 'draft',
    audience_kind       VARCHAR(16)     NOT NULL DEFAULT 'groups' COMMENT 'groups | customers | event_reminder',
    group_ids           JSON            NOT NULL,
    customer_ids        JSON            NOT NULL COMMENT 'the audience of kind customers (small, explicit lists)',
    variables           JSON            NOT NULL COMMENT 'values every recipient gets; they win over the customer''s own',
    event_id            BIGINT UNSIGNED NOT NULL DEFAULT 0,
    event_day           DATE            NOT NULL DEFAULT '1970-01-01' COMMENT 'event_reminder: the local day',
    routing             JSON            NOT NULL,
    scheduled_at        DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    content             JSON            NOT NULL COMMENT 'the template as it was when the send began',
    run                 INT UNSIGNED    NOT NULL DEFAULT 0 COMMENT '0 before the first send; +1 per retry-failed',
    total               INT UNSIGNED    NOT NULL DEFAULT 0,
    pending             INT UNSIGNED    NOT NULL DEFAULT 0,
    sending             INT UNSIGNED    NOT NULL DEFAULT 0,
    sent                INT UNSIGNED    NOT NULL DEFAULT 0,
    delivered           INT UNSIGNED    NOT NULL DEFAULT 0,
    failed              INT UNSIGNED    NOT NULL DEFAULT 0,
    unknown             INT UNSIGNED    NOT NULL DEFAULT 0,
    fallback            INT UNSIGNED    NOT NULL DEFAULT 0,
    first_message_id    BIGINT UNSIGNED NOT NULL DEFAULT 0,
    last_message_id     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    error               VARCHAR(1000)   NOT NULL DEFAULT '',
    started_at          DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    completed_at        DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    created_at          DATETIME(6)     NOT NULL,
    updated_at          DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_campaigns_account (account_id, id),
    CONSTRAINT fk_campaigns_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT fk_campaigns_template FOREIGN KEY (template_id) REFERENCES templates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per recipient. Columns that change while sending are fixed-width and NOT
-- NULL, so updates happen in place instead of growing the row (a nullable column
-- going from NULL to a value costs ~10x the redo and slows every write pattern).
CREATE TABLE campaign_messages (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    campaign_id         BIGINT UNSIGNED NOT NULL,
    account_id          BIGINT UNSIGNED NOT NULL,
    customer_id         BIGINT UNSIGNED NOT NULL,
    group_id            BIGINT UNSIGNED NOT NULL COMMENT 'the first of the campaign''s groups the customer was in',
    recipient           VARCHAR(254)    NOT NULL COMMENT 'E.164 phone, or e-mail address',
    name                VARCHAR(200)    NOT NULL,
    channel             CHAR(8) CHARACTER SET ascii NOT NULL,
    subject             VARCHAR(500)    NOT NULL DEFAULT '',
    body                TEXT            NOT NULL,
    buttons             TEXT            NOT NULL COMMENT 'JSON of the buttons as sent (tracking URLs); empty when none',
    fallback_channel    CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT '',
    fallback_subject    VARCHAR(500)    NOT NULL DEFAULT '',
    fallback_body       TEXT            NOT NULL,
    status              CHAR(9) CHARACTER SET ascii NOT NULL DEFAULT 'pending',
    attempt             SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    relay_id            BIGINT UNSIGNED NOT NULL DEFAULT 0,
    sent_channel        CHAR(8) CHARACTER SET ascii NOT NULL DEFAULT '',
    fallback            TINYINT(1)      NOT NULL DEFAULT 0,
    provider_id         CHAR(40) CHARACTER SET ascii NOT NULL DEFAULT '',
    code                CHAR(32) CHARACTER SET ascii NOT NULL DEFAULT '',
    reason              VARCHAR(255)    NOT NULL DEFAULT '',
    claimed_at          DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    sent_at             DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    result_at           DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    PRIMARY KEY (id),
    UNIQUE KEY uq_campaign_messages_recipient (campaign_id, recipient)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each link button of each message has its own tracking token (/t/{token}).
CREATE TABLE message_links (
    token               CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    message_id          BIGINT UNSIGNED NOT NULL,
    campaign_id         BIGINT UNSIGNED NOT NULL,
    account_id          BIGINT UNSIGNED NOT NULL,
    idx                 TINYINT UNSIGNED NOT NULL,
    url                 VARCHAR(2000)   NOT NULL,
    PRIMARY KEY (token),
    KEY ix_message_links_message (message_id, idx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Where each relay's delivery-report stream was read up to. Reports name message
-- ids of any campaign, so the cursor belongs to the relay, not to a campaign.
CREATE TABLE relay_report_cursors (
    relay_id            BIGINT UNSIGNED NOT NULL,
    cursor_value        VARCHAR(255)    NOT NULL DEFAULT '',
    updated_at          DATETIME(6)     NOT NULL,
    PRIMARY KEY (relay_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
