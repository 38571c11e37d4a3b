-- A login's e-mail is matched byte for byte (it is stored and looked up
-- lower-cased): utf8mb4_unicode_ci also equated accented and full-width
-- look-alikes ("víctim", "ｖictim") with the address, and the login and reset
-- limits, counted per address as sent, gave each look-alike a fresh count.
ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
