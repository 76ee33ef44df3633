#!/usr/bin/env bash
# The administrator's commands through `kiemtrad admin` against a real server:
# accounts with Vietnamese names (generated and given passwords, roles,
# disable/enable with live connections), the unit tree (add, list, find without
# diacritics, rename, move, merge, history), sessions (list, kick), status,
# backup (restored into a second server), audit verify, bad input, the admin
# socket's mode, a stale socket after a crash, and shutdown.
. "$(dirname "$0")/lib.sh"
RAW=$KT_BUILD_DIR/tests/kt_rawpeer

# ---- helpers of this test (may move to lib.sh) --------------------------------

# kt_admin_out ARGS...: run an admin command, stdout to $KT_TMP/out, stderr to
# $KT_TMP/err; returns its exit code. With KT_STDIN set (KT_STDIN=x kt_admin_out
# ...), that line is the command's standard input.
kt_admin_out() {
	if [ -n "${KT_STDIN:-}" ]; then
		printf '%s\n' "$KT_STDIN" | kt_admin "$@" >"$KT_TMP/out" 2>"$KT_TMP/err"
	else
		kt_admin "$@" </dev/null >"$KT_TMP/out" 2>"$KT_TMP/err"
	fi
}

# kt_expect_admin DESCRIPTION CODE PATTERN ARGS...: the admin command exits CODE
# and its stdout (CODE 0) or stderr (otherwise) matches PATTERN (grep -E).
kt_expect_admin() {
	local what=$1 want=$2 pattern=$3 rc=0 file
	shift 3
	kt_admin_out "$@" || rc=$?
	file=$KT_TMP/out
	[ "$want" -ne 0 ] && file=$KT_TMP/err
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" "$file"; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc (wanted $want), wanted /$pattern/ in: $(head -c 800 "$file")"
	fi
}

# kt_not_in_output DESCRIPTION PATTERN ARGS...: exit 0 and stdout does not match.
kt_not_in_output() {
	local what=$1 pattern=$2 rc=0
	shift 2
	kt_admin_out "$@" || rc=$?
	if [ "$rc" -eq 0 ] && ! grep -qE -- "$pattern" "$KT_TMP/out"; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc, /$pattern/ should not be in: $(head -c 800 "$KT_TMP/out")"
	fi
}

# kt_raw_login USER REASON: a raw connection logged in as USER that waits for a
# Goodbye with REASON; sets RAW_PID, and RAW_OUT (its output).
RAW_N=0
kt_raw_login() {
	local i
	RAW_N=$((RAW_N + 1))
	RAW_OUT=$KT_TMP/raw-$RAW_N.out
	"$RAW" "$KT_ADDR" wait-goodbye "$1" "$(kt_password_of "$1")" "$2" >"$RAW_OUT" 2>&1 &
	RAW_PID=$!
	for i in $(seq 1 200); do
		grep -q "^logged in" "$RAW_OUT" 2>/dev/null && return 0
		sleep 0.05
	done
	kt_fail "raw login of $1 did not succeed: $(cat "$RAW_OUT")"
	return 1
}

# kt_raw_closed DESCRIPTION: the raw connection got its Goodbye and was closed.
kt_raw_closed() {
	if wait "$RAW_PID"; then
		kt_pass "$1"
	else
		kt_fail "$1: $(cat "$RAW_OUT")"
	fi
}

# ---- start -------------------------------------------------------------------------

kt_start_server
kt_expect_admin "help lists the commands" 0 "unit merge" help
kt_expect_admin "help of one command shows its usage" 0 "usage: user add USERNAME" help user add
kt_expect_admin "status names the listen address" 0 "listening on: +$KT_ADDR" status
kt_expect_admin "status shows the schema version" 0 "schema version: +[0-9]+" status
kt_expect_admin "status shows the data directory" 0 "data directory: +$KT_DATA" status
fp=$("$KIEMTRAD" fingerprint --data "$KT_DATA")
kt_admin_out fingerprint
[ "$(cat "$KT_TMP/out")" = "$fp" ] && kt_pass "fingerprint is the server key's" ||
	kt_fail "fingerprint: $(cat "$KT_TMP/out"), wanted $fp"
mode=$(stat -c %a "$KT_DATA/admin.sock")
[ "$mode" = 600 ] && kt_pass "admin.sock is mode 0600" || kt_fail "admin.sock is mode $mode"

