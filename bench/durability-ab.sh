#!/usr/bin/env bash
# Issue 11 (BENCHMARKS.md, "The commit journal"): durable and non-durable H2 side by side, each
# variant a fresh server on a fresh H2 file, 10,000 streams, one generator run per variant.
#
#   bench/durability-ab.sh OUT_DIR VARIANT...     VARIANT: journal | writedelay0 | nondurable | before
#   RATES=2000,5000,2000,5000 WARMUP_RATE=2000 BEFORE_JAR=/tmp/before/target/sse-notify-standalone.jar
#
# "before" is another build (e.g. 4dfb941, whose default was H2's write delay, not durable).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
mkdir -p "$out"
for label in "$@"; do
  case $label in
    journal)     env=(H2_OPTS=) ;;
    writedelay0) env=("H2_OPTS=;WRITE_DELAY=0") ;;
    nondurable)  env=("H2_OPTS=;WRITE_DELAY=500") ;;
    before)      env=(H2_OPTS= "JAR=${BEFORE_JAR:-/tmp/before/target/sse-notify-standalone.jar}") ;;
    *) echo "unknown variant $label (journal, writedelay0, nondurable, before)" >&2; exit 2 ;;
  esac
  env "${env[@]}" bench/bench.sh server 10000 >/dev/null
  echo "== $label $(uptime | sed 's/.*load/load/')"
  bench/bench.sh gen --label "$label" --out "$out/$label" --streams 10000 --users 10000 \
    --rates "${RATES:-2000,5000,2000,5000}" --seconds 10 --warmup-seconds 40 --warmup-rate "${WARMUP_RATE:-2000}" \
    --publish-connections 16 2>&1 | grep -E "^[0-9]+/s|^warmup" | awk '!seen[$0]++'
  bench/bench.sh stop
done
