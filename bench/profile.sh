#!/usr/bin/env bash
# bench/profile.sh - where kiemtrad's time goes under kiemtra-bench.
#
#   bench/profile.sh [submit|report|logins|idle] [SECONDS]
#
# Runs kiemtra-bench (its own server), waits for the phase to profile, then
# for SECONDS (default 8) samples the server process (`perf record -F 999 -p`)
# and prints: the storage worker's jobs per commit (`kiemtrad admin status`),
# each thread's CPU share (/proc), and for the loop thread (whose id is the
# process id) and the busiest other thread (the storage thread, or the
# hashing pool during logins) the self time by library and by function. Then
# it samples that thread with DWARF call stacks (`perf record --call-graph
# dwarf -t`, up to 4 s: the -O2 build has no frame pointers) and prints the
# inclusive time of our functions and of SQLite's entry points.
#
#   submit  64 connections submitting findings (the throughput figure)
#   report  reports of a plan with 100,000 accepted findings, one at a time
#   logins  64 connections submitting while 200 password logins arrive
#   idle    64 connections submitting beside 10,000 idle ones
#
# KT_BUILD_DIR picks the build tree (default build/); KT_KEEP=1 keeps the
# perf data, the benchmark's output and its server's data directory. Needs perf
# (Debian: linux-perf).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KT_BUILD_DIR:-$root/build}
mode=${1:-submit}
secs=${2:-8}
bench=$build/kiemtra-bench
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 1; }
[ -x "$bench" ] || { echo "profile.sh: no $bench (build first)" >&2; exit 1; }

case $mode in
submit) args=(--connections 64 --seconds $((secs + 6))); trigger='measuring' ;;
report) args=(--connections 64 --seconds 1 --report-findings 100000 --reports 2000)
	trigger='timing' ;;
logins) args=(--connections 64 --seconds $((secs + 6)) --logins 200); trigger='measuring' ;;
idle) args=(--connections 64 --seconds $((secs + 6)) --idle 10000); trigger='measuring' ;;
*) echo "usage: bench/profile.sh [submit|report|logins|idle] [SECONDS]" >&2; exit 2 ;;
esac

out=$(mktemp -d "${TMPDIR:-/tmp}/kiemtra-profile.XXXXXX")
bpid=
cleanup() {
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	if [ -n "${KT_KEEP:-}" ]; then echo "(kept $out)"; else rm -rf "$out"; fi
}
trap cleanup EXIT

"$bench" "${args[@]}" >"$out/bench.out" 2>&1 &
bpid=$!
for _ in $(seq 1 3000); do
	grep -q "$trigger" "$out/bench.out" && break
	kill -0 "$bpid" 2>/dev/null || { cat "$out/bench.out" >&2; exit 1; }
	sleep 0.1
done
grep -q "$trigger" "$out/bench.out" || { echo "profile.sh: the phase did not start" >&2; exit 1; }
spid=$(pgrep -P "$bpid" -x kiemtrad | head -n 1)
[ -n "$spid" ] || { echo "profile.sh: no kiemtrad under kiemtra-bench $bpid" >&2; exit 1; }
sleep 1
echo "== profile.sh $mode: kiemtrad $spid, $secs s, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU time of each thread (utime + stime, clock ticks) from /proc.
cputimes() {
	local t
	for t in /proc/"$spid"/task/*; do
		[ -r "$t/stat" ] || continue
		sed 's/^.*) //' "$t/stat" | awk -v tid="${t##*/}" '{print tid, $12 + $13}'
	done
}
# The storage worker's counters: "N jobs in M batches".
data=$(tr '\0' '\n' </proc/"$spid"/cmdline | sed -n '/^--data$/{n;p;q}')
jobs() {
	"$build/kiemtrad" admin --data "$data" status 2>/dev/null |
		sed -n 's/.* \([0-9]*\) jobs in \([0-9]*\) batches.*/\1 \2/p'
}
jobs0=$(jobs)
cputimes | sort >"$out/cpu0"
t0=$(date +%s.%N)
perf record -q -F 999 -p "$spid" -o "$out/perf.data" -- sleep "$secs" 2>"$out/perf.err" ||
	{ cat "$out/perf.err" >&2; exit 1; }
