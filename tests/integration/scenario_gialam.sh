#!/usr/bin/env bash
# scenario_gialam.sh - the Gia Lâm inspection of 2021 replayed end to end (seeds/004):
# "from 01/10/2021 to 21/10/2021, 02 working groups (Tổ công tác) inspected 20 communes
# and towns"; "by 17/11/2021, 20/20 units had held responsibility review meetings,
# reviewing 30 officials"; "the October 2021 rating of 04 commune chairmen was lowered";
# the approving authority is Nguyễn Đức Hồng, Phó Chủ tịch UBND huyện. Every
# participant acts from their own client (own --home, device and signing key):
#   the planner finds the 20 units typing their names without diacritics, registers the
#   plan; two working groups of ten units each -> the groups' members record findings
#   (one job per unit, in parallel) -> the leader and the deputy accept them, signed ->
#   a conclusion per unit, approved -> a recommendation to every unit (khắc phục, giải
#   trình), answered and accepted -> no meeting dated after the server's date (set with
#   KIEMTRAD_TODAY) -> each unit's responsibility review: unit head, team leader, then
#   the Vice Chair signs -> closing refused while reviews wait, then signed. The figures
#   are asserted from `kiemtra report` as of 17/11/2021.
#
# Invented where the article is silent: the plan's number and dates, the team decision,
# the team, the unit representatives, the findings of each unit (drawn from the
# article's list of strengths and shortcomings), which four communes' chairmen had
# their rating lowered, and the other officials reviewed and their outcomes.
. "$(dirname "$0")/lib.sh"

P=215/KH-UBND

# ---- helpers ---------------------------------------------------------------------------

# expect_json DESCRIPTION JQ_TEST USER ARGS...: exit 0, and the jq test is true on stdout.
expect_json() {
	local what=$1 test=$2 user=$3 rc=0
	shift 3
	kt_as "$user" --json "$@" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq 0 ] && jq -e "$test" "$KT_TMP/out" >/dev/null 2>&1; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc, wanted ($test) in: $(head -c 900 "$KT_TMP/out") $(head -c 300 "$KT_TMP/err")"
	fi
}

# expect_in DESCRIPTION FIXED_TEXT FILE / expect_re DESCRIPTION REGEX FILE
expect_in() {
	grep -qF -- "$2" "$3" && kt_pass "$1" || kt_fail "$1: wanted '$2' in: $(head -c 1500 "$3")"
}
expect_re() {
	grep -qE -- "$2" "$3" && kt_pass "$1" || kt_fail "$1: wanted /$2/ in: $(head -c 1500 "$3")"
}

# expect_report DESCRIPTION JQ_TEST FILE
expect_report() {
	jq -e "$2" "$3" >/dev/null 2>&1 && kt_pass "$1" ||
		kt_fail "$1: wanted ($2) in: $(head -c 2500 "$3")"
}

# report_json USER FILE: the report as one JSON object into FILE.
report_json() {
	kt_as "$1" --json report $P >"$2" 2>"$KT_TMP/err" ||
		kt_fail "report as $1: $(head -c 300 "$KT_TMP/err")"
}

