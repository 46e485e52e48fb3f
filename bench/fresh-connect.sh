#!/usr/bin/env bash
# Fresh connect: N streams opened on a server started a moment before, with the peers' Go
# generator (ssebench, as in the issue's table), for several JVM set-ups of bin/sse-notify:
#
#   java17     Java 17, -Xmx512m (G1)
#   launcher   the launcher's defaults without an AOT cache (SSE_NOTIFY_AOT=off)
#   aot        the same with an AOT cache recorded by a training run just before (Java 25+)
#   c1         the launcher's options plus -XX:TieredStopAtLevel=1 (no C2: a diagnosis only)
#
#   bench/fresh-connect.sh [N=19000] [ROUNDS=1] [VARIANTS=java17,launcher,aot,c1]
#
# Needs ssebench built by bench/peers.sh (PEERS_DIR, default the newest /tmp/sse-notify-peers.*).
# Prints one line per run and writes bench/results/fresh-connect-<stamp>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
N=${1:-19000}
ROUNDS=${2:-1}
VARIANTS=${3:-java17,launcher,aot,c1}
P=${PEERS_DIR:-$(ls -dt /tmp/sse-notify-peers.* 2>/dev/null | head -1)}
BENCH=$P/ssebench/ssebench
[ -x "$BENCH" ] || { echo "no ssebench at $BENCH: run bench/peers.sh first or set PEERS_DIR" >&2; exit 2; }
[ -f "$P/users" ] || { echo "no users file at $P/users" >&2; exit 2; }
JAVA17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
[ -f target/sse-notify-standalone.jar ] || mvn -B -q -DskipTests package
ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d /tmp/sse-notify-connect.XXXXXX)
AOT=$WORK/train.aot
OUT=bench/results/fresh-connect-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p bench/results
PID=""
stop() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$PID" 2>/dev/null || true
    PID=""
  fi
}
trap 'stop; rm -rf "$WORK"' EXIT

free_port() {
  PORT=39400
  while ss -Htln "sport = :$PORT" | grep -q .; do PORT=$((PORT + 1)); done
}

# run LABEL ENV... : a fresh server with ENV, N streams, the connect line
run() {
  local label=$1; shift
  free_port
  local dir=$WORK/$label-$RANDOM
  mkdir -p "$dir"
  ( cd "$dir" && exec env PORT=$PORT SSE_NOTIFY_USERS_FILE="$P/users" SSE_NOTIFY_AOT_CACHE="$AOT" "$@" \
      "$REPO/bin/sse-notify" ) > "$dir/server.log" 2>&1 &
  PID=$!
  local t0; t0=$(date +%s.%N)
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
  local up; up=$(echo "$(date +%s.%N) - $t0" | bc)
  sleep 2
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  "$BENCH" -url "http://127.0.0.1:$PORT" -pid "$PID" -conns "$N" -users "$N" -srcips 4 -rate 0 -count 0 \
    -connect-timeout 60s -ping-timeout 20s -settle 3s -maxtime 5m > "$dir/bench.json" 2> "$dir/bench.log" || true
  printf '%-9s up in %.1f s | %s | %s | load %s | %s%s\n' "$label" "$up" \
    "$(grep -E 'connect phase:' "$dir/bench.log" | sed 's/.*connect phase: //')" \
    "$(grep -oE 'server CPU for the connect phase [0-9.]+s' "$dir/bench.log")" "$load" \
    "$(head -1 "$dir/server.log" | sed 's/^sse-notify: //')" \
    "$(grep -m1 -i 'warning.*aot\|aot.*warning' "$dir/server.log" | sed 's/^/ | /')" | tee -a "$OUT"
  stop
}

echo "fresh connect of $N streams, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT"
IFS=, read -r -a VS <<< "$VARIANTS"
if [[ ",$VARIANTS," == *,aot,* ]]; then
  # Training: the same connect once, then SIGTERM; the JVM writes the cache while it exits.
  run train SSE_NOTIFY_AOT=record
  [ -f "$AOT" ] || echo "no AOT cache was written (Java 25+ needed)" | tee -a "$OUT"
fi
for r in $(seq 1 "$ROUNDS"); do
  for v in "${VS[@]}"; do
    case $v in
      java17) run java17 SSE_NOTIFY_JAVA="$JAVA17" SSE_NOTIFY_JAVA_OPTS=-Xmx512m ;;
      launcher) run launcher SSE_NOTIFY_AOT=off ;;
      aot) run aot ;;
      c1) run c1 SSE_NOTIFY_JAVA_OPTS="-Xmx512m -XX:+UseZGC -XX:+UseCompactObjectHeaders -XX:TieredStopAtLevel=1" ;;
      *) echo "unknown variant $v" >&2; exit 2 ;;
    esac
  done
done
echo "wrote $OUT"
