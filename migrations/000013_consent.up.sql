-- Consent and recipients: night-time advertising consent, mobile-only channels,
-- e-mail unsubscribe tokens, and AlimTalk templates as the provider knows them.

-- night_ad_consent: the customer's separate prior consent to advertising between
-- 21:00 and 08:00 (Korean law). not_mobile: the phone is a Korean landline, 070 or
-- other non-mobile number (worked out in Go from the number whenever it is
-- written); SMS, LMS and AlimTalk never go to it. opted_out_at / opt_out_source:
-- when and how the customer opted out (unsubscribe, import, api).
ALTER TABLE customers
    ADD COLUMN night_ad_consent TINYINT(1)  NOT NULL DEFAULT 0,
    ADD COLUMN not_mobile       TINYINT(1)  NOT NULL DEFAULT 0,
    ADD COLUMN opted_out_at     DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:00',
    ADD COLUMN opt_out_source   VARCHAR(16) NOT NULL DEFAULT '';

-- Existing Korean numbers outside the mobile ranges (010, 011, 016-019 with 7 or 8
-- more digits): landlines (02, 031...), 070, 080, 050x, 15xx/16xx representative
-- numbers. New numbers are classified by libphonenumber when they are written.
UPDATE customers SET not_mobile = 1
 WHERE phone LIKE '+82%' AND phone NOT REGEXP '^[+]821[016789][0-9]{7,8}$';

-- The import column 야간수신동의 / night consent: Y, N, or empty when the file has
-- no such column (the customer's consent is then left as it is).
ALTER TABLE import_rows
    ADD COLUMN night_consent CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT '';
ALTER TABLE imports
    ADD COLUMN not_mobile_rows INT UNSIGNED NOT NULL DEFAULT 0;

-- One unsubscribe token per e-mail message (List-Unsubscribe, RFC 8058): the public
-- /u/{token} route opts the customer out with one primary-key lookup.
CREATE TABLE unsubscribe_tokens (
    token           CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id      BIGINT UNSIGNED NOT NULL,
    campaign_id     BIGINT UNSIGNED NOT NULL,
    customer_id     BIGINT UNSIGNED NOT NULL,
    created_at      DATETIME(6)     NOT NULL,
    used_at         DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    PRIMARY KEY (token),
    UNIQUE KEY uq_unsubscribe_message (campaign_id, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- AlimTalk templates synced from the provider: its inspection (검수) status, and the
-- relay the status was read through. Empty: never synced (sent as before).
ALTER TABLE templates
    ADD COLUMN provider_status     VARCHAR(16)     NOT NULL DEFAULT '',
    ADD COLUMN provider_relay_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN provider_synced_at  DATETIME(6)     NOT NULL DEFAULT '1970-01-01 00:00:00',
    ADD KEY ix_templates_provider (account_id, provider_template_code);
