#!/usr/bin/env bash
# Storage faults injected under SQLite (server/store/db_faultvfs.c, enabled by
# KIEMTRAD_FAULTS and steered with the console's 'fault set' / 'fault clear'):
# a failing write, sync or read, a full disk (at once, after a byte budget,
# and from the environment at start), a transient fault, a fault under
# concurrent load, a backup on a failing disk. Each time: the client exits 24
# (10 + UNAVAILABLE) saying "storage I/O error" or "storage full", the server
# stays up, and after 'fault clear' (or by itself after a transient fault)
# writes succeed again without a restart. At the end every acknowledged write
# is there once, nothing is half there, PRAGMA integrity_check is ok and the
# audit chain verifies. A server without KIEMTRAD_FAULTS refuses 'fault set'.
. "$(dirname "$0")/lib.sh"
LOAD=$KT_BUILD_DIR/tests/kt_load
command -v sqlite3 >/dev/null || { kt_fail "the sqlite3 command is needed (scripts/deps)"; kt_done; exit; }

# kt_wait_admin: the `listen` file appears before the admin socket; wait for it.
kt_wait_admin() {
	local i
	for i in $(seq 1 200); do
		kt_admin status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# ---- a server without fault injection refuses it -------------------------------
kt_start_server plain
kt_wait_admin
kt_expect_stderr "without KIEMTRAD_FAULTS, 'fault set' is refused" 1 "fault injection is off" \
	kt_admin fault set write:1
kt_expect_stderr "and so is 'fault clear'" 1 "fault injection is off" kt_admin fault clear
kt_expect_output "help marks the fault commands as testing aids" "fault set +Testing aid" \
	kt_admin help
kt_stop_server

# ---- setup -----------------------------------------------------------------------
KIEMTRAD_FAULTS=none kt_start_server faults
kt_wait_admin
PORT=${KT_ADDR##*:}
kt_admin unit add CL "thành phố Cao Lãnh" --kind district >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
kt_user_add ld1 "Kiểm tra viên 1" inspector
kt_user_add ld2 "Kiểm tra viên 2" inspector
kt_login hoa || kt_fail "login hoa"
kt_login dung || kt_fail "login dung"
P=08/KH-UBND
CREATED=$(kt_as hoa --json plan create --number $P --date 2023-02-01 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra CCHC quý I" \
	--from 2023-03-01 --to 2023-03-31 --unit CL-P4)
PLAN=$(echo "$CREATED" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
UNIT=$(echo "$CREATED" | grep -o '"unit_ids":\[[0-9]*' | grep -o '[0-9]*$')
[ -n "$PLAN" ] && [ -n "$UNIT" ] || { kt_fail "plan setup (plan '$PLAN', unit '$UNIT')"; kt_done; exit; }
kt_as hoa team add $P dung --role leader >/dev/null || kt_fail "team add dung"
kt_as dung team add $P ld1 --role deputy >/dev/null || kt_fail "team add ld1"
kt_as dung team add $P ld2 --role deputy >/dev/null || kt_fail "team add ld2"

ACKED=$KT_TMP/acked
: >"$ACKED"
# add CLIENT_ID: record a submitted finding; remember the id when acknowledged.
add() {
	kt_as dung finding add $P CL-P4 --area procedures --kind shortcoming \
		--text "Hồ sơ trễ hạn ($1)" --submit --client-id "$1" || return
	echo "$1" >>"$ACKED"
}
for i in 1 2 3; do
	kt_check "finding base-$i recorded before any fault" add base-000$i
done

IOERR="UNAVAILABLE: storage I/O error"
FULL="UNAVAILABLE: storage full"

# fault_case SPEC PATTERN NAME: set the fault, a write fails with exit 24, the
# server lives, clear, the same write succeeds. NAME-ghost fails and is never
# retried: it must not be stored.
fault_case() {
	local spec=$1 pattern=$2 name=$3
	kt_expect_output "fault set $spec" "storage faults set: $spec" kt_admin fault set "$spec"
	kt_expect_stderr "$name: the client gets exit 24, '$pattern'" 24 "$pattern" \
		add "$name-0001"
	kt_expect_stderr "$name: a second try fails the same way" 24 "$pattern" add "$name-0001"
	kt_expect_stderr "$name: so does another write" 24 "$pattern" add "$name-ghost"
	kt_alive "$KT_PID" "$name"
	kt_expect_output "$name: 'fault clear' says what failed" \
		"storage faults cleared \(were $spec: [1-9][0-9]* calls failed" kt_admin fault clear
	kt_check "$name: after 'fault clear' the write succeeds" add "$name-0001"
	kt_check "$name: and the next one" add "$name-0002"
}

fault_case write:1 "$IOERR" write
fault_case sync:1 "$IOERR" sync
# The failed sync was the sync thread's flush of the log (server/worker.c): the
# first write was committed but not acknowledged; the later ones were refused
# before they ran, until a checkpoint succeeded after 'fault clear'.
kt_expect_output "status counts the failed log flush" \
	"log flushes: +[0-9]+ \(pipelined with the commits\), [1-9][0-9]* failed" kt_admin status
n=$(sqlite3 -readonly -batch -noheader "$KT_DATA/kiemtra.db" \
	"SELECT COUNT(*) FROM findings WHERE client_id = 'sync-0001'")
[ "$n" = 1 ] && kt_pass "the write whose flush failed, retried with its client id, is there once" ||
	kt_fail "sync-0001 is there '$n' times"
fault_case full:0 "$FULL" full
fault_case write:3 "$IOERR" write3

# A read fault needs a read: restart (a cold page cache), then read.
kt_stop_server
KIEMTRAD_FAULTS=none kt_start_server faults --listen "127.0.0.1:$PORT"
kt_wait_admin
fault_case read:1 "$IOERR" read

# A disk that fills up after a budget: some writes pass, then "storage full".
kt_check "fault set full:200000" kt_admin fault set full:200000
passed=0
for i in $(seq 1 60); do
	add "budget-$(printf %04d "$i")" >/dev/null 2>"$KT_TMP/err" || break
	passed=$((passed + 1))
done
if [ "$passed" -gt 0 ] && [ "$passed" -lt 60 ] && grep -q "$FULL" "$KT_TMP/err"; then
	kt_pass "with a 200 000-byte budget $passed writes pass, then 'storage full'"
else
	kt_fail "with a 200 000-byte budget $passed writes passed; last error: $(cat "$KT_TMP/err")"
fi
kt_alive "$KT_PID" "a full disk"
kt_check "fault clear after the full disk" kt_admin fault clear
kt_check "the write refused on the full disk succeeds now" add "budget-$(printf %04d $((passed + 1)))"

# A transient fault: one failed sync, then the storage works again by itself.
kt_check "fault set sync:1:1" kt_admin fault set sync:1:1
kt_expect_stderr "transient: the write that meets the failed sync gets exit 24" 24 "$IOERR" \
	add trans-0001
kt_check "transient: the retry succeeds without 'fault clear'" add trans-0001
kt_check "transient: and so does the next write" add trans-0002
kt_admin fault clear >/dev/null

# A backup on a failing disk fails cleanly; once cleared it works.
kt_check "fault set write:1 (backup)" kt_admin fault set write:1
kt_expect_stderr "a backup on a failing disk fails with a message" 1 "error: .*cannot write" \
	kt_admin backup "$KT_TMP/during-fault.db"
[ ! -e "$KT_TMP/during-fault.db" ] && kt_pass "and leaves no partial backup file" ||
	kt_fail "a partial backup file was left behind"
kt_admin fault clear >/dev/null
kt_expect_output "after 'fault clear' the backup works" "integrity ok" \
	kt_admin backup "$KT_TMP/after-fault.db"

# Faults under concurrent load: loaders see UNAVAILABLE, retry, and go on.
LOADER_PIDS=()
for u in ld1 ld2; do
	KT_LOAD_PASSWORD=$(kt_password_of $u) "$LOAD" --server "$KT_ADDR" --user $u \
		--plan "$PLAN" --unit "$UNIT" --prefix $u --log "$KT_TMP/$u.log" --accept \
		2>>"$KT_TMP/$u.err" &
	LOADER_PIDS+=($!)
done
sleep 1
for spec in write:5 sync:2 full:2000; do
	kt_admin fault set $spec >/dev/null
	sleep 0.5
	kt_expect_output "under load, $spec made writes fail" "[1-9][0-9]* calls failed" \
		kt_admin fault clear
	sleep 0.5
done
alive=0
for pid in "${LOADER_PIDS[@]}"; do
	kill -0 "$pid" 2>/dev/null && alive=$((alive + 1))
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
[ "$alive" -eq 2 ] && kt_pass "the loaders went on through the faults" ||
	kt_fail "a loader gave up: $(cat "$KT_TMP"/ld*.err | head -c 600)"
kt_alive "$KT_PID" "faults under load"
awk '$1 == "C" { print $2 }' "$KT_TMP"/ld*.log >>"$ACKED"

# ---- the environment at start ----------------------------------------------------
kt_stop_server
kt_expect_stderr "KIEMTRAD_FAULTS with a bad spec: the server refuses to start" 1 \
	"KIEMTRAD_FAULTS=bogus:1: unknown fault" \
	timeout 20 env KIEMTRAD_FAULTS=bogus:1 "$KIEMTRAD" --data "$KT_DATA" --listen 127.0.0.1:0 --no-console
kt_expect_stderr "KIEMTRAD_FAULTS=read:1: the database cannot be opened, said so" 1 \
	"cannot open the database.*storage I/O error" \
	timeout 20 env KIEMTRAD_FAULTS=read:1 "$KIEMTRAD" --data "$KT_DATA" --listen 127.0.0.1:0 --no-console
KIEMTRAD_FAULTS=full:0 kt_start_server faults --listen "127.0.0.1:$PORT" ||
	kt_fail "start with KIEMTRAD_FAULTS=full:0"
kt_wait_admin
grep -q "storage fault injection is on (KIEMTRAD_FAULTS=full:0)" "$KT_TMP/faults.log" &&
	kt_pass "the server says at start that fault injection is on" ||
	kt_fail "no fault injection notice in the server log"
kt_expect_stderr "started on a full disk: writes get 'storage full'" 24 "$FULL" add env-0001
kt_check "fault clear on the server started full" kt_admin fault clear
kt_check "then the write succeeds" add env-0001

# ---- nothing lost, nothing half there -------------------------------------------
AUDIT=$(kt_admin audit verify 2>&1)
echo "$AUDIT" | grep -q "audit chain intact" && kt_pass "the audit chain verifies" ||
	kt_fail "audit verify: $AUDIT"
kt_stop_server
DB=$KT_DATA/kiemtra.db
q() { sqlite3 -readonly -batch -noheader "$DB" "$@"; }
sql_none() {
	local out rc=0
	out=$(q "$2" 2>&1 | head -5; exit "${PIPESTATUS[0]}") || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		kt_pass "$1"
	else
		kt_fail "$1: sqlite3 exit $rc: $(echo $out)"
	fi
}
[ "$(q 'PRAGMA integrity_check')" = ok ] && kt_pass "PRAGMA integrity_check is ok" ||
	kt_fail "integrity_check: $(q 'PRAGMA integrity_check' | head -5)"
q "SELECT client_id FROM findings" | sort >"$KT_TMP/db_ids"
sort -u "$ACKED" >"$KT_TMP/ack_ids"
missing=$(comm -23 "$KT_TMP/ack_ids" "$KT_TMP/db_ids" | head -5)
[ -z "$missing" ] && kt_pass "all $(wc -l <"$KT_TMP/ack_ids") acknowledged findings are there" ||
	kt_fail "acknowledged findings missing: $missing"
sql_none "each client id is stored once" \
	"SELECT client_id FROM findings GROUP BY client_id HAVING COUNT(*) > 1"
sql_none "no write that failed and was not retried is stored" \
	"SELECT client_id FROM findings WHERE client_id LIKE '%-ghost'"
# Revision 1 is the row itself until the first change.
sql_none "every finding has one revision and one audit row per version" \
	"SELECT f.id FROM findings f WHERE IIF(f.version = 1, 0, f.version) <>
		(SELECT COUNT(*) FROM finding_revisions r WHERE r.finding_id = f.id)
	OR f.version <> (SELECT COUNT(*) FROM audit_log a WHERE a.object_type = 'finding'
		AND a.object_id = f.id)"
read -r arows amax <<<"$(q "SELECT COUNT(*), MAX(id) FROM audit_log" | tr '|' ' ')"
[ "$arows" = "$amax" ] && kt_pass "the audit log has no gap ($arows rows)" ||
	kt_fail "audit_log: $arows rows, max id $amax"
san=$(cat "$KT_TMP"/*.log "$KT_TMP"/*.err 2>/dev/null |
	grep -aE -m 3 'ERROR: [A-Za-z]*Sanitizer|runtime error:')
[ -z "$san" ] && kt_pass "no sanitizer report in the server and loader logs" ||
	kt_fail "sanitizer reports: $san"
kt_done
