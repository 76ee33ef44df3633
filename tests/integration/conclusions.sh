#!/usr/bin/env bash
# Conclusions (kết luận) over the real protocol: the leader drafts a unit's
# conclusion citing accepted findings, edits the draft (a stale version is
# refused), approves it with a signature (a wrong signature, a member, a deputy
# and an observer are refused); an approved revision is frozen; a new revision
# needs its own approval and supersedes the old one, which stays visible and
# verifiable; a unit's representative sees only approved revisions of their
# own unit; the conclusion of the whole inspection (no unit).
. "$(dirname "$0")/lib.sh"

# ---- helpers of this test -----------------------------------------------------

# jq_of USER JQ ARGS...: run the client as USER with --json, print the jq filter's result.
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

# ---- people, units, a plan, a team, accepted findings ---------------------------

kt_start_server
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
for u in ke lan dung minh rep4 repha obs chu; do kt_login "$u"; done

P=06/KH-UBND
kt_check "the planner registers the plan" kt_as ke plan create --number $P --date 2022-01-11 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra công tác CCHC năm 2022" \
	--from 2022-01-15 --to 2022-12-31 --unit CL-P4 --unit CL-HA --authority chu
kt_check "team: leader" kt_as ke team add $P lan --role leader
kt_check "team: deputy" kt_as ke team add $P dung --role deputy
kt_check "team: member" kt_as ke team add $P minh --role member
kt_check "observer added" kt_as ke observer add $P obs

F1=$(jq_of lan .finding.id finding add $P CL-P4 --area procedures --kind shortcoming \
	--text "Hồ sơ trễ hạn trên phần mềm một cửa" --cause "Công chức quên cập nhật" --submit)
F2=$(jq_of lan .finding.id finding add $P CL-P4 --area digital-gov --kind strength \
	--text "100% văn bản đi được ký số" --submit)
F3=$(jq_of lan .finding.id finding add $P CL-HA --area direction --kind shortcoming \
	--text "Chưa ban hành kế hoạch CCHC năm" --submit)
F4=$(jq_of lan .finding.id finding add $P CL-P4 --area civil-service --kind shortcoming \
	--text "Một công chức đi trễ" --submit)
for f in "$F1" "$F2" "$F3"; do
	kt_check "finding $f accepted" kt_as lan finding accept "$f"
done

# ---- drafting -----------------------------------------------------------------

kt_expect_stderr "a member cannot draft" 17 "leader.*'minh' is a member" \
	kt_as minh conclusion draft $P CL-P4 --text "Kết luận" --finding "$F1"
kt_expect_stderr "a deputy cannot draft" 17 "leader" \
	kt_as dung conclusion draft $P CL-P4 --text "Kết luận" --finding "$F1"
kt_expect_stderr "an observer cannot draft" 17 "observer" \
	kt_as obs conclusion draft $P CL-P4 --text "Kết luận"
kt_expect_stderr "a finding of another unit is refused" 13 "finding $F3 is about unit CL-HA" \
	kt_as lan conclusion draft $P CL-P4 --text "Kết luận" --finding "$F3"
kt_expect_stderr "a finding not accepted is refused" 19 "finding $F4 is submitted" \
	kt_as lan conclusion draft $P CL-P4 --text "Kết luận" --finding "$F4"
kt_expect_stderr "a unit outside the plan is refused" 13 "not one of the units" \
	kt_as lan conclusion draft $P DT --text "Kết luận"
kt_expect_exit 13 "an empty text is refused" kt_as lan conclusion draft $P CL-P4 --text "   "

kt_expect_json "the leader starts revision 1 as a draft" \
	'.conclusion.revision == 1 and .conclusion.state == "draft" and .conclusion.version == 1
	 and .conclusion.finding_ids == ['"$F1"'] and .conclusion.approval == null' \
	lan conclusion draft $P CL-P4 --text "Phường 4 còn hồ sơ trễ hạn." --finding "$F1"
kt_expect_stderr "a second draft is refused while one exists" 16 "draft already \(version 1\)" \
	kt_as lan conclusion draft $P CL-P4 --text "Khác"
