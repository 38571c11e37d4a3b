-- The campaign run a message was last sent in (a retry run's send goes out
-- as "<id>-r<run>", and the relay's delivery reports echo it): a report moves
-- only a message last sent in the run it names, so a report of an earlier run
-- read again cannot give a retried message's new send its outcome. A message
-- a run left awaiting its report keeps its run through a retry. Every claim
-- sets it; 0 is a message sent before this column, whose run is not known,
-- and takes a report of any run. A column with a default is added in place,
-- without copying the table.
ALTER TABLE campaign_messages ADD COLUMN sent_run SMALLINT UNSIGNED NOT NULL DEFAULT 0 AFTER attempt;