# Parallel jobs: bg NAME FUNCTION ARGS... runs it in the background (stdout and stderr to
# files); bg_wait DESCRIPTION waits for every job started since the last bg_wait and
# passes when each exited 0, else names the ones that did not with their stderr.
JOBS=()
bg() {
	local name=$1
	shift
	"$@" >"$KT_TMP/job-$name.out" 2>"$KT_TMP/job-$name.err" &
	JOBS+=("$!:$name")
}
bg_wait() {
	local what=$1 j bad=""
	for j in "${JOBS[@]}"; do
		wait "${j%%:*}" || bad="$bad [${j#*:} exit $?: $(head -c 400 "$KT_TMP/job-${j#*:}.err")]"
	done
	JOBS=()
	[ -z "$bad" ] && kt_pass "$what" || kt_fail "$what:$bad"
}

# step USER ARGS...: a job step that must succeed; says on stderr what failed.
step() {
	local user=$1 err=$KT_TMP/step.$BASHPID
	shift
	kt_as "$user" "$@" >/dev/null 2>"$err" || { echo "$user $*: $(cat "$err")" >&2; return 1; }
}

# restart_on DATE: restart the server (same data, same address when the port is still
# free: the clients' sessions carry over) believing today is DATE; if the port was
# taken meanwhile, on a new port, and everyone logs in again.
restart_on() {
	local addr=$KT_ADDR u
	kt_stop_server
	export KIEMTRAD_TODAY=$1
	if ! kt_start_server srv --listen "$addr" 2>/dev/null; then
		kt_start_server srv || { kt_fail "server restart on $1"; kt_done; exit 1; }
		for u in $USERS; do kt_login "$u" || kt_fail "login $u after the restart"; done
	fi
	unset KIEMTRAD_TODAY
}

# ---- the server (today: the day after the inspection), the unit tree -------------------------

export KIEMTRAD_TODAY=2021-10-22
kt_start_server || exit 1
unset KIEMTRAD_TODAY

# CODE|KIND|NAME|GROUP|FROM|TO|TYPED: the 20 communes and towns inspected, by working group,
# and the name as the planner types it (without diacritics).
UNIT_TABLE="GL-KIMLAN|commune|xã Kim Lan|1|2021-10-01|2021-10-01|kim lan
GL-COBI|commune|xã Cổ Bi|1|2021-10-04|2021-10-04|co bi
GL-BATTRANG|commune|xã Bát Tràng|1|2021-10-05|2021-10-05|bat trang
GL-DATON|commune|xã Đa Tốn|1|2021-10-06|2021-10-06|da ton
GL-DONGDU|commune|xã Đông Dư|1|2021-10-07|2021-10-07|dong du
GL-KIEUKY|commune|xã Kiêu Kỵ|1|2021-10-08|2021-10-08|kieu ky
GL-TRAUQUY|town|thị trấn Trâu Quỳ|1|2021-10-11|2021-10-11|trau quy
GL-DUONGXA|commune|xã Dương Xá|1|2021-10-12|2021-10-12|duong xa
GL-PHUTHI|commune|xã Phú Thị|1|2021-10-13|2021-10-13|phu thi
GL-DANGXA|commune|xã Đặng Xá|1|2021-10-14|2021-10-15|dang xa
GL-NINHHIEP|commune|xã Ninh Hiệp|2|2021-10-04|2021-10-04|ninh hiep
GL-DINHXUYEN|commune|xã Đình Xuyên|2|2021-10-05|2021-10-05|dinh xuyen
GL-YENVIEN|town|thị trấn Yên Viên|2|2021-10-06|2021-10-06|yen vien
GL-YENTHUONG|commune|xã Yên Thường|2|2021-10-07|2021-10-07|yen thuong
GL-PHUDONG|commune|xã Phù Đổng|2|2021-10-08|2021-10-08|phu dong
GL-TRUNGMAU|commune|xã Trung Mầu|2|2021-10-11|2021-10-11|trung mau
GL-LECHI|commune|xã Lệ Chi|2|2021-10-12|2021-10-12|le chi
GL-VANDUC|commune|xã Văn Đức|2|2021-10-13|2021-10-14|van duc
GL-DUONGQUANG|commune|xã Dương Quang|2|2021-10-18|2021-10-19|duong quang
GL-DUONGHA|commune|xã Dương Hà|2|2021-10-20|2021-10-21|duong ha"
UNITS=()
declare -A UNAME=() UGROUP=() UTYPED=()
kt_admin unit add HN "thành phố Hà Nội" --kind province >/dev/null
kt_admin unit add GL "huyện Gia Lâm" --kind district --parent HN >/dev/null
while IFS='|' read -r code kind name group from to typed; do
	kt_admin unit add "$code" "$name" --kind "$kind" --parent GL >/dev/null ||
		kt_fail "unit add $code"
	UNITS+=("$code")
	UNAME[$code]=$name
	UGROUP[$code]=$group
	UTYPED[$code]=$typed
done <<<"$UNIT_TABLE"
# The district's two other communes (not inspected this time): one shares a name.
kt_admin unit add GL-KIMSON "xã Kim Sơn" --kind commune --parent GL >/dev/null
kt_admin unit add GL-XYENVIEN "xã Yên Viên" --kind commune --parent GL >/dev/null

# ---- the people ------------------------------------------------------------------------------

kt_user_add hang "Nguyễn Thị Hằng" planner                   # Phòng Nội vụ huyện
kt_user_add hong "Nguyễn Đức Hồng" authority                  # Phó Chủ tịch UBND huyện
kt_user_add hdnd "Ban Pháp chế HĐND huyện Gia Lâm" observer
kt_user_add thanh "Đỗ Văn Thành" inspector                    # Trưởng đoàn, Tổ 1
kt_user_add huong "Lê Thị Hương" inspector                    # Phó trưởng đoàn, Tổ 2
kt_user_add minh "Phạm Quang Minh" inspector
kt_user_add trang "Ngô Thu Trang" inspector
kt_user_add nga "Vũ Thị Nga" inspector                        # thư ký
kt_user_add tuan "Trịnh Anh Tuấn" inspector
kt_user_add lien "Bùi Thị Liên" inspector
declare -A REP=()
i=0
for u in "${UNITS[@]}"; do
	i=$((i + 1))
	REP[$u]=rep$(printf '%02d' $i).${u#GL-}
	REP[$u]=${REP[$u],,}
	kt_user_add "${REP[$u]}" "Chủ tịch UBND ${UNAME[$u]}" unit_rep "$u" ||
		kt_fail "user ${REP[$u]}"
done
USERS="hang hong hdnd thanh huong minh trang nga tuan lien ${REP[*]}"
for u in $USERS; do bg "login-$u" kt_login "$u"; done
bg_wait "everyone logs in from their own client (30 people)"

# ---- units typed without diacritics ----------------------------------------------------------

expect_json "units find \"trau quy\" finds thị trấn Trâu Quỳ, and only it" \
	'[.units[] | "\(.code) \(.name)"] == ["GL-TRAUQUY thị trấn Trâu Quỳ"]' \
	hang units find "trau quy"
expect_json "upper case without diacritics too" '[.units[].code] == ["GL-TRAUQUY"]' \
	hang units find TRAU QUY
expect_json "and with diacritics" '[.units[].code] == ["GL-TRAUQUY"]' hang units find "Trâu Quỳ"
expect_json "\"yen vien\" finds the town and the commune of that name" \
	'([.units[].code] | sort) == ["GL-XYENVIEN", "GL-YENVIEN"]' hang units find "yen vien"
expect_json "\"thi tran yen vien\" only the town" '[.units[].code] == ["GL-YENVIEN"]' \
	hang units find thi tran yen vien
kt_expect_output "the human listing shows the names with diacritics" \
	"GL-DUONGXA +xã Dương Xá +commune" kt_as hang units find "duong xa"

# The planner types each unit's name without diacritics and picks it from the matches
# (several, at times: "duong xa" also matches xã Dương Quang, whose name has "xã").
PICKED=()
for u in "${UNITS[@]}"; do
	code=$(kt_as hang --json units find "${UTYPED[$u]}" |
		jq -r --arg n "${UNAME[$u]}" '.units[] | select(.name == $n) | .code')
	[ "$code" = "$u" ] && PICKED+=("$code") ||
		kt_fail "units find '${UTYPED[$u]}' did not give $u: '$code'"
done
[ "${#PICKED[@]}" -eq 20 ] && kt_pass "all 20 units found by their names typed without diacritics" ||
	kt_fail "units found: ${PICKED[*]}"

# ---- the plan, the team, two working groups of ten units -------------------------------------

expect_json "the planner registers 215/KH-UBND with the 20 units found" \
	'.created == true and (.plan.unit_ids | length) == 20 and .plan.period_start == "2021-10-01"' \
	hang plan create --number $P --date 2021-09-24 --issuer "UBND huyện Gia Lâm" \
	--title "Kiểm tra công tác cải cách hành chính năm 2021 tại các xã, thị trấn" \
	--from 2021-10-01 --to 2021-11-30 --unit "$(IFS=,; echo "${PICKED[*]}")" \
	--area direction --area procedures --area civil-service --area digital-gov \
	--authority hong --client-id gialam-215-kh-ubnd-2021
kt_check "the team decision" kt_as hang team set $P --decision 2710/QĐ-UBND --date 2021-09-28
G1="Tổ công tác số 1"
G2="Tổ công tác số 2"
kt_check "leader (Tổ 1)" kt_as hang team add $P thanh --role leader --group "$G1"
kt_check "deputy (Tổ 2)" kt_as thanh team add $P huong --role deputy --group "$G2"
for m in minh trang; do kt_check "$m in Tổ 1" kt_as thanh team add $P $m --role member --group "$G1"; done
kt_check "nga, secretary in Tổ 1" kt_as thanh team add $P nga --role secretary --group "$G1"
for m in tuan lien; do kt_check "$m in Tổ 2" kt_as thanh team add $P $m --role member --group "$G2"; done
kt_check "HĐND's supervision observes (Kim Lan and Cổ Bi jointly)" kt_as thanh observer add $P hdnd
n=0
while IFS='|' read -r code kind name group from to typed; do
	g=$G1
	[ "$group" = 2 ] && g=$G2
	kt_as thanh assign $P "$code" --group "$g" --from "$from" --to "$to" >/dev/null &&
		n=$((n + 1)) || kt_fail "assign $code"
done <<<"$UNIT_TABLE"
[ "$n" -eq 20 ] && kt_pass "the leader assigns ten units to each working group" ||
	kt_fail "assignments: $n of 20"
kt_expect_stderr "a member of Tổ 2 cannot write on a unit of Tổ 1" 17 \
	"writing on unit GL-KIMLAN needs an assignment" \
	kt_as tuan finding add $P GL-KIMLAN --area direction --kind strength --text "x"

# ---- findings, one job per unit, then accepted (signed) --------------------------------------

declare -A FTEXT=(
	[SA]="Đã ban hành Quy chế làm việc, phân công nhiệm vụ cụ thể thành viên UBND, công chức; kiện toàn Bộ phận Một cửa; xây dựng kế hoạch, văn bản chỉ đạo, điều hành CCHC"
	[SB]="Niêm yết công khai TTHC tại Bộ phận Một cửa đẹp, khoa học"
	[KA]="Quy chế làm việc của UBND nhiệm kỳ 2021-2026 chưa đầy đủ căn cứ, còn viện dẫn văn bản hết hiệu lực"
	[KB]="Phân công nhiệm vụ cho lãnh đạo và công chức chưa cụ thể, nhất là giữa 02 công chức địa chính"
	[KC]="Chưa ban hành đầy đủ, kịp thời các kế hoạch thực hiện CCHC; nội dung kế hoạch chưa phù hợp thực tế"
	[KD]="Chưa chủ động rà soát, cập nhật Danh mục TTHC, quy trình ISO, quy trình nội bộ"
	[KE]="Công khai, niêm yết chưa đầy đủ, nhất là công khai kết quả giải quyết TTHC hằng ngày")
declare -A FAREA=([SA]=direction [SB]=procedures [KA]=direction [KB]=civil-service
	[KC]=direction [KD]=procedures [KE]=procedures)
declare -A FKEYS=([GL-KIMLAN]="SA KD KA" [GL-COBI]="SA KD" [GL-BATTRANG]="SA KD KE"
	[GL-DATON]="SA KB" [GL-DONGDU]="SA KD" [GL-KIEUKY]="SA KC KD" [GL-TRAUQUY]="SA SB KE"
	[GL-DUONGXA]="SA SB KD" [GL-PHUTHI]="SA KA" [GL-DANGXA]="SA KD"
	[GL-NINHHIEP]="SA SB KD" [GL-DINHXUYEN]="SA SB KB" [GL-YENVIEN]="SA SB KE"
	[GL-YENTHUONG]="SA KD KC" [GL-PHUDONG]="SA KA" [GL-TRUNGMAU]="SA KD"
	[GL-LECHI]="SA KD KB" [GL-VANDUC]="SA KC" [GL-DUONGQUANG]="SA KD" [GL-DUONGHA]="SA KD KE")
G1_MEMBERS=(minh trang nga)
G2_MEMBERS=(tuan lien)

# inspect_unit UNIT N: a member of the unit's group records its findings (submitted); the
# leader (Tổ 1) or the deputy (Tổ 2) accepts each. Prints "UNIT KEY ID" lines.
inspect_unit() {
	local unit=$1 n=$2 me lead k kind id
	if [ "${UGROUP[$unit]}" = 1 ]; then
		me=${G1_MEMBERS[$((n % 3))]} lead=thanh
	else
		me=${G2_MEMBERS[$((n % 2))]} lead=huong
	fi
	for k in ${FKEYS[$unit]}; do
		kind=strength
		[ "${k:0:1}" = K ] && kind=shortcoming
		id=$(kt_as "$me" --json finding add $P "$unit" --area "${FAREA[$k]}" --kind $kind \
			--text "${FTEXT[$k]}" --submit --client-id "$unit-$k" | jq -r .finding.id) &&
			[ -n "$id" ] && [ "$id" != null ] ||
			{ echo "finding $unit $k by $me failed" >&2; return 1; }
		step "$lead" finding accept "$id" || return 1
		echo "$unit $k $id"
	done
}
i=0
for u in "${UNITS[@]}"; do
	bg "inspect-$u" inspect_unit "$u" $i
	i=$((i + 1))
done
bg_wait "the groups record each unit's findings and the leader or deputy accepts them (20 jobs)"
cat "$KT_TMP"/job-inspect-*.out >"$KT_TMP/findings"
expect_json "51 findings, all accepted and signed" \
	'.count == 51 and ([.findings[] | select(.state == "accepted")] | length) == 51' \
	hdnd finding list $P
expect_json "an acceptance of Tổ 2's unit is signed by the deputy" \
	'.finding.acceptance.username == "huong" and (.finding.acceptance.signature | length) == 128' \
	hdnd finding show "$(awk '$1 == "GL-DUONGHA" {print $3; exit}' "$KT_TMP/findings")"

# ---- conclusions per unit, approved ----------------------------------------------------------

conclude() { # UNIT
	local unit=$1 f=() id
	for id in $(awk -v u="$unit" '$1 == u {print $3}' "$KT_TMP/findings"); do
		f+=(--finding "$id")
	done
	step thanh conclusion draft $P "$unit" "${f[@]}" \
		--text "Kết luận kiểm tra công tác CCHC năm 2021 tại ${UNAME[$unit]}: đơn vị đã chuẩn bị hồ sơ, tài liệu kiểm chứng; cần khắc phục, giải trình các tồn tại, hạn chế đã chỉ ra." &&
		step thanh conclusion approve $P "$unit"
}
for u in "${UNITS[@]}"; do bg "conclude-$u" conclude "$u"; done
bg_wait "the leader drafts and approves the 20 unit conclusions"

# ---- recommendations: every unit remediates or explains --------------------------------------

RALL="Khắc phục, giải trình các tồn tại, hạn chế đã được Tổ công tác chỉ ra; tăng cường trách nhiệm người đứng đầu; nghiêm túc kiểm điểm, xác định rõ trách nhiệm cá nhân"
RQC="Xây dựng, ban hành lại Quy chế làm việc và phân công nhiệm vụ cụ thể, rõ ràng cho các thành viên UBND, cán bộ, công chức"
declare -A REC=()
issue() { # UNIT: prints "UNIT KEY ID"
	local unit=$1 id
	id=$(kt_as thanh --json rec add $P "$unit" --text "$RALL" --deadline 2021-11-15 \
		--client-id "rec-$unit-all" | jq -r .recommendation.id) && [ "$id" != null ] ||
		return 1
	echo "$unit ALL $id"
	case " ${FKEYS[$unit]} " in
	*" KA "*)
		id=$(kt_as huong --json rec add $P "$unit" --text "$RQC" --deadline 2021-11-10 \
			--client-id "rec-$unit-qc" | jq -r .recommendation.id) && [ "$id" != null ] ||
			return 1
		echo "$unit QC $id" ;;
	esac
}
for u in "${UNITS[@]}"; do bg "issue-$u" issue "$u"; done
bg_wait "recommendations issued to the 20 units"
cat "$KT_TMP"/job-issue-*.out >"$KT_TMP/recs"
while read -r unit key id; do REC[$unit:$key]=$id; done <"$KT_TMP/recs"
[ "${#REC[@]}" -eq 23 ] && kt_pass "23 recommendations (3 communes must redo their working rules)" ||
	kt_fail "recommendations: $(cat "$KT_TMP/recs")"

# ---- checkpoint (22/10/2021): the inspection is over -----------------------------------------

report_json hdnd "$KT_TMP/r1.json"
expect_report "22/10: 02 groups inspected 20 of 20 units from 2021-10-01 to 2021-10-21" \
	'.as_of == "2021-10-22" and .units_inspected == 20 and .units_total == 20 and
	 .groups == 2 and .window_from == "2021-10-01" and .window_to == "2021-10-21"' \
	"$KT_TMP/r1.json"
expect_report "22/10: 25 strengths and 26 shortcomings, by area" \
	'.strengths == 25 and .shortcomings == 26 and .areas == [
	 {"area":"direction","strengths":20,"shortcomings":6},
	 {"area":"procedures","strengths":5,"shortcomings":17},
	 {"area":"civil-service","strengths":0,"shortcomings":3},
	 {"area":"digital-gov","strengths":0,"shortcomings":0}]' "$KT_TMP/r1.json"
