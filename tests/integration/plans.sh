#!/usr/bin/env bash
# Plans, teams, assignments, observers and rights, through the real client
# against a real server: the Cao Lãnh inspection of quarter I 2022 (plan
# 06/KH-UBND of 2022-01-11, team decision 334/QĐ-UBND of 2022-02-24, leader
# Lê Quốc Dũng, 2022-03-01 .. 2022-03-10, nine units) registered and staffed;
# duplicates, stale versions, bad dates, a second leader, assignments outside
# the window, who may do what (planner, leader, deputy, observer, unit
# representative, outsider), idempotent create, and closing refused while
# the units' items are open.
. "$(dirname "$0")/lib.sh"

kt_start_server

# -- the unit tree of Cao Lãnh (codes as the province uses them)
kt_admin unit add DT "Đồng Tháp" --kind province >/dev/null
kt_admin unit add CL "thành phố Cao Lãnh" --kind district --parent DT >/dev/null
kt_admin unit add CL-P2 "Phường 2" --kind ward --parent CL >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_admin unit add CL-P11 "Phường 11" --kind ward --parent CL >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent CL >/dev/null
kt_admin unit add CL-TTT "xã Tân Thuận Tây" --kind commune --parent CL >/dev/null
kt_admin unit add CL-GDDT "Phòng Giáo dục và Đào tạo" --kind office --parent CL >/dev/null
kt_admin unit add CL-YT "Phòng Y tế" --kind office --parent CL >/dev/null
kt_admin unit add CL-KT "Phòng Kinh tế" --kind office --parent CL >/dev/null
kt_admin unit add CL-TCKH "Phòng Tài chính - Kế hoạch" --kind office --parent CL >/dev/null
kt_admin unit add CL-TP "xã Tịnh Thới" --kind commune --parent CL >/dev/null
kt_admin unit add CL-OLD "xã Mỹ Trà cũ" --kind commune --parent CL >/dev/null
kt_admin unit merge CL-OLD CL-TP >/dev/null
UNITS="CL-P2,CL-P4,CL-P11,CL-HA,CL-TTT,CL-GDDT,CL-YT,CL-KT,CL-TCKH"

# -- the people
kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
kt_user_add tam "Trần Minh Tâm" inspector
kt_user_add lan "Phạm Thị Lan" inspector
kt_user_add binh "Võ Văn Bình" inspector
kt_user_add khoa "Đỗ Đăng Khoa" inspector
kt_user_add ngoc "Huỳnh Bảo Ngọc" inspector
kt_user_add pho "Nguyễn Văn Phó" authority
kt_user_add hdnd "Lâm Thị Giám Sát" observer
kt_user_add rep4 "Chủ tịch UBND Phường 4" unit_rep CL-P4
kt_user_add reptp "Chủ tịch UBND xã Tịnh Thới" unit_rep CL-TP
kt_user_add out "Người Ngoài" inspector
for u in hoa dung tam lan binh khoa pho hdnd rep4 reptp out; do
	kt_login "$u" || kt_fail "login $u"
done

create() { # create AS_USER EXTRA_ARGS...: the Cao Lãnh plan with overridable fields
	local who=$1
	shift
	kt_as "$who" plan create --number 06/KH-UBND --date 2022-01-11 \
		--issuer "UBND thành phố Cao Lãnh" \
		--title "Kiểm tra công tác cải cách hành chính năm 2022" \
		--from 2022-03-01 --to 2022-03-10 --unit "$UNITS" --authority pho "$@"
}

# -- registering the plan
kt_expect_stderr "an inspector cannot register a plan (names the role)" 17 \
	"plan.create needs the role planner; 'dung' does not have it" create dung
kt_expect_output "the planner registers 06/KH-UBND with nine units" \
	"plan 06/KH-UBND of 2022-01-11 registered \(id 1, 9 units\)" \
	create hoa --client-id cao-lanh-2022-q1 --area direction --area procedures,digital-gov
kt_expect_output "a retry with the same client id returns the same plan" \
	"was already registered \(id 1" create hoa --client-id cao-lanh-2022-q1
kt_expect_output "the retry says created=false in JSON" '"created":false' \
	kt_as hoa --json plan create --number 06/KH-UBND --date 2022-01-11 --issuer x --title y \
	--from 2022-03-01 --to 2022-03-10 --unit CL-P2 --client-id cao-lanh-2022-q1
