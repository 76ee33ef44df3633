#!/usr/bin/env bash
# rights.sh - every role tried against every kind of request it must not make,
# through the real client against a real server.
#
# One plan (06/KH-UBND: units CL-P1 and CL-P2) holds a record of every kind, so
# that every request has a target; a second plan (07/KH-UBND, unit CL-HA) gives
# "other plan" roles; a third (08/KH-UBND) is closed, for the state rule. The
# cast:
#
#   kh      planner (global role)          tv      member, assigned CL-P1 only
#   truong  leader                         tk      secretary, working group "Tổ 2"
#   pho     deputy                                 (assigned CL-P2)
#   repa    representative of CL-P1        qd      the plan's approving authority
#   repb    representative of CL-P2        gs      observer of the plan
#   repc    representative of CL-HA (in 07/KH-UBND only)
#   qd2     approving authority of 07/KH-UBND only
#   gs2     observer of 07/KH-UBND only
#   ngoai   an inspector with no standing anywhere
#   admin   the administrator (role admin), logged in over the network
#   anon    a client that never logged in; stale1..3: sessions revoked on the server
#
# The TABLE below has one line per request kind and group of roles with the
# same expected answer: exit code (10 + status: 17 PERMISSION_DENIED, 26
# UNAUTHENTICATED, 15 NOT_FOUND where hiding a record is the rule, 19
# FAILED_PRECONDITION for a state rule) and a pattern the message must match
# (naming the missing right or role). Exit 0 rows are things the role MAY do
# (pattern on stdout), "0!" rows are reads that must succeed WITHOUT showing
# what matches the pattern (filtered reads). Each role of a line is one check.
# Independent checks run in parallel shards; changes run in order.
. "$(dirname "$0")/lib.sh"

START_S=$SECONDS
SHARDS=${KT_RIGHTS_SHARDS:-4}

kt_start_server || exit 1

# ---- people, units, plans -----------------------------------------------------------------
kt_admin unit add CL "thành phố Cao Lãnh" --kind district >/dev/null
kt_admin unit add CL-P1 "Phường 1" --kind ward --parent CL >/dev/null
kt_admin unit add CL-P2 "Phường 2" --kind ward --parent CL >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent CL >/dev/null

kt_user_add kh "Phòng Nội vụ thành phố" planner
kt_user_add truong "Lê Quốc Trưởng" inspector
kt_user_add pho "Trần Minh Phó" inspector
kt_user_add tv "Phạm Thị Lan" inspector
kt_user_add tk "Võ Thị Thư" inspector
kt_user_add cu "Đặng Văn Cũ" inspector
kt_user_add repa "Chủ tịch UBND Phường 1" unit_rep CL-P1
kt_user_add repb "Chủ tịch UBND Phường 2" unit_rep CL-P2
kt_user_add repc "Chủ tịch UBND xã Hòa An" unit_rep CL-HA
kt_user_add qd "Nguyễn Văn Quyết" authority
kt_user_add qd2 "Đỗ Thị Duyệt" authority
kt_user_add gs "Ban Pháp chế HĐND" observer
kt_user_add gs2 "Ban Kinh tế - Ngân sách HĐND" observer
kt_user_add ngoai "Người Ngoài Đoàn" inspector
kt_user_add het "Người Hết Phiên" inspector
pids=()
for u in kh truong pho tv tk cu repa repb repc qd qd2 gs gs2 ngoai het; do
	kt_login "$u" 2>/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || kt_fail "a login failed"
done
# The administrator account logs in over the network (and sets its own password).
printf '%s\n%s\n' "$KT_ADMIN_PW" 'quản-trị-mới-2024' |
	kt_as admin login --user admin --password-stdin >/dev/null 2>&1 || kt_fail "admin login"
kt_as anon ping --count 1 >/dev/null 2>&1 # pins the server key; no session
# Sessions that the server no longer knows: copies of het's client home, then het logs out.
for i in 1 2 3; do
	cp -r "$KT_TMP/home-het" "$KT_TMP/home-stale$i"
done
kt_as het logout >/dev/null 2>&1 || kt_fail "het logout"

# jnum [KEY]: the first "KEY":N (default "id") of the JSON on stdin.
jnum() { grep -o "\"${1:-id}\":[0-9]*" | head -1 | cut -d: -f2; }

PN=06/KH-UBND
P=$(kt_as kh --json plan create --number $PN --date 2024-01-15 --issuer "UBND thành phố Cao Lãnh" \
	--title "Kiểm tra công tác CCHC năm 2024" --from 2024-03-01 --to 2024-03-31 \
	--unit CL-P1,CL-P2 --authority qd | jnum)