expect_report "22/10: ten units per working group" \
	'([.units[] | select(.group_name == "Tổ công tác số 1")] | length) == 10 and
	 ([.units[] | select(.group_name == "Tổ công tác số 2")] | length) == 10' "$KT_TMP/r1.json"
expect_report "22/10: 23 recommendations open, none overdue; no review yet" \
	'.recommendations_open == 23 and .recommendations_overdue == 0 and
	 .recommendations_done == 0 and .reviews_held == 0' "$KT_TMP/r1.json"
kt_expect_stderr "22/10: closing is refused, every unit still open" 19 \
	"plan 215/KH-UBND cannot close: 20 units are still open: GL-BATTRANG \(1 recommendation not done, review not approved\)" \
	kt_as thanh plan close $P

# ---- the units answer; the leader accepts ----------------------------------------------------

answer_unit() { # UNIT: the representative answers; three communes explain what takes time
	local unit=$1 kind=remediation text
	text="Đơn vị đã rà soát, khắc phục: ban hành lại Quy chế làm việc và phân công nhiệm vụ; cập nhật quy trình TTHC, quy trình ISO, quy trình nội bộ; ghi chép sổ sách, phiếu tiếp nhận, phiếu kiểm soát hồ sơ."
	case $unit in GL-DONGDU | GL-VANDUC | GL-PHUTHI)
		kind=explanation
		text="Giải trình: công tác tuyên truyền CCHC, lưu trữ quản lý hồ sơ cán bộ cần thời gian khắc phục; đơn vị đã có lộ trình hoàn thành trong quý I năm 2022." ;;
	esac
	step "${REP[$unit]}" rec respond "${REC[$unit:ALL]}" --$kind --text "$text" || return 1
	[ -z "${REC[$unit:QC]:-}" ] || step "${REP[$unit]}" rec respond "${REC[$unit:QC]}" \
		--remediation --text "Đã ban hành lại Quy chế làm việc nhiệm kỳ 2021-2026." || return 1
	step thanh rec accept "${REC[$unit:ALL]}" || return 1
	[ -z "${REC[$unit:QC]:-}" ] || step huong rec accept "${REC[$unit:QC]}"
}
for u in "${UNITS[@]}"; do bg "answer-$u" answer_unit "$u"; done
bg_wait "the 20 units remediate or explain; every answer is accepted"
expect_json "a unit representative sees only their own unit's recommendation" \
	'(.recommendations | length) == 1 and .recommendations[0].state == "done" and
	 .recommendations[0].response_kind == "explanation"' "${REP[GL-VANDUC]}" rec list $P

