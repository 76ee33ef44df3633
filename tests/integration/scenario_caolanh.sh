#!/usr/bin/env bash
# scenario_caolanh.sh - the Cao Lãnh inspection of quarter I 2022 replayed end to end
# (seeds/000: Kế hoạch 06/KH-UBND of 11/01/2022 of UBND thành phố Cao Lãnh, team
# decision 334/QĐ-UBND of 24/02/2022, leader Lê Quốc Dũng, Phó Trưởng phòng Phòng Nội
# vụ, 01/03/2022 .. 10/03/2022, nine units), every participant on their own client
# (own --home, own device and signing key):
#   registration, team, assignments -> findings written by four members at once
#   (two of them on Phường 4 together; a concurrent edit of one finding: one wins,
#   the other is refused with the current version and re-applies; the whole team
#   uploads the city's one-stop export, one file, at the same moment) -> acceptance by
#   the leader, signed (one finding returned first) -> a conclusion per unit approved
#   by the leader -> recommendations of Công văn 379/UBND-NV with deadlines -> the
#   units' remediation reports and explanations (one returned), some past their
#   deadline at a checkpoint (the server's date set with KIEMTRAD_TODAY) -> each
#   unit's responsibility review signed through the chain unit_rep, leader,
#   authority (one returned) -> closing refused while items are open, then signed.
# The figures are asserted from `kiemtra report 06/KH-UBND` (JSON; table, CSV and
# Markdown spot-checked) at each checkpoint.
#
# Invented where the article is silent: the members, the unit representatives, the
# approving authority, the officials reviewed and the outcomes of their reviews.
. "$(dirname "$0")/lib.sh"

P=06/KH-UBND
UNITS=(CL-P2 CL-P4 CL-P11 CL-HA CL-TTT CL-GDDT CL-YT CL-KT CL-TCKH)

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

# jq_of USER FILTER ARGS...: the jq filter over the client's JSON answer (errors on stderr).
jq_of() {
	local user=$1 filter=$2
	shift 2
	kt_as "$user" --json "$@" | jq -r "$filter"
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

# A job step that must succeed: run it as USER, say what failed on stderr.
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

# report_json USER FILE: the report as one JSON object into FILE.
report_json() {
	kt_as "$1" --json report $P >"$2" 2>"$KT_TMP/err" ||
		kt_fail "report as $1: $(head -c 300 "$KT_TMP/err")"
}

# expect_report DESCRIPTION JQ_TEST FILE
expect_report() {
	jq -e "$2" "$3" >/dev/null 2>&1 && kt_pass "$1" ||
		kt_fail "$1: wanted ($2) in: $(head -c 2500 "$3")"
}

# unit_figures FILE: "CODE S K open done overdue concl review officials" per unit.
unit_figures() {
	jq -r '.units[] | [.unit_code, .strengths, .shortcomings, .recommendations_open,
		.recommendations_done, .recommendations_overdue, .conclusion_approved,
		(if .review_approved then "approved" elif .review_held then "held" else "-" end),
		.officials_reviewed] | map(tostring) | join(" ")' "$1"
}

# ---- the server (today: the day after the inspection), the unit tree, the people ----------

export KIEMTRAD_TODAY=2022-03-11
kt_start_server || exit 1
unset KIEMTRAD_TODAY

kt_admin unit add DT "tỉnh Đồng Tháp" --kind province >/dev/null
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

kt_user_add hoa "Nguyễn Thị Hoa" planner                      # Phòng Nội vụ
kt_user_add dung "Lê Quốc Dũng" inspector                     # Trưởng đoàn
kt_user_add tam "Trần Minh Tâm" inspector                     # Phó trưởng đoàn
kt_user_add lan "Phạm Thị Lan" inspector
kt_user_add binh "Võ Văn Bình" inspector
kt_user_add khoa "Đỗ Đăng Khoa" inspector
kt_user_add ngoc "Huỳnh Bảo Ngọc" inspector
kt_user_add thu "Nguyễn Thị Thư" inspector                    # thư ký
kt_user_add pct "Nguyễn Văn Phước" authority                  # Phó Chủ tịch UBND thành phố
kt_user_add hdnd "Ban Pháp chế HĐND thành phố" observer
declare -A REP=([CL-P2]=rep.p2 [CL-P4]=rep.p4 [CL-P11]=rep.p11 [CL-HA]=rep.hoaan
	[CL-TTT]=rep.tanthuantay [CL-GDDT]=rep.gddt [CL-YT]=rep.yte [CL-KT]=rep.kinhte
	[CL-TCKH]=rep.tckh)
declare -A HEAD=([CL-P2]="Nguyễn Văn Hai" [CL-P4]="Trần Thị Bốn" [CL-P11]="Lê Văn Mười"
	[CL-HA]="Phan Thị Hòa" [CL-TTT]="Đặng Văn Thuận" [CL-GDDT]="Võ Thị Giáo"
	[CL-YT]="Lâm Văn Y" [CL-KT]="Huỳnh Văn Kinh" [CL-TCKH]="Ngô Thị Tài")
for u in "${UNITS[@]}"; do kt_user_add "${REP[$u]}" "${HEAD[$u]}" unit_rep "$u"; done
USERS="hoa dung tam lan binh khoa ngoc thu pct hdnd ${REP[*]}"
for u in $USERS; do bg "login-$u" kt_login "$u"; done
bg_wait "everyone logs in from their own client"

# ---- 1. registration, the team decision, the team, the assignments -----------------------

