CREATE TABLE customers (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id      BIGINT UNSIGNED NOT NULL,
    name            VARCHAR(200)    NOT NULL,
    phone           VARCHAR(20)     NOT NULL COMMENT 'E.164',
    email           VARCHAR(254)    NOT NULL DEFAULT '',
    attributes      JSON            NOT NULL,
    opted_out       TINYINT(1)      NOT NULL DEFAULT 0,
    created_at      DATETIME(6)     NOT NULL,
    updated_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_customers_phone (account_id, phone),
    KEY ix_customers_name (account_id, name),
    KEY ix_customers_email (account_id, email),
    CONSTRAINT fk_customers_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE group_members (
    account_id      BIGINT UNSIGNED NOT NULL,
    group_id        BIGINT UNSIGNED NOT NULL,
    customer_id     BIGINT UNSIGNED NOT NULL,
    created_at      DATETIME(6)     NOT NULL,
    PRIMARY KEY (group_id, customer_id),
    KEY ix_group_members_customer (customer_id, group_id),
    KEY ix_group_members_account (account_id),
    CONSTRAINT fk_group_members_group FOREIGN KEY (group_id) REFERENCES customer_groups (id) ON DELETE CASCADE,
    CONSTRAINT fk_group_members_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE imports (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    account_id          BIGINT UNSIGNED NOT NULL,
    filename            VARCHAR(255)    NOT NULL,
    format              VARCHAR(8)      NOT NULL,
    status              VARCHAR(16)     NOT NULL DEFAULT 'staged',
    columns_json        JSON            NOT NULL,
    total_rows          INT UNSIGNED    NOT NULL DEFAULT 0,
    valid_rows          INT UNSIGNED    NOT NULL DEFAULT 0,
    invalid_rows        INT UNSIGNED    NOT NULL DEFAULT 0,
    duplicate_rows      INT UNSIGNED    NOT NULL DEFAULT 0,
    target_group_id     BIGINT UNSIGNED NOT NULL DEFAULT 0,
    new_group_name      VARCHAR(100)    NOT NULL DEFAULT '',
    committed_through   BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'last import_rows.id committed',
    processed_rows      INT UNSIGNED    NOT NULL DEFAULT 0,
    created_count       INT UNSIGNED    NOT NULL DEFAULT 0,
    updated_count       INT UNSIGNED    NOT NULL DEFAULT 0,
    skipped_count       INT UNSIGNED    NOT NULL DEFAULT 0,
    error               VARCHAR(1000)   NOT NULL DEFAULT '',
    created_by          BIGINT UNSIGNED NOT NULL DEFAULT 0,
    created_at          DATETIME(6)     NOT NULL,
    commit_started_at   DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    completed_at        DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    PRIMARY KEY (id),
    KEY ix_imports_account (account_id, id),
    CONSTRAINT fk_imports_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE import_rows (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    import_id       BIGINT UNSIGNED NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    line            INT UNSIGNED    NOT NULL,
    name            VARCHAR(200)    NOT NULL DEFAULT '',
    phone           VARCHAR(20)     NOT NULL DEFAULT '',
    raw_phone       VARCHAR(64)     NOT NULL DEFAULT '',
    email           VARCHAR(254)    NOT NULL DEFAULT '',
    attributes      JSON            NOT NULL,
    verdict         VARCHAR(20)     NOT NULL,
    reason          VARCHAR(255)    NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY ix_import_rows_import (import_id, id),
    KEY ix_import_rows_verdict (import_id, verdict, id),
    KEY ix_import_rows_phone (import_id, phone),
    CONSTRAINT fk_import_rows_import FOREIGN KEY (import_id) REFERENCES imports (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
