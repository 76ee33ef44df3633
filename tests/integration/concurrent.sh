#!/usr/bin/env bash
# Sixteen members of one working group at the same unit at the same time, each
# from their own client (own home, own device key, own session): each records
# several findings under their own client ids, retries some (one retry races
# the original), and all of them edit one shared finding at once, each with
# the version they read. Afterwards: as many findings as distinct client ids
# (none lost, none doubled), one revision of the shared finding per
# successful edit, and every failed edit exited 20 (conflict reported).
. "$(dirname "$0")/lib.sh"

N=16         # members
PER=3        # findings each
ATTEMPTS=3   # edits of the shared finding each

kt_start_server

kt_admin unit add CL-P4 "Phường 4" --kind ward >/dev/null
kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
MEMBERS=()
for i in $(seq -w 1 $N); do
	MEMBERS+=("m$i")
	kt_user_add "m$i" "Thành viên số $i" inspector
done
for u in hoa dung "${MEMBERS[@]}"; do
	kt_login "$u" || kt_fail "login $u"
done
P=06/KH-UBND
G="Tổ công tác số 1"
kt_as hoa plan create --number $P --date 2022-01-11 --issuer "UBND thành phố Cao Lãnh" \
	--title "Kiểm tra CCHC năm 2022" --from 2022-03-01 --to 2022-03-10 \
	--unit CL-P4 >/dev/null || kt_fail "plan create"
kt_as hoa team add $P dung --role leader >/dev/null || kt_fail "team add dung"
for u in "${MEMBERS[@]}"; do
	kt_as dung team add $P "$u" --role member --group "$G" >/dev/null || kt_fail "team add $u"
done
kt_as dung assign $P CL-P4 --group "$G" --from 2022-03-01 --to 2022-03-10 >/dev/null ||
	kt_fail "assign the group"

jnum() { grep -o "\"${1:-id}\":[0-9]*" | head -1 | cut -d: -f2; }

S=$(kt_as dung --json finding add $P CL-P4 --area procedures --kind shortcoming \
	--text "Bản chung: tồn tại về thủ tục hành chính" --client-id shared-finding-1 | jnum)
[ -n "$S" ] || kt_fail "no shared finding"

OUT=$KT_TMP/runs
mkdir -p "$OUT"

# member USER: the findings, the retries, then the edits of the shared finding.
member() {
	local u=$1 k a v rc
	for k in $(seq 1 $PER); do
		kt_as "$u" finding add $P CL-P4 --area procedures --kind shortcoming \
			--text "Phát hiện $k của $u" --client-id "$u-finding-$k" \
			>"$OUT/$u-add-$k.out" 2>&1
		echo $? >"$OUT/$u-add-$k.rc"
	done
	# A plain retry of the first, and a retry racing the original of the last one.
	kt_as "$u" finding add $P CL-P4 --area procedures --kind shortcoming \
		--text "Phát hiện 1 của $u" --client-id "$u-finding-1" >"$OUT/$u-retry.out" 2>&1
	echo $? >"$OUT/$u-retry.rc"
	k=$((PER + 1))
	kt_as "$u" finding add $P CL-P4 --area direction --kind strength \
		--text "Phát hiện $k của $u" --client-id "$u-finding-$k" >"$OUT/$u-race1.out" 2>&1 &
	kt_as "$u" finding add $P CL-P4 --area direction --kind strength \
		--text "Phát hiện $k của $u" --client-id "$u-finding-$k" >"$OUT/$u-race2.out" 2>&1
	rc=$?
	wait
	echo $rc >"$OUT/$u-race.rc"
	for a in $(seq 1 $ATTEMPTS); do
		v=$(kt_as "$u" --json finding show "$S" | jnum version)
		kt_as "$u" finding edit "$S" --version="$v" --text "Bản chung, sửa bởi $u (lần $a)" \
			>"$OUT/$u-edit-$a.out" 2>&1
		echo $? >"$OUT/$u-edit-$a.rc"
	done
}

start=$(date +%s)
pids=()
for u in "${MEMBERS[@]}"; do
	member "$u" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done