expect_json "the planner registers Kế hoạch 06/KH-UBND of 11/01/2022 with nine units" \
	'.created == true and .plan.number == "06/KH-UBND" and .plan.issued_on == "2022-01-11"
	 and .plan.period_start == "2022-03-01" and .plan.period_end == "2022-03-10"
	 and (.plan.unit_ids | length) == 9' \
	hoa plan create --number $P --date 2022-01-11 --issuer "UBND thành phố Cao Lãnh" \
	--title "Kiểm tra công tác cải cách hành chính quý I năm 2022" \
	--from 2022-03-01 --to 2022-03-10 --unit "$(IFS=,; echo "${UNITS[*]}")" \
	--area direction --area procedures --area digital-gov --authority pct \
	--client-id caolanh-06-kh-ubnd-2022
kt_expect_output "team decision 334/QĐ-UBND of 24/02/2022" "has its team decision" \
	kt_as hoa team set $P --decision 334/QĐ-UBND --date 2022-02-24
kt_expect_output "Lê Quốc Dũng leads the team" "dung is leader" \
	kt_as hoa team add $P dung --role leader
kt_check "deputy" kt_as dung team add $P tam --role deputy
for u in lan binh khoa ngoc; do kt_check "member $u" kt_as dung team add $P "$u" --role member; done
kt_check "secretary" kt_as dung team add $P thu --role secretary
kt_check "the People's Council observes" kt_as dung observer add $P hdnd

# Who inspects which unit on which day (5-6 March 2022 is a weekend); Phường 4 by two.
ASSIGN="CL-P2 lan 2022-03-01 2022-03-01
CL-P4 lan 2022-03-02 2022-03-02
CL-P4 binh 2022-03-02 2022-03-02
CL-P11 binh 2022-03-03 2022-03-03
CL-HA lan 2022-03-04 2022-03-04
CL-TTT binh 2022-03-07 2022-03-07
CL-GDDT khoa 2022-03-08 2022-03-08
CL-YT ngoc 2022-03-09 2022-03-09
CL-KT khoa 2022-03-10 2022-03-10
CL-TCKH ngoc 2022-03-10 2022-03-10"
n=0
while read -r unit who from to; do
	kt_as dung assign $P "$unit" --user "$who" --from "$from" --to "$to" >/dev/null &&
		n=$((n + 1)) || kt_fail "assign $unit to $who"
done <<<"$ASSIGN"
[ "$n" -eq 10 ] && kt_pass "the leader makes ten assignments inside the window" ||
	kt_fail "assignments: $n of 10"
expect_json "the plan as registered: decision, leader, authority, nine units, ten assignments" \
	'.plan.team_decision_number == "334/QĐ-UBND" and .plan.team_decision_date == "2022-02-24"
	 and (.team[] | select(.role == "leader") | .username) == "dung"
	 and (.units | length) == 9 and (.assignments | length) == 10' dung plan show $P

# ---- 2. findings: four members at once ----------------------------------------------------

S1="Ban hành đầy đủ các văn bản triển khai CCHC năm 2022: Kế hoạch CCHC, Kế hoạch kiểm soát thủ tục hành chính (TTHC), Kế hoạch tuyên truyền CCHC, Kế hoạch tự kiểm tra CCHC"
S2="Tỷ lệ hồ sơ trễ hạn, quá hạn trên phần mềm một cửa điện tử giảm nhiều so với cùng thời điểm năm 2021; phản ánh, kiến nghị của tổ chức, cá nhân cải thiện tích cực"
K1="Kế hoạch CCHC năm 2022, Kế hoạch tự kiểm tra CCHC năm 2022 chưa cụ thể, chưa bám sát tình hình thực tế tại đơn vị"
K2="Chậm nghiên cứu các mô hình mới, cách làm hay trong CCHC"
K3="Còn hồ sơ trễ hạn, quá hạn trên phần mềm một cửa điện tử"
K3_CAUSE="Công chức quên cập nhật chuyển trả hồ sơ trên phần mềm"
K4="Công tác lập hồ sơ công việc và chỉnh lý tài liệu tồn đọng, tích đống chưa được quan tâm, chỉ đạo quyết liệt"
declare -A FTEXT=([S1]=$S1 [S2]=$S2 [K1]=$K1 [K2]=$K2 [K3]=$K3 [K4]=$K4)
declare -A FAREA=([S1]=direction [S2]=procedures [K1]=direction [K2]=direction
	[K3]=procedures [K4]=digital-gov)
# AUTHOR UNIT KEY...: what each member records (Phường 4's K3 is recorded apart, below;
# Phường 11's K1 is first recorded too briefly, and returned).
FINDINGS="lan CL-P2 S1 S2 K3
lan CL-P4 S1
lan CL-HA S1 S2 K2 K3
binh CL-P4 S2 K4
binh CL-P11 S1 S2 K1
binh CL-TTT S1 S2 K1
khoa CL-GDDT S1 K1 K4
khoa CL-KT S1 K1 K4
ngoc CL-YT S1 K2 K4
ngoc CL-TCKH S1 K2 K4"

# record_findings MEMBER: the member's findings, submitted, one after another.
record_findings() {
	local me=$1 who unit keys k kind text id
	while read -r who unit keys; do
		[ "$who" = "$me" ] || continue
		for k in $keys; do
			kind=strength
			[ "${k:0:1}" = K ] && kind=shortcoming
			text=${FTEXT[$k]}
			[ "$unit $k" = "CL-P11 K1" ] && text="Kế hoạch CCHC năm 2022 chưa cụ thể"
			args=(finding add $P "$unit" --area "${FAREA[$k]}" --kind $kind --text "$text"
			      --submit --client-id "$me-$unit-$k")
			[ "$k" = K3 ] && args+=(--cause "$K3_CAUSE")
			id=$(kt_as "$me" --json "${args[@]}" | jq -r .finding.id) &&
				[ -n "$id" ] && [ "$id" != null ] ||
				{ echo "finding $unit $k by $me failed" >&2; return 1; }
			echo "$unit $k $id"
		done
	done <<<"$FINDINGS"
}