# ---- responsibility reviews: 30 officials; 04 commune chairmen's October rating lowered ------

# On 22/10/2021 no meeting of November can have been held yet: the meeting date may not
# be after the server's date (PROTOCOL.md, ReviewRecordReq), which KIEMTRAD_TODAY sets.
kt_expect_stderr "22/10: a meeting dated 03/11/2021 is refused, it lies in the future" 13 \
	"in the future \(today is 2021-10-22\)" \
	kt_as "${REP[GL-KIMLAN]}" review record $P GL-KIMLAN --date 2021-11-03 \
	--official "Lưu Văn Kim|Phó Chủ tịch UBND xã|reminder"
restart_on 2021-11-17

LOWERED="hạ mức xếp loại tháng 10/2021"
# UNIT|DATE|OFFICIAL;OFFICIAL... (NAME|POSITION|OUTCOME|NOTE)
REVIEWS="GL-BATTRANG|2021-10-28|Nguyễn Văn Bảo|Chủ tịch UBND xã|lowered-rating|$LOWERED;Lê Thị Gốm|Công chức Văn phòng - Thống kê|criticism|niêm yết chưa đầy đủ
GL-KIEUKY|2021-10-29|Trần Văn Kiêu|Chủ tịch UBND xã|lowered-rating|$LOWERED;Phạm Văn Kỵ|Công chức Văn phòng - Thống kê|criticism|chậm ban hành kế hoạch
GL-YENTHUONG|2021-11-01|Đỗ Văn Thường|Chủ tịch UBND xã|lowered-rating|$LOWERED;Hoàng Thị Yên|Công chức Văn phòng - Thống kê|criticism|chưa rà soát quy trình ISO
GL-DUONGHA|2021-11-02|Ngô Văn Hà|Chủ tịch UBND xã|lowered-rating|$LOWERED;Vũ Thị Dương|Công chức Văn phòng - Thống kê|criticism|công khai kết quả chưa đầy đủ
GL-KIMLAN|2021-11-03|Lưu Văn Kim|Phó Chủ tịch UBND xã|reminder|;Đặng Văn Lan|Công chức Địa chính - Xây dựng|criticism|quy chế viện dẫn văn bản hết hiệu lực
GL-LECHI|2021-11-04|Nguyễn Văn Lệ|Phó Chủ tịch UBND xã|reminder|;Trần Văn Chi|Công chức Địa chính - Xây dựng|criticism|phân công chưa cụ thể
GL-DINHXUYEN|2021-11-05|Phạm Văn Đình|Phó Chủ tịch UBND xã|reminder|;Lê Văn Xuyên|Công chức Địa chính - Xây dựng|criticism|phân công giữa 02 công chức địa chính
GL-NINHHIEP|2021-11-08|Hoàng Văn Ninh|Phó Chủ tịch UBND xã|reminder|;Bùi Thị Hiệp|Công chức Văn phòng - Thống kê|criticism|chưa rà soát Danh mục TTHC
GL-TRAUQUY|2021-11-09|Vương Văn Trâu|Phó Chủ tịch UBND thị trấn|reminder|;Lý Thị Quỳ|Công chức Tư pháp - Hộ tịch|reminder|
GL-YENVIEN|2021-11-10|Mai Văn Viên|Phó Chủ tịch UBND thị trấn|reminder|;Tạ Thị Yến|Công chức Tư pháp - Hộ tịch|reminder|
GL-COBI|2021-11-11|Đinh Văn Cổ|Công chức Văn phòng - Thống kê|reminder|
GL-DATON|2021-11-11|Hồ Văn Tốn|Công chức Địa chính - Xây dựng|criticism|
GL-DONGDU|2021-11-12|Chu Văn Dư|Công chức Văn phòng - Thống kê|reminder|
GL-DUONGXA|2021-11-12|Khổng Văn Xá|Công chức Văn phòng - Thống kê|reminder|
GL-PHUTHI|2021-11-15|Tô Văn Thị|Công chức Văn phòng - Thống kê|reminder|
GL-DANGXA|2021-11-15|Kiều Văn Đặng|Công chức Văn phòng - Thống kê|reprimand|để hồ sơ chậm muộn
GL-PHUDONG|2021-11-16|Lại Văn Đổng|Công chức Văn phòng - Thống kê|reminder|
GL-TRUNGMAU|2021-11-16|Âu Văn Mầu|Công chức Văn phòng - Thống kê|reminder|
GL-VANDUC|2021-11-17|Triệu Văn Đức|Công chức Văn hóa - Xã hội|criticism|
GL-DUONGQUANG|2021-11-17|Giang Văn Quang|Công chức Văn phòng - Thống kê|reminder|"