kt_expect_stderr "the same number and date again is a duplicate naming the plan" 16 \
	"plan 06/KH-UBND of 2022-01-11 is already registered \(id 1\)" create hoa
kt_expect_stderr "an issue date that is not in the calendar" 13 \
	"issue date '2022-02-30' is not a date" create hoa --number 07/KH-UBND --date 2022-02-30
kt_expect_stderr "29 February of a common year" 13 "'2023-02-29' is not a date" \
	create hoa --number 07/KH-UBND --date 2023-02-29
kt_expect_stderr "a period that ends before it starts" 13 \
	"the period starts \(2022-03-10\) after it ends \(2022-03-01\)" \
	kt_as hoa plan create --number 07/KH-UBND --date 2022-01-11 --issuer x --title y \
	--from 2022-03-10 --to 2022-03-01 --unit CL-P2
kt_expect_stderr "an unknown unit code" 15 "no unit with code 'CL-NONE'" \
	create hoa --number 07/KH-UBND --unit CL-NONE
kt_expect_stderr "a merged unit cannot be inspected" 19 "CL-OLD .* was merged" \
	create hoa --number 07/KH-UBND --unit CL-OLD
kt_expect_stderr "a unit named twice" 13 "unit CL-P2 is named twice" \
	create hoa --number 07/KH-UBND --unit CL-P2
kt_expect_stderr "the authority must hold the role authority" 13 \
	"'dung' cannot be the approving authority" create hoa --number 07/KH-UBND --authority dung
kt_expect_stderr "a review chain must start with the unit representative" 13 \
	"starts with unit_rep" create hoa --number 07/KH-UBND --chain leader,authority
kt_expect_stderr "a review chain names each signer once" 13 "leader appears twice" \
	create hoa --number 07/KH-UBND --chain unit_rep,leader,leader
kt_expect_stderr "an unknown area is a usage error" 2 "unknown area 'sports'" \
	create hoa --number 07/KH-UBND --area sports
kt_expect_output "the plan shows the default review chain" \
	"review: +unit_rep, leader, authority" kt_as hoa plan show 06/KH-UBND
kt_expect_output "the plan shows its areas" "areas: +direction, procedures, digital-gov" \
	kt_as hoa plan show 1

# -- the team decision and the team
kt_expect_output "the planner records team decision 334/QĐ-UBND" "has its team decision \(version 2\)" \
	kt_as hoa team set 06/KH-UBND --decision 334/QĐ-UBND --date 2022-02-24
kt_expect_stderr "a team decision before the plan is refused" 13 \
	"cannot come before the plan" kt_as hoa team set 06/KH-UBND --decision 1/QĐ --date 2021-12-31
kt_expect_stderr "a team decision on a date not in the calendar" 13 "'2022-02-31' is not a date" \
	kt_as hoa team set 06/KH-UBND --decision 1/QĐ --date 2022-02-31
kt_expect_stderr "a stale version is ABORTED with the current version" 20 \
	"current version 2" kt_as hoa team set 06/KH-UBND --decision 335/QĐ-UBND \
	--date 2022-02-25 --based-on 1
kt_expect_stderr "a stale plan update is ABORTED with the current version" 20 \
	"version 2.*current version 2" kt_as hoa plan update 06/KH-UBND --title "Khác" --based-on 1
kt_expect_output "the planner makes Lê Quốc Dũng the leader" "dung is leader on the team" \
	kt_as hoa team add 06/KH-UBND dung --role leader
kt_expect_stderr "a second leader is refused, naming the first" 19 \
	"already has a leader, 'dung' \(Lê Quốc Dũng\)" kt_as hoa team add 06/KH-UBND khoa --role leader
kt_expect_output "the leader adds a deputy" "tam is deputy" kt_as dung team add 06/KH-UBND tam --role deputy
kt_expect_output "the leader puts lan in working group 1 (created)" "Tổ công tác số 1" \
	kt_as dung team add 06/KH-UBND lan --role member --group "Tổ công tác số 1"
kt_check "binh joins working group 1" \
	kt_as dung team add 06/KH-UBND binh --role member --group "Tổ công tác số 1"
kt_check "khoa is the secretary in working group 2" \
	kt_as dung team add 06/KH-UBND khoa --role secretary --group "Tổ công tác số 2"