kt_expect_json "the draft is edited at its version" \
	'.conclusion.revision == 1 and .conclusion.version == 2 and
	 (.conclusion.finding_ids | sort) == (['"$F1,$F2"'] | sort)' \
	lan conclusion draft $P CL-P4 --version=1 --finding "$F2" --finding "$F1" \
	--text "Phường 4: ưu điểm ký số; tồn tại hồ sơ trễ hạn."
kt_expect_stderr "a stale version is refused (exit 20)" 20 "version 2, not 1" \
	kt_as lan conclusion draft $P CL-P4 --version=1 --text "Ghi đè"
kt_expect_json "the unit's representative sees no draft" '.revisions | length == 0' \
	rep4 conclusion show $P CL-P4
kt_expect_json "an observer sees the draft" '.revisions | length == 1' \
	obs conclusion show $P CL-P4

# ---- approving -----------------------------------------------------------------

kt_expect_stderr "a member cannot approve" 17 "leader" kt_as minh conclusion approve $P CL-P4
kt_expect_stderr "a deputy cannot approve" 17 "leader" kt_as dung conclusion approve $P CL-P4
kt_expect_stderr "an observer cannot approve" 17 "leader" kt_as obs conclusion approve $P CL-P4

# A signature by a key the server does not know for this device.
cp "$KT_TMP/home-lan/signing.key" "$KT_TMP/lan-signing.key"
head -c 32 /dev/urandom >"$KT_TMP/home-lan/signing.key"
kt_expect_stderr "a wrong signature is refused" 17 "signature does not match" \
	kt_as lan conclusion approve $P CL-P4
cp "$KT_TMP/lan-signing.key" "$KT_TMP/home-lan/signing.key"
kt_expect_json "the refused approval left the draft a draft" \
	'.revisions[0].state == "draft" and .revisions[0].version == 2' lan conclusion show $P CL-P4

kt_expect_output "the leader approves revision 1" "approved revision 1 of the conclusion for unit CL-P4" \
	kt_as lan conclusion approve $P CL-P4
kt_expect_json "revision 1 is approved, signed by the leader" \
	'.revisions[0].state == "approved" and .revisions[0].approval.username == "lan" and
	 (.revisions[0].approval.signature | length) == 128 and
	 (.revisions[0].approval.digest | length) == 64' lan conclusion show $P CL-P4
V1=$(jq_of lan '.revisions[0].version' conclusion show $P CL-P4)
SIG1=$(jq_of lan '.revisions[0].approval.signature' conclusion show $P CL-P4)

# ---- frozen ----------------------------------------------------------------------

kt_expect_stderr "an approved revision cannot be edited" 19 "approved and frozen" \
	kt_as lan conclusion draft $P CL-P4 --version="$V1" --text "Sửa sau khi duyệt"
kt_expect_stderr "nothing is left to approve" 19 "approved already" \
	kt_as lan conclusion approve $P CL-P4
kt_expect_json "the unit's representative sees the approved revision" \
	'.revisions | length == 1 and .[0].state == "approved" and .[0].revision == 1' \
	rep4 conclusion show $P CL-P4
kt_expect_stderr "another unit's representative is refused" 17 "represent that unit" \
	kt_as repha conclusion show $P CL-P4
kt_expect_stderr "a representative does not see the whole inspection's conclusion" 17 \
	"whole inspection" kt_as rep4 conclusion show $P

# ---- a new revision supersedes ----------------------------------------------------

kt_expect_json "a change is a new revision (2), a draft" \
	'.conclusion.revision == 2 and .conclusion.state == "draft" and .conclusion.version == 1' \
	lan conclusion draft $P CL-P4 --text "Phường 4: đã bổ sung kết luận về ký số." \
	--finding "$F1" --finding "$F2"
kt_expect_json "revision 1 stays approved while 2 is a draft" \
	'[.revisions[].state] == ["draft", "approved"]' lan conclusion show $P CL-P4
kt_expect_json "the representative still sees only revision 1" \
	'[.revisions[].revision] == [1]' rep4 conclusion show $P CL-P4
kt_expect_json "a planner sees approved revisions, not the team's draft" \
	'[.revisions[].revision] == [1]' ke conclusion show $P CL-P4
kt_expect_stderr "approving the wrong revision is refused by the client" 19 "revision 2, not 1" \
	kt_as lan conclusion approve $P CL-P4 --revision 1