review_unit() { # UNIT DATE OFFICIALS: record with the unit's minutes, then submit (step 1)
	local unit=$1 date=$2 o=() one v
	# Should the future-dated attempt above have been let through, its draft is replaced.
	v=$(kt_as "${REP[$unit]}" --json review show $P "$unit" 2>/dev/null |
		jq -r '.review.version // empty')
	[ -z "$v" ] || o+=(--version "$v")
	printf 'BIÊN BẢN họp kiểm điểm trách nhiệm, %s, ngày %s\n' "${UNAME[$unit]}" "$date" \
		>"$KT_TMP/minutes-$unit.txt"
	IFS=';' read -r -a offs <<<"$3"
	for one in "${offs[@]}"; do o+=(--official "${one%|}"); done
	step "${REP[$unit]}" review record $P "$unit" --date "$date" \
		--minutes "$KT_TMP/minutes-$unit.txt" "${o[@]}" &&
		step "${REP[$unit]}" review submit $P "$unit"
}
while IFS='|' read -r unit date rest; do
	bg "review-$unit" review_unit "$unit" "$date" "$rest"
done <<<"$REVIEWS"
bg_wait "the 20 units record their meetings (minutes, officials, outcomes) and submit them"
for u in "${UNITS[@]}"; do bg "confirm-$u" step thanh review sign $P "$u"; done
bg_wait "the team leader confirms the 20 reviews (step 2, signed)"
kt_expect_stderr "the leader cannot sign for the Vice Chair" 17 \
	"step 3 \(authority\) needs the plan's approving authority" kt_as thanh review sign $P GL-KIMLAN
