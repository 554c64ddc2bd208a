#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to date. Idempotent: safe on every
# `docker compose up` (create fails harmlessly when the database exists; update-schema applies what is missing).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

for attempt in $(seq 1 60); do
  nc -z "$POSTGRES_SEEDS" "$PORT" && break
  echo "waiting for PostgreSQL ($attempt)"; sleep 2
done

tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"; }

tool --db temporal create || true
tool --db temporal setup-schema -v 0.0 || true
tool --db temporal update-schema -d "$SCHEMA/temporal/versioned"

tool --db temporal_visibility create || true
tool --db temporal_visibility setup-schema -v 0.0 || true
tool --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"

echo "Temporal schemas are up to date"