kt_check "ngoc is a member without a group" kt_as dung team add 06/KH-UBND ngoc --role member
kt_expect_stderr "only inspectors may be on a team" 13 \
	"only accounts with the role inspector may be on a team" \
	kt_as dung team add 06/KH-UBND hdnd --role member
kt_expect_stderr "an unknown user" 15 "no user 'nobody'" \
	kt_as dung team add 06/KH-UBND nobody --role member
kt_expect_stderr "a deputy cannot change the team" 17 \
	"team.member needs the role planner or the team role leader in plan 06/KH-UBND; 'tam' is a deputy" \
	kt_as tam team add 06/KH-UBND out --role member
kt_expect_output "team JSON lists the leader first" '"team":\[\{"user_id":[0-9]+,"username":"dung","full_name":"Lê Quốc Dũng","role":"leader"' \
	kt_as dung --json team add 06/KH-UBND ngoc --role member

# -- observers
kt_expect_output "the leader gives the People's Council observer the plan" \
	"hdnd is among the observers of plan 06/KH-UBND \(1 now\)" \
	kt_as dung observer add 06/KH-UBND hdnd
kt_expect_output "adding the observer again changes nothing" "\(1 now\)" \
	kt_as hoa observer add 06/KH-UBND hdnd
kt_expect_stderr "an observer needs the role observer" 13 "lacks the role observer" \
	kt_as dung observer add 06/KH-UBND lan

# -- assignments within the window 2022-03-01 .. 2022-03-10
kt_expect_output "working group 1 is assigned Phường 4" \
	"unit CL-P4 assigned to working group Tổ công tác số 1, 2022-03-01 .. 2022-03-02" \
	kt_as dung assign 06/KH-UBND CL-P4 --group "Tổ công tác số 1" --from 2022-03-01 --to 2022-03-02
kt_check "working group 2 is assigned xã Hòa An" \
	kt_as dung assign 06/KH-UBND CL-HA --group "Tổ công tác số 2" --from 2022-03-03 --to 2022-03-04
kt_check "ngoc alone is assigned Phòng Y tế" \
	kt_as dung assign 06/KH-UBND CL-YT --user ngoc --from 2022-03-09 --to 2022-03-10
kt_expect_stderr "an assignment starting before the window" 13 \
	"2022-02-28 .. 2022-03-02 lies outside the period of plan 06/KH-UBND \(2022-03-01 .. 2022-03-10\)" \
	kt_as dung assign 06/KH-UBND CL-P2 --user lan --from 2022-02-28 --to 2022-03-02
kt_expect_stderr "an assignment ending after the window" 13 "lies outside the period" \
	kt_as dung assign 06/KH-UBND CL-P2 --user lan --from 2022-03-09 --to 2022-03-11
kt_expect_stderr "an assignment that ends before it starts" 13 \
	"starts \(2022-03-05\) after it ends \(2022-03-04\)" \
	kt_as dung assign 06/KH-UBND CL-P2 --user lan --from 2022-03-05 --to 2022-03-04
kt_expect_stderr "an assignment on a date not in the calendar" 13 "'2022-03-32' is not a date" \
	kt_as dung assign 06/KH-UBND CL-P2 --user lan --from 2022-03-01 --to 2022-03-32
kt_expect_stderr "a unit that is not in the plan" 13 "CL-TP .* is not one of the units of plan" \
	kt_as dung assign 06/KH-UBND CL-TP --user lan --from 2022-03-01 --to 2022-03-02
kt_expect_stderr "a user who is not on the team" 13 "'out' is not on the team of plan 06/KH-UBND" \
	kt_as dung assign 06/KH-UBND CL-P2 --user out --from 2022-03-01 --to 2022-03-02
kt_expect_stderr "a working group that does not exist" 15 "no working group 'Tổ 9'" \
	kt_as dung assign 06/KH-UBND CL-P2 --group "Tổ 9" --from 2022-03-01 --to 2022-03-02
kt_expect_stderr "only the leader assigns (a deputy is refused)" 17 \
	"plan.assign needs the team role leader in plan 06/KH-UBND; 'tam' is a deputy" \
	kt_as tam assign 06/KH-UBND CL-P2 --user lan --from 2022-03-01 --to 2022-03-02
kt_expect_stderr "the planner does not assign either" 17 "plan.assign needs the team role leader" \
	kt_as hoa assign 06/KH-UBND CL-P2 --user lan --from 2022-03-01 --to 2022-03-02
