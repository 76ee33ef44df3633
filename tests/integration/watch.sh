#!/usr/bin/env bash
# Live updates (kiemtra watch) over the real protocol: watchers of each
# standing see exactly the updates their rights allow, in commit order (team:
# drafts and submissions too; observer: accepted findings and the rest; unit
# representative: their own unit's public updates only); keep-alives are
# answered; Ctrl-C, --count, --seconds and the server's Goodbye end a watch.
. "$(dirname "$0")/lib.sh"

P=06/KH-UBND

# kt_wait_line "FILE..." PATTERN [SECONDS]: wait until a line of one of the files matches.
kt_wait_line() {
	local f=$1 pat=$2 t=${3:-10} i
	for i in $(seq 1 $((t * 20))); do
		# shellcheck disable=SC2086 # several file names
		grep -qE -- "$pat" $f 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# start_watch NAME USER ARGS...: a watcher in the background (the client process
# itself, so that signals reach it); waits until it watches.
declare -A WPID
start_watch() {
	local name=$1 user=$2
	shift 2
	"$KIEMTRA" --home "$KT_TMP/home-$user" --server "$KT_ADDR" "$@" \
		>"$KT_TMP/w-$name.out" 2>"$KT_TMP/w-$name.err" &
	WPID[$name]=$!
	# --json announces on stdout, the human form on stderr
	if kt_wait_line "$KT_TMP/w-$name.out $KT_TMP/w-$name.err" \
		'"event":"watching"|^kiemtra: watching' 10; then
		kt_pass "watcher $name is watching"
	else
		kt_fail "watcher $name did not start: $(head -c 400 "$KT_TMP/w-$name.err")"
	fi
}

# end_watch NAME WANT_EXIT: wait for the watcher (at most 20 s) and check its exit code.
end_watch() {
	local name=$1 want=$2 rc=0 i
	for i in $(seq 1 400); do
		kill -0 "${WPID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "${WPID[$name]}" 2>/dev/null; then
		kill "${WPID[$name]}" 2>/dev/null
		kt_fail "watcher $name still running after 20 s"
	fi
	wait "${WPID[$name]}" || rc=$?
	if [ "$rc" -eq "$want" ]; then
		kt_pass "watcher $name ended with exit $want"
	else
		kt_fail "watcher $name: exit $rc, wanted $want: $(head -c 400 "$KT_TMP/w-$name.err")"
	fi
}

# update_line NAME N: the Nth update line of a JSON watcher (1-based).
update_line() { grep '"event":"update"' "$KT_TMP/w-$1.out" | sed -n "${2}p"; }

# expect_update NAME N DESCRIPTION PATTERN...: the Nth update matches every pattern.
expect_update() {
	local name=$1 n=$2 what=$3 line p
	shift 3
	line=$(update_line "$name" "$n")
	for p in "$@"; do
		if ! grep -qE -- "$p" <<<"$line"; then
			kt_fail "$name update $n ($what): wanted /$p/ in: ${line:-nothing}"
			return
		fi
	done
	kt_pass "$name update $n: $what"
}

expect_count() {
	local name=$1 want=$2 got
	got=$(grep -c '"event":"update"' "$KT_TMP/w-$name.out")
	[ "$got" -eq "$want" ] && kt_pass "$name saw exactly $want updates" ||
		kt_fail "$name saw $got updates, wanted $want: $(cat "$KT_TMP/w-$name.out")"
}

id_of() { grep -o '"id":[0-9]*' | head -1 | cut -d: -f2; }

kt_start_server

# -- a plan with two units, a leader, a member in a working group, an observer,
#    the representative of one unit, and an inspector outside the team
kt_admin unit add DT "Đồng Tháp" --kind province >/dev/null
kt_admin unit add CL "thành phố Cao Lãnh" --kind district --parent DT >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent CL >/dev/null
kt_user_add ke "Nguyễn Văn Kế" planner
kt_user_add lead "Trần Văn Trưởng" inspector
kt_user_add mem "Lê Thị Thành" inspector
kt_user_add obs "Võ Văn Sát" observer
kt_user_add rep "Phạm Văn Đại" unit_rep CL-P4
kt_user_add duyet "Huỳnh Văn Duyệt" authority
kt_user_add ngoai "Đỗ Văn Ngoài" inspector
for u in ke lead mem obs rep duyet ngoai; do kt_login "$u"; done
kt_check "plan registered" kt_as ke plan create --number $P --date 2022-01-11 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra công tác CCHC năm 2022" \
	--from 2022-01-01 --to 2022-12-31 --unit CL-P4,CL-HA --authority duyet
kt_check "leader on the team" kt_as ke team add $P lead --role leader
kt_check "member on the team" kt_as ke team add $P mem --role member --group "Tổ công tác số 1"
kt_check "Hòa An assigned to the group" kt_as lead assign $P CL-HA --group "Tổ công tác số 1" \
	--from 2022-03-01 --to 2022-03-10
kt_check "Phường 4 assigned to the member" kt_as lead assign $P CL-P4 --user mem \
	--from 2022-03-05 --to 2022-03-21
kt_check "observer added" kt_as ke observer add $P obs

# -- rights: no standing, no plan
kt_expect_stderr "an inspector outside the team may not watch the plan" 17 "no standing" \
	kt_as ngoai watch $P --seconds 1
kt_expect_exit 15 "watching a plan that does not exist" kt_as lead watch 999 --seconds 1
kt_expect_output "watching every plan with no standing anywhere is quiet" \
	'"reason":"seconds","updates":0' kt_as ngoai --json watch --seconds 1

# -- watchers: the leader (every plan), the member (human output), the
#    observer, the unit representative
start_watch lead lead --json watch --count 6 --seconds 20
start_watch mem mem watch $P --count 6 --seconds 20
start_watch obs obs --json watch $P --count 6 --seconds 20
start_watch rep rep --json watch --count 2 --seconds 20

# -- the changes, in this order:
# 1 mem: a draft finding on Hòa An            (team only)
# 2 mem: a submitted finding on Phường 4       (team only)
# 3 lead: accepts the Phường 4 finding          (everyone who sees Phường 4)
# 4 mem: submits the Hòa An finding             (team only)
# 5 lead: accepts the Hòa An finding            (team, observer; not the P4 representative)
#   (observers read everything in their plans: they see 1-6, drafts included)
# 6 lead: a recommendation to Phường 4          (everyone who sees Phường 4)
ha=$(kt_as mem --json finding add $P CL-HA --area procedures --kind shortcoming \
	--text "Hồ sơ trễ hạn trên phần mềm một cửa" | id_of)
p4=$(kt_as mem --json finding add $P CL-P4 --area digital-gov --kind strength \
	--text "100% văn bản đi được ký số" --submit | id_of)
[ -n "$ha" ] && [ -n "$p4" ] && kt_pass "findings recorded ($ha, $p4)" ||
	kt_fail "findings not recorded"
kt_check "leader accepts the Phường 4 finding" kt_as lead finding accept "$p4"
# (--version=V: the client takes a bare --version as its global option)
kt_check "member submits the Hòa An finding" kt_as mem finding submit "$ha" --version=1
kt_check "leader accepts the Hòa An finding" kt_as lead finding accept "$ha"
kt_check "leader issues a recommendation to Phường 4" kt_as lead rec add $P CL-P4 \
	--text "Cập nhật kịp thời hồ sơ trên phần mềm một cửa" --deadline 2022-06-30

end_watch lead 0
end_watch mem 0
end_watch obs 0
end_watch rep 0

# The leader (watching every plan) sees all six, the member's among them.
expect_count lead 6
expect_update lead 1 "the member's draft" '"kind":"finding"' "\"object_id\":$ha," \
	'"state_name":"draft"' '"by_name":"mem"' '"plan":"06/KH-UBND"' '"unit":"CL-HA"'
expect_update lead 2 "the member's submission" "\"object_id\":$p4," '"state_name":"submitted"' \
	'"unit":"CL-P4"'
expect_update lead 3 "the acceptance" "\"object_id\":$p4," '"state_name":"accepted"' \
	'"by_name":"lead"'
expect_update lead 4 "the second submission" "\"object_id\":$ha," '"state_name":"submitted"'
expect_update lead 5 "the second acceptance" "\"object_id\":$ha," '"state_name":"accepted"'
expect_update lead 6 "the recommendation" '"kind":"recommendation"' '"state_name":"open"' \
	'"unit":"CL-P4"'
grep -q '"event":"end","reason":"count","updates":6' "$KT_TMP/w-lead.out" &&
	kt_pass "the leader's watch ended after --count 6" || kt_fail "no end line for the leader"

# The member (human lines) sees the leader's acceptances.
[ "$(grep -c . "$KT_TMP/w-mem.out")" -eq 6 ] && kt_pass "member: six lines" ||
	kt_fail "member: $(cat "$KT_TMP/w-mem.out")"
sed -n 3p "$KT_TMP/w-mem.out" | grep -qE \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  06/KH-UBND  CL-P4  finding #$p4 accepted  by lead" &&
	kt_pass "member sees the acceptance as a line: time, plan, unit, what, who" ||
	kt_fail "member's third line: $(sed -n 3p "$KT_TMP/w-mem.out")"
sed -n 1p "$KT_TMP/w-mem.out" | grep -q "CL-HA  finding #$ha draft  by mem" &&
	kt_pass "member sees the draft" || kt_fail "member's first line: $(sed -n 1p "$KT_TMP/w-mem.out")"

# The observer reads everything in the plan: the same six, drafts and submissions included.
expect_count obs 6
expect_update obs 1 "the member's draft" "\"object_id\":$ha," '"state_name":"draft"'
expect_update obs 3 "accepted Phường 4 finding" "\"object_id\":$p4," '"state_name":"accepted"'
expect_update obs 5 "accepted Hòa An finding" "\"object_id\":$ha," '"state_name":"accepted"' \
	'"unit":"CL-HA"'
expect_update obs 6 "the recommendation" '"kind":"recommendation"'

# The representative of Phường 4 sees only Phường 4's public updates.
expect_count rep 2
expect_update rep 1 "the acceptance on their unit" "\"object_id\":$p4," '"state_name":"accepted"'
expect_update rep 2 "the recommendation to their unit" '"kind":"recommendation"' '"unit":"CL-P4"'
grep -q '"unit":"CL-HA"' "$KT_TMP/w-rep.out" && kt_fail "the representative saw Hòa An" ||
	kt_pass "the representative saw nothing of another unit"

# -- Ctrl-C ends a watch cleanly
start_watch int obs --json watch $P --seconds 20
kill -INT "${WPID[int]}"
end_watch int 0
grep -q '"event":"end","reason":"interrupted"' "$KT_TMP/w-int.out" &&
	kt_pass "Ctrl-C ends the watch with an end line" || kt_fail "$(cat "$KT_TMP/w-int.out")"

# -- losing one's standing in the plan ends one's watch (its list was computed with it)
start_watch gone mem watch $P --seconds 20
kt_check "the member is removed from the team" kt_as ke team remove $P mem
end_watch gone 3
grep -q "standing" "$KT_TMP/w-gone.err" && kt_pass "the watcher is told its standing changed" ||
	kt_fail "no standing message: $(cat "$KT_TMP/w-gone.err")"

# -- the server going away ends a watch with its Goodbye (exit 3)
start_watch bye lead watch --seconds 20
kt_stop_server
end_watch bye 3
grep -q "shutdown" "$KT_TMP/w-bye.err" && kt_pass "the watcher names the server's shutdown" ||
	kt_fail "no shutdown reason: $(cat "$KT_TMP/w-bye.err")"

# -- keep-alives are answered: a 2-second idle timeout does not end a 5-second watch
kt_start_server ka --idle-timeout 2
kt_user_add ka "Keep Alive" observer
kt_login ka
start_watch ka ka --json watch --seconds 5
end_watch ka 0
grep -q '"reason":"seconds"' "$KT_TMP/w-ka.out" &&
	kt_pass "a watch outlives the idle timeout by answering keep-alives" ||
	kt_fail "$(cat "$KT_TMP/w-ka.out" "$KT_TMP/w-ka.err")"

kt_done
