#!/usr/bin/env bash
# Several nodes of the standalone jar on one PostgreSQL (Debian's postgresql package, started
# here on a throw-away data directory), the load generator spreading the streams over the
# nodes as a balancer would and publishing to all of them. Results go to
# bench/results/<label>.{txt,csv,png}; per phase: missing/duplicate, p50/p99 publish-to-frame,
# the nodes' CPU and the database's CPU; per node: RSS per stream.
#
#   bench/cluster.sh                   # 3 nodes x 2,000 streams, 1,000/2,000/5,000 per second, 10 s each
#   NODES=3 STREAMS=57000 bench/cluster.sh           # the full run (19,000 streams per node)
#   NODES=1 STREAMS=10000 RATES=500,2000,5000 LABEL=pg-single bench/cluster.sh
#   JAR=/other/sse-notify-standalone.jar ...         # another build (e.g. before a change)
#
# Settings (environment): NODES (3), STREAMS (6000; users = streams), RATES (1000,2000,5000),
# RATE_SECONDS (10), WARMUP_SECONDS (10), WARMUP_RATE (1000), PUBLISH_CONNECTIONS (32),
# BASE_PORT (18081: nodes on BASE_PORT, +1, ...), PG_PORT (25432), LABEL (cluster-<NODES>x<STREAMS>),
# SERVER_OPTS (extra JVM options of the nodes), PG_OPTS (extra postgres -c options).
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-3}
STREAMS=${STREAMS:-6000}
RATES=${RATES:-1000,2000,5000}
SECONDS_PER_RATE=${RATE_SECONDS:-10}
WARMUP_SECONDS=${WARMUP_SECONDS:-10}
WARMUP_RATE=${WARMUP_RATE:-1000}
PUBLISH_CONNECTIONS=${PUBLISH_CONNECTIONS:-32}
BASE_PORT=${BASE_PORT:-18081}
PG_PORT=${PG_PORT:-25432}
LABEL=${LABEL:-cluster-${NODES}x${STREAMS}}
JAR=${JAR:-target/sse-notify-standalone.jar}
CP_FILE=target/bench-classpath.txt
WORK=target/bench-cluster
mkdir -p "$WORK" bench/results

[ -f $CP_FILE ] && [ -f target/sse-notify-standalone.jar ] || \
  mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=$CP_FILE -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat $CP_FILE)"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PG_BIN" ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

DIR=$(mktemp -d /tmp/sse-notify-cluster.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
  [ -f "$DIR/pg/postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# PostgreSQL: initdb refuses root, so the data directory belongs to the postgres user.
chown postgres "$DIR"
runuser -u postgres -- "$PG_BIN/initdb" -D "$DIR/pg" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w start \
  -o "-p $PG_PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB ${PG_OPTS:-}" >/dev/null
DB_PID=$(head -1 "$DIR/pg/postmaster.pid")
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE notify" >/dev/null
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') pid $DB_PID on $PG_PORT, data in $DIR/pg"

java -cp "$CP" dev.ssenotify.bench.LoadGenerator users-file "$DIR/users.txt" --users "$STREAMS" >/dev/null
PORTS=""
for i in $(seq 0 $((NODES - 1))); do
  port=$((BASE_PORT + i))
  PORT=$port SSE_NOTIFY_USERS_FILE="$DIR/users.txt" SSE_NOTIFY_MAX_STREAMS=20000 \
    SSE_NOTIFY_JDBC_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/notify?user=postgres" \
    java -Xmx512m -Xlog:gc:file=$WORK/gc-$port.log ${SERVER_OPTS:-} -jar "$JAR" > "$WORK/node-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "node on $port did not start, see $WORK/node-$port.log"; exit 1; }
  PORTS="${PORTS:+$PORTS,}$port"
done
SERVER_PIDS=$(IFS=,; echo "${PIDS[*]}")
echo "$NODES node(s) on ports $PORTS (pids $SERVER_PIDS)"

uptime | tee "bench/results/$LABEL.load.txt"
# One generator process per 10,000 streams (20,000 open files each), at least one per node.
java -Xmx1g -XX:+UseSerialGC ${GEN_OPTS:-} -cp "$CP" dev.ssenotify.bench.LoadGenerator \
  --ports "$PORTS" --server-pids "$SERVER_PIDS" --db-pid "$DB_PID" \
  --streams "$STREAMS" --users "$STREAMS" --rates "$RATES" --seconds "$SECONDS_PER_RATE" \
  --warmup-seconds "$WARMUP_SECONDS" --warmup-rate "$WARMUP_RATE" --publish-connections "$PUBLISH_CONNECTIONS" \
  --label "$LABEL" --out "bench/results/$LABEL"
uptime | tee -a "bench/results/$LABEL.load.txt"
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d notify -At \
  -c "SELECT 'rows in notification_log: ' || COUNT(*) FROM notification_log" | tee -a "bench/results/$LABEL.load.txt"
