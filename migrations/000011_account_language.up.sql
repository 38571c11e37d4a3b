-- The language the account's people read: the console's default language and the
-- locale its dates and numbers are written in.
ALTER TABLE accounts ADD COLUMN language CHAR(2) NOT NULL DEFAULT 'ko';