t1=$(date +%s.%N)
cputimes | sort >"$out/cpu1"
jobs1=$(jobs)
if [ -n "$jobs0" ] && [ -n "$jobs1" ]; then
	echo "== storage worker while sampled"
	echo "$jobs0 $jobs1" | awk -v t0="$t0" -v t1="$t1" '{j = $3 - $1; b = $4 - $2;
		printf "    %d jobs in %d transactions (commits): %.0f jobs/s, %.1f jobs per commit\n",
		j, b, j / (t1 - t0), b ? j / b : 0}'
fi
echo "== CPU time per thread while sampled (share of one core)"
join "$out/cpu0" "$out/cpu1" | awk -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
	-v main="$spid" '{busy = ($3 - $2) / hz / (t1 - t0) * 100;
	if (busy >= 1) printf "    %5.1f%%  %s%s\n", busy, $1, $1 == main ? " (loop thread)" : ""}' |
	sort -k1 -rn | tee "$out/busy"
# The busiest thread other than the loop: the storage thread (or the hashing pool).
worker=$(grep -v 'loop thread' "$out/busy" | head -n 1 | awk '{print $2}')

# Self time per thread, by library and by function: the leaf frame of each sample.
perf script -i "$out/perf.data" -F tid,ip,sym,dso 2>/dev/null | awk '
	NF >= 3 {
		tid = $1; dso = $NF; gsub(/[()]/, "", dso); sub(/.*\//, "", dso)
		sym = ""; for (i = 3; i < NF; i++) sym = sym (i > 3 ? " " : "") $i
		n[tid]++; d[tid SUBSEP dso]++; f[tid SUBSEP dso " " sym]++
	}
	END {
		for (k in d) { split(k, p, SUBSEP); printf "D %s %.1f %s\n", p[1], 100 * d[k] / n[p[1]], p[2] }
		for (k in f) { split(k, p, SUBSEP); printf "F %s %.1f %s\n", p[1], 100 * f[k] / n[p[1]], p[2] }
	}' >"$out/self"
for tid in $spid $worker; do
	if [ "$tid" = "$spid" ]; then name="loop thread"; else name="thread"; fi
	echo "== $name $tid: self time by library (% of its samples)"
	awk -v t="$tid" '$1 == "D" && $2 == t && $3 >= 1 {printf "    %5.1f%%  %s\n", $3, $4}' \
		"$out/self" | sort -rn
	echo "== $name $tid: top functions by self time"
	awk -v t="$tid" '$1 == "F" && $2 == t && $3 >= 1 {
		s = ""; for (i = 5; i <= NF; i++) s = s " " $i; printf "    %5.1f%%  %-20s%s\n", $3, $4, s}' \
		"$out/self" | sort -rn | head -n 22
done

# Inclusive time on the storage thread: DWARF call stacks (our code has no frame pointers).
if [ -n "$worker" ] && kill -0 "$spid" 2>/dev/null; then
	timeout -s INT "$((secs < 4 ? secs : 4))" perf record -q -F 499 --call-graph dwarf,16384 \
		-t "$worker" -o "$out/dwarf.data" >>"$out/perf.err" 2>&1 || true
	echo "== thread $worker: inclusive time (children) of our functions and SQLite's entry points"
	perf report -i "$out/dwarf.data" --stdio --children -g none --sort sym 2>/dev/null |
		grep -v '^#' | grep -v '^$' |
		grep -E ' (svc_|store_|db_|rights_|rpc_|run_|worker|thread_main|[a-z_]*_run|sqlite3_step|sqlite3_prepare|sqlite3_exec|fdatasync|__libc_pwrite|crypto_|kt_)' |
		head -n 30 || true
fi
wait "$bpid" || true
bpid=
echo "== the run"
tail -n 1 "$out/bench.out"
