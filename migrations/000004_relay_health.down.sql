DROP TABLE IF EXISTS relay_health;