# Phường 4's late dossiers: lan starts a draft; lan and binh then edit version 1 at the
# same moment. One edit wins; the other is refused (exit 20, naming version 2) and is
# made again on version 2, so neither is lost.
F_P4K3=$(jq_of lan .finding.id finding add $P CL-P4 --area procedures --kind shortcoming \
	--text "$K3" --client-id lan-CL-P4-K3)
edit_p4k3() { # USER ARGS...: exit status of an edit at version 1
	local user=$1
	shift
	kt_as "$user" finding edit "$F_P4K3" --version=1 "$@" >/dev/null 2>"$KT_TMP/edit-$user.err"
}
edit_p4k3 lan --cause "$K3_CAUSE" &
PL=$!
edit_p4k3 binh --text "$K3: 12 hồ sơ tại thời điểm kiểm tra" &
PB=$!
for m in lan binh khoa ngoc; do bg "findings-$m" record_findings $m; done
RL=0 RB=0
wait $PL || RL=$?
wait $PB || RB=$?
if { [ $RL -eq 0 ] && [ $RB -eq 20 ]; } || { [ $RL -eq 20 ] && [ $RB -eq 0 ]; }; then
	kt_pass "two members edit version 1 of one finding at once: one wins, one gets exit 20"
else
	kt_fail "concurrent edits: lan exit $RL, binh exit $RB: $(cat "$KT_TMP"/edit-*.err)"
fi
grep -qh "it is now at version 2" "$KT_TMP"/edit-*.err &&
	kt_pass "the refused edit names the finding's current version" ||
	kt_fail "the refused edit's message: $(cat "$KT_TMP"/edit-*.err)"
if [ $RL -ne 0 ]; then
	kt_check "lan re-applies her cause on version 2" \
		kt_as lan finding edit "$F_P4K3" --version=2 --cause "$K3_CAUSE" --submit
else
	kt_check "binh re-applies his text on version 2" \
		kt_as binh finding edit "$F_P4K3" --version=2 --text "$K3: 12 hồ sơ tại thời điểm kiểm tra" --submit
fi
bg_wait "lan, binh, khoa and ngoc record their findings at the same time"
cat "$KT_TMP"/job-findings-*.out >"$KT_TMP/findings"
echo "CL-P4 K3 $F_P4K3" >>"$KT_TMP/findings"
[ "$(wc -l <"$KT_TMP/findings")" -eq 29 ] && kt_pass "29 findings recorded" ||
	kt_fail "findings recorded: $(cat "$KT_TMP/findings")"
expect_json "neither concurrent edit was lost: binh's text and lan's cause" \
	'.finding.text == "'"$K3"': 12 hồ sơ tại thời điểm kiểm tra" and .finding.cause == "'"$K3_CAUSE"'"
	 and .finding.state == "submitted" and .finding.version == 3' dung finding show "$F_P4K3"
expect_json "the team sees 29 submitted findings" '.count == 29 and
	([.findings[] | select(.state == "submitted")] | length) == 29' dung finding list $P
expect_json "a unit representative sees none of them before acceptance" '.count == 0' \
	rep.p4 finding list $P

# The city's export from the one-stop software (one file for every unit) is uploaded as
# evidence by the whole team at the same moment: everyone must end up with the one
# evidence of that content (the plan keeps one evidence per SHA-256), nobody with an error.
for i in $(seq 1 20000); do
	printf '%d,Phường %d,hồ sơ tiếp nhận,%d,trễ hạn,%d\n' "$i" $((i % 12)) $((i * 7 % 97)) $((i % 5))
done >"$KT_TMP/mot-cua-quy-I-2022.csv"
upload_export() { # USER: prints the evidence id; fails as the upload fails
	local out
	out=$(kt_as "$1" --json evidence upload $P "$KT_TMP/mot-cua-quy-I-2022.csv") &&
		jq -r .evidence_id <<<"$out"
}
for u in dung tam lan binh khoa ngoc thu; do bg "export-$u" upload_export $u; done
bg_wait "seven team members upload the same 1 MB export at once, each successfully"
ids=$(cat "$KT_TMP"/job-export-*.out | sort -u)
[ "$(printf '%s\n' "$ids" | grep -c '^[0-9][0-9]*$')" -eq 1 ] &&
	[ "$(cat "$KT_TMP"/job-export-*.out | wc -l)" -eq 7 ] &&
	kt_pass "and all seven get the same evidence id" ||
	kt_fail "the concurrent uploads of one content gave: $(cat "$KT_TMP"/job-export-*.out | tr '\n' ' ')"

kt_expect_stderr "khoa may not write on Phường 2 (not assigned to him)" 17 \
	"writing on unit CL-P2 needs an assignment" \
	kt_as khoa finding add $P CL-P2 --area direction --kind strength --text "x"

# The leader returns Phường 11's brief finding; binh completes it and resubmits.
F_P11K1=$(awk '$1 == "CL-P11" && $2 == "K1" {print $3}' "$KT_TMP/findings")
kt_expect_output "the leader returns Phường 11's plan finding with a reason" "returned" \
	kt_as dung finding return "$F_P11K1" --reason "Nêu rõ cả Kế hoạch tự kiểm tra CCHC năm 2022"
