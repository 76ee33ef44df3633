#!/usr/bin/env bash
# tamper.sh - the tamper-evident record. A small plan is carried through the real
# client to its closure (a finding accepted, a conclusion approved, a review signed
# through two rounds, the plan closed: every kind of approval, each signed on the
# signer's own client). `kiemtra export` writes the record; `kiemtra verify`
# checks it offline. Then the record is altered: (a) in the exported file - the
# approved conclusion's text, a signature, a key, an approval removed - and
# verify names each altered approval (exit 5); (b) in the server's database, as
# an attacker with file access would - an approved conclusion's text and audit
# rows - and `kiemtrad admin audit verify` names the first altered row and the
# gap of a removed row, while export + verify name the conclusion whose stored
# text no longer matches its signature.
. "$(dirname "$0")/lib.sh"

EDIT=$KT_BUILD_DIR/tests/kt_jsonedit
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing (scripts/deps installs it)"; exit 1; }
db() { sqlite3 -cmd ".timeout 5000" "$KT_DATA/kiemtra.db" "$@"; }
# verify FILE [ARGS...]: offline, from a client home that never talked to any server.
verify() { "$KIEMTRA" --home "$KT_TMP/home-offline" verify "$@"; }
# kt_expect_verify DESCRIPTION CODE PATTERN FILE: verify exits CODE, stdout matches.
kt_expect_verify() {
	local what=$1 want=$2 pattern=$3 file=$4 rc=0
	verify "$file" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" "$KT_TMP/out"; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc (wanted $want), wanted /$pattern/ in: $(head -c 1500 "$KT_TMP/out") $(head -c 300 "$KT_TMP/err")"
	fi
}

# ---- a plan carried to its closure ----------------------------------------------
kt_start_server || exit 1
kt_admin unit add DT "Đồng Tháp" --kind province >/dev/null
kt_admin unit add CL-P4 "Phường 4" --kind ward --parent DT >/dev/null
kt_user_add ke "Trần Văn Kế" planner
kt_user_add lan "Nguyễn Thị Lan" inspector
kt_user_add rep4 "Võ Thị Bốn" unit_rep CL-P4
kt_user_add chu "Phó Chủ tịch Hải" authority
for u in ke lan rep4 chu; do kt_login "$u" || kt_fail "login $u"; done

P=06/KH-UBND
kt_check "plan registered" kt_as ke plan create --number $P --date 2022-01-11 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra công tác CCHC năm 2022" \
	--from 2022-01-15 --to 2022-12-31 --unit CL-P4 --authority chu
kt_check "team: leader" kt_as ke team add $P lan --role leader
printf 'Sổ theo dõi hồ sơ, tháng 3/2022\n' >"$KT_TMP/so-theo-doi.txt"
printf 'Ảnh chụp màn hình phần mềm một cửa\n' >"$KT_TMP/anh-chup.txt"
F=$(kt_as lan --json finding add $P CL-P4 --area procedures --kind shortcoming \
	--text "Hồ sơ trễ hạn trên phần mềm một cửa" --cause "Công chức quên cập nhật" \
	--evidence "$KT_TMP/so-theo-doi.txt" --evidence "$KT_TMP/anh-chup.txt" --submit |
	"$EDIT" - get finding.id)
kt_check "finding $F accepted with a signature" kt_as lan finding accept "$F"
TEXT="Phường 4 còn hồ sơ trễ hạn; yêu cầu khắc phục trong quý II."
kt_check "conclusion drafted" kt_as lan conclusion draft $P CL-P4 --text "$TEXT" --finding "$F"
kt_check "conclusion approved with a signature" kt_as lan conclusion approve $P CL-P4
printf 'BIÊN BẢN họp kiểm điểm trách nhiệm, Phường 4\n' >"$KT_TMP/bien-ban.txt"
OFF="Nguyễn Văn Hùng|Chủ tịch UBND phường|reminder|chậm chỉ đạo"
kt_check "review recorded" kt_as rep4 review record $P CL-P4 --date 2022-03-10 \
	--minutes "$KT_TMP/bien-ban.txt" --official "$OFF"
