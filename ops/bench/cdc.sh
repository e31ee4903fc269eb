#!/usr/bin/env bash
# ops/bench/run cdc [--pg host:port] [--rows N] [--latency-rows N] [--rounds N] [--only limit|cairn] [--read-while-capturing]
# PostgreSQL changes captured by Debezium into Cairn (durable in its topic, then read back by a Kafka consumer), beside the same Debezium engine
# feeding a consumer that does nothing. Needs a PostgreSQL with wal_level=logical (CAIRN_CDC_PG, default 127.0.0.1:5432).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./mvnw -B -q -ntp -pl ops/bench -am package -DskipTests
cp="$(cat ops/bench/target/classpath.txt):ops/bench/target/classes"
exec java -Xms1g -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.cairn.bench.cdc.CdcBench "$@"
