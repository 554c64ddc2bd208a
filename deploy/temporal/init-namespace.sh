#!/bin/sh
# Creates the namespace and registers Longhaul's search attributes on it (LONGHAUL_SEARCH_ATTRIBUTES:
# "Name=Type ..." pairs, the table in src/contracts/search-attributes.ts). Idempotent: existing ones are kept.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}" "${LONGHAUL_SEARCH_ATTRIBUTES:?}"

for attempt in $(seq 1 60); do
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 && break
  echo "waiting for Temporal at $TEMPORAL_ADDRESS ($attempt)"; sleep 2
done

if ! temporal operator namespace describe --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  temporal operator namespace create --namespace "$NAMESPACE" --retention 720h --address "$TEMPORAL_ADDRESS"
fi

existing="$(temporal operator search-attribute list --namespace "$NAMESPACE" --address "$TEMPORAL_ADDRESS" || true)"
for pair in $LONGHAUL_SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" --address "$TEMPORAL_ADDRESS"
  fi
done
echo "namespace $NAMESPACE is ready for Longhaul"
