-- Attendance events: purchases (eligibility), events, reward tiers, check-ins,
-- grants (and the wait list), the stock audit trail, and low-stock alerts.

-- A purchase makes a customer eligible for the account's attendance events. The
-- shop's order id is unique per account, so recording an order twice is harmless.
CREATE TABLE purchases (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id      BIGINT UNSIGNED NOT NULL,
    customer_id     BIGINT UNSIGNED NOT NULL,
    order_id        VARCHAR(100)    NOT NULL,
    amount          BIGINT          NOT NULL DEFAULT 0 COMMENT 'in the smallest currency unit',
    purchased_at    DATETIME(6)     NOT NULL,
    created_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_purchases_order (account_id, order_id),
    KEY ix_purchases_customer (account_id, customer_id),
    CONSTRAINT fk_purchases_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT fk_purchases_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE events (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    name                    VARCHAR(200)    NOT NULL,
    timezone                VARCHAR(64)     NOT NULL DEFAULT 'Asia/Seoul',
    starts_on               DATE            NOT NULL COMMENT 'first local day, inclusive',
    ends_on                 DATE            NOT NULL COMMENT 'last local day, inclusive',
    counting                VARCHAR(16)     NOT NULL DEFAULT 'total' COMMENT 'total | consecutive',
    reminder_time           CHAR(5) CHARACTER SET ascii NOT NULL DEFAULT '' COMMENT 'HH:MM local; empty: no daily reminder',
    reminder_template_id    BIGINT UNSIGNED NOT NULL DEFAULT 0,
    reminder_routing        JSON            NOT NULL,
    notice_template_id      BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'sent to customers granted off the wait list; 0: none',
    notice_routing          JSON            NOT NULL,
    alert_emails            JSON            NOT NULL,
    alert_webhook_url       VARCHAR(2000)   NOT NULL DEFAULT '',
    created_at              DATETIME(6)     NOT NULL,
    updated_at              DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_events_account (account_id, id),
    CONSTRAINT fk_events_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stock is unsigned and only ever decremented with "AND stock > 0", so it cannot go
-- below zero. version orders the stock-changed signals of the RewardStockMonitor.
CREATE TABLE event_tiers (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    event_id                BIGINT UNSIGNED NOT NULL,
    days                    INT UNSIGNED    NOT NULL COMMENT 'attendance days that reach the tier',
    name                    VARCHAR(100)    NOT NULL,
    stock                   INT UNSIGNED    NOT NULL DEFAULT 0,
    low_stock_threshold     INT UNSIGNED    NOT NULL DEFAULT 0,
    version                 BIGINT UNSIGNED NOT NULL DEFAULT 1 COMMENT 'bumped on every change of stock or threshold',
    created_at              DATETIME(6)     NOT NULL,
    updated_at              DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_event_tiers_days (event_id, days),
    KEY ix_event_tiers_account (account_id),
    CONSTRAINT fk_event_tiers_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per customer per local day: the unique key is what refuses a second
-- check-in the same day. The counts are those as of this check-in.
CREATE TABLE checkins (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    event_id                BIGINT UNSIGNED NOT NULL,
    customer_id             BIGINT UNSIGNED NOT NULL,
    day                     DATE            NOT NULL COMMENT 'local calendar day in the event time zone',
    total_days              INT UNSIGNED    NOT NULL COMMENT 'check-ins up to and including this one',
    streak_days             INT UNSIGNED    NOT NULL COMMENT 'consecutive days ending with this one',
    checked_in_at           DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_checkins_day (event_id, customer_id, day),
    KEY ix_checkins_event_day (event_id, day),
    KEY ix_checkins_account (account_id),
    KEY ix_checkins_customer (customer_id),
    CONSTRAINT fk_checkins_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE,
    CONSTRAINT fk_checkins_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A customer reaches a tier once: granted when stock was taken, waitlisted when the
-- tier was out of stock. The wait list is served in id order.
CREATE TABLE event_grants (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    event_id                BIGINT UNSIGNED NOT NULL,
    tier_id                 BIGINT UNSIGNED NOT NULL,
    customer_id             BIGINT UNSIGNED NOT NULL,
    status                  CHAR(10) CHARACTER SET ascii NOT NULL COMMENT 'granted | waitlisted',
    checkin_id              BIGINT UNSIGNED NOT NULL COMMENT 'the check-in that reached the tier',
    adjustment_id           BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'the restock that granted it off the wait list',
    reached_at              DATETIME(6)     NOT NULL,
    granted_at              DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    PRIMARY KEY (id),
    UNIQUE KEY uq_event_grants_tier_customer (tier_id, customer_id),
    KEY ix_event_grants_waitlist (tier_id, status, id),
    KEY ix_event_grants_event (event_id, id),
    KEY ix_event_grants_customer (customer_id, event_id),
    CONSTRAINT fk_event_grants_tier FOREIGN KEY (tier_id) REFERENCES event_tiers (id) ON DELETE CASCADE,
    CONSTRAINT fk_event_grants_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The audit trail of every stock change that is not a grant: initial stock,
-- restocks, corrections. Who, when and why, and what the wait list received.
CREATE TABLE stock_adjustments (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    event_id                BIGINT UNSIGNED NOT NULL,
    tier_id                 BIGINT UNSIGNED NOT NULL,
    delta                   INT             NOT NULL,
    stock_before            INT UNSIGNED    NOT NULL,
    stock_after             INT UNSIGNED    NOT NULL COMMENT 'after the adjustment and the wait-list grants it made',
    waitlist_granted        INT UNSIGNED    NOT NULL DEFAULT 0,
    reason                  VARCHAR(500)    NOT NULL,
    actor_kind              VARCHAR(16)     NOT NULL COMMENT 'user | api_key',
    actor_user_id           BIGINT UNSIGNED NOT NULL DEFAULT 0,
    actor_name              VARCHAR(200)    NOT NULL DEFAULT '',
    notice_campaign_id      BIGINT UNSIGNED NOT NULL DEFAULT 0,
    created_at              DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_stock_adjustments_tier (tier_id, id),
    KEY ix_stock_adjustments_event (event_id, id),
    CONSTRAINT fk_stock_adjustments_tier FOREIGN KEY (tier_id) REFERENCES event_tiers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per low-stock alert. (tier_id, version) is the idempotency key: the
-- monitor raises at most one alert per observed state of the tier.
CREATE TABLE stock_alerts (
    id                      BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id              BIGINT UNSIGNED NOT NULL,
    event_id                BIGINT UNSIGNED NOT NULL,
    tier_id                 BIGINT UNSIGNED NOT NULL,
    version                 BIGINT UNSIGNED NOT NULL COMMENT 'the tier version the alert was raised at',
    stock                   INT UNSIGNED    NOT NULL,
    threshold               INT UNSIGNED    NOT NULL,
    emails                  JSON            NOT NULL,
    webhook_url             VARCHAR(2000)   NOT NULL DEFAULT '',
    email_status            VARCHAR(8)      NOT NULL DEFAULT '' COMMENT 'pending | sent | failed; empty: no recipients',
    email_error             VARCHAR(500)    NOT NULL DEFAULT '',
    email_sent_at           DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    webhook_status          VARCHAR(8)      NOT NULL DEFAULT '' COMMENT 'pending | sent | failed; empty: no webhook',
    webhook_error           VARCHAR(500)    NOT NULL DEFAULT '',
    webhook_sent_at         DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    created_at              DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_stock_alerts_version (tier_id, version),
    KEY ix_stock_alerts_event (event_id, id),
    CONSTRAINT fk_stock_alerts_tier FOREIGN KEY (tier_id) REFERENCES event_tiers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
