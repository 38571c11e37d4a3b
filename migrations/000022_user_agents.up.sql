-- Each distinct User-Agent is stored once, with what it parsed to, and a click
-- names its agent by id. Clicks come from a few thousand distinct agents, and
-- the agent (up to 512 characters) with its parsed device, OS and browser was
-- most of a click row: of what every redirect's INSERT sends, converts and
-- writes, and of the table's size. The agent is what it was; only where it is
-- kept changed. Agents are no account's data (an agent string says which
-- browser fetched a link), so the table is shared.
CREATE TABLE user_agents (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    hash            BINARY(32)      NOT NULL COMMENT 'SHA-256 of agent (its UTF-8 bytes)',
    agent           VARCHAR(512)    NOT NULL,
    device          VARCHAR(16)     NOT NULL,
    os              VARCHAR(32)     NOT NULL,
    browser         VARCHAR(32)     NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_user_agents_hash (hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The agents of the clicks stored so far, each with its latest click's parse
-- (told apart by their bytes: the column's collation would merge agents that
-- differ only in case).
INSERT INTO user_agents (hash, agent, device, os, browser)
    SELECT h, user_agent, device, os, browser
    FROM (SELECT UNHEX(SHA2(user_agent, 256)) AS h, user_agent, device, os, browser,
                 ROW_NUMBER() OVER (PARTITION BY UNHEX(SHA2(user_agent, 256)) ORDER BY id DESC) AS latest
          FROM clicks) c
    WHERE latest = 1;

ALTER TABLE clicks ADD COLUMN agent_id BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'user_agents.id' AFTER clicked_at;

UPDATE clicks c JOIN user_agents a ON a.hash = UNHEX(SHA2(c.user_agent, 256)) SET c.agent_id = a.id;

ALTER TABLE clicks ALTER COLUMN agent_id DROP DEFAULT,
    DROP COLUMN user_agent, DROP COLUMN device, DROP COLUMN os, DROP COLUMN browser;
