#!/usr/bin/env bash
# Recommendations (kiến nghị) over the real protocol: the leader or a deputy
# issues them to a unit with a deadline (idempotent with a client id); the
# unit's representative answers with a remediation report (khắc phục) and
# evidence; the leader returns it with a reason; the unit answers with an
# explanation (giải trình); a deputy accepts it. Who may do what (another
# unit's representative, an observer, a member, the leader answering for the
# unit); a stale version (exit 20); overdue computed from the server's date,
# set with KIEMTRAD_TODAY, and how it changes when the date moves on.
. "$(dirname "$0")/lib.sh"

# ---- helpers of this test -----------------------------------------------------

jq_of() {
	local user=$1 filter=$2
	shift 2
	kt_as "$user" --json "$@" 2>"$KT_TMP/err" | jq -r "$filter"
}

# kt_expect_json DESCRIPTION JQ_TEST USER ARGS...: exit 0 and the jq test is true.
kt_expect_json() {
	local what=$1 test=$2 rc=0
	shift 2
	local user=$1
	shift
	kt_as "$user" --json "$@" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq 0 ] && jq -e "$test" "$KT_TMP/out" >/dev/null 2>&1; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc, wanted ($test) in: $(head -c 700 "$KT_TMP/out") $(head -c 300 "$KT_TMP/err")"
	fi
}

USERS="ke lan dung minh rep4 repha obs chu"

# start_on DATE: (re)start the server of this test (same data) believing today is
# DATE; then log everyone in again (the new port is a new server to the client).
start_on() {
	[ -n "${KT_PID:-}" ] && kt_stop_server
	export KIEMTRAD_TODAY=$1
	kt_start_server srv
	unset KIEMTRAD_TODAY
	local u
	[ -n "${2:-}" ] && return 0
	for u in $USERS; do kt_login "$u"; done
}

# ---- people, units, a plan, a team ------------------------------------------------

KT_PID=
start_on 2022-03-15 without-login
kt_admin unit add DT "Đồng Tháp" --kind province >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent DT >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent DT >/dev/null
kt_user_add ke "Trần Văn Kế" planner
kt_user_add lan "Nguyễn Thị Lan" inspector
kt_user_add dung "Phạm Văn Dũng" inspector
kt_user_add minh "Lê Văn Minh" inspector
kt_user_add rep4 "Võ Thị Bốn" unit_rep CL-P4
kt_user_add repha "Huỳnh Văn An" unit_rep CL-HA
kt_user_add obs "Đại biểu Hội đồng" observer
kt_user_add chu "Phó Chủ tịch Hải" authority
for u in $USERS; do kt_login "$u"; done

P=06/KH-UBND
kt_check "the planner registers the plan" kt_as ke plan create --number $P --date 2022-01-11 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra công tác CCHC năm 2022" \
	--from 2022-01-15 --to 2022-12-31 --unit CL-P4 --unit CL-HA --authority chu
kt_check "team: leader" kt_as ke team add $P lan --role leader
kt_check "team: deputy" kt_as ke team add $P dung --role deputy
kt_check "team: member" kt_as ke team add $P minh --role member
kt_check "observer added" kt_as ke observer add $P obs

# ---- issuing -------------------------------------------------------------------------

kt_expect_stderr "a member cannot issue" 17 "leader or deputy.*'minh' is a member" \
	kt_as minh rec add $P CL-P4 --text "Khắc phục" --deadline 2022-03-31
kt_expect_stderr "an observer cannot issue" 17 "leader or deputy" \
	kt_as obs rec add $P CL-P4 --text "Khắc phục" --deadline 2022-03-31
kt_expect_stderr "a unit representative cannot issue" 17 "leader or deputy" \
	kt_as rep4 rec add $P CL-P4 --text "Khắc phục" --deadline 2022-03-31
kt_expect_stderr "a deadline before the plan starts is refused" 13 "before the start" \
	kt_as lan rec add $P CL-P4 --text "Khắc phục" --deadline 2022-01-01
kt_expect_exit 2 "a deadline that is no date is a usage error" \
	kt_as lan rec add $P CL-P4 --text "Khắc phục" --deadline 2022-02-30
kt_expect_stderr "a unit outside the plan is refused" 13 "not one of the units" \
	kt_as lan rec add $P DT --text "Khắc phục" --deadline 2022-03-31

R1=$(jq_of lan .recommendation.id rec add $P CL-P4 --deadline 2022-03-31 \
	--text "Cập nhật đầy đủ, kịp thời hồ sơ trên phần mềm một cửa; xử lý hồ sơ trễ hạn.")
