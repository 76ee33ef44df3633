#!/bin/bash
# reviews.sh - responsibility reviews (họp kiểm điểm trách nhiệm) end to end, the
# Gia Lâm way: communes record the meetings they held after the inspection (who was
# reviewed, with what outcome), and each record passes the plan's sign-off chain -
# the unit head submits, the team leader confirms, the approving authority
# approves - each step signed on the signer's own client and checked by the server.
. "$(dirname "$0")/lib.sh"

kt_start_server || exit 1

# ---- units, people, plans ---------------------------------------------------------
kt_admin unit add GL "huyện Gia Lâm" --kind district >/dev/null
kt_admin unit add GL-KIEUKY "xã Kiêu Kỵ" --kind commune --parent GL >/dev/null
kt_admin unit add GL-TRAUQUY "thị trấn Trâu Quỳ" --kind town --parent GL >/dev/null
kt_admin unit add GL-DUONGXA "xã Dương Xá" --kind commune --parent GL >/dev/null

kt_user_add noivu "Phòng Nội vụ huyện Gia Lâm" planner
kt_user_add lead "Trần Văn Bình" inspector
kt_user_add dep "Phạm Thị Dung" inspector
kt_user_add mem "Hoàng Văn Em" inspector
kt_user_add kieuky "Nguyễn Văn Hùng" unit_rep GL-KIEUKY
kt_user_add trauquy "Đỗ Thị Lan" unit_rep GL-TRAUQUY
kt_user_add pct "Lê Văn Phó" authority
kt_user_add pct2 "Vũ Thị Khác" authority
kt_user_add hdnd "Ban Pháp chế HĐND huyện" observer
# One person, two global roles: an inspector who also represents xã Dương Xá.
kt_user_add duongxa "Ngô Văn Kép" inspector,unit_rep GL-DUONGXA
for u in noivu lead dep mem kieuky trauquy pct pct2 hdnd duongxa; do
	kt_login "$u" || kt_fail "login $u"
done

P=06/KH-UBND
kt_check "plan 06/KH-UBND (chain unit_rep, leader, authority)" \
	kt_as noivu plan create --number "$P" --date 2021-09-20 --issuer "UBND huyện Gia Lâm" \
	--title "Kiểm tra công tác CCHC năm 2021" --from 2021-10-01 --to 2021-10-21 \
	--unit GL-KIEUKY,GL-TRAUQUY,GL-DUONGXA --authority pct
kt_check "team: leader" kt_as noivu team add "$P" lead --role leader
kt_check "team: deputy" kt_as noivu team add "$P" dep --role deputy
kt_check "team: member" kt_as noivu team add "$P" mem --role member
kt_check "observer" kt_as noivu observer add "$P" hdnd
# Another plan with another authority: pct2 has no standing in 06/KH-UBND.
kt_check "plan 07/KH-UBND (another authority)" \
	kt_as noivu plan create --number 07/KH-UBND --date 2021-09-21 --issuer "UBND huyện Gia Lâm" \
	--title "Kiểm tra đột xuất" --from 2021-10-01 --to 2021-10-21 --unit GL-KIEUKY --authority pct2

OFF1="Nguyễn Văn Hùng|Chủ tịch UBND xã|lowered-rating|hạ mức xếp loại tháng 10/2021"
OFF2="Lê Thị Mai|Công chức Văn phòng - Thống kê|criticism|chậm cập nhật hồ sơ trên phần mềm một cửa"
printf 'BIÊN BẢN họp kiểm điểm trách nhiệm, xã Kiêu Kỵ, 10/11/2021\n' >"$KT_TMP/bien-ban.txt"

# ---- record ------------------------------------------------------------------------
kt_expect_output "the commune records its meeting (no minutes yet)" "version 1" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1" --official "$OFF2"
kt_expect_output "a retry of the same first record changes nothing" "version 1" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1" --official "$OFF2"
kt_expect_output "review show: officials and outcomes, in Vietnamese" \
	"Chủ tịch UBND xã +lowered-rating +hạ mức xếp loại tháng 10/2021" \
	kt_as lead review show "$P" GL-KIEUKY
