#!/usr/bin/env bash
# Short runs of kiemtra-bench (the full set is scripts/bench, see
# docs/PERFORMANCE.md), each starting its own server:
#   1. submit findings over 4 connections for 2 seconds with the in-process
#      baseline: one JSON line with every documented figure and no errors;
#   2. --report-findings 2000 (created and accepted over the network, then
#      reports timed: the report must count all 2000) and --startup-findings
#      20000 (written through the store seam with a verified audit chain, then
#      the server's start-up timed before and after).
# The benchmark scripts are only checked for syntax (they install PostgreSQL).
. "$(dirname "$0")/lib.sh"
BENCH=$KT_BUILD_DIR/kiemtra-bench
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# json_num KEY: a number from the JSON line in $last.
json_num() { printf '%s' "$last" | sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"; }
# check WHAT COMMAND...: pass when COMMAND succeeds, else fail showing the JSON line.
check() {
	local what=$1
	shift
	if "$@"; then kt_pass "$what"; else kt_fail "$what: $last"; fi
}
has_keys() {
	local key
	for key in "$@"; do
		check "JSON has $key" grep -q "\"$key\":" <<<"$last"
	done
}
positive() { awk -v v="${1:-0}" 'BEGIN {exit !(v > 0)}'; }

"$BENCH" --connections 4 --seconds 2 --baseline >"$KT_TMP/bench.out" 2>"$KT_TMP/bench.err"
rc=$?
last=$(tail -n 1 "$KT_TMP/bench.out")
check "kiemtra-bench exits 0 ($(cat "$KT_TMP/bench.err"))" test "$rc" -eq 0
has_keys connections seconds ops_per_s p50_ms p90_ms p99_ms max_ms errors server_rss_bytes \
	baseline_ops_per_s ratio
check "no errors" grep -q '"errors":0,' <<<"$last"
check "acknowledged $(json_num ops) findings" test "$(json_num ops)" -gt 100
check "server memory measured" test "$(json_num server_rss_bytes)" -gt 0

"$BENCH" --connections 8 --seconds 1 --report-findings 2000 --startup-findings 20000 \
	>"$KT_TMP/bench2.out" 2>"$KT_TMP/bench2.err"
rc=$?
last=$(tail -n 1 "$KT_TMP/bench2.out")
check "--report-findings --startup-findings exit 0 ($(cat "$KT_TMP/bench2.err"))" \
	test "$rc" -eq 0
has_keys report_findings populate_per_s report_counted reports report_p50_ms report_max_ms \
	startup_findings startup_db_findings startup_db_bytes startup_p50_ms startup_max_ms \
	startup_base_p50_ms
check "the report counts the 2000 accepted findings" test "$(json_num report_counted)" = 2000
check "20 reports timed" test "$(json_num reports)" = 20
check "report p50 $(json_num report_p50_ms) ms" positive "$(json_num report_p50_ms)"
check "the database holds $(json_num startup_db_findings) findings" \
	test "$(json_num startup_db_findings)" -ge 20000
check "the audit chain verifies after the bulk write" grep -q "chain verified" "$KT_TMP/bench2.out"
check "start-up p50 $(json_num startup_p50_ms) ms" positive "$(json_num startup_p50_ms)"
check "no errors" grep -q '"errors":0,' <<<"$last"

for s in bench/compare.sh bench/profile.sh scripts/bench; do
	check "$s parses" bash -n "$ROOT/$s"
done
kt_done