V=$(jq_of binh .finding.version finding show "$F_P11K1")
kt_expect_output "binh completes it and resubmits" "edited and submitted" \
	kt_as binh finding edit "$F_P11K1" --version="$V" --text "$K1" --submit

# accept_unit UNIT: the leader accepts, signing, every finding of the unit.
accept_unit() {
	local id
	for id in $(awk -v u="$1" '$1 == u {print $3}' "$KT_TMP/findings"); do
		step dung finding accept "$id" || return 1
	done
}
for u in "${UNITS[@]}"; do bg "accept-$u" accept_unit "$u"; done
bg_wait "the leader accepts the findings of the nine units (signed, in parallel)"
expect_json "all 29 accepted, each with the leader's signature" '.count == 29 and
	([.findings[] | select(.state == "accepted")] | length) == 29' dung finding list $P
expect_json "an acceptance names Lê Quốc Dũng and carries a signature" \
	'.finding.acceptance.username == "dung" and .finding.acceptance.full_name == "Lê Quốc Dũng"
	 and (.finding.acceptance.signature | length) == 128' hdnd finding show "$F_P4K3"
expect_json "the representative of Phường 4 now sees its four findings only" \
	'.count == 4 and ([.findings[].unit_code] | unique) == ["CL-P4"]' rep.p4 finding list $P

# ---- 3. a conclusion per unit, approved by the leader ----------------------------------------

# conclude UNIT: the leader drafts the unit's conclusion citing its findings, then approves.
conclude() {
	local unit=$1 f=() id
	for id in $(awk -v u="$unit" '$1 == u {print $3}' "$KT_TMP/findings"); do
		f+=(--finding "$id")
	done
	step dung conclusion draft $P "$unit" "${f[@]}" \
		--text "Kết luận kiểm tra công tác CCHC quý I năm 2022 tại đơn vị $unit: bảo đảm công tác chỉ đạo, điều hành CCHC; còn tồn tại cần khắc phục theo kiến nghị của Đoàn." &&
		step dung conclusion approve $P "$unit"
}
for u in "${UNITS[@]}"; do bg "conclude-$u" conclude "$u"; done
bg_wait "the leader drafts and approves the nine unit conclusions (in parallel)"
kt_check "the conclusion of the whole inspection" kt_as dung conclusion draft $P \
	--text "Các cơ quan, địa phương đã thực hiện bảo đảm công tác chỉ đạo, điều hành CCHC; tuy nhiên vẫn còn một số hạn chế."
kt_check "approved" kt_as dung conclusion approve $P
expect_json "xã Hòa An's conclusion cites its four findings, signed by the leader" \
	'.revisions[0].state == "approved" and (.revisions[0].finding_ids | length) == 4
	 and .revisions[0].approval.username == "dung"' rep.hoaan conclusion show $P CL-HA

# ---- 4. recommendations (Công văn 379/UBND-NV), with deadlines ------------------------------

RA="Khẩn trương thực hiện rà soát TTHC năm 2022 theo kế hoạch đề ra (Công văn 379/UBND-NV ngày 24/02/2022)"
RB="Thường xuyên chỉ đạo cán bộ, công chức cập nhật luân chuyển hồ sơ trên phần mềm một cửa điện tử, bảo đảm đúng quy trình, đúng thời gian quy định"
RC="Ứng dụng tốt phần mềm quản lý văn bản trong xử lý văn bản, bảo đảm thực hiện tốt chữ ký số 02 lớp, xử lý đúng quy trình"
# UNIT KEY DEADLINE ISSUER: rà soát TTHC to all; one-stop updates where dossiers were
# late (K3); document software and two-layer signatures where records lag (K4).
RECS="CL-P2 RA 2022-03-31 dung
CL-P4 RA 2022-03-31 dung
CL-P11 RA 2022-03-31 dung
CL-HA RA 2022-03-31 dung
CL-TTT RA 2022-03-31 dung
CL-GDDT RA 2022-03-31 dung
CL-YT RA 2022-03-31 dung
CL-KT RA 2022-03-31 dung
CL-TCKH RA 2022-03-31 dung
CL-P2 RB 2022-04-15 dung
CL-P4 RB 2022-04-15 dung
CL-HA RB 2022-04-15 dung
CL-P4 RC 2022-04-30 tam
CL-GDDT RC 2022-04-30 tam
CL-YT RC 2022-04-30 tam
CL-KT RC 2022-04-30 tam
CL-TCKH RC 2022-04-30 tam"
declare -A RTEXT=([RA]=$RA [RB]=$RB [RC]=$RC)
declare -A REC=()
n=0
while read -r unit key deadline who; do
	id=$(jq_of "$who" .recommendation.id rec add $P "$unit" --text "${RTEXT[$key]}" \
		--deadline "$deadline" --client-id "rec-$unit-$key" 2>"$KT_TMP/err")
	[ -n "$id" ] && [ "$id" != null ] && REC[$unit:$key]=$id && n=$((n + 1)) ||
		kt_fail "rec $unit $key: $(cat "$KT_TMP/err")"
done <<<"$RECS"
[ "$n" -eq 17 ] && kt_pass "the leader and the deputy issue 17 recommendations" ||
	kt_fail "recommendations issued: $n of 17"
expect_json "the same client id again returns the same recommendation" \
	'.created == false and .recommendation.id == '"${REC[CL-P4:RA]}" \
	dung rec add $P CL-P4 --text "$RA" --deadline 2022-03-31 --client-id rec-CL-P4-RA