kt_expect_output "review show: who recorded it" "recorded: +by kieuky \(Nguyễn Văn Hùng\)" \
	kt_as lead review show "$P" GL-KIEUKY
kt_expect_output "review show: step 1 is next, for the unit's representative" \
	"next: step 1 of 3, unit_rep" kt_as lead review show "$P" GL-KIEUKY
kt_expect_stderr "no sign-off before the minutes are attached" 19 "attach the meeting minutes first" \
	kt_as kieuky review submit "$P" GL-KIEUKY
kt_expect_stderr "a leader records nothing for the unit" 17 "review.record needs the role unit_rep" \
	kt_as lead review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1"
kt_expect_stderr "another unit's representative cannot record it" 17 \
	"needs the representative of unit GL-KIEUKY" \
	kt_as trauquy review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1"
kt_expect_stderr "another unit's representative cannot see it" 17 \
	"review of unit GL-KIEUKY needs .*'trauquy' is the representative of another unit" \
	kt_as trauquy review show "$P" GL-KIEUKY
kt_expect_stderr "a second first record is a conflict (version named)" 20 "version 1" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1"
kt_expect_stderr "a meeting in the future is refused" 13 "in the future" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2999-01-01 --official "$OFF1" --version 1
kt_expect_stderr "a date that does not exist is refused" 13 "real calendar date" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-02-29 --official "$OFF1" --version 1
kt_expect_stderr "an unknown outcome is refused by the client" 2 "unknown outcome" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "A|B|fired" --version 1
kt_expect_output "replace the draft, uploading the minutes" "version 2" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --minutes "$KT_TMP/bien-ban.txt" \
	--official "$OFF1" --official "$OFF2" --version 1
kt_expect_stderr "stale version -> exit 20 with the current version" 20 "version 2, not 1" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1" --version 1
kt_expect_output "the minutes are attached" "minutes: +evidence #[0-9]+ +bien-ban.txt" \
	kt_as kieuky review show "$P" GL-KIEUKY

# ---- round 1: submit, then the leader returns it -------------------------------------
kt_expect_output "the unit head submits (step 1)" "next: step 2, leader lead" \
	kt_as kieuky review submit "$P" GL-KIEUKY
kt_expect_stderr "the unit's representative cannot sign the leader's step" 17 \
	"step 2 \(leader\) needs the team leader" kt_as kieuky review sign "$P" GL-KIEUKY
kt_expect_stderr "a deputy is not the leader" 17 "needs the team leader.*'dep' is a deputy" \
	kt_as dep review sign "$P" GL-KIEUKY
kt_expect_stderr "an observer signs nothing" 17 "'hdnd' is an observer" \
	kt_as hdnd review sign "$P" GL-KIEUKY
kt_expect_stderr "in sign-off the content cannot change" 19 "in sign-off" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1" --version 3
kt_expect_stderr "a return needs a reason" 2 "needs --reason" \
	kt_as lead review return "$P" GL-KIEUKY
kt_expect_output "the leader returns it at step 2 with a reason" "draft again, round 2" \
	kt_as lead review return "$P" GL-KIEUKY --reason "Biên bản chưa có chữ ký của chủ trì cuộc họp"
kt_expect_output "round 2: the return stays on record with its reason" \
	"step 2 leader RETURNED by lead .*chưa có chữ ký" kt_as lead review show "$P" GL-KIEUKY
kt_expect_output "round 2: a draft again, step 1 next" "draft, round 2; next: step 1" \
	kt_as kieuky review show "$P" GL-KIEUKY

