#!/bin/sh
# One-shot: once the frontend answers, make sure sendingo's namespace exists
# and register the search attributes its workflows set (AccountId,
# CampaignId). Re-running changes nothing.
set -eu
ns="${NAMESPACE:-default}"
host="${TEMPORAL_HOST:-temporal}"
port="${TEMPORAL_PORT:-7233}"
# Dial an IPv4 address: the CLI may otherwise try an address the frontend does
# not listen on.
ip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
addr="${ip:-$host}:$port"

tries=0
until temporal operator cluster health --address "$addr" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "temporal-namespace: $addr not healthy after 60 tries" >&2
    exit 1
  fi
  sleep 2
done

if ! temporal operator namespace describe --address "$addr" --namespace "$ns" >/dev/null 2>&1; then
  temporal operator namespace create --address "$addr" --namespace "$ns" --retention "${RETENTION:-72h}"
fi
temporal operator search-attribute create --address "$addr" --namespace "$ns" \
  --name AccountId --type Keyword \
  --name CampaignId --type Keyword
echo "temporal-namespace: $ns ready with AccountId and CampaignId"
