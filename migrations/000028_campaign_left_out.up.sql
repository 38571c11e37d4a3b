-- Audience members a send left out when it stored the campaign's messages: no
-- address for the channel, a missing variable, or a message that outgrew a
-- limit once filled in (activities.materialise). left_out_through is the last
-- customer id of the audience batch that last added to it: batches are stored
-- in customer-id order, so a retried batch (through an id already counted)
-- adds nothing again.
ALTER TABLE campaigns
    ADD COLUMN left_out         BIGINT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN left_out_through BIGINT UNSIGNED NOT NULL DEFAULT 0;