kt_expect_stderr "closing is refused while the reviews wait for the Vice Chair" 19 \
	"20 units are still open: GL-BATTRANG \(review not approved\); GL-COBI \(review not approved\)" \
	kt_as thanh plan close $P
kt_expect_output "review list: 20 held, none approved yet, 30 officials" \
	"reviews held: 20 \(approved: 0\); officials reviewed: 30" kt_as hong review list $P
for u in "${UNITS[@]}"; do bg "approve-$u" step hong review sign $P "$u"; done
bg_wait "Nguyễn Đức Hồng, Phó Chủ tịch UBND huyện, approves the 20 reviews (step 3, signed)"
expect_json "a review's chain: the commune's chairman, the leader, the Vice Chair" \
	'.review.state == "approved" and
	 ([.review.signoffs[] | "\(.step):\(.signer):\(.username)"] ==
	  ["1:unit_rep:'"${REP[GL-KIEUKY]}"'", "2:leader:thanh", "3:authority:hong"]) and
	 .review.signoffs[2].full_name == "Nguyễn Đức Hồng" and
	 (.review.signoffs[2].signature | length) == 128' hdnd review show $P GL-KIEUKY

# The four lowered ratings, read from every review: all commune (xã) chairmen, October 2021.
for u in "${UNITS[@]}"; do
	kt_as hdnd --json review show $P "$u" | jq -c --arg u "${UNAME[$u]}" \
		'.review.officials[] | select(.outcome == "lowered-rating") | [$u, .position, .note]'
