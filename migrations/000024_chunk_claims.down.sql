DROP TABLE campaign_chunk_claims;
