ALTER TABLE templates
    DROP KEY ix_templates_provider,
    DROP COLUMN provider_synced_at,
    DROP COLUMN provider_relay_id,
    DROP COLUMN provider_status;
DROP TABLE IF EXISTS unsubscribe_tokens;
ALTER TABLE imports DROP COLUMN not_mobile_rows;
ALTER TABLE import_rows DROP COLUMN night_consent;
ALTER TABLE customers
    DROP COLUMN opt_out_source,
    DROP COLUMN opted_out_at,
    DROP COLUMN not_mobile,
    DROP COLUMN night_ad_consent;
