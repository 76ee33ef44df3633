#!/usr/bin/env bash
# Accounts, sessions, devices and server identity, through the real client
# against a real server: first administrator, forced password change, login,
# whoami, wrong passwords and throttling, sessions bound to device keys,
# logout, disabling an account with live connections, kicks, key pinning.
. "$(dirname "$0")/lib.sh"
RAW=$KT_BUILD_DIR/tests/kt_rawpeer

kt_start_server

# -- the first administrator must change the generated password at first login
[ -n "$KT_ADMIN_PW" ] && kt_pass "first start wrote the initial admin password" ||
	kt_fail "no initial-admin-password file"
kt_expect_output "admin logs in with the generated password and sets a new one" \
	"must change|password changed" \
	sh -c "printf '%s\n%s\n' '$KT_ADMIN_PW' 'quản-trị-mới-2024' |
		'$KIEMTRA' --home '$KT_TMP/home-admin' --server '$KT_ADDR' login --user admin --password-stdin"
kt_expect_output "admin whoami after the change" "admin" kt_as admin whoami
kt_expect_stderr "the old generated password no longer works" 26 "wrong username or password" \
	sh -c "printf '%s\n' '$KT_ADMIN_PW' |
		'$KIEMTRA' --home '$KT_TMP/home-admin2' --server '$KT_ADDR' login --user admin --password-stdin"

# -- a user with a Vietnamese name
kt_admin unit add DT "Đồng Tháp" --kind province >/dev/null
kt_admin unit add CL "thành phố Cao Lãnh" --kind district --parent DT >/dev/null
kt_admin unit add CL-HA "xã Hòa An" --kind commune --parent CL >/dev/null
kt_check "user dung added" kt_user_add dung "Lê Quốc Dũng" inspector
kt_check "dung logs in" kt_login dung
kt_expect_output "whoami shows the Vietnamese name" "Lê Quốc Dũng" kt_as dung whoami
kt_expect_output "whoami --json" '"username":"dung"' kt_as dung --json whoami
kt_expect_output "session resumes on a new connection" "inspector" kt_as dung whoami
kt_expect_output "units find ignores diacritics" "xã Hòa An" kt_as dung units find hoa an
kt_expect_output "units find ignores case" "xã Hòa An" kt_as dung units find "HOA AN"
kt_expect_output "units show by code" "Cao Lãnh" kt_as dung units show CL

# -- wrong passwords, unknown users, throttling
kt_expect_stderr "wrong password" 26 "wrong username or password" \
	sh -c "echo 'not-the-password-1' | '$KIEMTRA' --home '$KT_TMP/home-x' --server '$KT_ADDR' login --user dung --password-stdin"
kt_expect_stderr "unknown user gets the same answer" 26 "wrong username or password" \
	sh -c "echo 'not-the-password-1' | '$KIEMTRA' --home '$KT_TMP/home-x' --server '$KT_ADDR' login --user nobody --password-stdin"
throttled=0
for i in 1 2 3 4 5 6; do
	rc=0
	echo "wrong-password-$i" | kt_as guesser login --user dung --password-stdin \
		>/dev/null 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq 18 ]; then throttled=1; break; fi
done
[ "$throttled" = 1 ] && grep -q "try again" "$KT_TMP/err" &&
	kt_pass "repeated failures are throttled with a retry time" ||
	kt_fail "no throttling after repeated failures (last exit $rc)"
kt_expect_output "an established session is not affected by the throttle" "dung" kt_as dung whoami
sleep 2 # let the account's backoff (1 s after the 4th failure) run out

# -- not logged in; sessions are bound to the device key
kt_expect_stderr "a command without a session says how to log in" 26 "kiemtra login" \
	kt_as nobody whoami
mkdir -p "$KT_TMP/home-thief"
cp -r "$KT_TMP/home-dung/sessions" "$KT_TMP/home-thief/"
cp "$KT_TMP/home-dung/known_servers" "$KT_TMP/home-thief/"
kt_expect_exit 26 "a session token copied to another device is refused" kt_as thief whoami

# -- logout
kt_check "dung logs out" kt_as dung logout
kt_expect_exit 26 "after logout the session is gone" kt_as dung whoami

# -- password change by the user
kt_login dung
kt_expect_exit 0 "dung changes the password" sh -c "printf '%s\n%s\n' '$(kt_password_of dung)' 'một-mật-khẩu-mới-99' |
	'$KIEMTRA' --home '$KT_TMP/home-dung' --server '$KT_ADDR' passwd --password-stdin"
kt_expect_exit 26 "the old password no longer logs in" sh -c "echo '$(kt_password_of dung)' |
	'$KIEMTRA' --home '$KT_TMP/home-dung2' --server '$KT_ADDR' login --user dung --password-stdin"
kt_expect_exit 0 "the new password logs in" sh -c "echo 'một-mật-khẩu-mới-99' |
	'$KIEMTRA' --home '$KT_TMP/home-dung2' --server '$KT_ADDR' login --user dung --password-stdin"

# -- disabling an account closes its live connections at once
kt_user_add thu "Trần Thị Thu" observer
"$RAW" "$KT_ADDR" wait-goodbye thu "$(kt_password_of thu)" 4 >"$KT_TMP/raw.out" 2>&1 &
rawpid=$!
for i in $(seq 1 100); do grep -q "logged in" "$KT_TMP/raw.out" && break; sleep 0.05; done
kt_expect_output "disable reports the closed connection" "1" kt_admin user disable thu
if wait "$rawpid"; then
	kt_pass "the live connection got Goodbye(ACCOUNT_DISABLED) and was closed"
else
	kt_fail "live connection not closed on disable: $(cat "$KT_TMP/raw.out")"