# ---- checkpoint 1 (11/03/2022): inspection done, nothing answered ----------------------------

report_json hdnd "$KT_TMP/r1.json"
expect_report "11/03: 9 units inspected of 9, window 2022-03-01..2022-03-10, no working groups" \
	'.as_of == "2022-03-11" and .units_inspected == 9 and .units_total == 9 and .groups == 0
	 and .window_from == "2022-03-01" and .window_to == "2022-03-10"' "$KT_TMP/r1.json"
expect_report "11/03: 14 strengths and 15 shortcomings accepted" \
	'.strengths == 14 and .shortcomings == 15' "$KT_TMP/r1.json"
expect_report "11/03: 17 recommendations open, none overdue or done; no review yet" \
	'.recommendations_open == 17 and .recommendations_overdue == 0 and
	 .recommendations_done == 0 and .reviews_held == 0 and .reviews_approved == 0 and
	 .officials_reviewed == 0 and .outcomes == []' "$KT_TMP/r1.json"
kt_expect_stderr "11/03: closing is refused while every unit has open items" 19 \
	"plan 06/KH-UBND cannot close: 9 units are still open: CL-GDDT \(2 recommendations not done, review not approved\); CL-HA \(2 recommendations not done, review not approved\)" \
	kt_as dung plan close $P

# Three units remediate rà soát TTHC before its deadline; the leader accepts.
answer() { # USER REC_ID KIND TEXT [EVIDENCE]
	local args=(rec respond "$2" "--$3" --text "$4")
	[ -n "${5:-}" ] && args+=(--evidence "$5")
	step "$1" "${args[@]}"
}
for u in CL-P2 CL-P11 CL-TTT; do
	bg "early-$u" answer "${REP[$u]}" "${REC[$u:RA]}" remediation \
		"Đã rà soát, cập nhật danh mục TTHC năm 2022 của đơn vị; báo cáo kết quả rà soát gửi Phòng Nội vụ."
done
bg_wait "Phường 2, Phường 11 and xã Tân Thuận Tây report remediation in March"
for u in CL-P2 CL-P11 CL-TTT; do
	kt_check "the leader accepts $u's remediation" kt_as dung rec accept "${REC[$u:RA]}"
done

# ---- checkpoint 2 (20/04/2022): past two deadlines -------------------------------------------

restart_on 2022-04-20
kt_check "Phường 4 answers the one-stop recommendation (not yet accepted)" \
	kt_as rep.p4 rec respond "${REC[CL-P4:RB]}" --remediation \
	--text "Đã chấn chỉnh công chức bộ phận một cửa; cập nhật trạng thái toàn bộ hồ sơ."
report_json dung "$KT_TMP/r2.json"
expect_report "20/04: 14 open, of which 9 overdue (rà soát TTHC of 6 units, one-stop of 3); 3 done" \
	'.as_of == "2022-04-20" and .recommendations_open == 14 and
	 .recommendations_overdue == 9 and .recommendations_done == 3' "$KT_TMP/r2.json"
unit_figures "$KT_TMP/r2.json" >"$KT_TMP/r2.units"
want="CL-GDDT 1 2 2 0 1 true - 0
CL-HA 2 2 2 0 2 true - 0
CL-KT 1 2 2 0 1 true - 0
CL-P11 2 1 0 1 0 true - 0
CL-P2 2 1 1 1 1 true - 0
CL-P4 2 2 3 0 2 true - 0
CL-TCKH 1 2 2 0 1 true - 0
CL-TTT 2 1 0 1 0 true - 0
CL-YT 1 2 2 0 1 true - 0"
[ "$(cat "$KT_TMP/r2.units")" = "$want" ] &&
	kt_pass "20/04: per unit strengths, shortcomings, open, done, overdue" ||
	kt_fail "20/04 per unit: $(cat "$KT_TMP/r2.units")"
expect_json "20/04: rec list --overdue has the nine, an answered one among them" \
	'.overdue == 9 and (.recommendations | length) == 9 and
	 ([.recommendations[] | select(.state == "answered")] | length) == 1' \
	dung rec list $P --overdue
kt_expect_output "20/04: people see Phường 4's items as OVERDUE" \
	"${REC[CL-P4:RA]} +CL-P4 +2022-03-31 +open +OVERDUE" kt_as rep.p4 rec list $P
kt_check "20/04: the table report" kt_as hdnd report $P
cp "$KT_TMP/out" "$KT_TMP/r2.table"
expect_in "20/04 table: the recommendations sentence" \
	"Recommendations: 14 open, of which 09 overdue; 03 done." "$KT_TMP/r2.table"
expect_re "20/04 table: Phường 4 row" \
	'^CL-P4 +Phường 4 +- +2 +2 +3 +0 +2 +approved +- +0$' "$KT_TMP/r2.table"
report_json rep.p4 "$KT_TMP/r2-p4.json"
expect_report "20/04: Phường 4's representative gets Phường 4 alone" \
	'.units_total == 1 and .units_inspected == 1 and ([.units[].unit_code] == ["CL-P4"]) and
	 .recommendations_open == 3 and .recommendations_overdue == 2 and .strengths == 2 and
	 .shortcomings == 2 and .window_from == "2022-03-02" and .window_to == "2022-03-02"' \
	"$KT_TMP/r2-p4.json"

# ---- the units answer everything; the leader (or the deputy) decides -------------------------

printf 'BÁO CÁO kết quả khắc phục hồ sơ trễ hạn trên phần mềm một cửa điện tử, xã Hòa An\n' \
	>"$KT_TMP/hoaan-bao-cao.txt"
