#!/bin/sh
# Runs once, when the MySQL volume is first initialised (docker-entrypoint-initdb.d):
# one user per consumer, each with only what it needs.
set -eu
mysql --protocol=socket -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE DATABASE IF NOT EXISTS sendingo CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'sendingo'@'%' IDENTIFIED BY '${MYSQL_SENDINGO_PASSWORD}';
GRANT ALL PRIVILEGES ON sendingo.* TO 'sendingo'@'%';

CREATE USER IF NOT EXISTS 'temporal'@'%' IDENTIFIED BY '${TEMPORAL_DB_PASSWORD}';
GRANT ALL PRIVILEGES ON temporal.* TO 'temporal'@'%';
GRANT ALL PRIVILEGES ON temporal_visibility.* TO 'temporal'@'%';

-- Grafana's read-only user gets its grants from mysql/grafana-grants.sql once
-- the migrations have created the tables (table grants need the tables).
CREATE USER IF NOT EXISTS 'grafana'@'%' IDENTIFIED BY '${GRAFANA_DB_PASSWORD}';
SQL
