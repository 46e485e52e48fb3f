#!/usr/bin/env bash
# Benchmarks of BENCHMARKS.md. Each scenario starts a fresh server (java -Xmx512m -jar
# target/sse-notify-standalone.jar, H2 file database in a temp dir, generated users), runs the
# load generator against it and stops it. Results go to bench/results/<scenario>.{txt,csv,png}.
#
#   bench/bench.sh build                     # mvn package + the generator's classpath
#   bench/bench.sh capacity|closewatch|targeted|targeted-lowpause|multitab|sweep|highrate|batch|all
#   bench/bench.sh catchup                   # one stream catching up 10,000 x 1 KiB and 1,000 x 64 KiB
#   bench/bench.sh server USERS              # just a server (pid in target/bench/server.pid)
#   bench/bench.sh gen --streams N ...       # just the generator, against the running server
#   bench/bench.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18080}
WORK=target/bench
CP_FILE=target/bench-classpath.txt
SERVER_OPTS=${SERVER_OPTS:-}
mkdir -p "$WORK" bench/results

build() {
  mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=$CP_FILE -Dmdep.includeScope=test
}

classpath() {
  [ -f $CP_FILE ] && [ -f target/sse-notify-standalone.jar ] || build
  echo "target/test-classes:target/classes:$(cat $CP_FILE)"
}

server() {
  local users=$1
  stop
  local dir; dir=$(mktemp -d /tmp/sse-notify-bench.XXXXXX)
  java -cp "$(classpath)" dev.ssenotify.bench.LoadGenerator users-file "$dir/users.txt" --users "$users" >/dev/null
  PORT=$PORT SSE_NOTIFY_USERS_FILE="$dir/users.txt" SSE_NOTIFY_JDBC_URL="${JDBC_URL:-jdbc:h2:file:$dir/notify${H2_OPTS:-}}" \
    SSE_NOTIFY_MAX_STREAMS=20000 \
    java -Xmx512m -Xlog:gc:file=$WORK/gc.log $SERVER_OPTS -jar "${JAR:-target/sse-notify-standalone.jar}" > "$WORK/server.log" 2>&1 &
  echo $! > "$WORK/server.pid"
  echo "$dir" > "$WORK/server.dir"
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "server did not start, see $WORK/server.log"; exit 1; }
  echo "server pid $(cat $WORK/server.pid) on $PORT, db and users in $dir"
}

stop() {
  if [ -f "$WORK/server.pid" ]; then
    local pid; pid=$(cat "$WORK/server.pid")
    kill "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    rm -f "$WORK/server.pid"
  fi
  # The database of a run is hundreds of MB: delete it with its server.
  if [ -f "$WORK/server.dir" ]; then
    rm -rf "$(cat "$WORK/server.dir")" "$WORK/server.dir"
  fi
}

gen() {
  java -Xmx1g -XX:+UseSerialGC ${GEN_OPTS:-} -cp "$(classpath)" dev.ssenotify.bench.LoadGenerator --port "$PORT" \
    --server-pid "$(cat $WORK/server.pid)" "$@"
}

scenario() {
  local name=$1 users=$2; shift 2
  server "$users"
  uptime | tee "bench/results/$name.load.txt"
  gen --label "$name" --out "bench/results/$name" "$@" || { stop; exit 1; }
  uptime | tee -a "bench/results/$name.load.txt"
  cp "$WORK/gc.log" "bench/results/$name.gc.log"   # the young-GC pauses behind the tail
  stop
}

