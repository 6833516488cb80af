#!/usr/bin/env bash
# The audit scan benchmark: a whole-organization scan and an immediate rescan against the local
# GitHub-like server (200 repositories, 20 ms added per call by default), printing time, GitHub calls
# and the share answered 304. Figures go in BENCHMARKS.md. Runs on the test command's throwaway
# PostgreSQL and Redis.
#   AUDITMATE_BENCHMARK_REPOSITORIES=200 AUDITMATE_BENCHMARK_LATENCY_MS=20 bash deploy/local/benchmark-scan.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export AUDITMATE_BENCHMARK=scan
exec bash deploy/local/test.sh --filter ScanBenchmark