kt_expect_output "assigning the same unit to the same member again changes the dates" \
	"Phòng Y tế|CL-YT assigned to ngoc, 2022-03-08 .. 2022-03-10" \
	kt_as dung assign 06/KH-UBND CL-YT --user ngoc --from 2022-03-08 --to 2022-03-10
kt_expect_stderr "the period cannot shrink past an assignment" 19 \
	"would leave 1 assignments outside it" kt_as hoa plan update 06/KH-UBND --to 2022-03-09

# -- the whole plan, for people and as JSON
kt_as dung plan show 06/KH-UBND >"$KT_TMP/show" 2>&1
for want in "decision: +334/QĐ-UBND of 2022-02-24" "authority: +pho \(Nguyễn Văn Phó\)" \
	"units \(9\)" "Phòng Tài chính - Kế hoạch" "dung +Lê Quốc Dũng +leader" \
	"lan +Phạm Thị Lan +member +Tổ công tác số 1" "CL-P4 +group: Tổ công tác số 1 +2022-03-01 +2022-03-02" \
	"CL-YT +ngoc +2022-03-08 +2022-03-10" "observers: +hdnd"; do
	grep -qE -- "$want" "$KT_TMP/show" && kt_pass "plan show: $want" ||
		kt_fail "plan show lacks /$want/: $(cat "$KT_TMP/show")"
done
kt_expect_output "plan show --json is one object with the plan and its team" \
	'^\{"ok":true,"plan":\{"id":1,"number":"06/KH-UBND","issued_on":"2022-01-11".*"team_decision_number":"334/QĐ-UBND"' \
	kt_as dung --json plan show 06/KH-UBND

# -- the plan's leader may change the plan; the version moves on
kt_expect_output "the leader changes the title" "updated \(version 3\)" \
	kt_as dung plan update 06/KH-UBND --title "Kiểm tra công tác CCHC quý I năm 2022"
kt_expect_output "a unit without findings may leave and come back" "updated \(version 4\)" \
	kt_as hoa plan update 06/KH-UBND --unit CL-P2,CL-P4,CL-P11,CL-HA,CL-TTT,CL-GDDT,CL-YT,CL-KT
kt_expect_output "the plan now has eight units" '"unit_ids":\[[0-9]+(,[0-9]+){7}\]' \
	kt_as hoa --json plan show 06/KH-UBND
kt_check "the ninth unit comes back" kt_as hoa plan update 06/KH-UBND --unit "$UNITS"
kt_expect_stderr "an update that changes nothing" 13 "nothing to change" \
	kt_as hoa plan update 06/KH-UBND
kt_expect_stderr "a member may not change the plan" 17 \
	"plan.update needs the role planner or the team role leader in plan 06/KH-UBND; 'lan' is a member" \
	kt_as lan plan update 06/KH-UBND --title "X"

# -- the observer reads everything and changes nothing
kt_expect_output "the observer reads the plan" "units \(9\)" kt_as hdnd plan show 06/KH-UBND
kt_expect_output "the observer's plan list has it" "06/KH-UBND" kt_as hdnd plan list
kt_expect_stderr "the observer cannot change the plan" 17 "'hdnd' is an observer" \
	kt_as hdnd plan update 06/KH-UBND --title "X"
kt_expect_stderr "the observer cannot record the team decision" 17 "team.set needs" \
	kt_as hdnd team set 06/KH-UBND --decision 1/QĐ --date 2022-02-24
kt_expect_stderr "the observer cannot staff the team" 17 "team.member needs" \
	kt_as hdnd team add 06/KH-UBND out --role member
kt_expect_stderr "the observer cannot assign" 17 "plan.assign needs the team role leader" \
	kt_as hdnd assign 06/KH-UBND CL-P2 --user lan --from 2022-03-01 --to 2022-03-02
kt_expect_stderr "the observer cannot name observers" 17 "observer.set needs" \
	kt_as hdnd observer remove 06/KH-UBND hdnd
kt_expect_stderr "the observer cannot close the plan" 17 "plan.close needs the team role leader" \
	kt_as hdnd plan close 06/KH-UBND

# -- the unit representative of Phường 4 sees only their unit
kt_as rep4 --json plan show 06/KH-UBND >"$KT_TMP/rep" 2>&1
grep -q '"units":\[{"id":[0-9]*,"code":"CL-P4","name":"Phường 4"' "$KT_TMP/rep" &&
	! grep -q '"code":"CL-P2"' "$KT_TMP/rep" && ! grep -q '"code":"CL-HA"' "$KT_TMP/rep" &&
	kt_pass "the representative of Phường 4 gets only Phường 4" ||
	kt_fail "representative's view: $(cat "$KT_TMP/rep")"