R2=$(jq_of dung .recommendation.id rec add $P CL-P4 --deadline 30/04/2022 \
	--text "Tổ chức họp kiểm điểm trách nhiệm tập thể, cá nhân.")
R3=$(jq_of lan .recommendation.id rec add $P CL-HA --deadline 2022-03-10 \
	--text "Ban hành kế hoạch CCHC năm 2022.")
R4=$(jq_of lan .recommendation.id rec add $P CL-HA --deadline 2022-05-01 \
	--text "Niêm yết công khai thủ tục hành chính.")
if [ -n "$R1" ] && [ -n "$R2" ] && [ -n "$R3" ] && [ -n "$R4" ] && [ "$R1" != null ]; then
	kt_pass "the leader and the deputy issue four recommendations"
else
	kt_fail "issuing: R1=$R1 R2=$R2 R3=$R3 R4=$R4 $(head -c 300 "$KT_TMP/err")"
fi
kt_expect_json "a new recommendation is open, with its deadline (DD/MM/YYYY accepted)" \
	'.recommendation.state == "open" and .recommendation.deadline == "2022-04-30"' \
	lan rec show "$R2"
kt_expect_json "issuing with a client id" '.created == true' \
	lan rec add $P CL-HA --text "Rà soát quy chế" --deadline 2022-06-30 --client-id retry-0001
RX=$(jq -r .recommendation.id "$KT_TMP/out")
kt_expect_json "the same client id again returns the same recommendation" \
	'.created == false and .recommendation.id == '"$RX" \
	lan rec add $P CL-HA --text "Rà soát quy chế" --deadline 2022-06-30 --client-id retry-0001

# ---- overdue on 2022-03-15 -------------------------------------------------------------

kt_expect_json "on 2022-03-15 only the item due 2022-03-10 is overdue" \
	'[.recommendations[] | select(.overdue) | .id] == ['"$R3"'] and .overdue == 1' \
	lan rec list $P
kt_expect_output "the list has an OVERDUE column" "^ *$R3 +CL-HA +2022-03-10 +open +OVERDUE" \
	kt_as obs rec list $P
kt_expect_json "--overdue lists only overdue items" \
	'[.recommendations[].id] == ['"$R3"']' lan rec list $P --overdue

# ---- visibility ----------------------------------------------------------------------------

kt_expect_json "a unit representative sees only their unit's" \
	'([.recommendations[].unit_id] | unique | length) == 1 and
	 ([.recommendations[].id] | sort) == (['"$R1,$R2"'] | sort)' rep4 rec list $P
kt_expect_stderr "naming another unit is refused to a representative" 17 "own unit" \
	kt_as repha rec list $P --unit CL-P4
kt_expect_stderr "another unit's recommendation is refused to a representative" 17 "own unit" \
	kt_as repha rec show "$R1"
kt_expect_json "the observer and the authority see every unit's" '.recommendations | length == 5' \
	obs rec list $P
kt_expect_json "the authority sees them too" '.recommendations | length == 5' chu rec list $P
kt_expect_json "a planner reads them" '.recommendations | length == 5' ke rec list $P

# ---- answering -------------------------------------------------------------------------------

kt_expect_stderr "another unit's representative cannot read it to answer" 17 "own unit" \
	kt_as repha rec respond "$R1" --remediation --text "Đã khắc phục"
kt_expect_stderr "another unit's representative cannot answer" 17 "representative of unit CL-P4" \
	kt_as repha rec respond "$R1" --remediation --text "Đã khắc phục" --version=1
kt_expect_stderr "an observer cannot answer" 17 "representative of unit CL-P4.*observer" \
	kt_as obs rec respond "$R1" --remediation --text "Đã khắc phục"
kt_expect_stderr "the leader cannot answer for the unit" 17 "representative of unit CL-P4" \
	kt_as lan rec respond "$R1" --remediation --text "Đã khắc phục"
kt_expect_stderr "an open recommendation has nothing to accept" 19 "only an answered" \
	kt_as lan rec accept "$R1"
kt_expect_exit 2 "a response says whether it is a remediation or an explanation" \
	kt_as rep4 rec respond "$R1" --text "Đã khắc phục"

