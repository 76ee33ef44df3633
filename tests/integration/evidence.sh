#!/usr/bin/env bash
# Evidence through the real client against a real server: uploads in chunks
# inside the protocol, deduplicated by SHA-256 within a plan, resumed after an
# interruption (also by another member), refused when the content does not
# match the declared SHA-256 (and reset), refused above the size limit before
# any content is sent; downloads byte-identical and verified; who may upload
# and read.
. "$(dirname "$0")/lib.sh"

kt_start_server

kt_admin unit add CL-P4 "Phường 4" --kind ward >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune >/dev/null
kt_user_add hoa "Nguyễn Thị Hoa" planner
kt_user_add dung "Lê Quốc Dũng" inspector
kt_user_add lan "Phạm Thị Lan" inspector
kt_user_add binh "Võ Văn Bình" inspector
kt_user_add hdnd "Lâm Thị Giám Sát" observer
kt_user_add rep4 "Chủ tịch UBND Phường 4" unit_rep CL-P4
kt_user_add out "Người Ngoài" inspector
for u in hoa dung lan binh hdnd rep4 out; do
	kt_login "$u" || kt_fail "login $u"
done
P=06/KH-UBND
kt_as hoa plan create --number $P --date 2022-01-11 --issuer "UBND thành phố Cao Lãnh" \
	--title "Kiểm tra CCHC năm 2022" --from 2022-03-01 --to 2022-03-10 \
	--unit CL-P4,CL-HA >/dev/null || kt_fail "plan create"
kt_as hoa team add $P dung --role leader >/dev/null || kt_fail "team add dung"
kt_as dung team add $P lan --role member >/dev/null || kt_fail "team add lan"
kt_as dung team add $P binh --role member >/dev/null || kt_fail "team add binh"
kt_as hoa observer add $P hdnd >/dev/null || kt_fail "observer add"

jnum() { grep -o "\"${1:-id}\":[0-9]*" | head -1 | cut -d: -f2; }
CHUNK=49152

# -- a small file, then the same content again -------------------------------------------------
SMALL=$KT_TMP/bao-cao.txt
printf 'Báo cáo kết quả thực hiện CCHC quý I năm 2022 của UBND Phường 4.\n' >"$SMALL"
kt_expect_output "a small file is uploaded" "evidence [0-9]+ uploaded$" \
	kt_as lan evidence upload $P "$SMALL"
E1=$(kt_as lan --json evidence upload $P "$SMALL" | jnum evidence_id)
kt_expect_output "the same content again is deduplicated: nothing sent" \
	"evidence $E1: the plan already has this content; nothing was sent" \
	kt_as binh evidence upload $P "$SMALL"
cp "$SMALL" "$KT_TMP/copy-with-another-name.txt"
kt_expect_output "under another name too (JSON)" "\"evidence_id\":$E1,.*\"deduplicated\":true" \
	kt_as lan --json evidence upload $P "$KT_TMP/copy-with-another-name.txt"
kt_check "download" kt_as hdnd evidence get "$E1" -o "$KT_TMP/small.out"
kt_check "byte-identical" cmp "$SMALL" "$KT_TMP/small.out"
kt_expect_output "the download is verified against the SHA-256" \
	"saved to .*; SHA-256 $(sha256sum "$SMALL" | cut -c1-64) verified" \
	kt_as lan evidence get "$E1" -o "$KT_TMP/small2.out"
kt_expect_output "to standard output" "$(sha256sum "$SMALL" | cut -c1-64)" \
	bash -c "\"\$0\" --home \"$KT_TMP/home-lan\" --server \"$KT_ADDR\" evidence get $E1 -o - | sha256sum" \
	"$KIEMTRA"

# -- a larger file, interrupted and resumed ------------------------------------------------------
BIG=$KT_TMP/so-lieu.bin
head -c $((CHUNK * 20 + 12345)) /dev/urandom >"$BIG"
kt_expect_stderr "an upload stopped after 5 chunks (as if interrupted)" 1 \
	"stopped after 5 chunks as asked \($((CHUNK * 5)) of $((CHUNK * 20 + 12345)) bytes on the server\); run the same command again to resume" \
	kt_as lan evidence upload $P "$BIG" --stop-after-chunks 5
kt_expect_stderr "a download of the incomplete upload is refused" 19 "not complete yet" \
	kt_as lan evidence get 2 -o "$KT_TMP/none"
kt_expect_stderr "running it again continues (stopped again after 3 more)" 1 \
	"\($((CHUNK * 8)) of" kt_as lan evidence upload $P "$BIG" --stop-after-chunks 3
