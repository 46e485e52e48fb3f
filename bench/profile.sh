#!/usr/bin/env bash
# A JFR profile (CPU and allocation samples) of the server under one load of bench.sh's
# generator, recorded only while notifications flow (after the connect phase and warm-up).
#
#   bench/profile.sh rate2000     # 10,000 streams of 10,000 users, 2,000 POST/s
#   bench/profile.sh multitab     # 1,000 streams of 100 users (10 tabs each), 1,000 POST/s
#   bench/profile.sh batch        # 10,000 streams, batches of 100 at RATE (default 50,000) notifications/s
#
# SERVER_OPTS / JAR as in bench.sh (e.g. JAR=... to profile another build); WARMUP_SECONDS (15)
# and PROFILE_AFTER (17 s after the streams connected): on a slow machine C2 is still compiling
# a minute in (60% of a core at 45-60 s, 2026-12-01), so warm up longer. Writes
# bench/results/profile-<scenario>.{md,txt} (the top frames by
# bench/jfr-top.py; the generator's report) and target/bench/<scenario>.jfr (the recording).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18080}
name=${1:-}
extra=(--publish-connections 32)
case "$name" in
  rate2000) users=10000; streams=10000; rate=2000 ;;
  multitab) users=100; streams=1000; rate=1000 ;;
  batch) users=10000; streams=10000; rate=${RATE:-50000}; extra=(--publish-connections 16 --batch-size 100) ;;
  *) sed -n 2,11p "$0"; exit 2 ;;
esac
out=bench/results/profile-$name
bench/bench.sh server "$users"
pid=$(cat target/bench/server.pid)
bench/bench.sh gen --label "profile-$name" --out "$out" --streams "$streams" --users "$users" --rates "$rate" \
  --seconds 25 --warmup-seconds "${WARMUP_SECONDS:-15}" --warmup-rate "$rate" "${extra[@]}" > "target/bench/$name.gen.log" 2>&1 &
gen=$!
# Connected when /health counts every stream; then the warm-up, then 12 s of the measured phase.
for _ in $(seq 1 600); do
  curl -s "http://127.0.0.1:$PORT/health" | grep -q "\"streams\":$streams" && break
  sleep 0.5
done
sleep "${PROFILE_AFTER:-17}"
# JDK's profile settings with denser samples: 2 ms between CPU samples, 3,000 allocation samples/s.
jfc=$PWD/target/bench/dense.jfc
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v jcmd)")")")
sed -e '/"jdk.ExecutionSample"/,/<\/event>/s/10 ms/2 ms/' -e '/"jdk.ObjectAllocationSample"/,/<\/event>/s#300/s#3000/s#' \
  "$jdk/lib/jfr/profile.jfc" > "$jfc"
# User and kernel CPU of the server over the recorded window: JFR's samples see only Java
# frames, and on loopback a socket write also runs the receiver's TCP work in the sender's time.
cpu() { awk '{print $14, $15}' "/proc/$pid/stat"; }
read -r u0 s0 < <(cpu)
jcmd "$pid" JFR.start name=profile settings="$jfc" duration=${PROFILE_SECONDS:-15}s filename="$PWD/target/bench/$name.jfr" >/dev/null
sleep "${PROFILE_SECONDS:-15}"
read -r u1 s1 < <(cpu)
tck=$(getconf CLK_TCK)
split=$(awk -v u=$((u1 - u0)) -v k=$((s1 - s0)) -v t="$tck" -v w="${PROFILE_SECONDS:-15}" \
  'BEGIN { printf "server CPU over the %d s recording: user %.2f s, kernel %.2f s (%.0f%% kernel)", w, u / t, k / t, 100 * k / (u + k) }')
wait "$gen" || true
bench/bench.sh stop
jfr print --json --stack-depth 64 --events jdk.ExecutionSample,jdk.ObjectAllocationSample "target/bench/$name.jfr" > "target/bench/$name.json"
{
  echo "# Profile: $name ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  echo '```'
  grep -E '/s |ready' "$out.txt" || true
  echo "$split"
  echo '```'
  echo
  python3 bench/jfr-top.py "target/bench/$name.json" 25
} > "$out.md"
echo "wrote $out.md (recording: target/bench/$name.jfr)"
