#!/usr/bin/env bash
# The domain SDK side by side with Axon Framework 4.13.0, on the bank example: command throughput and latency (one hot
# aggregate with one writer; 16 writers over 10,000 aggregates, each with --inflight commands in flight on both sides,
# and also with one synchronous command per writer at a time), raw event-store append throughput (16 writers, the
# same two ways) and aggregate load time (10, 1,000, 10,000 events, with and without a snapshot). Prints both, the
# ratios, and whether each target is met. Both sides acknowledge only durable writes.
# Usage: ops/bench/sdk.sh [--quick] [--inflight N] [--partitions N] [--axon-cache] [--axon-workers N]
#   (also: ops/bench/run sdk ...)
#   --inflight N: commands (appends) in flight per writer in the pipelined phases, both sides (default 32).
#   --axon-cache: Axon's repository with its WeakReferenceCache (default: none, Axon's default); Cairn always caches.
#   --axon-workers N: threads running Axon's pipelined commands, as its AsynchronousCommandBus would (default 16, its
#                     best here: 32 and 64 gave less, Axon being CPU-bound on two cores).
#   Cairn: io.cairn.bench.SdkBench, the SDK's gateway on the log engine in-process (every append fsynced before ack).
#   Axon:  io.cairn.bench.axon.AxonBench (ops/bench/axon-peer, standalone pom, its own JVM), JdbcEventStorageEngine on
#          the local PostgreSQL 127.0.0.1:5432, database sdk_axonbench (created and dropped by the run).
# Nothing is installed into ~/.m2: Cairn's classpath comes from the reactor, Axon's from its own pom.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$root/ops/bench/target"
mkdir -p "$out"
quick=""; cairn_args=(); axon_args=(); inflight=32
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick="--quick" ;;
    --inflight) cairn_args+=("$1" "$2"); axon_args+=("$1" "$2"); inflight="$2"; shift ;;
    --partitions) cairn_args+=("$1" "$2"); shift ;;
    --axon-workers) axon_args+=(--workers "$2"); shift ;;
    --axon-cache) axon_args+=(--cache) ;;
    --help|-h) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--quick, --inflight N, --partitions N, --axon-cache, --axon-workers N)" >&2; exit 2 ;;
  esac
  shift
done
./mvnw -B -q -ntp -pl ops/bench -am package -DskipTests >/dev/null
./mvnw -B -q -ntp -f ops/bench/axon-peer/pom.xml compile \
  dependency:build-classpath -Dmdep.outputFile="$out/axon-peer-classpath.txt" >/dev/null
cairn_cp="$(cat ops/bench/target/classpath.txt):ops/bench/target/classes"
axon_cp="ops/bench/axon-peer/target/classes:$(cat "$out/axon-peer-classpath.txt")"
rm -f "$out/sdk-cairn.txt" "$out/sdk-axon.txt"
echo "== Cairn"
java -Xms1g -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cairn_cp" io.cairn.bench.SdkBench \
  $quick ${cairn_args[@]+"${cairn_args[@]}"} --dir "$out/sdk-data" --out "$out/sdk-cairn.txt"
echo "== Axon"
java -Xms1g -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$axon_cp" io.cairn.bench.axon.AxonBench \
  $quick ${axon_args[@]+"${axon_args[@]}"} --out "$out/sdk-axon.txt"