fi
kt_expect_stderr "a disabled account cannot log in" 17 "disabled" \
	sh -c "echo '$(kt_password_of thu)' | '$KIEMTRA' --home '$KT_TMP/home-thu' --server '$KT_ADDR' login --user thu --password-stdin"
kt_admin user enable thu >/dev/null
kt_check "an enabled account logs in again" kt_login thu

# -- an administrator kicks a session
"$RAW" "$KT_ADDR" wait-goodbye thu "$(kt_password_of thu)" 3 >"$KT_TMP/raw2.out" 2>&1 &
rawpid=$!
for i in $(seq 1 100); do grep -q "logged in" "$KT_TMP/raw2.out" && break; sleep 0.05; done
kt_check "session kick --user" kt_admin session kick --user thu
if wait "$rawpid"; then kt_pass "kicked connection got Goodbye(KICKED)"; else
	kt_fail "kick did not close: $(cat "$KT_TMP/raw2.out")"; fi

# -- an administrator revokes a lost device
kt_login dung
dev_fp=$(kt_as dung whoami | sed -n 's/^device: *\(SHA256:[^ ]*\).*/\1/p')
[ -n "$dev_fp" ] && kt_pass "whoami names this device ($dev_fp)" || kt_fail "no device in whoami"
dev_re=${dev_fp:0:20}
dev_re=${dev_re//+/\\+} # base64 may hold '+', a regex quantifier
kt_expect_output "user show lists the device" "$dev_re" kt_admin user show dung
kt_expect_output "user revoke-device by fingerprint prefix" "revoked" \
	kt_admin user revoke-device dung "${dev_fp:0:16}"
kt_expect_exit 26 "the revoked device's saved session is gone" kt_as dung whoami
kt_expect_stderr "the revoked device cannot log in again" 17 "revoked" \
	sh -c "echo 'một-mật-khẩu-mới-99' | '$KIEMTRA' --home '$KT_TMP/home-dung' --server '$KT_ADDR' login --user dung --password-stdin"
kt_expect_output "another device of the same user still works" "dung" kt_as dung2 whoami
kt_expect_exit 0 "a new installation logs in and is enrolled" sh -c "echo 'một-mật-khẩu-mới-99' |
	'$KIEMTRA' --home '$KT_TMP/home-dung3' --server '$KT_ADDR' login --user dung --password-stdin"
kt_expect_exit 1 "revoking an unknown fingerprint fails" kt_admin user revoke-device dung SHA256:zzzzzzzz
kt_expect_exit 1 "revoking twice fails" kt_admin user revoke-device dung "${dev_fp:0:16}"

# -- server identity: fingerprint, pinning, a changed key
fp=$("$KIEMTRAD" fingerprint --data "$KT_DATA")
grep -q "$fp" "$KT_TMP/home-dung/known_servers" &&
	kt_pass "the client pinned the fingerprint the server prints" ||
	kt_fail "known_servers does not hold $fp"
kt_expect_output "--pin with the right fingerprint" "pong|ms" \
	"$KIEMTRA" --home "$KT_TMP/home-pin" --server "$KT_ADDR" --pin "$fp" ping
kt_expect_exit 4 "--pin with a wrong fingerprint" \
	"$KIEMTRA" --home "$KT_TMP/home-pin2" --server "$KT_ADDR" \
	--pin SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ping
kt_expect_exit 4 "--no-tofu refuses an unknown server" \
	"$KIEMTRA" --home "$KT_TMP/home-pin3" --server "$KT_ADDR" --no-tofu ping
port=${KT_ADDR##*:}
fp_re=${fp//+/\\+} # base64 may hold '+', a regex quantifier
kt_stop_server
kt_start_server impostor --listen "127.0.0.1:$port"
kt_expect_stderr "a changed server key is a hard error naming the pinned key" 4 "$fp_re" kt_as dung ping
kt_expect_stderr "... and it does not reach the login prompt" 4 "$fp_re" \
	sh -c "echo x | '$KIEMTRA' --home '$KT_TMP/home-dung' --server '$KT_ADDR' login --user dung --password-stdin"
kt_alive "$KT_PID" "the pinning tests"

# -- rotating the server key: refused while running; afterwards pinned clients refuse
# the server until they forget the old pin and pin the new fingerprint
kt_check "a client pins the current key" "$KIEMTRA" --home "$KT_TMP/home-rot" --server "$KT_ADDR" ping
kt_expect_stderr "rotate-key refuses while the server runs" 1 "running" \
	"$KIEMTRAD" rotate-key --data "$KT_DATA"
kt_stop_server
kt_expect_output "rotate-key prints the old and the new fingerprint" "new: SHA256:" \
	"$KIEMTRAD" rotate-key --data "$KT_DATA"
new_fp=$("$KIEMTRAD" fingerprint --data "$KT_DATA")
ls "$KT_DATA"/server.key.retired-* >/dev/null 2>&1 && kt_pass "the old key is kept aside" ||
	kt_fail "no retired key file"
kt_start_server impostor --listen "127.0.0.1:$port"
kt_expect_exit 4 "a client pinned to the old key refuses the rotated server" \
	"$KIEMTRA" --home "$KT_TMP/home-rot" --server "$KT_ADDR" ping
kt_check "known-servers forget" "$KIEMTRA" --home "$KT_TMP/home-rot" known-servers forget "$KT_ADDR"
kt_expect_output "--pin with the new fingerprint" "pong|ms" \
	"$KIEMTRA" --home "$KT_TMP/home-rot" --server "$KT_ADDR" --pin "$new_fp" ping

# -- one server per data directory
kt_expect_stderr "a second server on the same data directory is refused" 1 "already running" \
	"$KIEMTRAD" --data "$KT_DATA" --listen 127.0.0.1:0 --no-console
kt_alive "$KT_PID" "the refused second start"
kt_done