# ---- accounts ----------------------------------------------------------------------

kt_expect_admin "user add with a generated password" 0 "^password: [a-z0-9-]{23}$" \
	user add dung --name "Lê Quốc Dũng"
grep -q "must change it at their first login" "$KT_TMP/out" &&
	kt_pass "user add says the password must be changed" ||
	kt_fail "no must-change sentence: $(cat "$KT_TMP/out")"
dung_pw=$(sed -n 's/^password: //p' "$KT_TMP/out")
kt_expect_output "the generated password logs in and must be changed" \
	"must change|password changed" \
	sh -c "printf '%s\n%s\n' '$dung_pw' '$(kt_password_of dung)' |
		'$KIEMTRA' --home '$KT_TMP/home-dung' --server '$KT_ADDR' login --user dung --password-stdin"

KT_STDIN=$(kt_password_of lan) kt_expect_admin "user add with --password-stdin" 0 \
	"user 'lan' added: Nguyễn Thị Lan" \
	user add lan --name "Nguyễn Thị Lan" --role planner,observer --password-stdin
kt_check "lan logs in with the password she was given" kt_login lan
KT_STDIN=short kt_expect_admin "a weak password is refused" 1 "at least" \
	user add tuan --name "Phạm Văn Tuấn" --password-stdin
KT_STDIN= kt_expect_admin "--password-stdin with empty input is refused" 1 "no password" \
	user add tuan --name "Phạm Văn Tuấn" --password-stdin
kt_expect_admin "a duplicate user is refused" 1 "already exists" \
	user add dung --name "Lê Quốc Dũng"
kt_expect_admin "a username with capitals is refused" 1 "username" user add Dung --name "X"
kt_expect_admin "an unknown role is refused" 1 "unknown role 'boss'" \
	user add tuan --name "Phạm Văn Tuấn" --role boss
kt_expect_admin "user add needs --name" 2 "usage: user add" user add tuan
kt_expect_admin "user list shows the Vietnamese names" 0 "dung +Lê Quốc Dũng +inspector" user list
grep -qE "lan +Nguyễn Thị Lan +planner,observer" "$KT_TMP/out" &&
	kt_pass "user list shows several roles" || kt_fail "user list: $(cat "$KT_TMP/out")"
kt_expect_admin "user show" 0 "full name: +Lê Quốc Dũng" user show dung
grep -q "SHA256:" "$KT_TMP/out" && kt_pass "user show lists the enrolled device" ||
	kt_fail "no device in user show: $(cat "$KT_TMP/out")"
kt_expect_admin "user show of an unknown user" 1 "no user 'nobody'" user show nobody

# ---- units -------------------------------------------------------------------------

kt_expect_admin "unit add province" 0 "unit 'DT' added: Đồng Tháp \(province\)" \
	unit add DT "Đồng Tháp" --kind province
kt_expect_admin "unit add city (a district-level unit)" 0 "\(district\) under DT" \
	unit add CL "thành phố Cao Lãnh" --kind city --parent DT
kt_expect_admin "unit add ward, kind in Vietnamese" 0 "Phường 4 \(ward\)" \
	unit add CL-P4 "Phường 4" --kind "phường" --parent CL
kt_expect_admin "unit add commune" 0 "xã Hòa An" \
	unit add CL-HA "xã Hòa An" --kind commune --parent CL
kt_expect_admin "unit add another commune" 0 "xã Tân Thuận Tây" \
	unit add CL-TTT "xã Tân Thuận Tây" --kind xa --parent CL
kt_expect_admin "a taken code is refused" 1 "taken" unit add CL-HA "xã khác" --kind commune
kt_expect_admin "an unknown parent is refused" 1 "no unit with code 'NOPE'" \
	unit add X1 "xã Mới" --kind commune --parent NOPE
kt_expect_admin "an unknown kind is a usage error" 2 "unknown kind" \
	unit add X1 "xã Mới" --kind planet
kt_expect_admin "unit list draws the tree" 0 "^    CL-P4 +Phường 4 +ward" unit list
grep -qE "^  CL +thành phố Cao Lãnh" "$KT_TMP/out" && kt_pass "the tree indents by level" ||
	kt_fail "unit list: $(cat "$KT_TMP/out")"
