#!/usr/bin/env bash
# A short run of kiemtra-bench (the full run is a separate command, see
# docs/PERFORMANCE.md): it starts its own server, prepares a plan, submits
# findings over 4 connections for 2 seconds, measures the in-process baseline,
# and must end with one JSON line with every documented figure and no errors.
. "$(dirname "$0")/lib.sh"
BENCH=$KT_BUILD_DIR/kiemtra-bench

"$BENCH" --connections 4 --seconds 2 --baseline >"$KT_TMP/bench.out" 2>"$KT_TMP/bench.err"
rc=$?
last=$(tail -n 1 "$KT_TMP/bench.out")
[ "$rc" -eq 0 ] && kt_pass "kiemtra-bench exits 0" || kt_fail "kiemtra-bench exit $rc: $(cat "$KT_TMP/bench.err")"
for key in connections seconds ops_per_s p50_ms p90_ms p99_ms max_ms errors server_rss_bytes \
	baseline_ops_per_s ratio; do
	printf '%s' "$last" | grep -q "\"$key\":" && kt_pass "JSON has $key" || kt_fail "JSON lacks $key: $last"
done
printf '%s' "$last" | grep -q '"errors":0,' && kt_pass "no errors" || kt_fail "errors in: $last"
ops=$(printf '%s' "$last" | sed -n 's/.*"ops":\([0-9]*\).*/\1/p')
[ "${ops:-0}" -gt 100 ] && kt_pass "acknowledged $ops findings" || kt_fail "too few acknowledged: $last"
rss=$(printf '%s' "$last" | sed -n 's/.*"server_rss_bytes":\([0-9-]*\).*/\1/p')
[ "${rss:-0}" -gt 0 ] && kt_pass "server memory measured ($rss bytes)" || kt_fail "no server memory: $last"
kt_done
