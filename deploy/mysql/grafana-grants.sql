-- What the Grafana dashboard reads, and nothing else: never relays.config
-- (credentials) or any customer data. Run after `sendingo migrate up`.
GRANT SELECT ON sendingo.campaigns TO 'grafana'@'%';
GRANT SELECT ON sendingo.message_stats TO 'grafana'@'%';
GRANT SELECT ON sendingo.relay_health TO 'grafana'@'%';
GRANT SELECT (id, account_id, name, kind, channel, enabled) ON sendingo.relays TO 'grafana'@'%';
