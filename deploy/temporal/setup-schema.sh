#!/bin/sh
# One-shot: create Temporal's two MySQL 8 databases and bring their schemas to
# the version this admin-tools image ships. Every step is idempotent, so it runs
# on every `docker compose up` and upgrades the schema after an image bump.
set -eu
: "${SQL_PASSWORD:?}"
tool() { temporal-sql-tool --plugin mysql8 --ep "${DB_HOST:-mysql}" -p "${DB_PORT:-3306}" -u "${DB_USER:-temporal}" "$@"; }
schema=/etc/temporal/schema/mysql/v8
for db in temporal temporal_visibility; do
  case $db in
    temporal) dir=$schema/temporal/versioned ;;
    *) dir=$schema/visibility/versioned ;;
  esac
  echo "temporal-schema: $db"
  tool --db "$db" create
  tool --db "$db" setup-schema -v 0.0
  tool --db "$db" update-schema -d "$dir"
done
echo "temporal-schema: done"
