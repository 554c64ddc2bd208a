#!/usr/bin/env bash
# Installs versitygw (Apache-2.0), a real S3-compatible server (SigV4, multipart uploads, range reads), into
# .tools/versitygw/bin: the tests and the multi-machine examples run Longhaul's S3 blob store against it. Built
# from source with the Go module proxy (a few minutes, once); the binary is cached in .tools/ (ignored by git).
# Idempotent: exits at once when the binary is already there.
set -euo pipefail
VERSITYGW_VERSION="v1.7.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/versitygw"
bin="$dest/bin/versitygw"
if [ -x "$bin" ]; then
  echo "versitygw present: $bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "cannot build versitygw: go is not installed (or set LONGHAUL_VERSITYGW to an existing binary)" >&2
  exit 1
fi
mkdir -p "$dest/bin"
# Go's own module and build caches (under $HOME) stay warm across clones: a second build takes seconds
echo "building versitygw $VERSITYGW_VERSION with go install (a few minutes the first time on a machine)"
GOBIN="$dest/bin" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
echo "versitygw installed: $bin"