kt_expect_admin "unit list --parent" 0 "3 unit\(s\) directly under CL" unit list --parent CL
kt_expect_admin "unit find without diacritics" 0 "CL-HA +xã Hòa An" unit find hoa an
kt_expect_admin "unit find in capitals" 0 "xã Hòa An" unit find "HÒA AN"
kt_expect_admin "unit find several words" 0 "xã Tân Thuận Tây" unit find tan thuan tay
kt_expect_admin "unit find with no match" 0 "no unit matches" unit find "không có"
kt_expect_admin "unit rename" 0 "renamed: xã Hòa An -> xã Hòa An \(mới\)" \
	unit rename CL-HA "xã Hòa An (mới)" --note "Nghị quyết 1234/NQ-UBTVQH15"
kt_expect_admin "unit show after rename" 0 "name: +xã Hòa An \(mới\)" unit show CL-HA
kt_expect_admin "unit move" 0 "moved under DT" unit move CL-TTT --parent DT
kt_expect_admin "unit show after move" 0 "parent: +DT \(Đồng Tháp\)" unit show CL-TTT
kt_expect_admin "unit move under itself is refused" 1 "itself|descendant" \
	unit move DT --parent CL
kt_expect_admin "unit merge" 0 "merged into 'CL-HA'" \
	unit merge CL-TTT CL-HA --note "sáp nhập từ 01/7/2025"
kt_expect_admin "history of the merged unit survives" 0 "merged +into CL-HA" \
	unit history CL-TTT
grep -q "created   xã Tân Thuận Tây" "$KT_TMP/out" && grep -q "moved     from CL" "$KT_TMP/out" &&
	kt_pass "the merged unit's history keeps its creation and move" ||
	kt_fail "unit history CL-TTT: $(cat "$KT_TMP/out")"
kt_expect_admin "history of the absorbing unit" 0 "absorbed +CL-TTT \(xã Tân Thuận Tây\)" \
	unit history CL-HA
grep -q "note: Nghị quyết 1234/NQ-UBTVQH15" "$KT_TMP/out" && kt_pass "history keeps the notes" ||
	kt_fail "no note in history: $(cat "$KT_TMP/out")"
kt_not_in_output "unit list hides the merged unit" "CL-TTT" unit list
kt_expect_admin "unit list --all shows it merged" 0 "CL-TTT .*merged into CL-HA" unit list --all
kt_expect_admin "unit find --all finds merged units" 0 "merged into" unit find --all tan thuan
kt_expect_admin "a merged unit cannot be renamed" 1 "merged" unit rename CL-TTT "xã Khác"
kt_expect_admin "an unknown unit" 1 "no unit with code 'NOPE'" unit history NOPE

# ---- roles, passwords, disable, sessions ---------------------------------------------

kt_expect_admin "user roles unit_rep with a unit" 0 "unit_rep, unit CL-P4" \
	user roles dung unit_rep --unit CL-P4
kt_expect_admin "unit_rep without a unit is refused" 1 "needs --unit" user roles dung unit_rep
kt_expect_admin "user roles back to inspector" 0 "now has: inspector$" user roles dung inspector

kt_raw_login lan 4
kt_expect_admin "session list shows the live connection" 0 "lan +127\.0\.0\.1:" session list
kt_expect_admin "user show lists the live connection" 0 "since .*device SHA256:" user show lan
kt_expect_admin "user list counts it online" 0 "lan .* 1$" user list
kt_expect_admin "disable closes the live connection" 0 "1 live connection\(s\) closed" \
	user disable lan
kt_raw_closed "the connection got Goodbye(ACCOUNT_DISABLED)"
kt_expect_admin "the account shows disabled" 0 "lan .*disabled" user list
kt_expect_stderr "a disabled account cannot log in" 17 "disabled" kt_login lan
kt_expect_admin "enable" 0 "enabled" user enable lan
kt_check "an enabled account logs in" kt_login lan

kt_raw_login lan 3
kt_admin_out session list
id=$(awk '$2 == "lan" { print $1; exit }' "$KT_TMP/out")
if [ -n "$id" ]; then
	kt_expect_admin "session kick ID" 0 "connection $id closed" session kick "$id"
	kt_raw_closed "the kicked connection got Goodbye(KICKED)"
else
	kt_fail "no live connection of lan in: $(cat "$KT_TMP/out")"
	kill "$RAW_PID" 2>/dev/null
fi
kt_expect_admin "session kick of an unknown ID" 1 "no connection with ID 999999" \
	session kick 999999