# ---- round 2: submit, confirm, approve --------------------------------------------------
kt_expect_output "the unit records again after the return" "version 5" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --minutes "$KT_TMP/bien-ban.txt" \
	--official "$OFF1" --official "$OFF2" --version 4
kt_check "the unit head submits again (round 2, step 1)" kt_as kieuky review submit "$P" GL-KIEUKY
kt_expect_output "the leader confirms (step 2)" "next: step 3, authority pct" \
	kt_as lead review sign "$P" GL-KIEUKY
kt_expect_stderr "the leader cannot sign the authority's step" 17 \
	"step 3 \(authority\) needs the plan's approving authority" kt_as lead review sign "$P" GL-KIEUKY
kt_expect_stderr "the authority of another plan cannot sign" 17 "no standing in plan" \
	kt_as pct2 review sign "$P" GL-KIEUKY
# A signature by a key that is not the one registered at login is refused.
cp "$KT_TMP/home-pct/signing.key" "$KT_TMP/pct-signing.key"
head -c 32 /dev/urandom >"$KT_TMP/home-pct/signing.key"
kt_expect_stderr "a signature by another key is refused" 17 "signature does not match" \
	kt_as pct review sign "$P" GL-KIEUKY
cp "$KT_TMP/pct-signing.key" "$KT_TMP/home-pct/signing.key"
kt_expect_output "the authority approves (step 3)" "the review is approved" \
	kt_as pct review sign "$P" GL-KIEUKY
kt_expect_output "review show: every step signed, by whom, with which key" \
	"3 +authority +signed +pct \(Lê Văn Phó\) .*SHA256:" kt_as hdnd review show "$P" GL-KIEUKY
kt_expect_stderr "an approved review takes no more signatures" 19 "already approved" \
	kt_as pct review sign "$P" GL-KIEUKY
kt_expect_stderr "an approved review cannot be re-recorded" 19 "approved" \
	kt_as kieuky review record "$P" GL-KIEUKY --date 2021-11-10 --official "$OFF1" --version 8

# Every change wrote one audit row in its transaction; refusals wrote none.
kt_expect_output "the audit chain is intact" "audit chain intact" kt_admin audit verify
if command -v sqlite3 >/dev/null; then
	rows=$(sqlite3 "$KT_DATA/kiemtra.db" "SELECT group_concat(action, ' ') FROM (SELECT action
		FROM audit_log WHERE object_type = 'review' AND object_id = 1 ORDER BY id)")
	want="review.record review.record review.approve review.return review.record"
	want="$want review.approve review.approve review.approve"
	if [ "$rows" = "$want" ]; then
		kt_pass "one audit row per change, none for a refusal"
	else
		kt_fail "one audit row per change, none for a refusal: $rows"
	fi
fi

# JSON: one object, the chain with its signatures.
kt_expect_output "review show --json" \
	'"ok":true.*"state":"approved".*"round":2.*"key_fingerprint":"SHA256:' \
	kt_as lead --json review show "$P" GL-KIEUKY
if kt_as lead --json review show "$P" GL-KIEUKY >"$KT_TMP/show.json" 2>/dev/null &&
	python3 - "$KT_TMP/show.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["review"]["signoffs"]
assert [(x["round"], x["step"], x["approved"]) for x in s] == \
    [(1, 1, True), (1, 2, False), (2, 1, True), (2, 2, True), (2, 3, True)], s
assert [x["username"] for x in s] == ["kieuky", "lead", "kieuky", "lead", "pct"], s
assert all(len(x["signature"]) == 128 and len(x["digest"]) == 64 for x in s)
assert d["review"]["officials"][0]["outcome"] == "lowered-rating"
EOF
then kt_pass "every round's sign-offs, in order, with signer, digest and signature"
else kt_fail "every round's sign-offs, in order, with signer, digest and signature"
fi

# ---- list and visibility ----------------------------------------------------------------
kt_check "thị trấn Trâu Quỳ records its meeting" \
	kt_as trauquy review record "$P" GL-TRAUQUY --date 2021-11-12 \
	--official "Đỗ Văn Tư|Phó Chủ tịch UBND thị trấn|reminder"