kt_check "round 1: submitted" kt_as rep4 review submit $P CL-P4
kt_check "round 1: returned" kt_as lan review return $P CL-P4 --reason "Thiếu chữ ký"
kt_check "round 2: recorded again, with another note" kt_as rep4 review record $P CL-P4 \
	--date 2022-03-10 --minutes "$KT_TMP/bien-ban.txt" --version 3 \
	--official "Nguyễn Văn Hùng|Chủ tịch UBND phường|reminder|chậm chỉ đạo, đã ký biên bản"
kt_check "round 2: submitted" kt_as rep4 review submit $P CL-P4
kt_check "round 2: confirmed" kt_as lan review sign $P CL-P4
kt_check "round 2: approved" kt_as chu review sign $P CL-P4
kt_check "plan closed with a signature" kt_as lan plan close $P
C=$(db "SELECT id FROM conclusions WHERE state = 2")

# ---- export, verify -----------------------------------------------------------------
REC=$KT_TMP/record.json
kt_expect_output "export writes the record" "exported plan $P to .*8 approvals" \
	kt_as lan export $P -o "$REC"
head -c 200 "$REC" | tr -d '\n' | grep -qE '^\{ +"format": "kiemtra-record", +"version": 1,' &&
	kt_pass "the record is versioned and indented" || kt_fail "record head: $(head -c 200 "$REC")"
[ "$("$EDIT" "$REC" get conclusions.0.approval.content.text)" = "$TEXT" ] &&
	kt_pass "the approval carries the content as signed, UTF-8 kept" ||
	kt_fail "content: $("$EDIT" "$REC" get conclusions.0.approval.content.text)"
kt_expect_verify "verify: every approval OK offline (earlier-round sign-offs REPLACED)" 0 \
	"^8 approvals checked: 6 OK, 2 replaced$" "$REC"
grep -qE "^OK +acceptance of finding $F \(unit CL-P4\): signed by lan" "$KT_TMP/out" &&
	grep -qE "^OK +approval of conclusion $C, revision 1 \(unit CL-P4\)" "$KT_TMP/out" &&
	grep -qE "^OK +sign-off of review [0-9]+ \(unit CL-P4\), round 2, step 3: signed by chu" "$KT_TMP/out" &&
	grep -qE "^REPLACED +return of review [0-9]+ \(unit CL-P4\), round 1, step 2" "$KT_TMP/out" &&
	grep -qE "^OK +closure of plan $P: signed by lan" "$KT_TMP/out" &&
	grep -q "the record verifies" "$KT_TMP/out" &&
	kt_pass "one line per approval, every kind" || kt_fail "verify said: $(cat "$KT_TMP/out")"
kt_expect_output "verify --json: one object, verified" \
	'"ok":true.*"verified":true.*"counts":\{"total":8,"ok":6,"replaced":2,"content_changed":0' \
	verify --json "$REC"
[ "$(kt_as lan export $P 2>"$KT_TMP/err" | "$EDIT" - get plan.closure.kind)" = plan.close ] &&
	kt_pass "export without -o: the document on standard output" ||
	kt_fail "export to stdout: $(cat "$KT_TMP/err")"
kt_as lan --json export $P >"$KT_TMP/inline.json" 2>"$KT_TMP/err"
[ "$("$EDIT" "$KT_TMP/inline.json" get record.format)" = kiemtra-record ] &&
	[ "$("$EDIT" "$KT_TMP/inline.json" get ok)" = true ] &&
	kt_pass "export --json without -o: the record inside the one object" ||
	kt_fail "export --json: $(head -c 300 "$KT_TMP/inline.json")"
