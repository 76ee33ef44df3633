#!/usr/bin/env bash
# Findings through the real client against a real server: a member records a
# shortcoming of Phường 4 with evidence, edits it, submits it; the leader
# returns it with a reason, the member fixes and resubmits, the leader accepts
# it with a signature. On the way: a stale edit (exit 20, naming the version
# it is at now), an idempotent retry (one finding), rights (a member on a unit
# not assigned to them, an observer, a unit representative who sees only
# accepted findings of their own unit), frozen accepted findings, the history
# of revisions, lists and histories of long findings read in pages (more
# than one frame), and an acceptance signed with a key other than the one
# registered at login (refused).
. "$(dirname "$0")/lib.sh"

kt_start_server

kt_admin unit add CL "thành phố Cao Lãnh" --kind district >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent CL >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent CL >/dev/null

kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
kt_user_add lan "Phạm Thị Lan" inspector
kt_user_add binh "Võ Văn Bình" inspector
kt_user_add tam "Trần Minh Tâm" inspector
kt_user_add pho "Nguyễn Văn Phó" authority
kt_user_add hdnd "Lâm Thị Giám Sát" observer
kt_user_add rep4 "Chủ tịch UBND Phường 4" unit_rep CL-P4
kt_user_add repha "Chủ tịch UBND xã Hòa An" unit_rep CL-HA
kt_user_add out "Người Ngoài" inspector
for u in hoa dung lan binh tam pho hdnd rep4 repha out; do
	kt_login "$u" || kt_fail "login $u"
done

P=06/KH-UBND
kt_as hoa plan create --number $P --date 2022-01-11 --issuer "UBND thành phố Cao Lãnh" \
	--title "Kiểm tra CCHC năm 2022" --from 2022-03-01 --to 2022-03-10 \
	--unit CL-P4,CL-HA --authority pho >/dev/null || kt_fail "plan create"
kt_as hoa team add $P dung --role leader >/dev/null || kt_fail "team add dung"
kt_as dung team add $P lan --role member >/dev/null || kt_fail "team add lan"
kt_as dung team add $P binh --role member >/dev/null || kt_fail "team add binh"
kt_as dung team add $P tam --role deputy >/dev/null || kt_fail "team add tam"
kt_as dung assign $P CL-P4 --user lan --from 2022-03-01 --to 2022-03-05 >/dev/null ||
	kt_fail "assign lan"
kt_as dung assign $P CL-HA --user binh --from 2022-03-06 --to 2022-03-10 >/dev/null ||
	kt_fail "assign binh"
kt_as hoa observer add $P hdnd >/dev/null || kt_fail "observer add"

# The first "id" (or KEY) number in the JSON on stdin.
jnum() { grep -o "\"${1:-id}\":[0-9]*" | head -1 | cut -d: -f2; }

# -- recording -----------------------------------------------------------------------------
TEXT="Còn 12 hồ sơ trễ hạn trên phần mềm một cửa"
kt_expect_output "a member records a shortcoming on the unit assigned to her" \
	"finding [0-9]+ created \(draft, version 1\)" \
	kt_as lan finding add $P CL-P4 --area procedures --kind shortcoming --text "$TEXT" \
	--cause "Cán bộ quên cập nhật trạng thái hồ sơ" --client-id lan-p4-0001
F=$(kt_as lan --json finding add $P CL-P4 --area procedures --kind shortcoming --text "$TEXT" \
	--client-id lan-p4-0001 | jnum)
[ -n "$F" ] || kt_fail "no finding id"
kt_expect_output "a retry with the same client id returns the same finding, created=false" \
	"\"created\":false,\"finding\":\{\"id\":$F," \
	kt_as lan --json finding add $P CL-P4 --area procedures --kind shortcoming --text "other" \
	--client-id lan-p4-0001
kt_expect_output "and the plan has exactly one finding" '"count":1,' \
	kt_as dung --json finding list $P
kt_expect_stderr "a member refused on a unit not assigned to him" 17 \
	"writing on unit CL-P4 needs an assignment to it .* 'binh' is a member without one" \
	kt_as binh finding add $P CL-P4 --area procedures --kind strength --text "Tốt"
kt_expect_stderr "an observer records nothing" 17 "finding.create needs a place on the team" \
	kt_as hdnd finding add $P CL-P4 --area procedures --kind strength --text "Tốt"
kt_expect_stderr "an inspector outside the team has no standing in the plan" 17 \
	"no standing in plan" \
	kt_as out finding add 1 CL-P4 --area procedures --kind strength --text "Tốt"
