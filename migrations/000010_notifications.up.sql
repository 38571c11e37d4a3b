-- The language operators are told things in (notifications): ko or en.
ALTER TABLE accounts ADD COLUMN language VARCHAR(8) NOT NULL DEFAULT 'ko';

-- Facts worth telling an operator, stored once each: the activity (or the
-- transaction) that makes a fact true writes its notification, and every API
-- process tails this table by id to feed its open streams. idem_key is what a
-- retried activity or a second worker collides on.
CREATE TABLE notifications (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id      BIGINT UNSIGNED NOT NULL,
    kind            VARCHAR(32) CHARACTER SET ascii NOT NULL,
    severity        VARCHAR(8)  CHARACTER SET ascii NOT NULL,
    title           VARCHAR(200)    NOT NULL,
    body            VARCHAR(2000)   NOT NULL,
    link            VARCHAR(200)    NOT NULL DEFAULT '',
    subject         JSON            NOT NULL,
    idem_key        VARCHAR(150) CHARACTER SET ascii NOT NULL,
    created_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_notifications_key (account_id, idem_key),
    KEY ix_notifications_account (account_id, id),
    CONSTRAINT fk_notifications_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Read state is per user: everything up to read_through (read all), plus the
-- single notifications read after it.
CREATE TABLE notification_watermarks (
    user_id         BIGINT UNSIGNED NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    read_through    BIGINT UNSIGNED NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (user_id),
    CONSTRAINT fk_notification_watermarks_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE notification_reads (
    user_id         BIGINT UNSIGNED NOT NULL,
    notification_id BIGINT UNSIGNED NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    read_at         DATETIME(6)     NOT NULL,
    PRIMARY KEY (user_id, notification_id),
    KEY ix_notification_reads_notification (notification_id),
    CONSTRAINT fk_notification_reads_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_notification_reads_notification FOREIGN KEY (notification_id) REFERENCES notifications (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Single-use tickets for EventSource (which cannot send headers): only the
-- SHA-256 of the ticket is stored, in MySQL so that any API process accepts it.
CREATE TABLE stream_tickets (
    ticket_hash     BINARY(32)      NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    user_id         BIGINT UNSIGNED NOT NULL,
    expires_at      DATETIME(6)     NOT NULL,
    used_at         DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    created_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (ticket_hash),
    KEY ix_stream_tickets_expires (expires_at),
    CONSTRAINT fk_stream_tickets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The relays' circuits as the workers agree on them: each worker's router has
-- its own breakers, and a transition counts (and is notified) only when it
-- changes this row. changes is the transition count, part of the notice's key.
CREATE TABLE relay_circuits (
    relay_id        BIGINT UNSIGNED NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    state           VARCHAR(8) CHARACTER SET ascii NOT NULL,
    changes         INT UNSIGNED    NOT NULL DEFAULT 0,
    changed_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (relay_id),
    KEY ix_relay_circuits_account (account_id),
    CONSTRAINT fk_relay_circuits_relay FOREIGN KEY (relay_id) REFERENCES relays (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The stream's progress events look for running campaigns and committing
-- imports every second.
CREATE INDEX ix_campaigns_status ON campaigns (status, account_id);
CREATE INDEX ix_imports_status ON imports (status, account_id);
