#!/usr/bin/env bash
# The report of a plan (kiemtra report) over the real protocol: a small plan
# with known counts, every figure asserted in the table, JSON, CSV and
# Markdown outputs; a unit representative's report covers their unit only;
# outsiders are refused. The server's date is fixed with KIEMTRAD_TODAY.
. "$(dirname "$0")/lib.sh"

P=06/KH-UBND

# expect_in DESCRIPTION FIXED_TEXT FILE: FILE contains the text exactly.
expect_in() {
	if grep -qF -- "$2" "$3"; then
		kt_pass "$1"
	else
		kt_fail "$1: wanted '$2' in: $(head -c 1500 "$3")"
	fi
}

# expect_re DESCRIPTION REGEX FILE
expect_re() {
	if grep -qE -- "$2" "$3"; then
		kt_pass "$1"
	else
		kt_fail "$1: wanted /$2/ in: $(head -c 1500 "$3")"
	fi
}

id_of() { grep -o '"id":[0-9]*' | head -1 | cut -d: -f2; }

export KIEMTRAD_TODAY=2022-11-17
kt_start_server

# -- units, people, the plan (four units, three areas, two working groups)
kt_admin unit add DT "Đồng Tháp" --kind province >/dev/null
kt_admin unit add CL "thành phố Cao Lãnh" --kind district --parent DT >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent CL >/dev/null
kt_admin unit add CL-TT "xã Tân Thuận Tây" --kind commune --parent CL >/dev/null
kt_admin unit add CL-VH "Phòng Văn hóa, Thông tin" --kind office --parent CL >/dev/null
kt_user_add ke "Nguyễn Văn Kế" planner
kt_user_add lead "Trần Văn Trưởng" inspector
kt_user_add mot "Lê Thị Một" inspector
kt_user_add hai "Lê Văn Hai" inspector
kt_user_add obs "Võ Văn Sát" observer
kt_user_add rep "Phạm Văn Đại" unit_rep CL-P4
kt_user_add repha "Đặng Thị Hòa" unit_rep CL-HA
kt_user_add duyet "Huỳnh Văn Duyệt" authority
kt_user_add ngoai "Đỗ Văn Ngoài" inspector
for u in ke lead mot hai obs rep repha duyet ngoai; do kt_login "$u"; done
kt_check "plan registered" kt_as ke plan create --number $P --date 2022-01-11 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra công tác CCHC năm 2022" \
	--from 2022-01-01 --to 2022-12-31 --unit CL-P4,CL-HA,CL-TT,CL-VH \
	--area procedures --area civil-service --area digital-gov --authority duyet
kt_check "leader" kt_as ke team add $P lead --role leader
kt_check "member in group 1" kt_as ke team add $P mot --role member --group "Tổ công tác số 1"
kt_check "member in group 2" kt_as ke team add $P hai --role member --group 'Tổ công tác "số 2"'
kt_check "observer" kt_as ke observer add $P obs
kt_check "Phường 4 to group 1" kt_as lead assign $P CL-P4 --group "Tổ công tác số 1" \
	--from 2022-03-01 --to 2022-03-05
kt_check "Hòa An to group 2" kt_as lead assign $P CL-HA --group 'Tổ công tác "số 2"' \
	--from 2022-03-03 --to 2022-03-10
kt_check "Tân Thuận Tây to a member of group 1" kt_as lead assign $P CL-TT --user mot \
	--from 2022-03-08 --to 2022-03-12

# -- findings: Phường 4 two strengths and a shortcoming accepted, a draft and a
#    submitted one not; Hòa An one shortcoming accepted
f1=$(kt_as mot --json finding add $P CL-P4 --area procedures --kind strength \
	--text "Bộ phận một cửa giải quyết hồ sơ đúng hạn" --submit | id_of)
f2=$(kt_as mot --json finding add $P CL-P4 --area digital-gov --kind strength \
	--text "Văn bản đi được ký số" --submit | id_of)
f3=$(kt_as mot --json finding add $P CL-P4 --area procedures --kind shortcoming \
	--text "Hồ sơ trễ hạn do công chức quên cập nhật phần mềm" --submit | id_of)
f4=$(kt_as hai --json finding add $P CL-HA --area civil-service --kind shortcoming \
	--text "Chưa đánh giá, xếp loại công chức hằng tháng" --submit | id_of)
kt_check "a draft (not counted)" kt_as mot finding add $P CL-P4 --area procedures \
	--kind shortcoming --text "Bản nháp"
kt_check "a submitted finding (not counted)" kt_as mot finding add $P CL-P4 \
	--area digital-gov --kind shortcoming --text "Chưa duyệt" --submit
for f in "$f1" "$f2" "$f3" "$f4"; do
	kt_check "leader accepts finding $f" kt_as lead finding accept "$f"
