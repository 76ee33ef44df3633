#!/usr/bin/env bash
# A short run of every libFuzzer target (fuzz/): builds the fuzz tree
# (build-fuzz/, clang, only the fuzz targets; reused between runs) and runs
# each target for KT_FUZZ_SMOKE_SECONDS (default 3) from its seed corpus
# through scripts/fuzz. Any crash, leak, timeout or oracle failure fails the
# test; the input is kept under build-fuzz/crashes/.
#
# Skipped (exit 0) only when clang is not installed; ./scripts/deps installs it,
# so in CI this always runs. The long runs: scripts/fuzz (HACKING.md, Fuzzing).
. "$(dirname "$0")/lib.sh"
src=${KT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz_smoke: SKIPPED: clang is not installed (./scripts/deps installs it)"
	exit 0
fi

seconds=${KT_FUZZ_SMOKE_SECONDS:-3}
export KT_FUZZ_BUILD_DIR=${KT_FUZZ_BUILD_DIR:-$src/build-fuzz}
export KT_FUZZ_LOG_DIR=$KT_TMP/logs # kept when a target fails
start=$(date +%s)
for t in frame noise dispatch admin config known_servers session text record; do
	if "$src/scripts/fuzz" "$t" "$seconds" >"$KT_TMP/out" 2>"$KT_TMP/err"; then
		kt_pass "fuzz $(cat "$KT_TMP/out")"
	else
		kt_fail "fuzz $t: $(cat "$KT_TMP/out") $(tail -c 1500 "$KT_TMP/err")"
	fi
done
echo "fuzz_smoke: $(($(date +%s) - start)) s including the build"
kt_done