case "${1:-}" in
  build) build ;;
  server) server "$2" ;;
  gen) shift; gen "$@" ;;
  stop) stop ;;
  # capacity: a cold server first (memory per stream, cold connect), then the same server again (warm connect).
  capacity) server 19500; uptime | tee bench/results/capacity.load.txt
            gen --label capacity-cold --out bench/results/capacity-cold --streams 19500 --users 19500 --rates 0 --hold-seconds 5
            # A closed client is noticed at the next keep-alive write (15 s): wait until the server dropped them.
            for _ in $(seq 1 60); do curl -s "http://127.0.0.1:$PORT/health" | grep -q '"streams":0' && break; sleep 1; done
            gen --label capacity-warm --out bench/results/capacity-warm --streams 19500 --users 19500 --rates 0 --hold-seconds 5
            uptime | tee -a bench/results/capacity.load.txt; stop ;;
  # closewatch (issue 14): what the HTTP/1.1 close watch costs at 19,500 idle streams. Same
  # capacity connect with SSE_NOTIFY_CLOSE_WATCH on and off; server CPU over connect + 30 s hold
  # from /proc, RSS from the generator; then how long the server takes to drop them all.
  closewatch) for w in ${WATCH:-true false}; do
                SSE_NOTIFY_CLOSE_WATCH=$w server 19500
                pid=$(cat $WORK/server.pid); tck=$(getconf CLK_TCK)
                cpu() { awk -v t="$tck" '{printf "%.2f", ($14+$15)/t}' /proc/$pid/stat; }
                uptime | tee bench/results/closewatch-$w.load.txt
                c0=$(cpu)
                gen --label closewatch-$w --out bench/results/closewatch-$w --streams 19500 --users 19500 --rates 0 \
                    --hold-seconds ${HOLD:-30}
                c1=$(cpu); t0=$(date +%s.%N)
                for _ in $(seq 1 600); do curl -s "http://127.0.0.1:$PORT/health" | grep -q '"streams":0' && break; sleep 0.1; done
                t1=$(date +%s.%N)
                echo "close watch $w: server CPU over connect + hold $(echo "$c1 - $c0" | bc) s;" \
                     "all streams gone $(echo "$t1 - $t0" | bc) s after the generator closed them" | tee -a bench/results/closewatch-$w.txt
                uptime | tee -a bench/results/closewatch-$w.load.txt
                stop
              done ;;
  # targeted: 20 s of warm-up (the JIT), then three 10 s runs at 5,000/s.
  targeted) scenario targeted 10000 --streams 10000 --users 10000 --rates 5000,5000,5000 --seconds 10 \
              --warmup-seconds 20 --warmup-rate 3000 --publish-connections 16 ;;
  # the same with G1 asked for 5 ms pauses: the young-GC pauses are the p99 (BENCHMARKS.md)
  targeted-lowpause) SERVER_OPTS="$SERVER_OPTS -XX:MaxGCPauseMillis=5" scenario targeted-lowpause 10000 --streams 10000 \
              --users 10000 --rates 5000,5000,5000 --seconds 10 --warmup-seconds 20 --warmup-rate 3000 --publish-connections 16 ;;
  sweep) scenario sweep 10000 --streams 10000 --users 10000 --rates 2500,5000,7500,10000,12500,15000 \
              --seconds 10 --warmup-seconds 20 --warmup-rate 3000 --publish-connections 32 ;;
  # the sweep's top rates again, three times each, interleaved: is p99 < 50 ms at >= 10,000/s repeatable?
  highrate) scenario highrate 10000 --streams 10000 --users 10000 --rates 10000,12500,10000,12500,10000,12500 \
              --seconds 10 --warmup-seconds 20 --warmup-rate 3000 --publish-connections 32 ;;
  # catchup: a reconnect owed a large backlog pages it from the table (issue 12); one server per size.
  catchup) for size in "10000 1024" "1000 65536"; do
             SSE_NOTIFY_REPLAY_LIMIT=20000 server 1
             java -cp "$(classpath)" dev.ssenotify.bench.CatchUpThroughput "$PORT" $size | tee -a bench/results/catchup.txt
             stop
           done ;;
  # batch (issue 15): POST /api/v1/notifications/batch, 100 notifications for random users per
  # request, 10,000 streams of 10,000 users; rates in notifications/s (RATES overrides them).
  batch) scenario batch 10000 --streams 10000 --users 10000 --rates "${RATES:-10000,25000,50000}" --seconds 10 \
              --warmup-seconds 10 --warmup-rate 10000 --batch-size "${BATCH:-100}" --publish-connections 16 ;;
  multitab) scenario multitab 100 --streams 1000 --users 100 --rates 1000,1000,1000 --seconds 10 \
              --warmup-seconds 20 --warmup-rate 1000 --publish-connections 16 ;;
  all) "$0" capacity; "$0" targeted; "$0" targeted-lowpause; "$0" multitab; "$0" sweep; "$0" highrate; "$0" batch ;;
  *) sed -n 2,11p "$0"; exit 2 ;;
esac