kt_check "the leader approves revision 2" kt_as lan conclusion approve $P CL-P4 --revision 2
kt_expect_json "revision 2 approved, revision 1 superseded and still signed" \
	'[.revisions[].state] == ["approved", "superseded"] and
	 .revisions[1].approval.signature == "'"$SIG1"'" and
	 .revisions[1].approval.username == "lan"' lan conclusion show $P CL-P4
kt_expect_json "the representative sees both approved revisions" \
	'[.revisions[] | "\(.revision):\(.state)"] == ["2:approved", "1:superseded"]' \
	rep4 conclusion show $P CL-P4
kt_expect_output "people see which revision is superseded" \
	"approved \(now superseded\) by lan \(Nguyễn Thị Lan\)" kt_as obs conclusion show $P CL-P4
kt_expect_stderr "after the second approval the conclusion is frozen again" 19 "frozen" \
	kt_as lan conclusion draft $P CL-P4 --version=3 --text "x"

# Each stored approval verifies offline, the superseded one too: the digest is
# recomputed from the revision's content (docs/PROTOCOL.md §12) and the
# Ed25519 signature checked with the signing key by openssl.
verify_offline() {
	local n=$1 dir=$KT_TMP/verify-$1
	mkdir -p "$dir"
	kt_as lan --json conclusion show $P CL-P4 >"$dir/revs.json" || return 1
	python3 - "$dir" "$n" <<'PY' || return 1
import hashlib, json, struct, sys
d, n = sys.argv[1], int(sys.argv[2])
c = json.load(open(d + "/revs.json"))["revisions"][n]
h = hashlib.blake2b(digest_size=32)
h.update(b"kiemtra-approval-v1\0conclusion.approve\0")
for v in (c["plan_id"], c["id"], c["unit_id"], c["revision"]):
    h.update(struct.pack(">q", v))
t = c["text"].encode()
h.update(struct.pack(">I", len(t)) + t)
ids = sorted(c["finding_ids"])
h.update(struct.pack(">I", len(ids)))
for i in ids:
    h.update(struct.pack(">q", i))
a = c["approval"]
if h.hexdigest() != a["digest"]:
    sys.exit("digest differs")
open(d + "/digest", "wb").write(h.digest())
open(d + "/sig", "wb").write(bytes.fromhex(a["signature"]))
der = bytes.fromhex("302a300506032b6570032100") + bytes.fromhex(a["signing_key"])
open(d + "/key.der", "wb").write(der)
PY
	openssl pkey -pubin -inform DER -in "$dir/key.der" -out "$dir/key.pem" 2>/dev/null &&
		openssl pkeyutl -verify -pubin -inkey "$dir/key.pem" -rawin -in "$dir/digest" \
			-sigfile "$dir/sig" >/dev/null 2>&1
}
if verify_offline 0; then kt_pass "the approval of revision 2 verifies offline"
else kt_fail "the approval of revision 2 does not verify offline"; fi
if verify_offline 1; then kt_pass "the superseded revision 1 still verifies offline"
else kt_fail "the superseded revision 1 does not verify offline"; fi

# ---- the conclusion of the whole inspection ------------------------------------------

kt_expect_json "the whole inspection's conclusion cites findings of any unit" \
	'.conclusion.unit_id == 0 and .conclusion.revision == 1 and
	 (.conclusion.finding_ids | length) == 3' \
	lan conclusion draft $P --text "Kết luận chung của Đoàn kiểm tra." \
	--finding "$F1" --finding "$F2" --finding "$F3"
kt_check "the leader approves it" kt_as lan conclusion approve $P
kt_expect_json "it is approved; the unit conclusions are untouched" \
	'.revisions[0].state == "approved" and .unit_id == 0' obs conclusion show $P
kt_expect_json "the authority reads it" '.revisions | length == 1' chu conclusion show $P
kt_user_add la "Ngoài Đoàn" inspector
kt_login la
kt_expect_stderr "an inspector outside the plan is refused" 17 "no standing" \
	kt_as la conclusion show $P CL-P4
kt_expect_exit 2 "a missing --text is a usage error" kt_as lan conclusion draft $P CL-P4
kt_alive
kt_done
