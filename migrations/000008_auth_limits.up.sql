-- Counters of the login and sign-up limits, shared by every API process: one
-- row per (scope, subject) holding the hits of the current fixed window.
-- Subjects are SHA-256 hashes (of a client IP or a normalised e-mail), so the
-- table holds no address of a person who never signed up.
CREATE TABLE auth_limits (
    scope           VARCHAR(16) CHARACTER SET ascii NOT NULL COMMENT 'login-email, auth-ip, signup-ip',
    subject         BINARY(32)      NOT NULL COMMENT 'SHA-256 of the IP or e-mail',
    window_start    DATETIME(6)     NOT NULL,
    hits            INT UNSIGNED    NOT NULL,
    PRIMARY KEY (scope, subject),
    KEY ix_auth_limits_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
