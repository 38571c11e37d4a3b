DROP TABLE IF EXISTS auth_limits;