answer_all() { # UNIT: the representative answers each open recommendation of the unit
	local unit=$1 key text kind
	for key in RA RB RC; do
		[ -n "${REC[$unit:$key]:-}" ] || continue
		case "$unit:$key" in
		CL-P2:RA | CL-P11:RA | CL-TTT:RA | CL-P4:RB) continue ;;
		CL-KT:RA)
			kind=explanation
			text="Phòng Kinh tế giải trình: 03 TTHC lĩnh vực công thương chờ tỉnh công bố lại nên chưa rà soát xong; sẽ hoàn thành khi có quyết định công bố." ;;
		*)
			kind=remediation
			text="Đơn vị đã khắc phục: $key" ;;
		esac
		answer "${REP[$unit]}" "${REC[$unit:$key]}" $kind "$text" || return 1
	done
}
for u in "${UNITS[@]}"; do bg "answer-$u" answer_all "$u"; done
bg_wait "the nine units answer their open recommendations (in parallel)"
kt_expect_output "the leader returns xã Hòa An's one-stop answer: no evidence" "returned" \
	kt_as dung rec return "${REC[CL-HA:RB]}" \
	--reason "Đề nghị gửi kèm báo cáo tình hình hồ sơ trễ hạn trên phần mềm một cửa."
EV=$(jq_of rep.hoaan .evidence_id evidence upload $P "$KT_TMP/hoaan-bao-cao.txt")
expect_json "xã Hòa An answers again with the report as evidence" \
	'.recommendation.state == "answered" and .recommendation.response_evidence[0].name == "hoaan-bao-cao.txt"' \
	rep.hoaan rec respond "${REC[CL-HA:RB]}" --remediation --evidence "$EV" \
	--text "Đã cập nhật luân chuyển toàn bộ hồ sơ; kèm báo cáo."
decide() { # UNIT: the leader accepts the unit's answered items; the deputy those he issued
	local unit=$1 key who
	for key in RA RB RC; do
		[ -n "${REC[$unit:$key]:-}" ] || continue
		case "$unit:$key" in CL-P2:RA | CL-P11:RA | CL-TTT:RA) continue ;; esac
		who=dung
		[ $key = RC ] && who=tam
		step $who rec accept "${REC[$unit:$key]}" || return 1
	done
}
for u in "${UNITS[@]}"; do bg "decide-$u" decide "$u"; done
bg_wait "the leader and the deputy accept every answer (in parallel)"
expect_json "Phòng Kinh tế's explanation is accepted: done" \
	'.recommendation.state == "done" and .recommendation.response_kind == "explanation"' \
	rep.kinhte rec show "${REC[CL-KT:RA]}"
report_json hdnd "$KT_TMP/r3.json"
expect_report "20/04, after the answers: 0 open, 0 overdue, 17 done" \
	'.recommendations_open == 0 and .recommendations_overdue == 0 and
	 .recommendations_done == 17 and ([.units[].recommendations_overdue] | add) == 0' \
	"$KT_TMP/r3.json"
kt_expect_stderr "closing is still refused: no review approved" 19 \
	"9 units are still open: CL-GDDT \(review not approved\); CL-HA \(review not approved\)" \
	kt_as dung plan close $P

# ---- 5. responsibility reviews: unit head submits, leader confirms, authority approves -------

# UNIT|NAME|POSITION|OUTCOME|NOTE ... (11 officials)
OFFICIALS="CL-P2|Nguyễn Văn Hậu|Công chức Văn phòng - Thống kê|reminder|quên cập nhật chuyển trả hồ sơ trên phần mềm một cửa
CL-P4|Trần Thị Thu|Công chức Tư pháp - Hộ tịch|criticism|để hồ sơ quá hạn trên phần mềm một cửa
CL-P4|Lê Văn Tài|Công chức Văn phòng - Thống kê|reminder|chậm chỉnh lý tài liệu tồn đọng
CL-P11|Phạm Văn Mạnh|Phó Chủ tịch UBND phường|reminder|kế hoạch CCHC chưa cụ thể
CL-HA|Võ Văn Lực|Công chức Địa chính - Xây dựng|criticism|hồ sơ trễ hạn do quên cập nhật
CL-HA|Phan Thị Diễm|Công chức Văn hóa - Xã hội|reminder|chậm nghiên cứu mô hình mới
CL-TTT|Đặng Thị Mai|Phó Chủ tịch UBND xã|reminder|kế hoạch tự kiểm tra chưa bám sát thực tế
CL-GDDT|Trương Văn Học|Phó Trưởng phòng|no-action|đã khắc phục ngay
CL-YT|Lý Thị Hạnh|Chuyên viên|reminder|chậm nghiên cứu mô hình mới
CL-KT|Mai Văn Công|Chuyên viên|criticism|chưa lập hồ sơ công việc
CL-TCKH|Tô Thị Ngân|Chuyên viên|reminder|tài liệu tồn đọng chưa chỉnh lý"
for u in "${UNITS[@]}"; do # each unit's own minutes
	printf 'BIÊN BẢN họp kiểm điểm trách nhiệm sau kiểm tra CCHC quý I năm 2022, đơn vị %s\n' \
		"$u" >"$KT_TMP/bien-ban-$u.txt"
done

record_review() { # UNIT DATE: the representative records the meeting and submits it
	local unit=$1 o=() line
	while IFS= read -r line; do
		[ "${line%%|*}" = "$unit" ] && o+=(--official "${line#*|}")
	done <<<"$OFFICIALS"
	step "${REP[$unit]}" review record $P "$unit" --date "$2" --minutes "$KT_TMP/bien-ban-$unit.txt" \
		"${o[@]}" && step "${REP[$unit]}" review submit $P "$unit"
}
d=20
for u in "${UNITS[@]}"; do
	bg "review-$u" record_review "$u" "2022-03-$d"
	d=$((d + 1))