kt_expect_stderr "an area outside the plan's scope is refused by the client" 2 "--area" \
	kt_as lan finding add $P CL-P4 --area nowhere --kind strength --text "x"
kt_expect_stderr "a unit outside the plan" 13 "unit CL is not one of the units of plan" \
	kt_as lan finding add $P CL --area procedures --kind strength --text "x"
kt_expect_stderr "a short client id is refused" 2 "client-id" \
	kt_as lan finding add $P CL-P4 --area procedures --kind strength --text "x" --client-id abc
kt_expect_output "the deputy may write on any unit" "created \(draft" \
	kt_as tam finding add $P CL-HA --area digital-gov --kind strength \
	--text "Tỷ lệ hồ sơ trực tuyến đạt 99,38%"

# -- editing, conflicts ----------------------------------------------------------------------
kt_expect_output "the member edits version 1" "finding $F edited \(draft, version 2\)" \
	kt_as lan finding edit $F --version=1 --text "$TEXT (tháng 10/2021)"
kt_expect_stderr "the leader's edit of version 1 is stale: exit 20 with the current version" 20 \
	"finding $F changed: you edited version 1, it is now at version 2; run kiemtra finding show $F" \
	kt_as dung finding edit $F --version=1 --text "overwrite"
kt_expect_output "the stale edit overwrote nothing" "tháng 10/2021" kt_as lan finding show $F
kt_expect_output "the leader edits the current version" "version 3" \
	kt_as dung finding edit $F --version=2 --cause "Chưa phân công người theo dõi"
kt_expect_output "the cause survives an edit of the text only" '"cause":"Chưa phân công' \
	kt_as lan --json finding edit $F --version=3 --text "$TEXT."
kt_expect_stderr "submitting a stale version: exit 20" 20 "it is now at version 4" \
	kt_as lan finding submit $F --version=3
kt_expect_output "the member submits version 4" "submitted \(submitted, version 5\)" \
	kt_as lan finding submit $F --version=4
kt_expect_stderr "a submitted finding is not edited until reviewed" 19 \
	"waits for the leader's review" kt_as lan finding edit $F --version=5 --text "x"
kt_expect_stderr "the observer sees the submitted finding, the representative does not" 17 \
	"only accepted findings of their own unit" kt_as rep4 finding show $F
kt_expect_output "the observer sees it" "state: +submitted" kt_as hdnd finding show $F

# -- review: return, fix, accept ---------------------------------------------------------------
kt_expect_stderr "a member cannot review" 17 \
	"finding.review needs the team role leader or deputy in plan $P; 'lan' is a member" \
	kt_as lan finding return $F --reason "x"
kt_expect_stderr "a return needs a reason" 2 "--reason" kt_as dung finding return $F
kt_expect_output "the leader returns it with a reason" "returned \(returned, version 6\)" \
	kt_as dung finding return $F --reason "Ghi rõ số hồ sơ trễ hạn của từng lĩnh vực"
kt_expect_output "observers read everything in their plans: a returned finding too" \
	"returned" kt_as hdnd finding show $F
kt_expect_output "the return reason is shown to the author" "Ghi rõ số hồ sơ" \
	kt_as lan finding show $F
kt_expect_output "the author fixes it and resubmits in one edit" \
	"edited and submitted \(submitted, version 7\)" \
	kt_as lan finding edit $F --version=6 --text "$TEXT: 7 thủ tục đất đai, 5 hộ tịch" --submit

# An acceptance signed with a key other than the one registered at login is refused.
H=$KT_TMP/home-dung
cp "$H/signing.key" "$KT_TMP/dung-signing.key"
rm -f "$H/signing.key"
head -c 32 /dev/urandom >"$H/signing.key"
chmod 600 "$H/signing.key"
kt_expect_stderr "accepting with a signing key replaced after login fails verification" 17 \
	"signature does not match" kt_as dung finding accept $F
cp "$KT_TMP/dung-signing.key" "$H/signing.key"
kt_expect_output "the leader accepts it, signed" "finding $F accepted \(accepted, version 8\)" \
	kt_as dung finding accept $F
kt_expect_output "the acceptance names the signer and key" "accepted: +by dung" \
	kt_as dung finding show $F
kt_expect_stderr "an accepted finding is frozen" 19 "accepted and frozen" \
	kt_as lan finding edit $F --version=8 --text "later"
kt_expect_stderr "it cannot be returned either" 19 "cannot return" \
	kt_as dung finding return $F --reason "x"

# -- who sees what --------------------------------------------------------------------------------
kt_expect_output "the representative of Phường 4 now sees the accepted finding" \
	"\"count\":1," kt_as rep4 --json finding list $P
