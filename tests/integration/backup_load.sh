#!/usr/bin/env bash
# Online backups under write load: loaders (tests/tools/kt_load) record and
# accept findings while `kiemtrad admin backup` runs three times. Just before
# each backup starts, the writes the loaders have seen acknowledged so far
# are taken from their logs (each line is written after the answer arrived).
# Each backup is restored into a fresh data directory and served by a new
# kiemtrad: its integrity is ok, its audit chain verifies and is a prefix of
# the live one, it holds every write acknowledged before its backup began,
# nothing in it is half there, and the client reads it.
. "$(dirname "$0")/lib.sh"
LOAD=$KT_BUILD_DIR/tests/kt_load
LOADERS=4
BACKUPS=3
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

kt_start_server live
kt_wait_admin
LIVE_DATA=$KT_DATA
LIVE_PID=$KT_PID
LIVE_ADDR=$KT_ADDR
kt_admin unit add CL "thành phố Cao Lãnh" --kind district >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
kt_login hoa || kt_fail "login hoa"
kt_login dung || kt_fail "login dung"
P=09/KH-UBND
CREATED=$(kt_as hoa --json plan create --number $P --date 2023-04-03 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra CCHC quý II" \
	--from 2023-05-02 --to 2023-05-31 --unit CL-P4)
PLAN=$(echo "$CREATED" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
UNIT=$(echo "$CREATED" | grep -o '"unit_ids":\[[0-9]*' | grep -o '[0-9]*$')
[ -n "$PLAN" ] && [ -n "$UNIT" ] || { kt_fail "plan setup (plan '$PLAN', unit '$UNIT')"; kt_done; exit; }
kt_as hoa team add $P dung --role leader >/dev/null || kt_fail "team add dung"
LOADER_PIDS=()
for i in $(seq 1 $LOADERS); do
	u=ld$i
	kt_user_add $u "Kiểm tra viên $i" inspector
	kt_as dung team add $P $u --role deputy >/dev/null || kt_fail "team add $u"
	args=(--server "$KT_ADDR" --user $u --plan "$PLAN" --unit "$UNIT" --prefix $u
		--log "$KT_TMP/$u.log")
	[ $((i % 2)) -eq 1 ] && args+=(--accept)
	KT_LOAD_PASSWORD=$(kt_password_of $u) "$LOAD" "${args[@]}" 2>>"$KT_TMP/$u.err" &
	LOADER_PIDS+=($!)
done
acked() { cat "$KT_TMP"/ld*.log 2>/dev/null; }

for b in $(seq 1 $BACKUPS); do
	sleep 1
	acked >"$KT_TMP/before-$b"
	kt_expect_output "backup $b under load is written, integrity ok" "integrity ok" \
		kt_admin backup "$KT_TMP/backup-$b.db"
	acked >"$KT_TMP/after-$b"
	kt_log "backup $b: $(wc -l <"$KT_TMP/before-$b") writes acknowledged before it began," \
		"$(wc -l <"$KT_TMP/after-$b") when it ended"
done
sleep 0.5
alive=0
for pid in "${LOADER_PIDS[@]}"; do
	kill -0 "$pid" 2>/dev/null && alive=$((alive + 1))
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
[ "$alive" -eq $LOADERS ] && kt_pass "the loaders ran through the backups" ||
	kt_fail "a loader stopped: $(cat "$KT_TMP"/ld*.err | head -c 600)"
n_before=$(wc -l <"$KT_TMP/before-1")
[ "$n_before" -gt 0 ] && [ "$(wc -l <"$KT_TMP/after-$BACKUPS")" -gt "$n_before" ] &&
	kt_pass "writes were acknowledged before and during the backups" ||
	kt_fail "no load: $n_before writes before the first backup"
kt_expect_output "the live audit chain verifies" "audit chain intact" kt_admin audit verify
kt_stop_server "$LIVE_PID"

sql_none() {
	local db=$1 what=$2 out rc=0
	out=$(sqlite3 -readonly -batch -noheader "$db" "$3" 2>&1 | head -5
		exit "${PIPESTATUS[0]}") || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		kt_pass "$what"
	else
		kt_fail "$what: sqlite3 exit $rc: $(echo $out)"
	fi
}

for b in $(seq 1 $BACKUPS); do
	# Restore: the copy becomes the database of a fresh data directory.
	R=$KT_TMP/restored-$b
	mkdir -p "$R" && chmod 700 "$R"
	cp "$KT_TMP/backup-$b.db" "$R/kiemtra.db"
	kt_start_server restored-$b || { kt_fail "a server on restored backup $b"; continue; }
	kt_wait_admin
	kt_expect_output "restored backup $b: the audit chain verifies" "audit chain intact" \
		kt_admin audit verify
	kt_login dung || kt_fail "login dung on restored backup $b"
	listed=$(kt_as dung --json finding list $P --limit 1000000 | grep -o '"count":[0-9]*' |
		cut -d: -f2)
	kt_stop_server
	DB=$R/kiemtra.db
	q() { sqlite3 -readonly -batch -noheader "$DB" "$@"; }
	[ "$(q 'PRAGMA integrity_check')" = ok ] &&
		kt_pass "restored backup $b: PRAGMA integrity_check is ok" ||
		kt_fail "restored backup $b: integrity_check: $(q 'PRAGMA integrity_check' | head -3)"
	n_db=$(q "SELECT COUNT(*) FROM findings WHERE plan_id = $PLAN")
	[ "$listed" = "$n_db" ] && kt_pass "restored backup $b: the client lists its $n_db findings" ||
		kt_fail "restored backup $b: the client lists '$listed', the database has $n_db"

	# Every write acknowledged before the backup began is in it.
	q "SELECT client_id || ' ' || id FROM findings" | sort >"$KT_TMP/db_c"
	q "SELECT client_id || ' ' || id FROM findings WHERE state = 3
		AND accept_signature IS NOT NULL" | sort >"$KT_TMP/db_a"
	awk '$1 == "C" { print $2 " " $3 }' "$KT_TMP/before-$b" | sort >"$KT_TMP/ack_c"
	awk '$1 == "A" { print $2 " " $3 }' "$KT_TMP/before-$b" | sort >"$KT_TMP/ack_a"
	missing=$(comm -23 "$KT_TMP/ack_c" "$KT_TMP/db_c" | head -5)
	[ -s "$KT_TMP/ack_c" ] && [ -z "$missing" ] &&
		kt_pass "restored backup $b: all $(wc -l <"$KT_TMP/ack_c") findings acknowledged before it began are there" ||
		kt_fail "restored backup $b: acknowledged findings missing: $missing"
	missing=$(comm -23 "$KT_TMP/ack_a" "$KT_TMP/db_a" | head -5)
	[ -s "$KT_TMP/ack_a" ] && [ -z "$missing" ] &&
		kt_pass "restored backup $b: all $(wc -l <"$KT_TMP/ack_a") acceptances acknowledged before it began are there" ||
		kt_fail "restored backup $b: acknowledged acceptances missing: $missing"
	# Revision 1 is the row itself until the first change.
	sql_none "$DB" "restored backup $b: every finding has one revision and one audit row per version" \
		"SELECT f.id FROM findings f
		LEFT JOIN (SELECT finding_id, COUNT(*) AS n FROM finding_revisions
			GROUP BY finding_id) r ON r.finding_id = f.id
		LEFT JOIN (SELECT object_id, COUNT(*) AS n FROM audit_log
			WHERE object_type = 'finding' GROUP BY object_id) a ON a.object_id = f.id
		WHERE COALESCE(r.n, 0) <> IIF(f.version = 1, 0, f.version) OR a.n IS NOT f.version"
	# The backup's chain (as written, before the restored server logged anyone in)
	# is a prefix of the live one: its last row hashes the same.
	last=$(sqlite3 -readonly -batch -noheader "$KT_TMP/backup-$b.db" \
		"SELECT id || ' ' || hex(row_hash) FROM audit_log ORDER BY id DESC LIMIT 1")
	live=$(sqlite3 -readonly -batch -noheader "$LIVE_DATA/kiemtra.db" \
		"SELECT id || ' ' || hex(row_hash) FROM audit_log WHERE id = ${last%% *}")
	[ -n "$last" ] && [ "$last" = "$live" ] &&
		kt_pass "restored backup $b: its audit chain is a prefix of the live one (${last%% *} rows)" ||
		kt_fail "restored backup $b: last audit row '$last', the live row '$live'"
done

san=$(cat "$KT_TMP"/*.log "$KT_TMP"/*.err 2>/dev/null |
	grep -aE -m 3 'ERROR: [A-Za-z]*Sanitizer|runtime error:')
[ -z "$san" ] && kt_pass "no sanitizer report in the server and loader logs" ||
	kt_fail "sanitizer reports: $san"
kt_done
