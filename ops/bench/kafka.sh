#!/usr/bin/env bash
# Cairn's Kafka listener side by side with an Apache Kafka 4.4.0 KRaft broker, measured with Kafka's own perf tools.
# Usage: ops/bench/kafka.sh [--quick] [--help for options]   (also: ops/bench/run kafka ...)
# Builds without installing anything into ~/.m2: Cairn's broker classpath comes from the reactor (event-log jar +
# runtime dependencies), Kafka 4.4.0's from the standalone pom ops/bench/kafka-peer/pom.xml. They never share a JVM.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$root/ops/bench/target"
mkdir -p "$out"
./mvnw -B -q -ntp -pl ops/bench -am package -DskipTests \
  dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$out/kafka-cairn-classpath.txt" >/dev/null
./mvnw -B -q -ntp -f ops/bench/kafka-peer/pom.xml compile \
  dependency:build-classpath -Dmdep.outputFile="$out/kafka-peer-classpath.txt" >/dev/null
peer="ops/bench/kafka-peer/target/classes:$(cat "$out/kafka-peer-classpath.txt")"
exec java -Xmx256m -cp "$peer" -Dlog4j2.level=error io.cairn.bench.kafka.SideBySide \
  --cairn-classpath "$out/kafka-cairn-classpath.txt" --peer-classpath "$out/kafka-peer-classpath.txt" \
  --work "$out/kafka" --clk-tck "$(getconf CLK_TCK)" "$@"