kt_expect_output "and reads it" "state: +accepted" kt_as rep4 finding show $F
kt_expect_output "the representative of Hòa An sees nothing of Phường 4" '"count":0,' \
	kt_as repha --json finding list $P
kt_expect_stderr "nor list Phường 4: the server says why" 17 \
	"sees only the findings of their own unit" \
	kt_as repha finding list $P --unit CL-P4
kt_expect_output "the team sees the draft of Hòa An too (2 findings)" '"count":2,' \
	kt_as lan --json finding list $P
kt_expect_output "the observer reads the draft too (2 findings)" '"count":2,' \
	kt_as hdnd --json finding list $P
kt_expect_output "filter by state" '"count":1,' kt_as dung --json finding list $P --state draft
kt_expect_output "filter by unit" "CL-HA +digital-gov +strength +draft" \
	kt_as dung finding list $P --unit CL-HA
kt_expect_output "the authority sees the accepted finding" "$F +CL-P4 +procedures" \
	kt_as pho finding list $P

# -- history -----------------------------------------------------------------------------------
kt_expect_output "the history has one revision per change (8)" '"count":8\}' \
	kt_as lan --json finding history $F
kt_expect_output "the history keeps the return's reason" "Ghi rõ số hồ sơ trễ hạn của từng lĩnh vực" \
	kt_as lan finding history $F
kt_expect_output "the representative sees only the accepted revision" '"count":1\}' \
	kt_as rep4 --json finding history $F

# -- long texts: lists and histories page instead of outgrowing a frame ------------------------------
LONG=$(head -c 16384 /dev/zero | tr '\0' 'a')
CAUSE=$(head -c 8192 /dev/zero | tr '\0' 'c')
kt_expect_stderr "a text over 16 KiB is refused" 2 "--text" \
	kt_as tam finding add $P CL-HA --area procedures --kind strength --text "${LONG}b"
for i in 1 2 3 4 5; do
	kt_as tam finding add $P CL-HA --area procedures --kind shortcoming --text "$LONG" \
		--cause "$CAUSE" --client-id "tam-long-000$i" >/dev/null || kt_fail "long finding $i"
done
kt_expect_output "all findings with 24 KiB of text each are listed, over several pages" \
	'"count":6,' kt_as tam --json finding list $P --unit CL-HA
L=$(kt_as tam --json finding list $P --unit CL-HA --state draft | grep -o '"id":[0-9]*' | tail -1 |
	cut -d: -f2)
for v in 1 2 3 4; do
	kt_as tam finding edit "$L" --version=$v --text "${LONG:0:16000}$v" >/dev/null ||
		kt_fail "long edit $v"
done
kt_expect_output "a history of five 24 KiB revisions is read in pages" '"count":5\}' \
	kt_as tam --json finding history "$L"

# -- evidence attached --------------------------------------------------------------------------
EV=$KT_TMP/bien-ban.txt
printf 'Biên bản làm việc với UBND Phường 4, ngày 02/03/2022.\n' >"$EV"
SUM=$(sha256sum "$EV" | cut -c1-64)
kt_expect_output "a finding with a file as evidence (uploaded, then attached)" \
	"\"sha256\":\"$SUM\"" \
	kt_as lan --json finding add $P CL-P4 --area procedures --kind strength \
	--text "Niêm yết TTHC đầy đủ" --evidence "$EV" --submit
F2=$(kt_as lan --json finding list $P --state submitted | jnum)
EVID=$(kt_as lan --json finding show "$F2" | grep -o '"evidence":\[{"id":[0-9]*' | grep -o '[0-9]*$')
kt_expect_stderr "evidence of another plan or unknown is refused" 13 "not evidence of this plan" \
	kt_as lan finding add $P CL-P4 --area procedures --kind strength --text "x" --evidence 999
kt_expect_stderr "the representative cannot read evidence of a finding not yet accepted" 17 \
	"not attached to a record of your unit" kt_as rep4 evidence get "$EVID" -o "$KT_TMP/x"
kt_check "the leader accepts the finding with evidence (digest covers its SHA-256)" \
	kt_as tam finding accept "$F2"
kt_check "now the representative may read the evidence" \
	kt_as rep4 evidence get "$EVID" -o "$KT_TMP/rep4-copy.txt"
kt_check "byte-identical" cmp "$EV" "$KT_TMP/rep4-copy.txt"
kt_expect_stderr "the other unit's representative may not" 17 "not attached" \
	kt_as repha evidence get "$EVID" -o "$KT_TMP/x"

kt_alive
kt_done
