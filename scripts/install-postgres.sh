#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries (initdb, postgres) are installed: the tests start a throwaway server
# of their own for Longhaul's PostgreSQL result store. Uses Debian's package (postgresql, version 15 on
# bookworm) through apt-get when they are missing. Idempotent.
set -euo pipefail
for dir in /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then echo "PostgreSQL present: $dir"; exit 0; fi
done
if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then echo "PostgreSQL present: $(dirname "$(command -v initdb)")"; exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries not found and apt-get is not available: install PostgreSQL 15 (initdb, postgres)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
echo "installing PostgreSQL with apt-get"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >/dev/null
echo "PostgreSQL installed"
