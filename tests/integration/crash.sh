#!/usr/bin/env bash
# Crash safety: loaders (tests/tools/kt_load) record and accept findings in a
# closed loop while the server is killed with SIGKILL at random moments and
# restarted on the same data directory and port, KT_CRASH_KILLS times (20 by
# default; KT_CRASH_KILLS=200 for a long run). Each loader appends every
# acknowledged write to its log and fsyncs it before the next request. At the
# end:
#   - every acknowledged creation is in the database exactly once, with the id
#     the server answered, and every acknowledged acceptance is there, signed;
#   - nothing is half there: each finding has one revision and one audit row
#     per version (also those whose answer the kill swallowed), and an
#     accepted finding carries its whole acceptance, a submitted one none;
#   - PRAGMA integrity_check is ok, no foreign key is dangling, the audit log
#     has no gap and its chain verifies (kiemtrad admin audit verify);
#   - the client lists the same number of findings as the database holds.
. "$(dirname "$0")/lib.sh"
LOAD=$KT_BUILD_DIR/tests/kt_load
KILLS=${KT_CRASH_KILLS:-20}
LOADERS=${KT_CRASH_LOADERS:-8}
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

kt_start_server crash
kt_wait_admin
PORT=${KT_ADDR##*:}
SERVER_ARGS=(crash --listen "127.0.0.1:$PORT")

kt_admin unit add CL "thành phố Cao Lãnh" --kind district >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
kt_login hoa || kt_fail "login hoa"
kt_login dung || kt_fail "login dung"
P=07/KH-UBND
CREATED=$(kt_as hoa --json plan create --number $P --date 2023-01-09 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra CCHC năm 2023" \
	--from 2023-03-01 --to 2023-03-20 --unit CL-P4)
PLAN=$(echo "$CREATED" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
UNIT=$(echo "$CREATED" | grep -o '"unit_ids":\[[0-9]*' | grep -o '[0-9]*$')
[ -n "$PLAN" ] && [ -n "$UNIT" ] || { kt_fail "plan setup (plan '$PLAN', unit '$UNIT')"; kt_done; exit; }
kt_as hoa team add $P dung --role leader >/dev/null || kt_fail "team add dung"
LOADER_PIDS=()
for i in $(seq 1 "$LOADERS"); do
	u=ld$i
	kt_user_add $u "Kiểm tra viên $i" inspector
	kt_as dung team add $P $u --role deputy >/dev/null || kt_fail "team add $u"
done

# Half the loaders also accept what they record (deputies may review).
start_loaders() {
	local i u args
	for i in $(seq 1 "$LOADERS"); do
		u=ld$i
		args=(--server "127.0.0.1:$PORT" --user $u --plan "$PLAN" --unit "$UNIT" --prefix $u
			--log "$KT_TMP/$u.log")
		[ $((i % 2)) -eq 1 ] && args+=(--accept)
		KT_LOAD_PASSWORD=$(kt_password_of $u) "$LOAD" "${args[@]}" 2>>"$KT_TMP/$u.err" &
		LOADER_PIDS+=($!)
	done
}
acked() { cat "$KT_TMP"/ld*.log 2>/dev/null | wc -l; }
# Bytes in the loaders' logs: grows with every acknowledged write (cheap to poll).
acked_bytes() { cat "$KT_TMP"/ld*.log 2>/dev/null | wc -c; }
# wait_progress: until a write is acknowledged (20 s at most); fails when none is.
wait_progress() {
	local before i
	before=$(acked_bytes)
	for i in $(seq 1 400); do
		[ "$(acked_bytes)" -gt "$before" ] && return 0
		sleep 0.05
	done
	return 1
}

start_loaders
START=$(date +%s)
kills=0
stalls=0
restart_failed=0
while [ $kills -lt "$KILLS" ]; do
	# Once the (re)started server acknowledges writes again, 0 to 1.2 s more of
	# load, then SIGKILL wherever it is: in a batch, a commit, a checkpoint.
	wait_progress || stalls=$((stalls + 1))
	sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
	[ $((RANDOM % 5)) -eq 0 ] && sleep 0.2
	kill -KILL "$KT_PID"
	wait "$KT_PID" 2>/dev/null
	kills=$((kills + 1))
	if ! kt_start_server "${SERVER_ARGS[@]}"; then
		restart_failed=1
		break
	fi
done
[ $restart_failed -eq 0 ] && kt_pass "the server restarted after each of $kills SIGKILLs" ||
	kt_fail "the server did not restart after SIGKILL number $kills"
# The recovered server takes writes again after the last kill.
wait_progress || stalls=$((stalls + 1))
[ "$stalls" -eq 0 ] && kt_pass "writes were acknowledged again after every restart" ||
	kt_fail "after $stalls of $kills restarts no write was acknowledged within 20 s"
alive=0
for pid in "${LOADER_PIDS[@]}"; do
	kill -0 "$pid" 2>/dev/null && alive=$((alive + 1))
done
for pid in "${LOADER_PIDS[@]}"; do
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
[ "$alive" -eq "$LOADERS" ] && kt_pass "all $LOADERS loaders ran to the end" ||
	kt_fail "only $alive of $LOADERS loaders ran to the end: $(cat "$KT_TMP"/ld*.err | head -c 600)"
kt_log "crash: $kills kills in $(( $(date +%s) - START )) s, $(acked) acknowledged writes"

# The audit chain through the server, then the database itself, stopped cleanly.
kt_wait_admin || kt_fail "the admin socket of the restarted server does not answer"
AUDIT=$(kt_admin audit verify 2>&1)
echo "$AUDIT" | grep -q "audit chain intact" && kt_pass "the audit chain verifies" ||
	kt_fail "audit verify: $AUDIT"
AUDIT_ROWS=$(echo "$AUDIT" | grep -o 'intact: [0-9]* rows' | grep -o '[0-9]*')
N_LISTED=$(kt_as dung --json finding list $P --limit 1000000 | grep -o '"count":[0-9]*' | cut -d: -f2)
kt_stop_server
DB=$KT_DATA/kiemtra.db
q() { sqlite3 -readonly -batch -noheader "$DB" "$@"; }
# sql_none DESCRIPTION QUERY: passes when the query runs and returns no row.
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
[ -z "$(q 'PRAGMA foreign_key_check')" ] && kt_pass "no dangling foreign key" ||
	kt_fail "foreign_key_check: $(q 'PRAGMA foreign_key_check' | head -5)"
read -r arows amax <<<"$(q "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_log" | tr '|' ' ')"
[ "$arows" = "$amax" ] && [ "$arows" = "$AUDIT_ROWS" ] &&
	kt_pass "the audit log has $arows rows without a gap, as verified" ||
	kt_fail "audit_log: $arows rows, max id $amax, verified $AUDIT_ROWS"

# Acknowledged creations: exactly once, with the id the server answered.
q "SELECT client_id || ' ' || id FROM findings WHERE plan_id = $PLAN" | sort >"$KT_TMP/db_c"
cat "$KT_TMP"/ld*.log | awk '$1 == "C" { print $2 " " $3 }' | sort >"$KT_TMP/ack_c"
cat "$KT_TMP"/ld*.log | awk '$1 == "A" { print $2 " " $3 }' | sort >"$KT_TMP/ack_a"
n_ack=$(wc -l <"$KT_TMP/ack_c")
n_acc=$(wc -l <"$KT_TMP/ack_a")
n_db=$(wc -l <"$KT_TMP/db_c")
missing=$(comm -23 "$KT_TMP/ack_c" "$KT_TMP/db_c" | head -5)
[ "$n_ack" -gt 0 ] && [ -z "$missing" ] &&
	kt_pass "all $n_ack acknowledged findings are there with their ids" ||
	kt_fail "acknowledged findings missing (of $n_ack): $missing"
sql_none "each client id is stored once" \
	"SELECT client_id FROM findings GROUP BY client_id HAVING COUNT(*) > 1"
dups=$(cut -d' ' -f1 "$KT_TMP/ack_c" | uniq -d | head -5)
[ -z "$dups" ] && kt_pass "each client id was acknowledged once" ||
	kt_fail "client ids acknowledged twice: $dups"
kt_log "crash: $n_db findings stored, $n_ack acknowledged (the others' answers were cut by a kill)"

# Acknowledged acceptances: accepted, with the whole signed acceptance.
q "SELECT client_id || ' ' || id FROM findings WHERE state = 3 AND accepted_by IS NOT NULL
	AND accepted_at IS NOT NULL AND length(accept_digest) = 32
	AND length(accept_signature) = 64 AND length(accept_key) = 32" | sort >"$KT_TMP/db_a"
missing=$(comm -23 "$KT_TMP/ack_a" "$KT_TMP/db_a" | head -5)
[ "$n_acc" -gt 0 ] && [ -z "$missing" ] &&
	kt_pass "all $n_acc acknowledged acceptances are there, signed" ||
	kt_fail "acknowledged acceptances missing (of $n_acc): $missing"

# Nothing half there, acknowledged or not (each check lists offending finding ids).
REVS="SELECT finding_id, COUNT(*) AS n, MAX(version) AS mv FROM finding_revisions
	GROUP BY finding_id"
AUDITS="SELECT object_id, COUNT(*) AS n FROM audit_log WHERE object_type = 'finding'
	GROUP BY object_id"
# Revision 1 is the row itself until the first change: none stored at version 1.
sql_none "every finding has one revision per version, the last one current" \
	"SELECT f.id FROM findings f LEFT JOIN ($REVS) r ON r.finding_id = f.id
	LEFT JOIN finding_revisions l ON l.finding_id = f.id AND l.version = f.version
	WHERE IIF(f.version = 1, r.n IS NOT NULL,
		r.n IS NULL OR r.n <> f.version OR r.mv <> f.version OR l.state IS NOT f.state)"
sql_none "every finding has one audit row per version" \
	"SELECT f.id FROM findings f LEFT JOIN ($AUDITS) a ON a.object_id = f.id
	WHERE a.n IS NULL OR a.n <> f.version"
sql_none "no audit row or revision names a finding that is not there" \
	"SELECT object_id FROM ($AUDITS) WHERE object_id NOT IN (SELECT id FROM findings)
	UNION ALL SELECT finding_id FROM ($REVS) WHERE finding_id NOT IN (SELECT id FROM findings)"
sql_none "accepted findings are whole, submitted ones carry no acceptance" \
	"SELECT id FROM findings WHERE state NOT IN (2, 3)
	OR (state = 3) <> (accepted_by IS NOT NULL AND accepted_at IS NOT NULL
		AND accept_digest IS NOT NULL AND accept_signature IS NOT NULL
		AND accept_key IS NOT NULL)
	OR (state = 3 AND version <> 2) OR (state = 2 AND version <> 1)"
[ "$N_LISTED" = "$n_db" ] && kt_pass "the client lists the $n_db stored findings" ||
	kt_fail "the client lists '$N_LISTED' findings, the database holds $n_db"

# The database still serves after all this.
kt_start_server "${SERVER_ARGS[@]}" || kt_fail "restart after the checks"
kt_wait_admin
kt_expect_output "a finding recorded after the last recovery" "created \(submitted" \
	kt_as dung finding add $P CL-P4 --area procedures --kind strength --text "Sau sự cố" --submit
kt_stop_server
san=$(cat "$KT_TMP"/*.log "$KT_TMP"/*.err 2>/dev/null |
	grep -aE -m 3 'ERROR: [A-Za-z]*Sanitizer|runtime error:')
[ -z "$san" ] && kt_pass "no sanitizer report in the server and loader logs" ||
	kt_fail "sanitizer reports: $san"
kt_done
