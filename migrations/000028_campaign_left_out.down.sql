ALTER TABLE campaigns DROP COLUMN left_out_through, DROP COLUMN left_out;