grep -q '"unit_ids":\[[0-9]*\]' "$KT_TMP/rep" && grep -q '"username":"dung"' "$KT_TMP/rep" &&
	! grep -q '"unit_id":[0-9]*,"group_id":[0-9]*,"user_id":[0-9]*,"date_from":"2022-03-0[38]"' \
		"$KT_TMP/rep" && grep -q '"observers":\[\]' "$KT_TMP/rep" &&
	kt_pass "the representative sees the team and only their unit's assignment" ||
	kt_fail "representative's view: $(cat "$KT_TMP/rep")"
kt_expect_output "the representative's plan list has the plan" "06/KH-UBND" kt_as rep4 plan list
kt_expect_stderr "the representative cannot change the plan" 17 "'rep4' is a unit representative" \
	kt_as rep4 plan update 06/KH-UBND --title "X"
kt_expect_stderr "a representative of a unit outside the plan has no standing" 17 \
	"no standing in plan" kt_as reptp plan show 06/KH-UBND

# -- outsiders
kt_expect_stderr "an inspector not on the team gets PERMISSION_DENIED" 17 \
	"PERMISSION_DENIED: you have no standing in plan" kt_as out plan show 06/KH-UBND
kt_expect_stderr "also by id, without learning the plan's number" 17 \
	"no standing in plan 1:" kt_as out plan show 1
kt_expect_output "the outsider's plan list is empty" "no active plans" kt_as out plan list
kt_expect_stderr "an unknown plan number" 15 "no plan numbered 99/KH-UBND" \
	kt_as hoa plan show 99/KH-UBND
kt_expect_stderr "an unknown plan id" 15 "no plan with id 99" kt_as hoa plan show 99

# -- numbers restart each year
kt_check "the planner registers 06/KH-UBND of 2023" \
	kt_as hoa plan create --number 06/KH-UBND --date 2023-01-09 --issuer "UBND thành phố Cao Lãnh" \
	--title "Kiểm tra CCHC năm 2023" --from 2023-03-01 --to 2023-03-31 --unit CL-P2
kt_expect_stderr "the number alone is ambiguous now" 13 "2 plans are numbered 06/KH-UBND" \
	kt_as hoa plan show 06/KH-UBND
kt_expect_output "the number with the year names one" "plan: +06/KH-UBND of 2022-01-11" \
	kt_as hoa plan show 06/KH-UBND@2022
kt_expect_output "the leader, on one of them only, still finds it by number" \
	"plan: +06/KH-UBND of 2022-01-11" kt_as dung plan show 06/KH-UBND
kt_expect_output "the planner lists both" "06/KH-UBND +2023-01-09" kt_as hoa plan list

# -- leaving the team takes personal assignments along
kt_check "ngoc leaves the team" kt_as dung team remove 06/KH-UBND@2022 ngoc
kt_as dung --json plan show 06/KH-UBND@2022 >"$KT_TMP/after" 2>&1
! grep -q '"date_from":"2022-03-08"' "$KT_TMP/after" && ! grep -q '"username":"ngoc"' "$KT_TMP/after" &&
	kt_pass "ngoc's assignment went with them" || kt_fail "after removal: $(cat "$KT_TMP/after")"
kt_expect_stderr "removing someone not on the team" 15 "'ngoc' is not on the team" \
	kt_as dung team remove 06/KH-UBND@2022 ngoc

# -- closing: only the leader, and not while anything is open
kt_expect_stderr "the planner cannot close the plan" 17 \
	"plan.close needs the team role leader in plan 06/KH-UBND; 'hoa' is a planner" \
	kt_as hoa plan close 06/KH-UBND@2022
kt_expect_stderr "the deputy cannot close the plan" 17 "'tam' is a deputy" \
	kt_as tam plan close 06/KH-UBND@2022
kt_expect_stderr "closing is refused while every unit is still open, listing them" 19 \
	"plan 06/KH-UBND cannot close: 9 units are still open: CL-GDDT \(no approved conclusion, review not approved\); CL-HA" \
	kt_as dung plan close 06/KH-UBND@2022
