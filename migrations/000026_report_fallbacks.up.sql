-- An AlimTalk whose delivery report says it could not reach the recipient is
-- owed its SMS/LMS fallback (when it has fallback text): the report leaves the
-- row awaiting ('sent') with fallback_due = 1 and the AlimTalk's failure, and
-- the campaign's report poll sends the fallback and clears the mark. A column
-- with a default is added in place, without copying the table.
ALTER TABLE campaign_messages ADD COLUMN fallback_due TINYINT(1) NOT NULL DEFAULT 0 AFTER fallback;