took=$(($(date +%s) - start))
kt_log "16 members finished in ${took}s"

# -- every create and retry succeeded; the racing retry made no second finding -------------------
bad=0
for f in "$OUT"/*-add-*.rc "$OUT"/*-retry.rc "$OUT"/*-race.rc; do
	[ "$(cat "$f")" = 0 ] || { bad=$((bad + 1)); kt_log "$f: exit $(cat "$f"): $(cat "${f%.rc}.out")"; }
done
[ "$bad" -eq 0 ] && kt_pass "every create and retry succeeded" || kt_fail "$bad creates failed"
grep -l "was used before" "$OUT"/*-retry.out | wc -l >"$KT_TMP/n"
[ "$(cat "$KT_TMP/n")" -eq $N ] && kt_pass "every plain retry returned the existing finding" ||
	kt_fail "only $(cat "$KT_TMP/n") of $N retries said the finding existed"

kt_as dung --json finding list $P >"$KT_TMP/list.json" || kt_fail "finding list"
want=$((N * (PER + 1) + 1))
count=$(jnum count <"$KT_TMP/list.json")
[ "$count" = "$want" ] && kt_pass "$want findings: one per distinct client id" ||
	kt_fail "$count findings, wanted $want"
grep -o '"client_id":"[^"]*"' "$KT_TMP/list.json" | sort >"$KT_TMP/ids"
dups=$(uniq -d "$KT_TMP/ids" | wc -l)
distinct=$(uniq "$KT_TMP/ids" | wc -l)
[ "$dups" -eq 0 ] && [ "$distinct" -eq "$want" ] &&
	kt_pass "no client id twice, none missing ($distinct distinct)" ||
	kt_fail "$dups duplicated client ids, $distinct distinct of $want"
for u in "${MEMBERS[@]}"; do
	for k in $(seq 1 $((PER + 1))); do
		grep -q "\"client_id\":\"$u-finding-$k\"" "$KT_TMP/ids" || kt_fail "lost $u-finding-$k"
	done
done

# -- the shared finding: one revision per successful edit, every failure a conflict ------------------
ok=0
conflicts=0
other=0
for f in "$OUT"/*-edit-*.rc; do
	case $(cat "$f") in
	0) ok=$((ok + 1)) ;;
	20)
		conflicts=$((conflicts + 1))
		grep -q "finding $S changed: you edited version [0-9]*, it is now at version [0-9]*" \
			"${f%.rc}.out" || kt_fail "conflict without the versions: $(cat "${f%.rc}.out")"
		;;
	*)
		other=$((other + 1))
		kt_log "$f: exit $(cat "$f"): $(cat "${f%.rc}.out")"
		;;
	esac
done
kt_log "shared finding: $ok edits succeeded, $conflicts conflicts"
[ $((ok + conflicts)) -eq $((N * ATTEMPTS)) ] && [ "$other" -eq 0 ] &&
	kt_pass "every edit either succeeded or exited 20 ($ok + $conflicts)" ||
	kt_fail "$other edits failed otherwise"
[ "$ok" -ge 1 ] && kt_pass "at least one concurrent edit succeeded" || kt_fail "no edit succeeded"
revs=$(kt_as dung --json finding history "$S" | grep -o '"count":[0-9]*' | cut -d: -f2)
[ "$revs" = $((ok + 1)) ] && kt_pass "history: $revs revisions = 1 + $ok successful edits" ||
	kt_fail "history has $revs revisions, wanted $((ok + 1))"
ver=$(kt_as dung --json finding show "$S" | jnum version)
[ "$ver" = $((ok + 1)) ] && kt_pass "the shared finding is at version $ver" ||
	kt_fail "version $ver, wanted $((ok + 1))"
last=$(kt_as dung --json finding history "$S" | grep -o '"text":"[^"]*"' | tail -1)
kt_expect_output "the finding holds the last successful edit" \
	"$(printf '%s' "$last" | sed 's/^"text":"//; s/"$//; s/[()]/./g')" kt_as dung finding show "$S"
[ "$took" -le 60 ] && kt_pass "finished within 60 s" || kt_fail "took ${took}s"

kt_alive
kt_done
