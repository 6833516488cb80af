#!/usr/bin/env bash
# The report rendering benchmark: renders a report of 500 evidence rows (realistic GitHub answers)
# several times, then runs the whole task (read from PostgreSQL with one 5 MB answer among the rows,
# render, store) three times, printing wall and CPU time, pages, bytes and peak memory. Figures go in
# BENCHMARKS.md. Runs on the test command's throwaway PostgreSQL and Redis, in the debug build the
# tests use; AUDITMATE_TEST_RELEASE=1 runs it optimized, as the worker runs in production (a cold
# release build of the test target takes many minutes).
#   AUDITMATE_BENCHMARK_ROWS=500 AUDITMATE_BENCHMARK_RUNS=5 bash deploy/local/benchmark-report.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export AUDITMATE_BENCHMARK=report
export AUDITMATE_TEST_RELEASE=${AUDITMATE_TEST_RELEASE:-0}
exec bash deploy/local/test.sh --filter ReportBenchmark