P2=$(kt_as kh --json plan create --number 07/KH-UBND --date 2024-01-16 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra đột xuất" --from 2024-03-01 \
	--to 2024-03-31 --unit CL-HA --authority qd2 | jnum)
P3=$(kt_as kh --json plan create --number 08/KH-UBND --date 2024-01-17 \
	--issuer "UBND thành phố Cao Lãnh" --title "Kiểm tra chuyên đề (đã kết thúc)" \
	--from 2024-03-01 --to 2024-03-31 --unit CL-HA --authority qd --chain unit_rep | jnum)
[ -n "$P" ] && [ -n "$P2" ] && [ -n "$P3" ] || { kt_fail "plans not created"; kt_done; exit 1; }

kt_check "team decision" kt_as kh team set $P --decision 334/QĐ-UBND --date 2024-02-20
kt_check "the planner names the leader" kt_as kh team add $P truong --role leader
kt_check "the leader names a deputy" kt_as truong team add $P pho --role deputy
kt_check "the leader adds a member" kt_as truong team add $P tv --role member
kt_check "the leader adds a secretary in Tổ 2" \
	kt_as truong team add $P tk --role secretary --group "Tổ 2"
kt_check "CL-P1 assigned to tv only" \
	kt_as truong assign $P CL-P1 --user tv --from 2024-03-01 --to 2024-03-10
kt_check "CL-P2 assigned to Tổ 2" \
	kt_as truong assign $P CL-P2 --group "Tổ 2" --from 2024-03-11 --to 2024-03-20
kt_check "observer of 06" kt_as kh observer add $P gs
kt_check "observer of 07 only" kt_as kh observer add $P2 gs2

# Records of every kind. E1: the team's evidence on a draft of CL-P1; E2: on an accepted
# finding of CL-P2; E3, E4: the minutes of the reviews of CL-P1 and CL-P2 (uploaded by the units).
FD=$KT_TMP/files
mkdir -p "$FD" "$KT_TMP/dl"
printf 'Báo cáo tự kiểm tra của đoàn (nội bộ)\n' >"$FD/e1.txt"
printf 'Ảnh chụp bảng niêm yết TTHC Phường 2\n' >"$FD/e2.txt"
printf 'Biên bản họp kiểm điểm trách nhiệm Phường 1\n' >"$FD/e3.txt"
printf 'Biên bản họp kiểm điểm trách nhiệm Phường 2\n' >"$FD/e4.txt"
printf 'Tệp thử quyền\n' >"$FD/x.txt"
E1=$(kt_as truong --json evidence upload $P "$FD/e1.txt" | jnum evidence_id)
E2=$(kt_as tk --json evidence upload $P "$FD/e2.txt" | jnum evidence_id)
E3=$(kt_as repa --json evidence upload $P "$FD/e3.txt" | jnum evidence_id)
E4=$(kt_as repb --json evidence upload $P "$FD/e4.txt" | jnum evidence_id)

F1=$(kt_as tv --json finding add $P CL-P1 --area procedures --kind shortcoming \
	--text "DỰ THẢO: 12 hồ sơ trễ hạn chưa xin lỗi công dân" --evidence "$E1" | jnum)
F2=$(kt_as tv --json finding add $P CL-P1 --area procedures --kind shortcoming \
	--text "Niêm yết TTHC chưa đầy đủ" --submit | jnum)
F3=$(kt_as tv --json finding add $P CL-P1 --area digital-gov --kind strength \
	--text "99% hồ sơ được tiếp nhận trực tuyến" --submit | jnum)
F4=$(kt_as tk --json finding add $P CL-P2 --area procedures --kind strength \
	--text "Bộ phận Một cửa bố trí khoa học" --evidence "$E2" --submit | jnum)
F5=$(kt_as tk --json finding add $P CL-P2 --area apparatus --kind shortcoming \
	--text "DỰ THẢO: chưa kiện toàn tổ công nghệ số cộng đồng" | jnum)
kt_check "the deputy accepts F3" kt_as pho finding accept "$F3"
kt_check "the deputy accepts F4" kt_as pho finding accept "$F4"

kt_check "conclusion of CL-P1, revision 1" \
	kt_as truong conclusion draft $P CL-P1 --text "Kết luận Phường 1" --finding "$F3"
kt_check "approved" kt_as truong conclusion approve $P CL-P1
kt_check "conclusion of CL-P1, revision 2 (a draft)" \
	kt_as truong conclusion draft $P CL-P1 --text "BẢN NHÁP sửa kết luận Phường 1" \
	--finding "$F3"
kt_check "conclusion of CL-P2, a draft" \
	kt_as truong conclusion draft $P CL-P2 --text "BẢN NHÁP kết luận Phường 2" --finding "$F4"

R1=$(kt_as pho --json rec add $P CL-P1 --text "Xin lỗi công dân đối với hồ sơ trễ hạn" \
	--deadline 2024-06-30 | jnum)
R2=$(kt_as pho --json rec add $P CL-P1 --text "Niêm yết đầy đủ TTHC" --deadline 2024-06-30 | jnum)
R3=$(kt_as truong --json rec add $P CL-P2 --text "Kiện toàn tổ công nghệ số" \
	--deadline 2024-06-30 | jnum)
kt_check "CL-P1 answers R2" \
	kt_as repa rec respond "$R2" --remediation --text "Đã niêm yết đủ 132 TTHC"

OFF_A="Nguyễn Văn An|Chủ tịch UBND phường|criticism"
OFF_B="Trần Văn Bình|Phó Chủ tịch UBND phường|reminder"
kt_check "CL-P1 records its review" \
	kt_as repa review record $P CL-P1 --date 2024-05-10 --minutes "$E3" --official "$OFF_A"
kt_check "CL-P1 submits it (step 1); the leader's step 2 is next" kt_as repa review submit $P CL-P1
kt_check "CL-P2 records its review (a draft, step 1 next)" \
	kt_as repb review record $P CL-P2 --date 2024-05-11 --minutes "$E4" --official "$OFF_B"

# Plan 08/KH-UBND: done and closed by its leader.
kt_check "08: leader" kt_as kh team add $P3 truong --role leader
kt_check "08: conclusion" kt_as truong conclusion draft $P3 CL-HA --text "Kết luận xã Hòa An"
kt_check "08: approved" kt_as truong conclusion approve $P3 CL-HA
kt_check "08: review" kt_as repc review record $P3 CL-HA --date 2024-05-12 --minutes "$FD/e4.txt" \
	--official "Lê Thị Hòa|Chủ tịch UBND xã|no-action"
kt_check "08: review approved (one-step chain)" kt_as repc review submit $P3 CL-HA
kt_check "08: closed by its leader" kt_as truong plan close $P3

for v in P P2 P3 E1 E2 E3 E4 F1 F2 F3 F4 F5 R1 R2 R3; do
	[ -n "${!v}" ] || kt_fail "setup: no id for $v"
done
kt_log "setup done in $((SECONDS - START_S)) s: plans $P $P2 $P3; evidence $E1 $E2 $E3 $E4;" \
	"findings $F1 $F2 $F3 $F4 $F5; recommendations $R1 $R2 $R3"

# ---- the runner ------------------------------------------------------------------------------
# The standing each role's refusal must name ("'pho' is a deputy"), as a pattern ($D).
declare -A DESC=(
	[kh]="a planner" [truong]="the leader" [pho]="a deputy" [tv]="a member"
	[tk]="a secretary" [repa]="(a unit representative|the representative of another unit)"
	[repb]="(a unit representative|the representative of another unit)"
	[qd]="its approving authority" [gs]="an observer"
)
OUT=ngoai,admin,qd2,gs2,repc    # no standing in 06/KH-UBND at all
NOSTAND="no standing in plan $P: not on its team, not an observer, not its approving authority"
NOLOGIN="not logged in to $KT_ADDR; run: kiemtra login"
# A session the server ended (the client still had its token): refused by the server.
STALE="the server says: the session has expired or was ended"

# A table line: KEY :: ROLES :: EXIT :: PATTERN :: COMMAND. $U and $D in PATTERN and
# COMMAND become the role's username and standing; the rest is expanded when it runs.
# Writes one job per role to $KT_TMP/jobs.NAME.
expand_table() {
	local name=$1 key roles want pat cmd u p c
	: >"$KT_TMP/jobs.$name"
	while IFS= read -r line; do
		case "$line" in '' | '#'*) continue ;; esac
		key=${line%% :: *}
		line=${line#* :: }
		roles=${line%% :: *}
		line=${line#* :: }
		want=${line%% :: *}
		line=${line#* :: }
		pat=${line%% :: *}
		cmd=${line#* :: }
		key=${key%"${key##*[! ]}"}
		roles=${roles// /}
		want=${want// /}
		pat=${pat%"${pat##*[! ]}"}
		for u in ${roles//,/ }; do
			p=${pat//\$U/$u}
			p=${p//\$D/${DESC[$u]:-}}
			c=${cmd//\$U/$u}
			printf '%s\t%s\t%s\t%s\t%s\n' "$key" "$u" "$want" "$p" "$c" \
				>>"$KT_TMP/jobs.$name"
		done
	done
}

# run_job KEY USER WANT PATTERN COMMAND: one line "PASS|FAIL<TAB>key<TAB>user<TAB>want<TAB>detail".
run_job() {
	local key=$1 u=$2 want=$3 pat=$4 cmd=$5 rc=0 o e verb
	local -a args
	o=$(mktemp "$KT_TMP/o.XXXXXX")
	e=$(mktemp "$KT_TMP/e.XXXXXX")
	eval "args=($cmd)"
	verb="${args[0]} ${args[1]:-}"
	kt_as "$u" "${args[@]}" >"$o" 2>"$e" </dev/null || rc=$?
	local ok=0
	case "$want" in
	0) [ "$rc" -eq 0 ] && grep -qE -- "$pat" "$o" && ok=1 ;;
	'0!') [ "$rc" -eq 0 ] && ! grep -qE -- "$pat" "$o" && ok=1 ;;
	*) [ "$rc" -eq "$want" ] && grep -qE -- "$pat" "$e" && ok=1 ;;
	esac
	if [ $ok = 1 ]; then
		printf 'PASS\t%s\t%s\t%s\t%s\t%s\n' "$key" "$u" "$want" "$verb" \
			"$(tr '\n' ' ' <"$e" | head -c 400)"
	else
		printf 'FAIL\t%s\t%s\t%s\t%s\texit %s (wanted %s, /%s/): %s\n' \
			"$key" "$u" "$want" "$verb" "$rc" "$want" "$pat" \
			"$(tr '\n' ' ' <"$e" | head -c 300)$(
				case $want in 0*) tr '\n' ' ' <"$o" | head -c 200 ;; esac)"
	fi
	rm -f "$o" "$e"
}

# run_jobs NAME [SHARDS]: run $KT_TMP/jobs.NAME (in parallel shards when SHARDS > 1),
# then record each result with kt_pass/kt_fail and append it to $KT_TMP/results.
run_jobs() {
	local name=$1 n=${2:-1} i spids=() st key u want detail
	local -a lines
	mapfile -t lines <"$KT_TMP/jobs.$name"
	for ((i = 0; i < n; i++)); do
		(
			local j
			for ((j = i; j < ${#lines[@]}; j += n)); do
				IFS=$'\t' read -r key u want pat cmd <<<"${lines[$j]}"
				run_job "$key" "$u" "$want" "$pat" "$cmd"
			done >"$KT_TMP/res.$name.$i"
		) &
		spids+=($!)
	done
	for i in "${spids[@]}"; do
		wait "$i"
	done
	for ((i = 0; i < n; i++)); do
		while IFS=$'\t' read -r st key u want verb detail; do
			printf '%s\t%s\t%s\t%s\t%s\n' "$st" "$key" "$u" "$want" "$detail" \
				>>"$KT_TMP/results"
			case "$want" in
			0) what="$u may $key ($verb)" ;;
			'0!') what="$u reads $key ($verb) without seeing what is not theirs" ;;
			*) what="$u: $key ($verb) refused ($want)" ;;
			esac
			if [ "$st" = PASS ]; then
				kt_pass "$what"
			else
				kt_fail "$what: $detail"
			fi
		done <"$KT_TMP/res.$name.$i"
	done
}

: >"$KT_TMP/results"

# ---- phase 1: every refusal (and what each role may read), with the records as set up ---------
expand_table one <<EOF
# KEY                 :: ROLES                              :: EXIT :: PATTERN :: COMMAND
plan.create           :: truong,pho,tv,tk,repa,repb,qd,gs,$OUT :: 17 :: plan.create needs the role planner; '\$U' does not have it :: plan create --number 99/KH-TEST --date 2024-01-20 --issuer "UBND" --title "Thử" --from 2024-03-01 --to 2024-03-31 --unit CL-P1
plan.create           :: anon                               :: 26 :: $NOLOGIN :: plan create --number 99/KH-TEST --date 2024-01-20 --issuer "UBND" --title "Thử" --from 2024-03-01 --to 2024-03-31 --unit CL-P1
plan.create           :: kh                                 :: 0  :: registered :: plan create --number 98/KH-TEST --date 2024-01-20 --issuer "UBND" --title "Thử" --from 2024-03-01 --to 2024-03-31 --unit CL-HA
plan.update           :: pho,tv,tk,repa,repb,qd,gs          :: 17 :: plan.update needs the role planner or the team role leader in plan $PN; '\$U' is \$D :: plan update $P --title "Đổi tên"
plan.update           :: $OUT                               :: 17 :: $NOSTAND :: plan update $P --title "Đổi tên"
plan.update           :: anon                               :: 26 :: $NOLOGIN :: plan update $P --title "Đổi tên"
plan.update           :: stale1                             :: 26 :: $STALE :: plan update $P --title "Đổi tên"
team.set              :: pho,tv,tk,repa,repb,qd,gs          :: 17 :: team.set needs the role planner or the team role leader in plan $PN; '\$U' is \$D :: team set $P --decision 335/QĐ-UBND --date 2024-02-21
team.set              :: $OUT                               :: 17 :: $NOSTAND :: team set $P --decision 335/QĐ-UBND --date 2024-02-21
team.set              :: anon                               :: 26 :: $NOLOGIN :: team set $P --decision 335/QĐ-UBND --date 2024-02-21
team.member           :: pho,tv,tk,repa,repb,qd,gs          :: 17 :: team.member needs the role planner or the team role leader in plan $PN; '\$U' is \$D :: team add $P ngoai --role member
team.member           :: pho,tv,tk,repa,repb,qd,gs          :: 17 :: team.member needs the role planner or the team role leader in plan $PN; '\$U' is \$D :: team remove $P tv
team.member           :: $OUT                               :: 17 :: $NOSTAND :: team add $P ngoai --role leader
team.member           :: anon                               :: 26 :: $NOLOGIN :: team add $P ngoai --role member
plan.assign           :: kh,pho,tv,tk,repa,repb,qd,gs       :: 17 :: plan.assign needs the team role leader in plan $PN; '\$U' is \$D :: assign $P CL-P2 --user tv --from 2024-03-01 --to 2024-03-02
plan.assign           :: $OUT                               :: 17 :: $NOSTAND :: assign $P CL-P2 --user tv --from 2024-03-01 --to 2024-03-02
plan.assign           :: anon                               :: 26 :: $NOLOGIN :: assign $P CL-P2 --user tv --from 2024-03-01 --to 2024-03-02
observer.set          :: pho,tv,tk,repa,repb,qd,gs          :: 17 :: observer.set needs the role planner or the team role leader in plan $PN; '\$U' is \$D :: observer add $P gs2
observer.set          :: pho,tv,tk,repa,repb,qd,gs          :: 17 :: observer.set needs the role planner or the team role leader in plan $PN; '\$U' is \$D :: observer remove $P gs
observer.set          :: $OUT                               :: 17 :: $NOSTAND :: observer add $P gs2
observer.set          :: anon                               :: 26 :: $NOLOGIN :: observer add $P gs2
plan.close            :: kh,pho,tv,tk,repa,repb,qd,gs       :: 17 :: plan.close needs the team role leader in plan $PN; '\$U' is \$D :: plan close $P
plan.close            :: $OUT                               :: 17 :: $NOSTAND :: plan close $P
plan.close            :: anon                               :: 26 :: $NOLOGIN :: plan close $P
plan.close            :: truong                             :: 19 :: plan $PN cannot close: 2 units are still open :: plan close $P
plan.get              :: $OUT                               :: 17 :: no standing in plan $P: :: plan show $P
plan.get              :: $OUT                               :: 17 :: no standing in plan $PN: :: plan show $PN
plan.get              :: anon                               :: 26 :: $NOLOGIN :: plan show $PN
plan.get              :: stale2                             :: 26 :: $STALE :: plan show $PN
plan.get              :: kh,truong,pho,tv,tk,qd,gs          :: 0  :: CL-P1 .*Phường 1 :: plan show $PN
plan.get              :: repa                               :: 0! :: CL-P2|gs|Ban Pháp chế :: plan show $PN
plan.get              :: repb                               :: 0! :: CL-P1|gs|Ban Pháp chế :: plan show $PN
plan.list             :: ngoai,admin,qd2,gs2,repc           :: 0! :: $PN :: plan list
plan.get              :: qd2,gs2,repc                       :: 0  :: 07/KH-UBND :: plan show $P2
finding.create        :: tk                                 :: 17 :: writing on unit CL-P1 needs an assignment to it .*'\$U' is a secretary without one :: finding add $P CL-P1 --area procedures --kind strength --text "Tốt"
finding.create        :: tv                                 :: 17 :: writing on unit CL-P2 needs an assignment to it .*'\$U' is a member without one :: finding add $P CL-P2 --area procedures --kind strength --text "Tốt"
finding.create        :: kh,repa,qd,gs                      :: 17 :: finding.create needs a place on the team in plan $PN; '\$U' is \$D :: finding add $P CL-P1 --area procedures --kind strength --text "Tốt"
finding.create        :: kh,repb,qd,gs                      :: 17 :: finding.create needs a place on the team in plan $PN; '\$U' is \$D :: finding add $P CL-P2 --area procedures --kind strength --text "Tốt"
finding.create        :: repb                               :: 17 :: finding.create needs a place on the team in plan $PN; '\$U' is \$D :: finding add $P CL-P1 --area procedures --kind strength --text "Tốt"
finding.create        :: repa                               :: 17 :: finding.create needs a place on the team in plan $PN; '\$U' is \$D :: finding add $P CL-P2 --area procedures --kind strength --text "Tốt"
finding.create        :: $OUT                               :: 17 :: $NOSTAND :: finding add $P CL-P1 --area procedures --kind strength --text "Tốt"
finding.create        :: stale3                             :: 26 :: $STALE :: finding add $P CL-P1 --area procedures --kind strength --text "Tốt"
finding.create        :: anon                               :: 26 :: $NOLOGIN :: finding add $P CL-P1 --area procedures --kind strength --text "Tốt"
finding.update        :: tk                                 :: 17 :: writing on unit CL-P1 needs an assignment to it .*'\$U' is a secretary without one :: finding edit $F1 --version 1 --text "Sửa"
finding.update        :: tv                                 :: 17 :: writing on unit CL-P2 needs an assignment to it .*'\$U' is a member without one :: finding edit $F5 --version 1 --text "Sửa"
finding.update        :: kh,qd,gs                           :: 17 :: finding $F1 is a team draft, visible to the team of plan $PN only|finding.update needs a place on the team in plan $PN; '\$U' is \$D :: finding edit $F1 --version 1 --text "Sửa"
finding.update        :: repa,repb                          :: 17 :: finding $F1 is not visible to '\$U': a unit representative sees only accepted findings of their own unit :: finding edit $F1 --version 1 --text "Sửa"
finding.update        :: $OUT                               :: 17 :: $NOSTAND :: finding edit $F1 --version 1 --text "Sửa"
finding.update        :: anon                               :: 26 :: $NOLOGIN :: finding edit $F1 --version 1 --text "Sửa"
finding.submit        :: tk                                 :: 17 :: writing on unit CL-P1 needs an assignment to it .*'\$U' is a secretary without one :: finding submit $F1 --version 1
finding.submit        :: tv                                 :: 17 :: writing on unit CL-P2 needs an assignment to it .*'\$U' is a member without one :: finding submit $F5 --version 1
finding.submit        :: kh,repa,repb,qd,gs                 :: 17 :: finding.submit needs a place on the team in plan $PN; '\$U' is \$D :: finding submit $F1 --version 1
finding.submit        :: $OUT                               :: 17 :: $NOSTAND :: finding submit $F1 --version 1
finding.submit        :: anon                               :: 26 :: $NOLOGIN :: finding submit $F1 --version 1
finding.accept        :: tv,tk,kh,qd,gs                     :: 17 :: finding.review needs the team role leader or deputy in plan $PN; '\$U' is \$D :: finding accept $F2
finding.accept        :: repa,repb                          :: 17 :: finding $F2 is not visible to '\$U': a unit representative sees only accepted findings :: finding accept $F2
finding.accept        :: $OUT                               :: 17 :: $NOSTAND :: finding accept $F2
finding.accept        :: anon                               :: 26 :: $NOLOGIN :: finding accept $F2
finding.accept        :: pho                                :: 19 :: finding $F3 is accepted and frozen: it cannot accept :: finding accept $F3
finding.return        :: tv,tk,kh,qd,gs                     :: 17 :: finding.review needs the team role leader or deputy in plan $PN; '\$U' is \$D :: finding return $F2 --reason "Bổ sung số liệu"
finding.return        :: repa,repb                          :: 17 :: finding $F2 is not visible to '\$U': a unit representative sees only accepted findings :: finding return $F2 --reason "Bổ sung số liệu"
finding.return        :: $OUT                               :: 17 :: $NOSTAND :: finding return $F2 --reason "Bổ sung số liệu"
finding.return        :: anon                               :: 26 :: $NOLOGIN :: finding return $F2 --reason "Bổ sung số liệu"
finding.update        :: truong                             :: 19 :: finding $F3 is accepted and frozen :: finding edit $F3 --version 2 --text "Sửa sau khi chấp nhận"
finding.get(draft)    :: kh,qd                              :: 17 :: finding $F1 is a team draft, visible to the team of plan $PN only :: finding show $F1
finding.get(draft)    :: repa,repb                          :: 17 :: finding $F1 is not visible to '\$U': a unit representative sees only accepted findings of their own unit :: finding show $F1
finding.get(draft)    :: $OUT                               :: 17 :: $NOSTAND :: finding show $F1
finding.get(draft)    :: anon                               :: 26 :: $NOLOGIN :: finding show $F1
finding.get(draft)    :: truong,pho,tv,tk                   :: 0  :: DỰ THẢO: 12 hồ sơ :: finding show $F1
finding.get(draft)    :: gs                                 :: 0  :: DỰ THẢO: 12 hồ sơ :: finding show $F1
finding.get(submitted) :: repa,repb                         :: 17 :: finding $F2 is not visible to '\$U': a unit representative sees only accepted findings :: finding show $F2
finding.get(submitted) :: kh,qd,gs                          :: 0  :: submitted :: finding show $F2
finding.get(other unit) :: repb                             :: 17 :: finding $F3 is not visible to '\$U': a unit representative sees only accepted findings of their own unit :: finding show $F3
finding.get(other unit) :: repa                             :: 17 :: finding $F4 is not visible to '\$U': a unit representative sees only accepted findings of their own unit :: finding show $F4
finding.get(accepted) :: repa                               :: 0  :: 99% hồ sơ :: finding show $F3
finding.get(accepted) :: repb                               :: 0  :: Bộ phận Một cửa :: finding show $F4
finding.history(draft) :: kh,qd                             :: 17 :: finding $F1 is a team draft, visible to the team of plan $PN only :: finding history $F1
finding.history(draft) :: repa,repb                         :: 17 :: finding $F1 is not visible to '\$U': a unit representative sees only accepted findings :: finding history $F1
finding.history(draft) :: $OUT                              :: 17 :: $NOSTAND :: finding history $F1
finding.history(draft) :: anon                              :: 26 :: $NOLOGIN :: finding history $F1
finding.history(draft) :: gs                                :: 0  :: DỰ THẢO: 12 hồ sơ :: finding history $F1
finding.history(other unit) :: repb                         :: 17 :: finding $F3 is not visible to '\$U': a unit representative sees only accepted findings of their own unit :: finding history $F3
finding.history(accepted) :: repa                           :: 0! :: submitted :: finding history $F3
finding.list          :: repa                               :: 17 :: a unit representative sees only the findings of their own unit :: finding list $P --unit CL-P2
finding.list          :: repb                               :: 17 :: a unit representative sees only the findings of their own unit :: finding list $P --unit CL-P1
finding.list          :: $OUT                               :: 17 :: $NOSTAND :: finding list $P
finding.list          :: anon                               :: 26 :: $NOLOGIN :: finding list $P
finding.list          :: repa                               :: 0! :: ^($F1|$F2|$F4|$F5) |CL-P2|draft|submitted :: finding list $P
finding.list          :: repb                               :: 0! :: ^($F1|$F2|$F3|$F5) |CL-P1|draft|submitted :: finding list $P
finding.list          :: kh,qd                              :: 0! :: draft|DỰ THẢO :: finding list $P
finding.list          :: gs                                 :: 0  :: draft +[0-9]+ +tv +DỰ THẢO :: finding list $P
finding.list          :: tv,tk                              :: 0  :: draft +[0-9]+ +tk +DỰ THẢO :: finding list $P
evidence.upload       :: kh,qd,gs                           :: 17 :: evidence.begin needs a place on the team of plan $PN or the representative standing of one of its units; '\$U' is \$D :: evidence upload $P "$FD/x.txt"
evidence.upload       :: $OUT                               :: 17 :: $NOSTAND :: evidence upload $P "$FD/x.txt"
evidence.upload       :: anon                               :: 26 :: $NOLOGIN :: evidence upload $P "$FD/x.txt"
evidence.get          :: repa,repb                          :: 17 :: evidence $E1 is not attached to a record of your unit that you may see :: evidence get $E1 -o "$KT_TMP/dl/\$U-e1"
evidence.get          :: repa                               :: 17 :: evidence $E2 is not attached to a record of your unit that you may see :: evidence get $E2 -o "$KT_TMP/dl/\$U-e2"
evidence.get          :: repb                               :: 17 :: evidence $E3 is not attached to a record of your unit that you may see :: evidence get $E3 -o "$KT_TMP/dl/\$U-e3"
evidence.get          :: repa                               :: 17 :: evidence $E4 is not attached to a record of your unit that you may see :: evidence get $E4 -o "$KT_TMP/dl/\$U-e4"
evidence.get          :: $OUT                               :: 17 :: $NOSTAND :: evidence get $E1 -o "$KT_TMP/dl/\$U-e1"
evidence.get          :: anon                               :: 26 :: $NOLOGIN :: evidence get $E1 -o "$KT_TMP/dl/\$U-e1"
evidence.get          :: kh,truong,tk,qd,gs                 :: 0  :: . :: evidence get $E1 -o "$KT_TMP/dl/\$U-e1"
evidence.get          :: repb                               :: 0  :: . :: evidence get $E2 -o "$KT_TMP/dl/\$U-e2"
evidence.get          :: repa                               :: 0  :: . :: evidence get $E3 -o "$KT_TMP/dl/\$U-e3"
conclusion.draft      :: pho,tv,tk,kh,repa,repb,qd,gs       :: 17 :: conclusion.draft needs the team role leader in plan $PN; '\$U' is \$D :: conclusion draft $P CL-P2 --text "Sửa" --version 1
conclusion.draft      :: $OUT                               :: 17 :: $NOSTAND :: conclusion draft $P CL-P2 --text "Sửa" --version 1
conclusion.draft      :: anon                               :: 26 :: $NOLOGIN :: conclusion draft $P CL-P2 --text "Sửa" --version 1
conclusion.approve    :: pho,tv,tk,qd,gs                    :: 17 :: conclusion.approve needs the team role leader in plan $PN; '\$U' is \$D :: conclusion approve $P CL-P2
conclusion.approve    :: kh,repb                            :: 15 :: there is no conclusion for unit CL-P2 yet :: conclusion approve $P CL-P2
conclusion.approve    :: repa                               :: 17 :: conclusion.get of unit CL-P2 in plan $PN needs a place on the team.*or to represent that unit; the caller is a unit representative :: conclusion approve $P CL-P2
conclusion.approve    :: $OUT                               :: 17 :: $NOSTAND :: conclusion approve $P CL-P2
conclusion.approve    :: anon                               :: 26 :: $NOLOGIN :: conclusion approve $P CL-P2
conclusion.get        :: repa                               :: 17 :: conclusion.get of unit CL-P2 in plan $PN needs .*or to represent that unit; the caller is a unit representative :: conclusion show $P CL-P2
conclusion.get        :: repb                               :: 17 :: conclusion.get of unit CL-P1 in plan $PN needs .*or to represent that unit; the caller is a unit representative :: conclusion show $P CL-P1
conclusion.get        :: repa,repb                          :: 17 :: conclusion.get of the whole inspection in plan $PN needs .*the caller is a unit representative :: conclusion show $P
conclusion.get        :: $OUT                               :: 17 :: $NOSTAND :: conclusion show $P CL-P1
conclusion.get        :: anon                               :: 26 :: $NOLOGIN :: conclusion show $P CL-P1
conclusion.get(draft) :: kh,repa                            :: 0! :: BẢN NHÁP|draft :: conclusion show $P CL-P1
conclusion.get(draft) :: kh,repb                            :: 0! :: BẢN NHÁP|draft :: conclusion show $P CL-P2
conclusion.get(draft) :: truong,tv,qd,gs                    :: 0  :: BẢN NHÁP kết luận Phường 2 :: conclusion show $P CL-P2
conclusion.get        :: kh,repa                            :: 0  :: revision 1 +approved :: conclusion show $P CL-P1
rec.create            :: tv,tk,kh,repa,repb,qd,gs           :: 17 :: recommendation.create needs the team role leader or deputy in plan $PN; '\$U' is \$D :: rec add $P CL-P1 --text "Kiến nghị thử" --deadline 2024-07-01
rec.create            :: $OUT                               :: 17 :: $NOSTAND :: rec add $P CL-P1 --text "Kiến nghị thử" --deadline 2024-07-01
rec.create            :: anon                               :: 26 :: $NOLOGIN :: rec add $P CL-P1 --text "Kiến nghị thử" --deadline 2024-07-01
rec.respond           :: truong,pho,tv,tk,kh,qd,gs          :: 17 :: recommendation.respond needs the representative of unit CL-P1 in plan $PN; '\$U' is \$D :: rec respond $R1 --explanation --text "Giải trình"
rec.respond           :: repb                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P1's :: rec respond $R1 --explanation --text "Giải trình"
rec.respond           :: repa                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P2's :: rec respond $R3 --explanation --text "Giải trình"
rec.respond           :: $OUT                               :: 17 :: $NOSTAND :: rec respond $R1 --explanation --text "Giải trình"
rec.respond           :: anon                               :: 26 :: $NOLOGIN :: rec respond $R1 --explanation --text "Giải trình"
rec.respond           :: repa                               :: 19 :: answered; the unit answers only an open or returned recommendation :: rec respond $R2 --explanation --text "Lần nữa"
rec.accept            :: tv,tk,kh,repa,qd,gs                :: 17 :: recommendation.decide needs the team role leader or deputy in plan $PN; '\$U' is \$D :: rec accept $R2
rec.accept            :: repb                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P1's :: rec accept $R2
rec.accept            :: $OUT                               :: 17 :: $NOSTAND :: rec accept $R2
rec.accept            :: anon                               :: 26 :: $NOLOGIN :: rec accept $R2
rec.return            :: tv,tk,kh,repa,qd,gs                :: 17 :: recommendation.decide needs the team role leader or deputy in plan $PN; '\$U' is \$D :: rec return $R2 --reason "Thiếu ảnh chụp"
rec.return            :: repb                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P1's :: rec return $R2 --reason "Thiếu ảnh chụp"
rec.return            :: $OUT                               :: 17 :: $NOSTAND :: rec return $R2 --reason "Thiếu ảnh chụp"
rec.return            :: anon                               :: 26 :: $NOLOGIN :: rec return $R2 --reason "Thiếu ảnh chụp"
rec.accept            :: pho                                :: 19 :: recommendation $R1 is open; only an answered recommendation is accepted or returned :: rec accept $R1
rec.list              :: repa                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P2's :: rec list $P --unit CL-P2
rec.list              :: repb                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P1's :: rec list $P --unit CL-P1
rec.list              :: $OUT                               :: 17 :: $NOSTAND :: rec list $P
rec.list              :: anon                               :: 26 :: $NOLOGIN :: rec list $P
rec.list              :: repa                               :: 0! :: CL-P2|Kiện toàn :: rec list $P
rec.list              :: repb                               :: 0! :: CL-P1|Niêm yết|Xin lỗi :: rec list $P
rec.list              :: kh,truong,tv,qd,gs                 :: 0  :: Kiện toàn tổ công nghệ số :: rec list $P
rec.get               :: repb                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P1's :: rec show $R1
rec.get               :: repa                               :: 17 :: a unit representative sees only their own unit's recommendations, not unit CL-P2's :: rec show $R3
rec.get               :: $OUT                               :: 17 :: $NOSTAND :: rec show $R1
rec.get               :: repa                               :: 0  :: Xin lỗi công dân :: rec show $R1
review.record         :: truong,pho,tv,tk,kh,qd,gs          :: 17 :: review.record needs the role unit_rep; '\$U' does not have it :: review record $P CL-P2 --date 2024-05-12 --official "$OFF_B" --version 1
review.record         :: repa                               :: 17 :: review.record needs the representative of unit CL-P2 :: review record $P CL-P2 --date 2024-05-12 --official "$OFF_B" --version 1
review.record         :: $OUT                               :: 17 :: $NOSTAND|review.record needs the role unit_rep; '\$U' does not have it :: review record $P CL-P2 --date 2024-05-12 --official "$OFF_B" --version 1
review.record         :: anon                               :: 26 :: $NOLOGIN :: review record $P CL-P2 --date 2024-05-12 --official "$OFF_B" --version 1
review.record         :: repa                               :: 19 :: in sign-off :: review record $P CL-P1 --date 2024-05-10 --official "$OFF_A" --version 2
review.sign(step 1)   :: truong,pho,tv,tk,qd,gs             :: 17 :: review.sign: step 1 \(unit_rep\) needs the representative of unit CL-P2 in plan $PN; '\$U' is \$D :: review submit $P CL-P2
review.sign(step 1)   :: kh                                 :: 17 :: the review of unit CL-P2 needs a place on the team of plan $PN, an observer's or the authority's standing, or to represent that unit; '\$U' is \$D :: review submit $P CL-P2
review.sign(step 1)   :: repa                               :: 17 :: the review of unit CL-P2 needs .*or to represent that unit; '\$U' is the representative of another unit :: review submit $P CL-P2
review.sign(step 1)   :: $OUT                               :: 17 :: $NOSTAND :: review submit $P CL-P2
review.sign(step 1)   :: anon                               :: 26 :: $NOLOGIN :: review submit $P CL-P2
review.sign(step 2)   :: pho,tv,tk,repa,qd,gs               :: 17 :: review.sign: step 2 \(leader\) needs the team leader in plan $PN; '\$U' is \$D :: review sign $P CL-P1
review.sign(step 2)   :: kh,repb                            :: 17 :: the review of unit CL-P1 needs .*or to represent that unit; '\$U' is \$D :: review sign $P CL-P1
review.sign(step 2)   :: $OUT                               :: 17 :: $NOSTAND :: review sign $P CL-P1
review.sign(step 2)   :: anon                               :: 26 :: $NOLOGIN :: review sign $P CL-P1
review.return(step 2) :: pho,tv,tk,repa,qd,gs               :: 17 :: review.sign: step 2 \(leader\) needs the team leader in plan $PN; '\$U' is \$D :: review return $P CL-P1 --reason "Thiếu chữ ký"
review.return(step 2) :: kh,repb                            :: 17 :: the review of unit CL-P1 needs .*or to represent that unit; '\$U' is \$D :: review return $P CL-P1 --reason "Thiếu chữ ký"
review.return(step 2) :: $OUT                               :: 17 :: $NOSTAND :: review return $P CL-P1 --reason "Thiếu chữ ký"
review.return(step 2) :: anon                               :: 26 :: $NOLOGIN :: review return $P CL-P1 --reason "Thiếu chữ ký"
review.list           :: kh                                 :: 17 :: review.list needs a place on the team of plan $PN, an observer's or the authority's standing, or to represent one of its units; '\$U' is a planner only :: review list $P
review.list           :: $OUT                               :: 17 :: $NOSTAND :: review list $P
review.list           :: anon                               :: 26 :: $NOLOGIN :: review list $P
review.get            :: repa                               :: 17 :: the review of unit CL-P2 needs .*; '\$U' is the representative of another unit :: review show $P CL-P2
review.get            :: repb                               :: 17 :: the review of unit CL-P1 needs .*; '\$U' is the representative of another unit :: review show $P CL-P1
review.list           :: repa                               :: 0! :: CL-P2 :: review list $P
review.list           :: repb                               :: 0! :: CL-P1 :: review list $P
review.list           :: truong,tv,qd,gs                    :: 0  :: CL-P2 .*draft :: review list $P
watch                 :: $OUT                               :: 17 :: $NOSTAND :: watch $P --seconds 1
watch                 :: anon                               :: 26 :: $NOLOGIN :: watch $P --seconds 1
report                :: $OUT                               :: 17 :: $NOSTAND :: report $P
report                :: anon                               :: 26 :: $NOLOGIN :: report $P
report                :: repa                               :: 0! :: CL-P2 :: report $P
report                :: repb                               :: 0! :: CL-P1 :: report $P
report                :: kh,truong,tv,qd,gs                 :: 0  :: CL-P2 :: report $P
other plan            :: truong,pho,tv,tk,repa,qd,gs        :: 17 :: no standing in plan $P2: :: finding add $P2 CL-HA --area procedures --kind strength --text "Tốt"
other plan            :: truong,pho,tv,tk,repa,repb,qd,gs   :: 17 :: no standing in plan $P2: :: report $P2
other plan            :: truong,qd,gs                       :: 17 :: no standing in plan $P2: :: rec list $P2
misc                  :: admin                              :: 0  :: admin :: whoami
misc                  :: anon                               :: 0  :: reply from :: ping --count 1
closed:plan.update    :: truong                             :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: plan update $P3 --title "Mở lại"
closed:plan.update    :: kh                                 :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: plan update $P3 --title "Mở lại"
closed:team.set       :: kh,truong                          :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: team set $P3 --decision 9/QĐ --date 2024-02-21
closed:team.member    :: kh,truong                          :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: team add $P3 pho --role deputy
closed:plan.assign    :: truong                             :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: assign $P3 CL-HA --user truong --from 2024-03-01 --to 2024-03-02
closed:observer.set   :: kh,truong                          :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: observer add $P3 gs
closed:plan.close     :: truong                             :: 19 :: plan 08/KH-UBND is already closed :: plan close $P3
closed:finding.create :: truong                             :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: finding add $P3 CL-HA --area procedures --kind strength --text "Muộn"
closed:evidence.upload :: truong,repc                        :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: evidence upload $P3 "$FD/x.txt"
closed:conclusion.draft :: truong                             :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: conclusion draft $P3 CL-HA --text "Sửa muộn"
closed:rec.create     :: truong                             :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: rec add $P3 CL-HA --text "Muộn" --deadline 2024-07-01
closed:review.record  :: repc                               :: 19 :: plan 08/KH-UBND is closed: nothing in it can change any more :: review record $P3 CL-HA --date 2024-05-12 --official "A|B|reminder" --version 2
closed:report         :: truong,repc                        :: 0  :: CL-HA :: report $P3
EOF
run_jobs one "$SHARDS"
kt_log "phase 1 done at $((SECONDS - START_S)) s"

# ---- phase 2: changes, in order, with watchers of each standing ----------------------------------
kt_wait_line() {
	local f=$1 pat=$2 i
	for i in $(seq 1 200); do
		grep -qE -- "$pat" "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
declare -A WPID
for w in tv:$P gs:$P repa:$P repb:$P ngoai: qd2: admin:; do
	u=${w%%:*}
	"$KIEMTRA" --home "$KT_TMP/home-$u" --server "$KT_ADDR" --json watch ${w#*:} \
		--seconds 120 >"$KT_TMP/w-$u.out" 2>"$KT_TMP/w-$u.err" &
	WPID[$u]=$!
done
for u in "${!WPID[@]}"; do
	kt_wait_line "$KT_TMP/w-$u.out" '"event":"watching"' ||
		kt_fail "watcher $u did not start: $(head -c 300 "$KT_TMP/w-$u.err")"
done

# A unit representative cites only evidence it may read: otherwise citing a team
# draft's file, or another unit's minutes, would be a way to read it.
kt_expect_stderr "repb cannot cite the team's draft evidence E1 in its answer" 17 \
	"evidence $E1" \
	kt_as repb rec respond "$R3" --explanation --text "Giải trình" --evidence "$E1"
kt_expect_stderr "... and so still cannot read E1" 17 "evidence $E1 is not attached" \
	kt_as repb evidence get "$E1" -o "$KT_TMP/dl/repb-e1-after"
kt_expect_stderr "repb cannot make CL-P1's minutes (E3) the minutes of its review" 17 \
	"evidence $E3" \
	kt_as repb review record $P CL-P2 --date 2024-05-11 --minutes "$E3" --version 1 \
	--official "$OFF_B"
kt_expect_stderr "... and so still cannot read E3" 17 "evidence $E3 is not attached" \
	kt_as repb evidence get "$E3" -o "$KT_TMP/dl/repb-e3-after"

kt_expect_output "repa uploads the same bytes as the team's E1: one evidence per content" \
	"\"evidence_id\":$E1," kt_as repa --json evidence upload $P "$FD/e1.txt"
kt_expect_stderr "... which does not make repa its uploader: E1 stays unreadable to it" 17 \
	"evidence $E1 is not attached" kt_as repa evidence get "$E1" -o "$KT_TMP/dl/repa-e1-after"

kt_expect_output "the member edits her draft (team-only update)" "version 2" \
	kt_as tv finding edit "$F1" --version 1 --text "DỰ THẢO: 12 hồ sơ trễ hạn (tháng 3)"
kt_expect_output "the secretary records a finding on the unit of her group" "created" \
	kt_as tk finding add $P CL-P2 --area procedures --kind strength --text "Hồ sơ được số hóa"
kt_expect_output "the member records one on her unit" "created" \
	kt_as tv finding add $P CL-P1 --area procedures --kind strength --text "Có sổ theo dõi"
kt_expect_output "the deputy records one on any unit" "created" \
	kt_as pho finding add $P CL-P2 --area apparatus --kind strength --text "Đủ biên chế"
kt_expect_output "the deputy accepts F2 (seen by CL-P1)" "accepted" kt_as pho finding accept "$F2"
kt_expect_output "the leader signs step 2 of CL-P1's review" "next: step 3, authority qd" \
	kt_as truong review sign $P CL-P1
kt_expect_output "CL-P2 submits its review (step 1)" "next: step 2" \
	kt_as repb review submit $P CL-P2
kt_expect_output "CL-P1 answers R1" "answered" \
	kt_as repa rec respond "$R1" --explanation --text "Đã xin lỗi 12 công dân"
kt_expect_output "the deputy returns R2" "returned" \
	kt_as pho rec return "$R2" --reason "Thiếu ảnh chụp bảng niêm yết"
kt_expect_output "the leader edits the draft conclusion of CL-P2 (team-only)" "version 2" \
	kt_as truong conclusion draft $P CL-P2 --text "BẢN NHÁP kết luận Phường 2 (sửa)" \
	--finding "$F4" --version 1
kt_expect_output "the planner corrects the title (plan-wide update)" "version" \
	kt_as kh plan update $P --title "Kiểm tra công tác CCHC năm 2024 (điều chỉnh)"
kt_expect_output "the leader adds a recommendation to CL-P2" "recommendation" \
	kt_as truong rec add $P CL-P2 --text "Công khai kết quả" --deadline 2024-08-30
# Updates go out before the answer to the change; wait until the watchers printed them.
kt_wait_line "$KT_TMP/w-gs.out" '"kind":"plan"' || kt_fail "gs: no plan update arrived"
kt_wait_line "$KT_TMP/w-repb.out" '"kind":"recommendation".*"unit":"CL-P2"' ||
	kt_fail "repb: the new recommendation to CL-P2 did not arrive"
kt_wait_line "$KT_TMP/w-repa.out" '"kind":"recommendation".*"state":4' ||
	kt_fail "repa: the return of R2 did not arrive"
kt_wait_line "$KT_TMP/w-tv.out" '"kind":"recommendation".*"unit":"CL-P2"' ||
	kt_fail "tv: the last update did not arrive"
sleep 0.3
for u in "${!WPID[@]}"; do
	kill -INT "${WPID[$u]}" 2>/dev/null
	wait "${WPID[$u]}" 2>/dev/null
done
# What each watcher saw: updates of its plan that its standing lets it read.
n_upd() { grep -c '"event":"update"' "$KT_TMP/w-$1.out"; }
for u in ngoai qd2 admin; do
	if [ "$(n_upd $u)" = 0 ]; then
		kt_pass "$u (no standing) saw no update of $PN"
	else
		kt_fail "$u (no standing) saw updates: $(grep update "$KT_TMP/w-$u.out" |
			head -c 400)"
	fi
done
if grep '"event":"update"' "$KT_TMP/w-repb.out" | grep -qv '"unit":"CL-P2"'; then
	kt_fail "repb saw updates outside CL-P2: $(grep -v CL-P2 "$KT_TMP/w-repb.out" |
		head -c 400)"
else
	kt_pass "repb saw only updates of CL-P2"
fi
if grep -q '"kind":"review".*"unit":"CL-P2"' "$KT_TMP/w-repb.out"; then
	kt_pass "repb saw its own review submitted"
else
	kt_fail "repb did not see its review submitted: $(head -c 400 "$KT_TMP/w-repb.out")"
fi
if grep '"event":"update"' "$KT_TMP/w-repa.out" |
	grep -E -v '"unit":"CL-P1"' | grep -q .; then
	kt_fail "repa saw updates outside CL-P1: $(grep -v CL-P1 "$KT_TMP/w-repa.out" |
		head -c 400)"
else
	kt_pass "repa saw only updates of CL-P1"
fi
if grep '"kind":"finding"' "$KT_TMP/w-repa.out" | grep -qv "\"object_id\":$F2,"; then
	kt_fail "repa saw a finding update other than the acceptance of F2: $(grep finding \
		"$KT_TMP/w-repa.out" | head -c 400)"
elif grep -q "\"kind\":\"finding\".*\"object_id\":$F2," "$KT_TMP/w-repa.out"; then
	kt_pass "repa saw the acceptance of F2 and no draft"
else
	kt_fail "repa did not see the acceptance of F2: $(head -c 400 "$KT_TMP/w-repa.out")"
fi
if grep -q '"kind":"conclusion"' "$KT_TMP/w-repa.out" "$KT_TMP/w-repb.out"; then
	kt_fail "a unit representative saw a draft conclusion update"
else
	kt_pass "no unit representative saw the draft conclusion"
fi
if grep -q "\"object_id\":$F1," "$KT_TMP/w-tv.out" &&
	grep -q '"kind":"conclusion"' "$KT_TMP/w-tv.out"; then
	kt_pass "the member saw the team-only updates (the draft, the draft conclusion)"
else
	kt_fail "the member did not see team-only updates: $(head -c 400 "$KT_TMP/w-tv.out")"
fi
if grep -q '"kind":"plan"' "$KT_TMP/w-gs.out" && grep -q '"kind":"review"' "$KT_TMP/w-gs.out"; then
	kt_pass "the observer saw the plan's and the reviews' updates"
else
	kt_fail "the observer missed updates: $(head -c 400 "$KT_TMP/w-gs.out")"
fi

# Standing needs the global role at the time of the request, and a place on the team.
kt_check "the planner names cu deputy" kt_as kh team add $P cu --role deputy
kt_expect_output "the deputy cu writes on CL-P2" "created" \
	kt_as cu finding add $P CL-P2 --area procedures --kind strength --text "Ghi nhận của cu"
kt_admin user roles cu authority >/dev/null || kt_fail "user roles cu authority"
kt_expect_stderr "without the role inspector, cu's place on the team gives nothing" 17 \
	"no standing" \
	kt_as cu finding add $P CL-P2 --area procedures --kind strength --text "Sau khi mất quyền"
kt_check "the leader takes the secretary off the team" kt_as truong team remove $P tk
kt_expect_stderr "off the team, the secretary has no standing" 17 "no standing" \
	kt_as tk finding add $P CL-P2 --area procedures --kind strength --text "Sau khi rời đoàn"
kt_log "phase 2 done at $((SECONDS - START_S)) s"

# ---- phase 3: the authority's step ------------------------------------------------------------
expand_table three <<EOF
review.sign(step 3)   :: truong,pho,tv,repa,qd2,gs          :: 17 :: step 3 \(authority\) needs the plan's approving authority|$NOSTAND :: review sign $P CL-P1
review.sign(step 3)   :: kh,repb                            :: 17 :: the review of unit CL-P1 needs .*'\$U' is \$D :: review sign $P CL-P1
review.sign(step 3)   :: ngoai,admin,gs2,repc               :: 17 :: $NOSTAND :: review sign $P CL-P1
review.sign(step 3)   :: anon                               :: 26 :: $NOLOGIN :: review sign $P CL-P1
review.return(step 3) :: truong,pho,gs                      :: 17 :: step 3 \(authority\) needs the plan's approving authority :: review return $P CL-P1 --reason "Chưa đủ"
review.sign(step 2)   :: pho,tv,repb,qd,gs                  :: 17 :: step 2 \(leader\) needs the team leader|the review of unit CL-P2 needs :: review sign $P CL-P2
EOF
run_jobs three "$SHARDS"
kt_expect_output "the plan's approving authority signs step 3" "the review is approved" \
	kt_as qd review sign $P CL-P1
kt_expect_stderr "an approved review takes no more signatures" 19 "already approved" \
	kt_as qd review sign $P CL-P1

# ---- the matrix ---------------------------------------------------------------------------
# One row per request kind, one column per role. A cell lists the checks of that role
# and request: the expected exit code (17, 26, 15, 19), "ok" for an allowed request,
# "hid" for a read that must not show what is not the role's; "xN" counts repeats; a
# trailing "*" marks a check that failed.
ROLES="kh truong pho tv tk repa repb qd gs qd2 gs2 repc ngoai admin anon stale1 stale2 stale3"
awk -F'\t' -v roles="$ROLES" '
	FILENAME ~ /jobs/ { if (!($1 in seen)) { seen[$1] = 1; keys[++nk] = $1 }; next }
	{
		if (!($2 in seen)) { seen[$2] = 1; keys[++nk] = $2 }
		c = $4 == "0" ? "ok" : $4 == "0!" ? "hid" : $4
		c = c ($1 == "FAIL" ? "*" : "")
		k = $2 SUBSEP $3 SUBSEP c
		if (!(k in n)) { kinds[$2 SUBSEP $3] = kinds[$2 SUBSEP $3] " " c }
		n[k]++
	}
	END {
		nr = split(roles, r, " ")
		printf "%-28s", "request \\ role"
		for (i = 1; i <= nr; i++) printf " %-7s", r[i]
		printf "\n"
		for (j = 1; j <= nk; j++) {
			printf "%-28s", keys[j]
			for (i = 1; i <= nr; i++) {
				cell = ""
				m = split(kinds[keys[j] SUBSEP r[i]], cs, " ")
				for (q = 1; q <= m; q++) {
					x = n[keys[j] SUBSEP r[i] SUBSEP cs[q]]
					cell = cell (cell == "" ? "" : ",") cs[q]
					cell = cell (x > 1 ? "x" x : "")
				}
				printf " %-7s", cell == "" ? "." : cell
			}
			printf "\n"
		}
	}' "$KT_TMP/jobs.one" "$KT_TMP/jobs.three" "$KT_TMP/results" >"$KT_TMP/matrix"
cat "$KT_TMP/matrix"
denials=$(awk -F'\t' '$4 != "0" && $4 != "0!"' "$KT_TMP/results" | wc -l)
hidden=$(awk -F'\t' '$4 == "0!"' "$KT_TMP/results" | wc -l)
allowed=$(awk -F'\t' '$4 == "0"' "$KT_TMP/results" | wc -l)
bad=$(awk -F'\t' '$1 == "FAIL"' "$KT_TMP/results" | wc -l)
echo "rights: $denials refusals, $hidden filtered reads, $allowed allowed requests checked" \
	"in the table ($bad failed); $((SECONDS - START_S)) s"

kt_expect_output "the audit chain is intact" "audit chain intact" kt_admin audit verify
kt_alive
kt_done