done

# -- conclusions: Tân Thuận Tây approved (inspected without findings), Phường 4 a draft
kt_check "conclusion drafted for Tân Thuận Tây" kt_as lead conclusion draft $P CL-TT \
	--text "Đơn vị thực hiện tốt công tác CCHC"
kt_check "conclusion approved for Tân Thuận Tây" kt_as lead conclusion approve $P CL-TT
kt_check "conclusion drafted for Phường 4 (not approved)" kt_as lead conclusion draft $P CL-P4 \
	--text "Dự thảo kết luận" --finding "$f1"

# -- recommendations (today is 2022-11-17): Phường 4 one overdue, one open, one
#    done; Hòa An one due today (open, not overdue)
ra=$(kt_as lead --json rec add $P CL-P4 --text "Cập nhật hồ sơ trên phần mềm một cửa" \
	--deadline 2022-06-30 | id_of)
kt_check "recommendation due at year end" kt_as lead rec add $P CL-P4 \
	--text "Rà soát quy trình nội bộ" --deadline 2022-12-31
rc_=$(kt_as lead --json rec add $P CL-P4 --text "Niêm yết công khai thủ tục" \
	--deadline 2022-06-30 | id_of)
kt_check "recommendation due today" kt_as lead rec add $P CL-HA \
	--text "Đánh giá công chức hằng tháng" --deadline 2022-11-17
kt_check "the unit reports the remediation" kt_as rep rec respond "$rc_" --remediation \
	--text "Đã niêm yết đầy đủ"
kt_check "the leader accepts it" kt_as lead rec accept "$rc_"
[ -n "$ra" ] && kt_pass "overdue recommendation $ra issued" || kt_fail "no recommendation id"

# -- reviews: Phường 4 held and signed off (2 officials), Hòa An held (1 official)
printf 'Biên bản họp kiểm điểm\n' >"$KT_TMP/minutes.txt"
kt_check "Phường 4 records its review" kt_as rep review record $P CL-P4 --date 2022-11-10 \
	--official "Nguyễn Văn A|Chủ tịch UBND phường|lowered-rating|hạ mức xếp loại tháng 10/2022" \
	--official "Trần Văn B|Phó Chủ tịch UBND phường|criticism" --minutes "$KT_TMP/minutes.txt"
kt_check "the unit submits" kt_as rep review submit $P CL-P4
kt_check "the leader confirms" kt_as lead review sign $P CL-P4
kt_check "the authority approves" kt_as duyet review sign $P CL-P4
kt_check "Hòa An records its review" kt_as repha review record $P CL-HA --date 2022-11-12 \
	--official "Lê Văn C|Chủ tịch UBND xã|lowered-rating"

# ---- the whole report, four ways -------------------------------------------------
kt_check "report (table)" kt_as obs report $P
cp "$KT_TMP/out" "$KT_TMP/table"
expect_in "table: heading" "Report on plan 06/KH-UBND of 11/01/2022 (UBND thành phố Cao Lãnh)" \
	"$KT_TMP/table"
expect_in "table: as of the server's date" "Figures as of 17/11/2022." "$KT_TMP/table"
expect_in "table: window, groups, units inspected" \
	"From 01/03/2022 to 12/03/2022, 02 working groups inspected 03 of 04 units." "$KT_TMP/table"
expect_in "table: accepted strengths and shortcomings" \
	"Accepted findings: 02 strengths and 02 shortcomings." "$KT_TMP/table"
expect_in "table: recommendations open, overdue, done" \
	"Recommendations: 03 open, of which 01 overdue; 01 done." "$KT_TMP/table"
expect_in "table: reviews held, officials, signed off" \
	"By 17/11/2022, 02/04 units had held responsibility review meetings, reviewing 03 officials; 01 review was signed off." \
	"$KT_TMP/table"
expect_in "table: outcomes" "Outcomes: 01 criticism, 02 lowered rating." "$KT_TMP/table"
expect_re "table: Phường 4 row" \
	'^CL-P4 +Phường 4 +Tổ công tác số 1 +2 +1 +2 +1 +1 +- +approved +2$' "$KT_TMP/table"
expect_re "table: Hòa An row" \
	'^CL-HA +xã Hòa An +Tổ công tác "số 2" +0 +1 +1 +0 +0 +- +held +1$' "$KT_TMP/table"
expect_re "table: Tân Thuận Tây row (group through the member)" \
	'^CL-TT +xã Tân Thuận Tây +Tổ công tác số 1 +0 +0 +0 +0 +0 +approved +- +0$' "$KT_TMP/table"
expect_re "table: a unit without anything" \
	'^CL-VH +Phòng Văn hóa, Thông tin +- +0 +0 +0 +0 +0 +- +- +0$' "$KT_TMP/table"
