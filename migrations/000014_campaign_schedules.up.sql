-- Recurring campaigns. The row is the truth; its Temporal Schedule
-- campaign-schedule:{id} follows it. Every change bumps version; the schedule's
-- sync workflow records the version it made the Schedule match in synced_version,
-- and the reconciler finds rows where the two differ (Temporal was unreachable
-- when the API changed the row). A deleted schedule stays as a tombstone
-- (deleted = 1) until its Schedule is gone.
CREATE TABLE campaign_schedules (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id      BIGINT UNSIGNED NOT NULL,
    name            VARCHAR(200)    NOT NULL,
    template_id     BIGINT UNSIGNED NOT NULL,
    group_ids       JSON            NOT NULL,
    routing         JSON            NOT NULL,
    cron            VARCHAR(100)    NOT NULL,
    timezone        VARCHAR(64)     NOT NULL DEFAULT 'Asia/Seoul',
    starts_at       DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    ends_at         DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    paused          TINYINT(1)      NOT NULL DEFAULT 0,
    deleted         TINYINT(1)      NOT NULL DEFAULT 0,
    version         BIGINT UNSIGNED NOT NULL DEFAULT 1,
    synced_version  BIGINT UNSIGNED NOT NULL DEFAULT 0,
    sync_error      VARCHAR(500)    NOT NULL DEFAULT '',
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_campaign_schedules_account (account_id, deleted, id),
    CONSTRAINT fk_campaign_schedules_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per run of a schedule (its nominal time): the campaign it made, or why
-- it sent nothing. The unique key makes a retried run find its own campaign.
CREATE TABLE campaign_schedule_runs (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    schedule_id     BIGINT UNSIGNED NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    scheduled_for   DATETIME(6)     NOT NULL,
    campaign_id     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    skipped         VARCHAR(500)    NOT NULL DEFAULT '',
    created_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_campaign_schedule_runs (schedule_id, scheduled_for),
    CONSTRAINT fk_campaign_schedule_runs_schedule FOREIGN KEY (schedule_id) REFERENCES campaign_schedules (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Retargeting: a campaign's outcome turned into group members. One row per
-- (campaign, outcome, group); running it again resumes or repeats the same job.
CREATE TABLE campaign_audiences (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id      BIGINT UNSIGNED NOT NULL,
    campaign_id     BIGINT UNSIGNED NOT NULL,
    outcome         VARCHAR(16)     NOT NULL,
    group_id        BIGINT UNSIGNED NOT NULL,
    new_group_name  VARCHAR(100)    NOT NULL DEFAULT '' COMMENT 'the name asked for when the group was made for this job',
    status          VARCHAR(16)     NOT NULL DEFAULT 'running',
    run             INT UNSIGNED    NOT NULL DEFAULT 1 COMMENT 'counts the runs of the job; each has its own workflow',
    first_message_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
    last_message_id  BIGINT UNSIGNED NOT NULL DEFAULT 0,
    next_message_id  BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'the resume point: the first message id not yet scanned',
    total           BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'messages to scan',
    processed       BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'messages scanned',
    matched         BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'messages with the outcome',
    added           BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'customers this run added to the group',
    error           VARCHAR(500)    NOT NULL DEFAULT '',
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_campaign_audiences (campaign_id, outcome, group_id),
    KEY ix_campaign_audiences_name (campaign_id, outcome, new_group_name),
    CONSTRAINT fk_campaign_audiences_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
