#!/usr/bin/env bash
# Exec round trip of `true` in a sandbox against a real daemon, over ERA's HTTP API and through
# RunLoop's TypeScript SDK (see BENCHMARKS.md). Two daemons, one with the exec agent and one without
# (ERA_EXEC_AGENT=off: the old applier path), measured in turns so that both see the same load.
# Usage: bench/run-exec.sh [--execs 500] [--warmup 100] [--sdk 300]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
./mvnw -q -DskipTests -pl era-daemon,era-bench -am install
if [ ! -d era-compat/src/test/node/node_modules/@runloop/api-client ] && command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --prefix era-compat/src/test/node >/dev/null
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/java}"
if [ -z "$java" ]; then
  for c in /usr/lib/jvm/*25*; do [ -x "$c/bin/java" ] && java="$c/bin/java" && break; done
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $("$java" -version 2>&1 | sed -n 2p), node $(node --version 2>/dev/null || echo none)" >&2
./era --help >/dev/null 2>&1 || true # builds the launcher if needed, outside the measurement
"$java" -XX:+UseSerialGC -cp "era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*" \
  dev.era.bench.ExecRttBench --era "$root/era" "$@"
