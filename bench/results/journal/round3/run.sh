#!/bin/bash
# Issue 11: the commit journal beside the old non-durable default and the per-commit mode.
cd /work/main
OUT=bench/results/journal/${ROUND:-round1}
for v in "after-journal H2_OPTS=" "before-nondurable JAR=/tmp/before/target/sse-notify-standalone.jar H2_OPTS=" "after-writedelay0 H2_OPTS=;WRITE_DELAY=0"; do
  set -- $v; label=$1; shift
  ( export "$@"; bench/bench.sh server 10000 >/dev/null )
  echo "== $label $(uptime | sed 's/.*load/load/')"
  bench/bench.sh gen --label $label --out $OUT/$label --streams 10000 --users 10000 \
    --rates ${RATES:-2000,5000,2000,5000} --seconds 10 --warmup-seconds 40 --warmup-rate ${WARMUP_RATE:-2000} --publish-connections 16 2>&1 | grep -E "^[0-9]+/s|phase|achieved" | head -12
  bench/bench.sh stop
done