printf 'Biên bản khắc phục hồ sơ trễ hạn\n' >"$KT_TMP/bien-ban.txt"
EV=$(jq_of rep4 .evidence_id evidence upload $P "$KT_TMP/bien-ban.txt")
kt_expect_json "the unit reports remediation with evidence" \
	'.recommendation.state == "answered" and .recommendation.response_kind == "remediation" and
	 .recommendation.response_evidence[0].id == '"${EV:-0}"' and
	 .recommendation.response_evidence[0].name == "bien-ban.txt"' \
	rep4 rec respond "$R1" --remediation --evidence "$EV" \
	--text "Đã cập nhật toàn bộ hồ sơ trễ hạn lên phần mềm một cửa."
kt_expect_stderr "an answered recommendation is not answered again" 19 "is answered" \
	kt_as rep4 rec respond "$R1" --explanation --text "Thêm"
kt_expect_stderr "the unit cannot decide on its own answer" 17 "leader or deputy" \
	kt_as rep4 rec accept "$R1"
kt_expect_stderr "an observer cannot decide" 17 "leader or deputy" kt_as obs rec accept "$R1"
kt_expect_exit 2 "returning needs --reason" kt_as lan rec return "$R1"
kt_expect_stderr "an empty reason is refused" 13 "needs a reason" \
	kt_as lan rec return "$R1" --reason ""
kt_expect_json "the leader returns the answer with a reason" \
	'.recommendation.state == "returned" and
	 .recommendation.decision_reason == "Chưa có biên bản kiểm tra lại của phòng Nội vụ."' \
	lan rec return "$R1" --reason "Chưa có biên bản kiểm tra lại của phòng Nội vụ."
kt_expect_output "the unit sees the return and its reason" \
	"returned .* by lan:" kt_as rep4 rec show "$R1"
kt_expect_json "the unit answers again, with an explanation" \
	'.recommendation.state == "answered" and .recommendation.response_kind == "explanation"
	 and .recommendation.decision_reason == "" and (.recommendation.response_evidence | length) == 0' \
	rep4 rec respond "$R1" --explanation \
	--text "Phòng Nội vụ sẽ kiểm tra lại trong tháng 4; đơn vị đã khắc phục xong."
V=$(jq -r .recommendation.version "$KT_TMP/out")
kt_expect_stderr "a decision on a stale version is refused (exit 20)" 20 "at version $V, not 1" \
	kt_as dung rec accept "$R1" --version=1
kt_expect_json "the deputy accepts the answer: done" \
	'.recommendation.state == "done" and .recommendation.overdue == false' \
	dung rec accept "$R1" --version="$V"
kt_expect_stderr "a done recommendation is not decided again" 19 "is done" \
	kt_as lan rec accept "$R1"
kt_expect_stderr "a done recommendation is not answered again" 19 "is done" \
	kt_as rep4 rec respond "$R1" --remediation --text "Thêm"
kt_expect_stderr "answering at a stale version is refused (exit 20)" 20 "at version 1, not 2" \
	kt_as rep4 rec respond "$R2" --remediation --text "x" --version=2
kt_user_add la "Ngoài Đoàn" inspector
kt_login la
kt_expect_stderr "an inspector outside the plan is refused" 17 "no standing" kt_as la rec list $P

# ---- the date moves on: 2022-05-01 -------------------------------------------------------------

start_on 2022-05-01
kt_expect_json "on 2022-05-01 the open items due before are overdue, the done one is not" \
	'([.recommendations[] | select(.overdue) | .id] | sort) == (['"$R2,$R3"'] | sort) and
	 ([.recommendations[] | select(.id == '"$R1"') | .overdue] == [false]) and
	 ([.recommendations[] | select(.id == '"$R4"') | .overdue] == [false])' lan rec list $P
kt_expect_output "people see overdue items as such" "OVERDUE" kt_as rep4 rec show "$R2"
kt_expect_json "the unit sees its own overdue item" \
	'[.recommendations[].id] == ['"$R2"']' rep4 rec list $P --overdue
kt_expect_json "answering does not lift overdue; only done does" \
	'.recommendation.state == "answered" and .recommendation.overdue == true' \
	rep4 rec respond "$R2" --remediation --text "Đã họp kiểm điểm ngày 28/4/2022."
kt_expect_json "accepted, it is no longer overdue" '.recommendation.overdue == false' \
	lan rec accept "$R2"

# An invalid KIEMTRAD_TODAY is ignored: the real date, later than every deadline here.
start_on 2022-13-01
kt_expect_json "an invalid KIEMTRAD_TODAY is ignored: every open item of 2022 is overdue" \
	'([.recommendations[] | select(.overdue) | .id] | sort) == (['"$R3,$R4,$RX"'] | sort)' \
	lan rec list $P
kt_alive
kt_done
