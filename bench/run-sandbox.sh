#!/usr/bin/env bash
# End-to-end sandbox benchmarks of issue 4 (see BENCHMARKS.md): create → first output (cold and from
# the warm pool), WebSocket stdout throughput beside a pipe, density (suspended + idle running
# sandboxes under -Xmx512m), snapshot and restore of a 100 MB workspace. Needs root (bubblewrap
# sandboxes, cgroups). Usage: bench/run-sandbox.sh [--only cold,warm,stream,snapshot,density] [--runs 100]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
./mvnw -q -o -DskipTests -pl era-daemon,era-bench -am install
java="${JAVA_HOME:+$JAVA_HOME/bin/java}"
if [ -z "$java" ]; then
  for c in /usr/lib/jvm/*25*; do [ -x "$c/bin/java" ] && java="$c/bin/java" && break; done
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $("$java" -version 2>&1 | sed -n 2p)" >&2
echo "load before: $(cat /proc/loadavg)" >&2
"$java" -XX:+UseSerialGC -cp "era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*" \
  dev.era.bench.SandboxBench --era "$root/era" "$@"
echo "load after: $(cat /proc/loadavg)" >&2
