#!/usr/bin/env bash
# Draw time of charts.js with an hour of camera-rate data (7 series × 54 000 points, one with a band), in headless
# Debian chromium: serves the repository on a loopback port, prints the page's result line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
/usr/lib/chromium/chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=60000 --dump-dom \
  http://127.0.0.1:8765/tools/chart-bench/index.html 2>/dev/null | grep -o 'points [0-9]* full-hour[^<]*'
