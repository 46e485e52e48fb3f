#!/usr/bin/env bash
# sse-notify beside the peers (the seed's gin port, Jetty's EventSourceServlet) under one Go
# load generator, in one run: the steps of ../shared/bench-peers/README.md. The peers are
# copied to scratch space and built there (they are the measuring stick, never part of this
# repository); sse-notify runs twice through bin/sse-notify: as the launcher chooses
# (newest JDK, its tuned options) and on Java 17 with -Xmx512m (G1).
#
#   bench/peers.sh                                # A (19,000 streams), B, C; one round (~12 min)
#   bench/peers.sh --rounds 3                     # medians of 3 rounds (what the targets use)
#   bench/peers.sh --only A --a-sizes 1000        # a quick look; any run-all.sh option is passed on
#
# Environment: PEERS_SRC (default ../shared/bench-peers), PEERS_DIR (scratch copy, default a
# new temp dir), JAVA17 (the Java 17 executable), PEERS (default gin-seed,jetty-eventsource).
# Writes bench/results/peers-<UTC stamp>.md (summary, versions, command) and keeps the raw
# results in $PEERS_DIR/out.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SRC=${PEERS_SRC:-$REPO/../shared/bench-peers}
PEERS=${PEERS:-gin-seed,jetty-eventsource}
[ -f "$SRC/run-all.sh" ] || { echo "no peers at $SRC (set PEERS_SRC)" >&2; exit 2; }

if ! command -v go >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-github-gin-gonic-gin-dev \
      golang-github-mattn-go-sqlite3-dev >/dev/null
  else
    echo "needs: apt-get install golang-go golang-github-gin-gonic-gin-dev golang-github-mattn-go-sqlite3-dev" >&2
    exit 2
  fi
fi

JAVA17=${JAVA17:-}
if [ -z "$JAVA17" ]; then
  for j in /usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/*17*/bin/java "$(command -v java)"; do
    if [ -x "$j" ] && "$j" -version 2>&1 | head -1 | grep -q '"17\.'; then JAVA17=$j; break; fi
  done
fi
[ -n "$JAVA17" ] || { echo "no Java 17 found (set JAVA17)" >&2; exit 2; }

echo "== package sse-notify"
mvn -B -q -DskipTests package

P=${PEERS_DIR:-$(mktemp -d /tmp/sse-notify-peers.XXXXXX)}
mkdir -p "$P"
cp -r "$SRC/." "$P"
chmod -R u+w "$P"
# The generator's users user0..user19999@bench.test (password pw) and the publisher.
{ for i in $(seq 0 19999); do echo "user$i@bench.test: pw,user"; done; echo "backend: backend-secret,publisher"; } > "$P/users"

echo "== build the peers in $P"
export GOCACHE=${GOCACHE:-$HOME/go/cache} GO111MODULE=off GOPATH=/usr/share/gocode
(cd "$P/ssebench" && go build -o ssebench .)
[[ ",$PEERS," != *,gin-seed,* ]] || (cd "$P/gin-seed" && go build -o gin-seed .)
[[ ",$PEERS," != *,jetty-eventsource,* ]] || (cd "$P/jetty-eventsource" && mvn -q -B package -DskipTests)
[[ ",$PEERS," != *,spring-sse,* ]] || (cd "$P/spring-sse" && mvn -q -B package -DskipTests)

# run-all.sh runs each command with bash in an empty $DATA after `ulimit -n`; env and the
# launcher both exec, so the PID it samples is the JVM. JDK_JAVA_OPTIONS adds the temp folder
# without replacing the launcher's defaults (the README's -Djava.io.tmpdir=$DATA).
COMMON="env SSE_NOTIFY_USERS_FILE=$P/users JDK_JAVA_OPTIONS=-Djava.io.tmpdir=\$DATA"
LAUNCHER="$COMMON $REPO/bin/sse-notify"
JAVA17_CMD="$COMMON SSE_NOTIFY_JAVA=$JAVA17 SSE_NOTIFY_JAVA_OPTS=-Xmx512m $REPO/bin/sse-notify"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$P/out
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"$P/run-all.sh" --no-build --rounds 1 --only A,B,C --a-sizes 19000 --a-once '' --peers "$PEERS" --out "$OUT" \
  --extra "sse-notify=$LAUNCHER" --extra "sse-notify-java17=$JAVA17_CMD" "$@"

mkdir -p bench/results
REPORT=bench/results/peers-$STAMP.md
{
  echo "# sse-notify beside the peers, $STAMP"
  echo
  echo "\`bench/peers.sh $*\` at commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml bin || echo ' (with uncommitted changes)');"
  echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared with the generator)."
  # The launcher's first line says which java and options it chose.
  for name in sse-notify sse-notify-java17; do
    log=$(ls "$OUT"/logs/$name-*.server.log 2>/dev/null | head -1)
    echo "\`$name\`: $(head -1 "${log:-/dev/null}" 2>/dev/null | sed 's/^sse-notify: //')  "
  done
  echo
  cat "$OUT/summary.md"
  echo
  echo '```'
  cat "$OUT/versions.txt"
  echo '```'
} > "$REPORT"
echo "== $REPORT (raw results: $OUT)"