kt_expect_output "the plan stays active" '"status":"active"' kt_as dung --json plan show 1

# -- a full close of the small 2023 plan. The other areas' records (conclusion,
# recommendation, review) are written straight into the database here, so the
# closing rule and the signature are proven without those areas' requests.
if command -v sqlite3 >/dev/null; then
	db() { sqlite3 -cmd ".timeout 5000" "$KT_DATA/kiemtra.db" "$@"; }
	kt_check "dung leads the 2023 plan" kt_as hoa team add 06/KH-UBND@2023 dung --role leader
	P2=$(db "SELECT id FROM plans WHERE number = '06/KH-UBND' AND issued_on = '2023-01-09'")
	U=$(db "SELECT id FROM units WHERE code = 'CL-P2'")
	D=$(db "SELECT id FROM users WHERE username = 'dung'")
	db "INSERT INTO conclusions (plan_id, unit_id, revision, text, state, author_id, created_at,
		updated_at) VALUES ($P2, $U, 1, 'Kết luận', 2, $D, 0, 0);
	    INSERT INTO recommendations (plan_id, unit_id, text, deadline, state, client_id,
		created_by, created_at, updated_at) VALUES ($P2, $U, 'Khắc phục', '2023-06-30', 2,
		'rec-client-1', $D, 0, 0);
	    INSERT INTO reviews (plan_id, unit_id, meeting_date, state, next_step, recorded_by,
		recorded_at, updated_at) VALUES ($P2, $U, '2023-04-01', 3, 0, $D, 0, 0);"
	kt_expect_stderr "closing waits for the last recommendation" 19 \
		"1 unit is still open: CL-P2 \(1 recommendation not done\)" \
		kt_as dung plan close 06/KH-UBND@2023
	db "UPDATE recommendations SET state = 3 WHERE plan_id = $P2"
	kt_expect_output "the leader closes the plan with a signature" \
		"plan 06/KH-UBND of 2023-01-09 is closed" kt_as dung plan close 06/KH-UBND@2023
	kt_expect_output "the closure names the leader and carries the signature" \
		'"status":"closed".*"closure":\{"user_id":[0-9]+,"username":"dung","full_name":"Lê Quốc Dũng","at":[0-9]+,"digest":"[0-9a-f]{64}","signature":"[0-9a-f]{128}","signing_key":"[0-9a-f]{64}"\}' \
		kt_as hoa --json plan show 06/KH-UBND@2023
	[ "$(db "SELECT length(closure_digest), length(closure_signature), length(closure_key)
		FROM plans WHERE id = $P2")" = "32|64|32" ] &&
		kt_pass "digest, signature and key are stored with the plan" ||
		kt_fail "closure columns not stored"
	kt_expect_stderr "a closed plan cannot close again" 19 "already closed" \
		kt_as dung plan close 06/KH-UBND@2023
	kt_expect_stderr "a closed plan refuses team changes" 19 "plan 06/KH-UBND is closed" \
		kt_as hoa team add 06/KH-UBND@2023 lan --role member
	kt_expect_stderr "a closed plan refuses updates" 19 "is closed" \
		kt_as hoa plan update 06/KH-UBND@2023 --title "X"
	kt_expect_stderr "a closed plan refuses assignments" 19 "is closed" \
		kt_as dung assign 06/KH-UBND@2023 CL-P2 --user dung --from 2023-03-01 --to 2023-03-02
	kt_expect_output "closed plans leave the default list" "^no active plans|06/KH-UBND +2022" \
		kt_as dung plan list
	kt_expect_output "plan list --all shows the closed plan" "06/KH-UBND +2023-01-09 +closed" \
		kt_as dung plan list --all
	[ "$(db "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.close'")" = 1 ] &&
		kt_pass "the closing is in the audit log" || kt_fail "no plan.close audit row"
else
	kt_log "sqlite3 not installed: the full close is left to the scenario tests"
fi

# -- help and usage
kt_expect_output "plan create --help shows the usage" "usage: kiemtra plan create --number N" \
	kt_as hoa plan create --help
kt_expect_stderr "team add without a role is a usage error" 2 "give --role" \
	kt_as dung team add 1 lan
kt_expect_stderr "assign needs a group or a user, not both" 2 "either --group NAME or --user USER" \
	kt_as dung assign 1 CL-P2 --group a --user b --from 2022-03-01 --to 2022-03-02

kt_alive
kt_done