echo
echo "== Side by side (both durable before acknowledging: Cairn fsyncs the log before it acknowledges an append,"
echo "   group commit across concurrent appends; Axon commits a PostgreSQL transaction per command or append and"
echo "   acknowledges after COMMIT, fsync=on, synchronous_commit=on)"
awk -v inflight="$inflight" '
  FNR == NR { cairn[$1] = $2; next }
  { axon[$1] = $2 }
  function verdict(ok) { return ok ? "met" : "MISSED" }
  END {
    printf "  %-40s %12s %12s %8s   %s\n", "figure", "Cairn", "Axon", "ratio", "target"
    r = cairn["concurrent.tput"] / axon["pipelined.tput"]
    printf "  %-40s %12.0f %12.0f %7.1fx   >= 10x Axon: %s (both: %s in flight per writer; Axon on %s threads)\n", "16 writers pipelined, commands/s", cairn["concurrent.tput"], axon["pipelined.tput"], r, verdict(r >= 10), inflight, axon["workers"]
    printf "  %-40s %12.3f %12.3f %7.1fx\n", "16 writers pipelined, latency p50 ms", cairn["concurrent.p50"], axon["pipelined.p50"], axon["pipelined.p50"] / cairn["concurrent.p50"]
    r = cairn["append.pipelined.tput"] / axon["append.pipelined.tput"]
    printf "  %-40s %12.0f %12.0f %7.1fx   >= 10x Axon: %s (event store only, 1 event per append, both pipelined)\n", "16 writers pipelined, appends/s", cairn["append.pipelined.tput"], axon["append.pipelined.tput"], r, verdict(r >= 10)
    r = cairn["concurrent.sync.tput"] / axon["concurrent.tput"]
    printf "  %-40s %12.0f %12.0f %7.1fx   (1 sync command per writer: 16 in flight in all)\n", "16 sync writers, commands/s", cairn["concurrent.sync.tput"], axon["concurrent.tput"], r
    printf "  %-40s %12.3f %12.3f %7.1fx\n", "16 sync writers, latency p50 ms", cairn["concurrent.sync.p50"], axon["concurrent.p50"], axon["concurrent.p50"] / cairn["concurrent.sync.p50"]
    printf "  %-40s %12.3f %12.3f %7.1fx\n", "16 sync writers, latency p99 ms", cairn["concurrent.sync.p99"], axon["concurrent.p99"], axon["concurrent.p99"] / cairn["concurrent.sync.p99"]
    r = cairn["append.sync.tput"] / axon["append.sync.tput"]
    printf "  %-40s %12.0f %12.0f %7.1fx   (event store only, 1 sync append per writer)\n", "16 sync writers, appends/s", cairn["append.sync.tput"], axon["append.sync.tput"], r
    printf "  %-40s %12.3f %12.3f %7.1fx\n", "16 sync writers, append p50 ms", cairn["append.sync.p50"], axon["append.sync.p50"], axon["append.sync.p50"] / cairn["append.sync.p50"]
    printf "  %-40s %12.3f %12s %8s   (call to durable, without load and decide)\n", "16 writers pipelined, append p50 ms", cairn["concurrent.append.p50"], "-", ""
    r = cairn["hot.tput"] / axon["hot.tput"]
    printf "  %-40s %12.0f %12.0f %7.1fx   >= 1.5x Axon: %s\n", "hot aggregate, commands/s", cairn["hot.tput"], axon["hot.tput"], r, verdict(r >= 1.5)
    printf "  %-40s %12.3f %12.3f %7.1fx\n", "hot aggregate, latency p50 ms", cairn["hot.p50"], axon["hot.p50"], axon["hot.p50"] / cairn["hot.p50"]
    printf "  %-40s %12.3f %12.3f %7.1fx\n", "hot aggregate, latency p99 ms", cairn["hot.p99"], axon["hot.p99"], axon["hot.p99"] / cairn["hot.p99"]
    printf "  %-40s %12.3f %12s %8s   (call to durable, without load and decide)\n", "hot aggregate, append latency p50 ms", cairn["hot.append.p50"], "-", ""
    split("10 1000 10000", sizes, " "); split("0.1 1 10", limits, " ")
    for (i = 1; i <= 3; i++) {
      for (k = 1; k <= 2; k++) {
        kind = k == 1 ? "events" : "snapshot"
        key = "load." sizes[i] "." kind ".p50"
        label = sprintf("load %d events (%s), p50 ms", sizes[i], k == 1 ? "no snapshot" : "snapshot")
        printf "  %-40s %12.3f %12.3f %7.1fx   < %s ms: %s\n", label, cairn[key], axon[key], axon[key] / cairn[key], limits[i], verdict(cairn[key] < limits[i])
      }
    }
  }' "$out/sdk-cairn.txt" "$out/sdk-axon.txt"
