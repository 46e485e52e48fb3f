#!/usr/bin/env bash
# Issue 11's crash, repeated (BENCHMARKS.md, "Durability"): a forked standalone server on a
# fresh H2 file, four publishers and an open stream, kill -9, a new server on the same file;
# checks that every answered or streamed notification survived and that no id was reused.
#
#   bench/crash-loop.sh [ROUNDS=10] [SECONDS=3] [URL_OPTIONS]
#   bench/crash-loop.sh 10 3 ";WRITE_DELAY=500"     # H2's own default: shows the loss
set -euo pipefail
cd "$(dirname "$0")/.."
CP_FILE=target/bench-classpath.txt
[ -f $CP_FILE ] && [ -d target/test-classes ] || \
  mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=$CP_FILE -Dmdep.includeScope=test
# A copy of the classes: a build during the loop must not pull them from under the forked servers.
SNAP=$(mktemp -d /tmp/sse-notify-crash-classes.XXXXXX)
trap 'rm -rf "$SNAP"' EXIT
cp -r target/classes target/test-classes "$SNAP/"
java -cp "$SNAP/test-classes:$SNAP/classes:$(cat $CP_FILE)" dev.ssenotify.bench.CrashLoop "$@"
