-- A chunk of a campaign's send is claimed as a whole, by one row here per
-- chunk, instead of stamping each of its messages 'sending' (a statement that
-- wrote every message once more). An attempt stamps the chunk with its claim
-- time before any relay call and marks it settled once every outcome of its
-- relay calls is written. A claim left unsettled means an attempt may have
-- handed messages still pending in its range to a relay without recording it:
-- the next attempt looks them up at the relays before sending. Messages an
-- attempt of the earlier code left 'sending' are looked up the same way.
CREATE TABLE campaign_chunk_claims (
    account_id   BIGINT UNSIGNED NOT NULL,
    campaign_id  BIGINT UNSIGNED NOT NULL,
    from_id      BIGINT UNSIGNED NOT NULL COMMENT 'the chunk''s first message id',
    to_id        BIGINT UNSIGNED NOT NULL COMMENT 'the chunk''s last message id',
    claimed_at   DATETIME(6)     NOT NULL COMMENT 'the claim time of the attempt holding it',
    settled      TINYINT(1)      NOT NULL DEFAULT 0 COMMENT '1 once the holder wrote every outcome of its relay calls',
    PRIMARY KEY (account_id, campaign_id, from_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