expect_re "table: area procedures" '^procedures +Cải cách thủ tục hành chính +1 +1$' "$KT_TMP/table"
expect_re "table: area civil service" '^civil-service +Cải cách chế độ công vụ +0 +1$' "$KT_TMP/table"
expect_re "table: area digital government" '^digital-gov +Chính quyền điện tử, chính quyền số +1 +0$' \
	"$KT_TMP/table"
grep -qE '^(direction|institutions|apparatus|public-finance) ' "$KT_TMP/table" &&
	kt_fail "table: areas outside the plan's scope listed" ||
	kt_pass "table: only the plan's areas are listed"

kt_check "report --json" kt_as obs --json report $P
cp "$KT_TMP/out" "$KT_TMP/json"
for kv in '"ok":true' '"number":"06/KH-UBND"' '"as_of":"2022-11-17"' '"units_inspected":3' \
	'"units_total":4' '"groups":2' '"window_from":"2022-03-01"' '"window_to":"2022-03-12"' \
	'"strengths":2,"shortcomings":2' '"recommendations_open":3' '"recommendations_done":1' \
	'"recommendations_overdue":1' '"reviews_held":2' '"reviews_approved":1' \
	'"officials_reviewed":3' \
	'"outcomes":[{"outcome":"criticism","count":1},{"outcome":"lowered-rating","count":2}]' \
	'{"area":"procedures","strengths":1,"shortcomings":1}' \
	'{"area":"civil-service","strengths":0,"shortcomings":1}' \
	'{"area":"digital-gov","strengths":1,"shortcomings":0}' \
	'"unit_code":"CL-P4","unit_name":"Phường 4","group_id":1,"group_name":"Tổ công tác số 1","strengths":2,"shortcomings":1,"recommendations_open":2,"recommendations_done":1,"recommendations_overdue":1,"conclusion_approved":false,"review_held":true,"review_approved":true,"officials_reviewed":2' \
	'"unit_code":"CL-TT","unit_name":"xã Tân Thuận Tây","group_id":1,"group_name":"Tổ công tác số 1","strengths":0,"shortcomings":0,"recommendations_open":0,"recommendations_done":0,"recommendations_overdue":0,"conclusion_approved":true'; do
	expect_in "json: $kv" "$kv" "$KT_TMP/json"
done
[ "$(wc -l <"$KT_TMP/json")" -eq 1 ] && kt_pass "json: exactly one object" ||
	kt_fail "json: more than one line"
kt_expect_output "--format json is --json" '"units_inspected":3' kt_as obs report $P --format json

kt_check "report --format csv" kt_as obs report $P --format csv
cp "$KT_TMP/out" "$KT_TMP/csv"
expect_in "csv: header" \
	"unit_id,unit_code,unit_name,group,strengths,shortcomings,recommendations_open,recommendations_done,recommendations_overdue,conclusion_approved,review_held,review_approved,officials_reviewed" \
	"$KT_TMP/csv"
expect_re "csv: Phường 4 row" '^[0-9]+,CL-P4,Phường 4,Tổ công tác số 1,2,1,2,1,1,no,yes,yes,2'$'\r''$' \
	"$KT_TMP/csv"
expect_re "csv: a quote in a field is doubled (RFC 4180)" \
	'^[0-9]+,CL-HA,xã Hòa An,"Tổ công tác ""số 2""",0,1,1,0,0,no,yes,no,1'$'\r''$' "$KT_TMP/csv"
expect_re "csv: a comma in a field is quoted" \
	'^[0-9]+,CL-VH,"Phòng Văn hóa, Thông tin",,0,0,0,0,0,no,no,no,0'$'\r''$' "$KT_TMP/csv"
[ "$(grep -c $'\r$' "$KT_TMP/csv")" -eq 5 ] && kt_pass "csv: five CRLF lines (header + 4 units)" ||
	kt_fail "csv: $(cat -A "$KT_TMP/csv" | head -8)"
kt_check "report csv areas" kt_as obs report $P --format csv --table areas
expect_in "csv areas: header and a row" "area,area_name,strengths,shortcomings" "$KT_TMP/out"
expect_re "csv areas: procedures" '^procedures,Cải cách thủ tục hành chính,1,1'$'\r' "$KT_TMP/out"
kt_check "report csv outcomes" kt_as obs report $P --format csv --table outcomes
expect_re "csv outcomes: lowered rating" '^lowered-rating,2'$'\r' "$KT_TMP/out"
expect_re "csv outcomes: criticism" '^criticism,1'$'\r' "$KT_TMP/out"
kt_check "report csv summary" kt_as obs report $P --format csv --table summary
cp "$KT_TMP/out" "$KT_TMP/summary"
for kv in "plan,06/KH-UBND" "as_of,2022-11-17" "units_inspected,3" "units_total,4" "groups,2" \
	"window_from,2022-03-01" "window_to,2022-03-12" "strengths,2" "shortcomings,2" \
	"recommendations_open,3" "recommendations_done,1" "recommendations_overdue,1" \
	"reviews_held,2" "reviews_approved,1" "officials_reviewed,3"; do
	expect_re "csv summary: $kv" "^$kv"$'\r''$' "$KT_TMP/summary"
