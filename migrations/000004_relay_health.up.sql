-- The worker's router keeps each relay's live record (breaker, latency, faults);
-- it publishes snapshots here so the API can show health and recommend a relay.
CREATE TABLE relay_health (
    relay_id                BIGINT UNSIGNED NOT NULL,
    account_id              BIGINT UNSIGNED NOT NULL,
    window_seconds          INT UNSIGNED    NOT NULL,
    calls                   INT UNSIGNED    NOT NULL,
    faults                  INT UNSIGNED    NOT NULL,
    messages                INT UNSIGNED    NOT NULL,
    latency_p50_us          BIGINT UNSIGNED NOT NULL,
    latency_p95_us          BIGINT UNSIGNED NOT NULL,
    breaker_state           VARCHAR(16)     NOT NULL,
    consecutive_failures    INT UNSIGNED    NOT NULL,
    opened_at               DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    retry_at                DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    observed_at             DATETIME(6)     NOT NULL,
    PRIMARY KEY (relay_id),
    KEY ix_relay_health_account (account_id),
    CONSTRAINT fk_relay_health_relay FOREIGN KEY (relay_id) REFERENCES relays (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