done
bg_wait "the nine units record their meetings and submit them (in parallel)"
kt_expect_output "the leader returns Phường 4's review at step 2" "draft again, round 2" \
	kt_as dung review return $P CL-P4 --reason "Biên bản chưa ghi ý kiến của người được kiểm điểm"
V=$(jq_of rep.p4 .review.version review show $P CL-P4)
kt_check "Phường 4 records the meeting again" kt_as rep.p4 review record $P CL-P4 \
	--date 2022-03-21 --minutes "$KT_TMP/bien-ban-CL-P4.txt" --version "$V" \
	--official "Trần Thị Thu|Công chức Tư pháp - Hộ tịch|criticism|để hồ sơ quá hạn; đã nhận khuyết điểm" \
	--official "Lê Văn Tài|Công chức Văn phòng - Thống kê|reminder|chậm chỉnh lý tài liệu tồn đọng"
kt_check "and submits it again (round 2)" kt_as rep.p4 review submit $P CL-P4
for u in "${UNITS[@]}"; do bg "confirm-$u" step dung review sign $P "$u"; done
bg_wait "the leader confirms the nine reviews (step 2, signed, in parallel)"
kt_expect_stderr "the leader cannot sign the authority's step" 17 \
	"step 3 \(authority\) needs the plan's approving authority" kt_as dung review sign $P CL-P2
for u in "${UNITS[@]}"; do
	[ "$u" = CL-YT ] || bg "approve-$u" step pct review sign $P "$u"
done
bg_wait "the authority approves eight reviews (step 3, signed, in parallel)"
kt_expect_stderr "closing is refused while one review waits" 19 \
	"plan 06/KH-UBND cannot close: 1 unit is still open: CL-YT \(review not approved\)" \
	kt_as dung plan close $P
kt_expect_output "the authority approves Phòng Y tế's review" "the review is approved" \
	kt_as pct review sign $P CL-YT
expect_json "Phường 4's review: two rounds, every step signed by its named signer" \
	'.review.state == "approved" and .review.round == 2 and
	 ([.review.signoffs[] | "\(.round).\(.step).\(.approved).\(.username)"] ==
	  ["1.1.true.rep.p4", "1.2.false.dung", "2.1.true.rep.p4", "2.2.true.dung", "2.3.true.pct"])
	 and ([.review.signoffs[].signature | length] | unique) == [128]' hdnd review show $P CL-P4
kt_expect_output "review list: the figures" \
	"reviews held: 9 \(approved: 9\); officials reviewed: 11" kt_as pct review list $P

# ---- 6. the report before closing, four ways -------------------------------------------------

report_json hdnd "$KT_TMP/r4.json"
expect_report "report: 9 of 9 units inspected, 01/03..10/03, as of 20/04" \
	'.plan.number == "06/KH-UBND" and .plan.status == "active" and .as_of == "2022-04-20" and
	 .units_inspected == 9 and .units_total == 9 and .groups == 0 and
	 .window_from == "2022-03-01" and .window_to == "2022-03-10"' "$KT_TMP/r4.json"
expect_report "report: strengths and shortcomings by area" \
	'.strengths == 14 and .shortcomings == 15 and .areas == [
	 {"area":"direction","strengths":9,"shortcomings":7},
	 {"area":"procedures","strengths":5,"shortcomings":3},
	 {"area":"digital-gov","strengths":0,"shortcomings":5}]' "$KT_TMP/r4.json"
expect_report "report: recommendations 0 open, 17 done, 0 overdue" \
	'.recommendations_open == 0 and .recommendations_done == 17 and
	 .recommendations_overdue == 0' "$KT_TMP/r4.json"
expect_report "report: 9 reviews held and approved, 11 officials, outcomes" \
	'.reviews_held == 9 and .reviews_approved == 9 and .officials_reviewed == 11 and
	 .outcomes == [{"outcome":"no-action","count":1},{"outcome":"reminder","count":7},
	 {"outcome":"criticism","count":3}]' "$KT_TMP/r4.json"
unit_figures "$KT_TMP/r4.json" >"$KT_TMP/r4.units"
want="CL-GDDT 1 2 0 2 0 true approved 1
CL-HA 2 2 0 2 0 true approved 2
CL-KT 1 2 0 2 0 true approved 1
CL-P11 2 1 0 1 0 true approved 1
CL-P2 2 1 0 2 0 true approved 1
CL-P4 2 2 0 3 0 true approved 2
CL-TCKH 1 2 0 2 0 true approved 1
CL-TTT 2 1 0 1 0 true approved 1
CL-YT 1 2 0 2 0 true approved 1"
[ "$(cat "$KT_TMP/r4.units")" = "$want" ] && kt_pass "report: the figures of each unit" ||
	kt_fail "report per unit: $(cat "$KT_TMP/r4.units")"
expect_report "report: per unit and area (Phường 4, Phòng Y tế)" \
	'(.units[] | select(.unit_code == "CL-P4") | .areas) == [
	 {"area":"direction","strengths":1,"shortcomings":0},
	 {"area":"procedures","strengths":1,"shortcomings":1},
	 {"area":"digital-gov","strengths":0,"shortcomings":1}] and
	 (.units[] | select(.unit_code == "CL-YT") | .areas) == [
	 {"area":"direction","strengths":1,"shortcomings":1},
	 {"area":"digital-gov","strengths":0,"shortcomings":1}]' "$KT_TMP/r4.json"
