-- One row per fetch of a tracking link. Link-preview bots are recorded with bot = 1
-- and do not count as clicks.
CREATE TABLE clicks (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    token           CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    message_id      BIGINT UNSIGNED NOT NULL,
    campaign_id     BIGINT UNSIGNED NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    link_idx        TINYINT UNSIGNED NOT NULL,
    bot             TINYINT(1)      NOT NULL,
    clicked_at      DATETIME(6)     NOT NULL,
    user_agent      VARCHAR(512)    NOT NULL,
    device          VARCHAR(16)     NOT NULL,
    os              VARCHAR(32)     NOT NULL,
    browser         VARCHAR(32)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_clicks_message (message_id, bot),
    KEY ix_clicks_campaign (campaign_id, bot, message_id),
    KEY ix_clicks_account (account_id, bot, clicked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Hourly roll-ups of message outcomes, per block of 10,000 message ids: a block is
-- recomputed (idempotently) whenever its messages change, so the dashboard reads a
-- few rows per hour instead of scanning millions of messages.
CREATE TABLE message_stats (
    block_id        BIGINT UNSIGNED NOT NULL COMMENT 'campaign_messages.id DIV 10000',
    account_id      BIGINT UNSIGNED NOT NULL,
    hour            DATETIME        NOT NULL COMMENT 'UTC hour',
    sent            INT UNSIGNED    NOT NULL DEFAULT 0 COMMENT 'handed to a relay in the hour',
    delivered       INT UNSIGNED    NOT NULL DEFAULT 0 COMMENT 'reported delivered in the hour',
    failed          INT UNSIGNED    NOT NULL DEFAULT 0 COMMENT 'failed in the hour',
    PRIMARY KEY (block_id, account_id, hour),
    KEY ix_message_stats_account (account_id, hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