done

kt_check "report --format markdown" kt_as obs report $P --format markdown
cp "$KT_TMP/out" "$KT_TMP/md"
expect_in "markdown: heading" "# Report on plan 06/KH-UBND of 11/01/2022" "$KT_TMP/md"
expect_in "markdown: window sentence" \
	"- From 01/03/2022 to 12/03/2022, 02 working groups inspected 03 of 04 units." "$KT_TMP/md"
expect_in "markdown: findings sentence" "- Accepted findings: 02 strengths and 02 shortcomings." \
	"$KT_TMP/md"
expect_in "markdown: recommendations sentence" \
	"- Recommendations: 03 open, of which 01 overdue; 01 done." "$KT_TMP/md"
expect_in "markdown: reviews sentence" "02/04 units had held responsibility review meetings, reviewing 03 officials; 01 review was signed off." \
	"$KT_TMP/md"
expect_in "markdown: outcomes" "- Outcomes: 01 criticism, 02 lowered rating." "$KT_TMP/md"
expect_in "markdown: unit table header" \
	"| Code | Unit | Group | Strengths | Shortcomings | Recommendations open | Recommendations done | Overdue | Conclusion | Review | Officials reviewed |" \
	"$KT_TMP/md"
expect_in "markdown: Phường 4 row" \
	"| CL-P4 | Phường 4 | Tổ công tác số 1 | 2 | 1 | 2 | 1 | 1 | - | approved | 2 |" "$KT_TMP/md"
expect_in "markdown: Hòa An row" \
	'| CL-HA | xã Hòa An | Tổ công tác "số 2" | 0 | 1 | 1 | 0 | 0 | - | held | 1 |' "$KT_TMP/md"
expect_in "markdown: area row" "| procedures | Cải cách thủ tục hành chính | 1 | 1 |" "$KT_TMP/md"

# ---- who gets what ---------------------------------------------------------------
kt_check "the representative's report" kt_as rep --json report $P
cp "$KT_TMP/out" "$KT_TMP/rep"
for kv in '"units_total":1' '"units_inspected":1' '"groups":1' '"window_from":"2022-03-01"' \
	'"window_to":"2022-03-05"' '"strengths":2,"shortcomings":1' '"recommendations_open":2' \
	'"recommendations_overdue":1' '"recommendations_done":1' '"reviews_held":1' \
	'"reviews_approved":1' '"officials_reviewed":2' '"unit_code":"CL-P4"'; do
	expect_in "representative: $kv" "$kv" "$KT_TMP/rep"
done
grep -qE 'CL-HA|CL-TT|CL-VH|civil-service' "$KT_TMP/rep" &&
	kt_fail "the representative's report shows other units" ||
	kt_pass "the representative's report shows nothing of other units"
kt_expect_output "the leader gets the whole report" '"units_total":4' kt_as lead --json report $P
kt_expect_output "the authority gets the whole report" '"units_total":4' kt_as duyet --json report 1
kt_expect_output "a planner gets the whole report" '"units_total":4' kt_as ke --json report "#1"
kt_expect_stderr "an inspector outside the team is refused" 17 "no standing" \
	kt_as ngoai report $P
kt_expect_exit 15 "an unknown plan" kt_as obs report 999
kt_expect_exit 2 "a bad format" kt_as obs report $P --format pdf
kt_expect_exit 2 "--table without csv" kt_as obs report $P --table areas

# ---- signing keys of the plan's team and authority ---------------------------------
kt_check "signing keys of the plan" kt_as obs --json signing-keys $P
for u in lead mot hai duyet; do
	expect_re "signing key of $u listed" "\"username\":\"$u\",\"key\":\"[0-9a-f]{64}\"" "$KT_TMP/out"
done
lead_key=$(kt_as lead --json finding show "$f1" | grep -o '"signing_key":"[0-9a-f]*"' | head -1 |
	cut -d'"' -f4)
expect_in "the key that signed an acceptance is the leader's registered key" \
	"\"username\":\"lead\",\"key\":\"$lead_key\"" "$KT_TMP/out"
kt_expect_exit 2 "signing-keys needs a plan or an id" kt_as obs signing-keys

kt_done