expect_report "report: unit names with diacritics" \
	'([.units[].unit_name] | index("xã Tân Thuận Tây")) != null and
	 ([.units[].unit_name] | index("Phòng Tài chính - Kế hoạch")) != null' "$KT_TMP/r4.json"

kt_check "report (table)" kt_as pct report $P
cp "$KT_TMP/out" "$KT_TMP/table"
expect_in "table: heading" "Report on plan 06/KH-UBND of 11/01/2022 (UBND thành phố Cao Lãnh)" \
	"$KT_TMP/table"
expect_in "table: window and units" "From 01/03/2022 to 10/03/2022, 09 of 09 units were inspected." \
	"$KT_TMP/table"
expect_in "table: findings" "Accepted findings: 14 strengths and 15 shortcomings." "$KT_TMP/table"
expect_in "table: recommendations" "Recommendations: 00 open, of which 00 overdue; 17 done." \
	"$KT_TMP/table"
expect_in "table: reviews" \
	"By 20/04/2022, 09/09 units had held responsibility review meetings, reviewing 11 officials; 09 reviews were signed off." \
	"$KT_TMP/table"
expect_in "table: outcomes" "Outcomes: 01 no action, 07 reminder, 03 criticism." "$KT_TMP/table"
expect_re "table: Phòng Tài chính - Kế hoạch row" \
	'^CL-TCKH +Phòng Tài chính - Kế hoạch +- +1 +2 +0 +2 +0 +approved +approved +1$' "$KT_TMP/table"
expect_re "table: area digital-gov" '^digital-gov +Chính quyền điện tử, chính quyền số +0 +5$' \
	"$KT_TMP/table"

kt_check "report (CSV)" kt_as dung report $P --format csv
cp "$KT_TMP/out" "$KT_TMP/csv"
[ "$(grep -c $'\r$' "$KT_TMP/csv")" -eq 10 ] && kt_pass "csv: a header and nine unit rows" ||
	kt_fail "csv: $(cat -A "$KT_TMP/csv" | head -12)"
expect_re "csv: xã Hòa An" '^[0-9]+,CL-HA,xã Hòa An,,2,2,0,2,0,yes,yes,yes,2'$'\r''$' "$KT_TMP/csv"
kt_check "report (CSV summary)" kt_as dung report $P --format csv --table summary
cp "$KT_TMP/out" "$KT_TMP/summary"
for kv in units_inspected,9 units_total,9 groups,0 window_from,2022-03-01 window_to,2022-03-10 \
	recommendations_open,0 recommendations_done,17 recommendations_overdue,0 reviews_held,9 \
	reviews_approved,9 officials_reviewed,11; do
	expect_re "csv summary: $kv" "^$kv"$'\r''$' "$KT_TMP/summary"
done
kt_check "report (CSV areas)" kt_as dung report $P --format csv --table areas
expect_re "csv areas: direction" '^direction,.*,9,7'$'\r''$' "$KT_TMP/out"

kt_check "report (Markdown)" kt_as hoa report $P --format markdown
cp "$KT_TMP/out" "$KT_TMP/md"
expect_in "markdown: heading" "# Report on plan 06/KH-UBND of 11/01/2022" "$KT_TMP/md"
expect_in "markdown: window" "- From 01/03/2022 to 10/03/2022, 09 of 09 units were inspected." \
	"$KT_TMP/md"
expect_in "markdown: Phường 4 row" \
	"| CL-P4 | Phường 4 | - | 2 | 2 | 0 | 3 | 0 | approved | approved | 2 |" "$KT_TMP/md"
expect_in "markdown: area procedures" "| procedures | Cải cách thủ tục hành chính | 5 | 3 |" "$KT_TMP/md"

# ---- 7. closing, signed ----------------------------------------------------------------------

kt_expect_stderr "the deputy cannot close the plan" 17 "plan.close needs the team role leader" \
	kt_as tam plan close $P
kt_expect_output "the leader closes the plan with his signature" \
	"plan 06/KH-UBND of 2022-01-11 is closed" kt_as dung plan close $P
expect_json "the closure is Lê Quốc Dũng's signed approval" \
	'.plan.status == "closed" and .plan.closure.username == "dung" and
	 .plan.closure.full_name == "Lê Quốc Dũng" and (.plan.closure.signature | length) == 128' \
	hdnd plan show $P
kt_expect_stderr "a closed plan refuses a finding" 19 "is closed" \
	kt_as lan finding add $P CL-P2 --area direction --kind strength --text "Sau khi đóng"
kt_expect_stderr "a closed plan refuses a recommendation" 19 "is closed" \
	kt_as dung rec add $P CL-P2 --text "Sau khi đóng" --deadline 2022-06-30
kt_expect_stderr "a closed plan cannot close again" 19 "already closed" kt_as dung plan close $P
report_json hdnd "$KT_TMP/r5.json"
expect_report "the closed plan's report keeps every figure" \
	'.plan.status == "closed" and .units_inspected == 9 and .strengths == 14 and
	 .shortcomings == 15 and .recommendations_done == 17 and .reviews_approved == 9 and
	 .officials_reviewed == 11' "$KT_TMP/r5.json"
kt_expect_output "the table says the plan is closed" "Figures as of 20/04/2022; the plan is closed." \
	kt_as hdnd report $P
kt_expect_output "the audit chain is intact" "audit chain intact" kt_admin audit verify

kt_alive
kt_done
