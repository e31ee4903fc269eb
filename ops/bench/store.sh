#!/usr/bin/env bash
# Event store benchmark, in-process: durable conditional appends (1 writer, 16 writers, async), aggregate loads of
# 10 / 1,000 / 10,000 events, and the aggregate index of a partition with 10 million aggregates in a small heap.
# Usage: ops/bench/store.sh [--quick] [--aggregates N] [--seconds S]   (also: ops/bench/run store ...)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./mvnw -B -q -ntp -pl ops/bench -am package -DskipTests
cp="$(cat ops/bench/target/classpath.txt):ops/bench/target/classes"
# A small heap on purpose: the aggregate index lives in memory-mapped files, not on the heap.
exec java -Xmx128m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.cairn.bench.StoreBench "$@"
