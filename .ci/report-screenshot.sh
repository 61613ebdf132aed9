#!/usr/bin/env bash
# Renders a sample profile report and photographs it in headless Chromium, to check that the report's HTML and
# SVG render in a real browser. Not a timed test. Usage: .ci/report-screenshot.sh [out-dir]  (default /tmp/taskgraph-report)
# Needs Debian's chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/taskgraph-report}"
mkdir -p "$out"
dotnet run examples/ProfileReport/report.cs -- "$out/profile.html"
profile_dir="$(mktemp -d)"   # a fresh, empty browser profile each time
trap 'rm -rf "$profile_dir"' EXIT
chromium="$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile_dir" --screenshot="$out/profile.png" --window-size=1200,900 \
  "file://$out/profile.html" 2>"$out/chromium.log" || { cat "$out/chromium.log"; exit 1; }
ls -l "$out/profile.png"
