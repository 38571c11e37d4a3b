ALTER TABLE clicks
    ADD COLUMN user_agent VARCHAR(512) NOT NULL DEFAULT '' AFTER clicked_at,
    ADD COLUMN device VARCHAR(16) NOT NULL DEFAULT '' AFTER user_agent,
    ADD COLUMN os VARCHAR(32) NOT NULL DEFAULT '' AFTER device,
    ADD COLUMN browser VARCHAR(32) NOT NULL DEFAULT '' AFTER os;

UPDATE clicks c JOIN user_agents a ON a.id = c.agent_id
    SET c.user_agent = a.agent, c.device = a.device, c.os = a.os, c.browser = a.browser;

ALTER TABLE clicks
    ALTER COLUMN user_agent DROP DEFAULT, ALTER COLUMN device DROP DEFAULT,
    ALTER COLUMN os DROP DEFAULT, ALTER COLUMN browser DROP DEFAULT,
    DROP COLUMN agent_id;

DROP TABLE user_agents;