kt_expect_output "a unit representative's export leaves out what they may not see" \
	'"omitted":[1-9]' kt_as rep4 --json export $P -o "$KT_TMP/rep4.json"
kt_expect_verify "and what they see verifies" 0 "the record verifies" "$KT_TMP/rep4.json"

# ---- (a) tampering with the exported file -----------------------------------------------
cp "$REC" "$KT_TMP/t1.json"
sed -i "s/Phường 4 còn hồ sơ trễ hạn/Phường 4 không còn hồ sơ trễ hạn/g" "$KT_TMP/t1.json"
kt_expect_verify "the approved conclusion's text edited: CONTENT CHANGED, exit 5" 5 \
	"^CONTENT CHANGED +approval of conclusion $C, revision 1 \(unit CL-P4\): the content no longer matches the digest lan signed" \
	"$KT_TMP/t1.json"
grep -qE "^8 approvals checked: 5 OK, 2 replaced, 1 content changed$" "$KT_TMP/out" &&
	grep -q "verification failed: 1 of 8 approvals" "$KT_TMP/err" &&
	kt_pass "only that approval fails; the summary says so" ||
	kt_fail "summary: $(tail -n 2 "$KT_TMP/out") $(cat "$KT_TMP/err")"

cp "$REC" "$KT_TMP/t2.json"
"$EDIT" "$KT_TMP/t2.json" set conclusions.0.text '"Phường 4 hoàn thành tốt."'
kt_expect_verify "the record's text edited beside an intact approval: CONTENT CHANGED" 5 \
	"^CONTENT CHANGED +approval of conclusion $C.*the record's text differs from the content lan signed" \
	"$KT_TMP/t2.json"

cp "$REC" "$KT_TMP/t3.json"
SIG=$("$EDIT" "$REC" get findings.0.acceptance.signature)
FLIP=$( [ "${SIG:0:1}" = 0 ] && echo 1 || echo 0 )${SIG:1}
"$EDIT" "$KT_TMP/t3.json" set findings.0.acceptance.signature "\"$FLIP\""
kt_expect_verify "the finding's acceptance signature edited: BAD SIGNATURE" 5 \
	"^BAD SIGNATURE +acceptance of finding $F \(unit CL-P4\)" "$KT_TMP/t3.json"

cp "$REC" "$KT_TMP/t4.json"
CHU_KEY=$("$EDIT" "$REC" get reviews.0.signoffs.4.approval.signing_key)
"$EDIT" "$KT_TMP/t4.json" set findings.0.acceptance.signing_key "\"$CHU_KEY\""
kt_expect_verify "another signer's key put on the acceptance: UNKNOWN KEY" 5 \
	"^UNKNOWN KEY +acceptance of finding $F.*listed for user [0-9]+, not for lan" "$KT_TMP/t4.json"

cp "$REC" "$KT_TMP/t7.json"
"$EDIT" "$KT_TMP/t7.json" set findings.0.evidence.1.sha256 \
	"\"$(printf 'khác' | sha256sum | cut -c1-64)\""
kt_expect_verify "an evidence file's hash swapped in the finding: CONTENT CHANGED" 5 \
	"^CONTENT CHANGED +acceptance of finding $F.*the record's evidence differs" "$KT_TMP/t7.json"

cp "$REC" "$KT_TMP/t5.json"
"$EDIT" "$KT_TMP/t5.json" set conclusions.0.approval null
kt_expect_verify "the approval removed from an approved conclusion: NO SIGNATURE" 5 \
	"^NO SIGNATURE +approval of conclusion $C" "$KT_TMP/t5.json"

cp "$REC" "$KT_TMP/t6.json"
"$EDIT" "$KT_TMP/t6.json" set reviews.0.signoffs.4.approval.content.officials.0.outcome 1
kt_expect_verify "a reviewed official's outcome lowered: CONTENT CHANGED on the signed steps" 5 \
	"^CONTENT CHANGED +sign-off of review [0-9]+ \(unit CL-P4\), round 2, step 3" "$KT_TMP/t6.json"