kt_expect_output "another member running the same upload takes it over where it stopped" \
	"evidence ([0-9]+) uploaded \(resumed at byte $((CHUNK * 8))\)" \
	kt_as binh evidence upload $P "$BIG"
E2=$(kt_as lan --json evidence upload $P "$BIG" | jnum evidence_id)
kt_check "the resumed upload downloads" kt_as lan evidence get "$E2" -o "$KT_TMP/big.out"
kt_check "byte-identical after resuming" cmp "$BIG" "$KT_TMP/big.out"
[ -e "$KT_TMP/big.out.part" ] && kt_fail "a .part file was left behind"

# Exact multiples of the chunk size and a one-byte file.
head -c $((CHUNK * 2)) /dev/urandom >"$KT_TMP/two-chunks.bin"
printf 'x' >"$KT_TMP/one-byte.txt"
for f in two-chunks.bin one-byte.txt; do
	id=$(kt_as lan --json evidence upload $P "$KT_TMP/$f" | jnum evidence_id)
	kt_as lan evidence get "$id" -o "$KT_TMP/$f.out" >/dev/null
	kt_check "$f round trip" cmp "$KT_TMP/$f" "$KT_TMP/$f.out"
done

# -- a declared SHA-256 that the content does not match ---------------------------------------------
WRONG=0000000000000000000000000000000000000000000000000000000000000000
kt_expect_stderr "content that does not match its declared SHA-256 is refused" 13 \
	"content does not match its SHA-256: evidence [0-9]+ was reset; upload it again" \
	kt_as lan evidence upload $P "$BIG" --declare-sha256 "$WRONG"
kt_expect_stderr "the refused upload was reset: trying again starts from byte 0 and fails again" 13 \
	"does not match its SHA-256" kt_as lan evidence upload $P "$BIG" --declare-sha256 "$WRONG"
kt_expect_stderr "the refused evidence cannot be attached to a finding" 13 "not complete" \
	kt_as dung finding add $P CL-P4 --area procedures --kind strength --text "x" \
	--evidence "$(( E2 + 3 ))"

# -- limits --------------------------------------------------------------------------------------
HUGE=$KT_TMP/qua-lon.bin
truncate -s $((64 * 1024 * 1024 + 1)) "$HUGE"
kt_expect_stderr "a file over 64 MiB is refused before any content is sent" 13 \
	"larger than the limit of 67108864 bytes" kt_as lan evidence upload $P "$HUGE"
: >"$KT_TMP/empty.txt"
kt_expect_stderr "an empty file is refused" 13 "cannot be empty" \
	kt_as lan evidence upload $P "$KT_TMP/empty.txt"
kt_expect_stderr "a file that does not exist" 1 "cannot open" \
	kt_as lan evidence upload $P "$KT_TMP/missing.pdf"
kt_expect_stderr "an unknown evidence id" 15 "no evidence with id 999" \
	kt_as lan evidence get 999 -o "$KT_TMP/none"
kt_expect_stderr "get needs -o" 2 "-o FILE is required" kt_as lan evidence get "$E1"

# -- rights ---------------------------------------------------------------------------------------
kt_expect_stderr "an observer uploads nothing" 17 "evidence.begin needs a place on the team" \
	kt_as hdnd evidence upload $P "$SMALL"
kt_expect_stderr "an inspector outside the plan has no standing" 17 "no standing in plan" \
	kt_as out evidence upload 1 "$SMALL"
REPF=$KT_TMP/bien-ban-khac-phuc.txt
printf 'Biên bản khắc phục của UBND Phường 4.\n' >"$REPF"
kt_expect_output "the unit's representative uploads (for responses and reviews)" "uploaded" \
	kt_as rep4 evidence upload $P "$REPF"
E3=$(kt_as rep4 --json evidence upload $P "$REPF" | jnum evidence_id)
kt_check "and reads back what they uploaded" kt_as rep4 evidence get "$E3" -o "$KT_TMP/rep.out"
kt_expect_stderr "but not the team's evidence" 17 "not attached to a record of your unit" \
	kt_as rep4 evidence get "$E1" -o "$KT_TMP/x"
kt_check "the team reads the representative's upload" \
	kt_as dung evidence get "$E3" -o "$KT_TMP/dung.out"
kt_expect_stderr "an outsider reads nothing" 17 "no standing in plan" \
	kt_as out evidence get "$E1" -o "$KT_TMP/x"

kt_alive
kt_done
