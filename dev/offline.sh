#!/bin/sh
# Runs a command with wrangler kept off the network (see dev/offline.ts for why).
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
export XDG_CONFIG_HOME="$(cd "$(dirname "$0")/.." && pwd)/.config"
exec "$@"