kt_expect_output "review list: one line per unit with held date, officials, state, next signer" \
	"GL-KIEUKY +xã Kiêu Kỵ +2021-11-10 +2 +approved" kt_as lead review list "$P"
kt_expect_output "review list: a draft shows its next signer" \
	"GL-TRAUQUY +thị trấn Trâu Quỳ +2021-11-12 +1 +draft +1: unit_rep" kt_as hdnd review list "$P"
kt_expect_output "review list: the figures" "reviews held: 2 \(approved: 1\); officials reviewed: 3" \
	kt_as pct review list "$P"
kt_as trauquy review list "$P" >"$KT_TMP/rep-list" 2>&1
if grep -q GL-TRAUQUY "$KT_TMP/rep-list" && ! grep -q GL-KIEUKY "$KT_TMP/rep-list"; then
	kt_pass "a unit representative lists only their own unit"
else
	kt_fail "a unit representative lists only their own unit: $(cat "$KT_TMP/rep-list")"
fi
kt_expect_output "review list --json" '"ok":true.*"held":2,"approved":1,"officials":3' \
	kt_as lead --json review list "$P"

# ---- a chain of two steps: unit_rep, leader ----------------------------------------------
kt_check "plan 08/KH-UBND with the chain unit_rep,leader" \
	kt_as noivu plan create --number 08/KH-UBND --date 2021-09-22 --issuer "UBND huyện Gia Lâm" \
	--title "Kiểm tra chuyên đề một cửa" --from 2021-10-01 --to 2021-10-21 --unit GL-TRAUQUY \
	--authority pct --chain unit_rep,leader
kt_check "team: leader of 08" kt_as noivu team add 08/KH-UBND lead --role leader
# The unit's representative watches its plan: every step of its review reaches it live.
kt_as trauquy --json watch 08/KH-UBND --count 3 --seconds 20 >"$KT_TMP/watch.out" 2>&1 &
WATCH=$!
for _ in $(seq 1 100); do
	grep -q '"watching"' "$KT_TMP/watch.out" 2>/dev/null && break
	sleep 0.05
done
kt_check "record in 08" kt_as trauquy review record 08/KH-UBND GL-TRAUQUY --date 2021-11-12 \
	--minutes "$KT_TMP/bien-ban.txt" --official "Đỗ Văn Tư|Phó Chủ tịch UBND thị trấn|reminder"
kt_expect_output "08: submitted, the leader is next (2 steps)" "next: step 2, leader lead" \
	kt_as trauquy review submit 08/KH-UBND GL-TRAUQUY
kt_expect_output "08: the leader's step is the last" "the review is approved" \
	kt_as lead review sign 08/KH-UBND GL-TRAUQUY
wait "$WATCH"
if [ "$(grep -c '"event":"update"' "$KT_TMP/watch.out")" = 3 ] &&
	grep -q '"summary":"review of unit GL-TRAUQUY: step 2 signed by lead; the review is approved"' \
		"$KT_TMP/watch.out"; then
	kt_pass "the unit sees its review recorded, submitted and approved, live"
else
	kt_fail "the unit sees its review recorded, submitted and approved, live: $(cat "$KT_TMP/watch.out")"
fi

# ---- nobody signs two steps of a round: a deputy who is also the unit's representative ----
kt_check "plan 09/KH-UBND with the chain unit_rep,deputy" \
	kt_as noivu plan create --number 09/KH-UBND --date 2021-09-23 --issuer "UBND huyện Gia Lâm" \
	--title "Kiểm tra công vụ" --from 2021-10-01 --to 2021-10-21 --unit GL-DUONGXA \
	--authority pct --chain unit_rep,deputy