done >"$KT_TMP/lowered"
[ "$(wc -l <"$KT_TMP/lowered")" -eq 4 ] &&
	[ "$(grep -c '^\["xã [^"]*","Chủ tịch UBND xã","hạ mức xếp loại tháng 10/2021"\]$' \
		"$KT_TMP/lowered")" -eq 4 ] &&
	kt_pass "four officials had their rating lowered: the chairmen of four communes, 10/2021" ||
	kt_fail "lowered ratings: $(cat "$KT_TMP/lowered")"

# ---- the report as of 17/11/2021 -------------------------------------------------------------

report_json hong "$KT_TMP/r2.json"
expect_report "17/11: units inspected 20, groups 2, window 2021-10-01..2021-10-21" \
	'.as_of == "2021-11-17" and .units_inspected == 20 and .units_total == 20 and
	 .groups == 2 and .window_from == "2021-10-01" and .window_to == "2021-10-21"' \
	"$KT_TMP/r2.json"
expect_report "17/11: 20 of 20 units held reviews, 20 approved, 30 officials reviewed" \
	'.reviews_held == 20 and .reviews_approved == 20 and .officials_reviewed == 30' \
	"$KT_TMP/r2.json"
expect_report "17/11: outcomes, lowered rating 4" \
	'.outcomes == [{"outcome":"reminder","count":15},{"outcome":"criticism","count":10},
	 {"outcome":"reprimand","count":1},{"outcome":"lowered-rating","count":4}]' "$KT_TMP/r2.json"
