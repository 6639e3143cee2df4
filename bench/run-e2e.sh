#!/usr/bin/env bash
# End-to-end benchmarks of ERA as a user runs it (see BENCHMARKS.md): daemon start to /health,
# idle RSS, deploy -> RUNNING over the Unix socket, and `era ps` including the CLI's JVM start,
# and the agents HTTP round trip (engine: agents); `--only agents` runs just that one.
# Usage: bench/run-e2e.sh [--starts 30] [--rss 5] [--deploys 300] [--ps 50] [--agent-messages 20000] [--only agents]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
./mvnw -q -DskipTests -pl era-daemon,era-bench -am install
java="${JAVA_HOME:+$JAVA_HOME/bin/java}"
if [ -z "$java" ]; then
  for c in /usr/lib/jvm/*25*; do [ -x "$c/bin/java" ] && java="$c/bin/java" && break; done
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $("$java" -version 2>&1 | sed -n 2p)" >&2
echo "load before: $(cat /proc/loadavg)" >&2
"$java" -XX:+UseSerialGC -cp "era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*" \
  dev.era.bench.E2eBench --era "$root/era" "$@"
echo "load after: $(cat /proc/loadavg)" >&2