kt_expect_admin "session kick --user without connections" 1 "no live connection" \
	session kick --user lan
kt_expect_admin "session kick needs an ID or --user" 2 "usage: session kick" session kick

kt_expect_admin "user passwd generates a new password" 0 "^password: [a-z0-9-]{23}$" \
	user passwd dung
grep -q "revoked" "$KT_TMP/out" && kt_pass "user passwd says the sessions were revoked" ||
	kt_fail "user passwd: $(cat "$KT_TMP/out")"
kt_expect_exit 26 "the reset revoked dung's saved session" kt_as dung whoami
KT_STDIN="một-mật-khẩu-mới-2025" kt_expect_admin "user passwd --password-stdin" 0 \
	"password of 'lan' reset" user passwd lan --password-stdin
kt_expect_exit 0 "the new password logs in" sh -c "echo 'một-mật-khẩu-mới-2025' |
	'$KIEMTRA' --home '$KT_TMP/home-lan3' --server '$KT_ADDR' login --user lan --password-stdin"

# ---- backup and audit --------------------------------------------------------------

kt_expect_admin "backup to a path relative to the data directory" 0 \
	"backup written to $KT_DATA/backup-1.db \([0-9]+ bytes\), integrity ok" backup backup-1.db
[ -s "$KT_DATA/backup-1.db" ] && kt_pass "the backup file exists" || kt_fail "no backup file"
kt_expect_admin "an existing file is not overwritten" 1 "already exists" backup backup-1.db
kt_expect_admin "backup to an absolute path" 0 "integrity ok" backup "$KT_TMP/backup-2.db"
kt_expect_admin "backup into a missing directory" 1 "does not exist|not found" \
	backup "$KT_TMP/no/such/dir/b.db"
kt_expect_admin "audit verify" 0 "audit chain intact: [0-9]+ rows" audit verify

# ---- bad input -------------------------------------------------------------------------

kt_expect_admin "unknown command" 2 "unknown command 'frobnicate'" frobnicate
kt_expect_admin "unknown subcommand" 2 "unknown command 'user frob'" user frob
kt_expect_admin "a group alone lists its subcommands" 2 "needs one of: add, list" unit
kt_expect_admin "unknown option" 2 "unknown option --colour" user list --colour
kt_expect_admin "extra argument" 2 "unexpected argument" status now
kt_expect_admin "a very long argument is refused by the client" 2 "longer than" \
	unit find "$(head -c 5000 /dev/zero | tr '\0' a)"
kt_alive "$KT_PID" "bad admin input"

# ---- the backup restores into a working server -------------------------------------

mkdir -p "$KT_TMP/restored"
chmod 700 "$KT_TMP/restored"
cp "$KT_DATA/backup-1.db" "$KT_TMP/restored/kiemtra.db"
main_data=$KT_DATA
main_pid=$KT_PID
kt_start_server restored
kt_expect_admin "a server started from the backup has the users" 0 "Lê Quốc Dũng" user list
kt_expect_admin "and the units with their history" 0 "absorbed +CL-TTT" unit history CL-HA
kt_expect_admin "and an intact audit chain" 0 "audit chain intact" audit verify
kt_stop_server "$KT_PID"

# ---- shutdown, then a crash leaves a stale socket that the next start removes ------

KT_DATA=$main_data
KT_PID=$main_pid
kt_expect_admin "shutdown" 0 "stopping" shutdown
for i in $(seq 1 200); do kill -0 "$KT_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$KT_PID" 2>/dev/null; then kt_fail "the server did not stop"; else
	kt_pass "the server stopped after shutdown"; fi
[ ! -e "$KT_DATA/admin.sock" ] && kt_pass "admin.sock removed at stop" ||
	kt_fail "admin.sock left after a clean stop"
kt_expect_admin "no server: exit 3 with a sentence" 3 \
	"no server running with data directory .* \(no admin socket\)" status

kt_start_server srv
kill -KILL "$KT_PID"
wait "$KT_PID" 2>/dev/null
[ -S "$KT_DATA/admin.sock" ] && kt_pass "a crash leaves the socket file" ||
	kt_fail "no socket file after a crash"
kt_expect_admin "a stale socket: no server" 3 "no server running" status
kt_start_server srv
kt_expect_admin "the next start replaces the stale socket" 0 "Lê Quốc Dũng" user list
kt_stop_server
kt_done