kt_check "team: duongxa is a deputy of 09" kt_as noivu team add 09/KH-UBND duongxa --role deputy
kt_check "team: dep is a deputy of 09" kt_as noivu team add 09/KH-UBND dep --role deputy
kt_check "duongxa records xã Dương Xá's meeting" kt_as duongxa review record 09/KH-UBND GL-DUONGXA \
	--date 2021-11-15 --minutes "$KT_TMP/bien-ban.txt" \
	--official "Ngô Văn Kép|Chủ tịch UBND xã|reprimand"
kt_check "duongxa submits (step 1)" kt_as duongxa review submit 09/KH-UBND GL-DUONGXA
kt_expect_stderr "the submitter cannot confirm their own submission" 17 \
	"'duongxa' already signed step 1 of this round" kt_as duongxa review sign 09/KH-UBND GL-DUONGXA
kt_expect_stderr "nor return it" 17 "already signed step 1" \
	kt_as duongxa review return 09/KH-UBND GL-DUONGXA --reason "tự trả lại"
kt_expect_output "another deputy confirms: approved" "the review is approved" \
	kt_as dep review sign 09/KH-UBND GL-DUONGXA

# ---- limits: 200 officials, 16 KiB of their text ------------------------------------------
many=()
for i in $(seq 1 200); do
	many+=(--official "Cán bộ số $i|Công chức Văn phòng - Thống kê|reminder|nhắc nhở")
done
kt_expect_output "200 officials fit one review" "200 officials" \
	kt_as kieuky review record 07/KH-UBND GL-KIEUKY --date 2021-11-10 "${many[@]}"
kt_expect_stderr "the 201st is refused" 2 "at most 200" \
	kt_as kieuky review record 07/KH-UBND GL-KIEUKY --date 2021-11-10 "${many[@]}" \
	--official "X|Y|reminder" --version 1
long=$(printf 'ghi chú %.0s' $(seq 1 100))
big=()
for i in $(seq 1 30); do
	big+=(--official "Cán bộ số $i|Công chức|reminder|$long")
done
kt_expect_stderr "more than 16 KiB of officials' text is refused" 13 "at most 16384" \
	kt_as kieuky review record 07/KH-UBND GL-KIEUKY --date 2021-11-10 "${big[@]}" --version 1
kt_expect_output "the list of a plan with a 200-official review" "GL-KIEUKY .* 200 +draft" \
	kt_as kieuky review list 07/KH-UBND

# A list larger than one response comes in pages (after_unit_id, more).
units=""
for i in 1 2 3 4 5; do
	kt_admin unit add "GL-X$i" "xã Thử Nghiệm $i" --kind commune --parent GL >/dev/null
	kt_user_add "rep$i" "Đại diện xã $i" unit_rep "GL-X$i"
	kt_login "rep$i" 2>/dev/null
	units="$units${units:+,}GL-X$i"
done
kt_check "plan 10/KH-UBND of five communes" \
	kt_as noivu plan create --number 10/KH-UBND --date 2021-09-24 --issuer "UBND huyện Gia Lâm" \
	--title "Kiểm tra diện rộng" --from 2021-10-01 --to 2021-10-21 --unit "$units" --authority pct
for i in 1 2 3 4 5; do
	kt_as "rep$i" review record 10/KH-UBND "GL-X$i" --date 2021-11-10 "${many[@]}" >/dev/null ||
		kt_fail "record 200 officials in GL-X$i"
done
kt_expect_output "five 200-official reviews (more than one frame) are listed across pages" \
	"reviews held: 5 \(approved: 0\); officials reviewed: 1000" kt_as pct review list 10/KH-UBND

# ---- a closed door for outsiders; and the server is fine --------------------------------
kt_expect_stderr "no standing, no review" 17 "no standing" kt_as pct2 review list "$P"
kt_expect_stderr "a planner only does not read reviews" 17 "a planner only" \
	kt_as noivu review list "$P"
kt_alive
kt_done