expect_report "17/11: every unit inspected, concluded, reviewed and approved; 23 done" \
	'([.units[] | select(.conclusion_approved and .review_held and .review_approved)] | length)
	 == 20 and .recommendations_done == 23 and .recommendations_open == 0 and
	 .recommendations_overdue == 0 and ([.units[].officials_reviewed] | add) == 30' \
	"$KT_TMP/r2.json"
expect_report "17/11: unit names with diacritics, per unit figures" \
	'(.units[] | select(.unit_code == "GL-TRAUQUY")) as $t |
	 $t.unit_name == "thị trấn Trâu Quỳ" and $t.group_name == "Tổ công tác số 1" and
	 $t.strengths == 2 and $t.shortcomings == 1 and $t.officials_reviewed == 2' "$KT_TMP/r2.json"

kt_check "report (table)" kt_as hdnd report $P
cp "$KT_TMP/out" "$KT_TMP/table"
expect_in "table: the article's first figure" \
	"From 01/10/2021 to 21/10/2021, 02 working groups inspected 20 of 20 units." "$KT_TMP/table"
expect_in "table: the article's second figure" \
	"By 17/11/2021, 20/20 units had held responsibility review meetings, reviewing 30 officials; 20 reviews were signed off." \
	"$KT_TMP/table"
expect_in "table: the article's third figure" \
	"Outcomes: 15 reminder, 10 criticism, 01 reprimand, 04 lowered rating." "$KT_TMP/table"
expect_re "table: xã Kiêu Kỵ" \
	'^GL-KIEUKY +xã Kiêu Kỵ +Tổ công tác số 1 +1 +2 +0 +1 +0 +approved +approved +2$' \
	"$KT_TMP/table"
kt_check "report (CSV outcomes)" kt_as hdnd report $P --format csv --table outcomes
expect_re "csv: lowered-rating,4" '^lowered-rating,4'$'\r''$' "$KT_TMP/out"
kt_check "report (CSV summary)" kt_as hdnd report $P --format csv --table summary
cp "$KT_TMP/out" "$KT_TMP/summary"
for kv in units_inspected,20 units_total,20 groups,2 window_from,2021-10-01 window_to,2021-10-21 \
	reviews_held,20 reviews_approved,20 officials_reviewed,30; do
	expect_re "csv summary: $kv" "^$kv"$'\r''$' "$KT_TMP/summary"
done
kt_check "report (Markdown)" kt_as thanh report $P --format markdown
expect_in "markdown: the reviews sentence" \
	"- By 17/11/2021, 20/20 units had held responsibility review meetings, reviewing 30 officials; 20 reviews were signed off." \
	"$KT_TMP/out"
expect_in "markdown: xã Dương Hà row" \
	"| GL-DUONGHA | xã Dương Hà | Tổ công tác số 2 | 1 | 2 | 0 | 1 | 0 | approved | approved | 2 |" \
	"$KT_TMP/out"
report_json "${REP[GL-TRAUQUY]}" "$KT_TMP/r-tq.json"
expect_report "thị trấn Trâu Quỳ's representative: its own unit, its group, its day" \
	'.units_total == 1 and .groups == 1 and .window_from == "2021-10-11" and
	 .window_to == "2021-10-11" and .reviews_held == 1 and .officials_reviewed == 2 and
	 [.units[].unit_code] == ["GL-TRAUQUY"]' "$KT_TMP/r-tq.json"

# ---- closing ---------------------------------------------------------------------------------

kt_expect_output "the leader closes the plan, signed" "plan 215/KH-UBND of 2021-09-24 is closed" \
	kt_as thanh plan close $P
expect_json "the closure is Đỗ Văn Thành's signed approval" \
	'.plan.status == "closed" and .plan.closure.username == "thanh" and
	 (.plan.closure.signature | length) == 128' hong plan show $P
kt_expect_stderr "a closed plan takes no more recommendations" 19 "is closed" \
	kt_as thanh rec add $P GL-KIMLAN --text "Sau khi đóng" --deadline 2021-12-31
kt_expect_stderr "nor findings" 19 "is closed" \
	kt_as minh finding add $P GL-KIMLAN --area direction --kind strength --text "Sau khi đóng"
kt_expect_output "the closed plan's report says so and keeps the figures" \
	"Figures as of 17/11/2021; the plan is closed." kt_as hdnd report $P
expect_json "and in JSON" '.plan.status == "closed" and .units_inspected == 20 and
	.reviews_approved == 20 and .officials_reviewed == 30' hdnd report $P
kt_expect_output "the audit chain is intact" "audit chain intact" kt_admin audit verify

kt_alive
kt_done