kt_expect_output "verify --json on failure: ok false, VERIFY_FAILED, exit 5" \
	'"ok":false,"status":"VERIFY_FAILED",.*"exit":5,.*"status":"BAD SIGNATURE","kind":"finding.accept","path":"findings\[0\].acceptance"' \
	sh -c "\"$KIEMTRA\" --home \"$KT_TMP/home-offline\" --json verify \"$KT_TMP/t3.json\"; test \$? -eq 5"
printf '{"format": "kiemtra-record", "version": 1, "plan": {}, "units": [],}' >"$KT_TMP/bad.json"
kt_expect_stderr "a file that is not strict JSON fails verification (exit 5)" 5 \
	"not valid JSON: line 1, column [0-9]+: a trailing comma" verify "$KT_TMP/bad.json"
printf '{"format": "kiemtra-record", "version": 2}' >"$KT_TMP/v2.json"
kt_expect_stderr "an unknown format version is refused (exit 5)" 5 "version 2 of the record format" \
	verify "$KT_TMP/v2.json"
kt_expect_exit 1 "a missing file is exit 1" verify "$KT_TMP/no-such-file.json"

# ---- (b) tampering with the database ------------------------------------------------
kt_stop_server
kt_expect_verify "verify needs no server (it is stopped)" 0 "the record verifies" "$REC"
ROW=$(db "SELECT id FROM audit_log WHERE action = 'conclusion.approve'")
DETAIL=$(db "SELECT detail FROM audit_log WHERE id = $ROW")
db "UPDATE conclusions SET text = 'Phường 4 không có tồn tại.' WHERE id = $C" &&
	kt_pass "the attacker rewrites the approved conclusion in the database" ||
	kt_fail "the conclusion could not be altered"
if db "UPDATE audit_log SET detail = 'x' WHERE id = $ROW" 2>/dev/null; then
	kt_fail "the audit log accepted an UPDATE"
else
	kt_pass "the audit log refuses UPDATE (trigger)"
fi
db "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
    UPDATE audit_log SET detail = 'conclusion approved (nothing to see)' WHERE id = $ROW"
kt_start_server srv || exit 1
kt_login lan 2>/dev/null
kt_expect_stderr "audit verify names the first altered row (exit 1)" 1 \
	"altered, or rows were removed or reordered, at row $ROW" kt_admin audit verify
grep -q "audit chain BROKEN at row $ROW" "$KT_TMP/out" && kt_pass "stdout names row $ROW" ||
	kt_fail "audit verify said: $(cat "$KT_TMP/out")"
kt_check "export still works (the server presents what it stores)" \
	kt_as lan export $P -o "$KT_TMP/after.json"
kt_expect_verify "verify names the conclusion whose stored text no longer matches its signature" 5 \
	"^CONTENT CHANGED +approval of conclusion $C, revision 1 \(unit CL-P4\)" "$KT_TMP/after.json"
grep -qE "^8 approvals checked: 5 OK, 2 replaced, 1 content changed$" "$KT_TMP/out" &&
	kt_pass "every other approval still verifies" || kt_fail "summary: $(tail -n 1 "$KT_TMP/out")"

# Restore the row (the chain is whole again), then remove another one.
kt_stop_server
Q="'"
db "UPDATE audit_log SET detail = '${DETAIL//$Q/$Q$Q}' WHERE id = $ROW"
GONE=$(db "SELECT id FROM audit_log WHERE action = 'finding.accept'")
db "DELETE FROM audit_log WHERE id = $GONE"
kt_start_server srv || exit 1
kt_expect_stderr "a removed audit row: verify names the row after the gap" 1 \
	"rows were removed or reordered, at row $((GONE + 1))" kt_admin audit verify
kt_alive
kt_done
