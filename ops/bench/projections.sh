#!/usr/bin/env bash
# Projections into PostgreSQL: events/s for a simple view (one upsert per event) and an aggregating view, the runtime
# (coalescing batches; and one upsert per event) beside a naive one-transaction-per-event JPA loop and the raw limit
# (COPY + one merge statement). Needs the local PostgreSQL at 127.0.0.1:5432 (user postgres); uses database proj_bench.
# Usage: ops/bench/projections.sh [--quick] [--help for options]   (also: ops/bench/run projections ...)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./mvnw -B -q -ntp -pl ops/bench -am package -DskipTests
cp="$(cat ops/bench/target/classpath.txt):ops/bench/target/classes"
exec java -Xms1g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.cairn.bench.projections.ProjectionBench "$@"
