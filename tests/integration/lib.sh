# lib.sh - shared helpers for integration tests. Each test script sources it,
# starts real kiemtrad processes on 127.0.0.1 (ephemeral ports, temporary data
# directories) and drives them with the real kiemtra client.
#
#   . "$(dirname "$0")/lib.sh"
#   kt_start_server             # -> $KT_ADDR, $KT_DATA, $KT_ADMIN_PW
#   kt_user_add alice "Nguyễn Thị An" inspector
#   kt_login alice
#   kt_as alice whoami
#   kt_expect_status 17 kt_as bob units list      # exit code 10+PERMISSION_DENIED
#   kt_done                     # prints "N passed, M failed", exits non-zero on failures

set -u
: "${KT_BUILD_DIR:?KT_BUILD_DIR must point at the build tree}"
KIEMTRAD=$KT_BUILD_DIR/kiemtrad
KIEMTRA=$KT_BUILD_DIR/kiemtra
KT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiemtra-it.XXXXXX")
KT_PASSED=0
KT_FAILED=0
KT_PIDS=()
# Argon2id at libsodium's minimum limits: tests log in hundreds of times.
export KIEMTRAD_PWHASH=test

kt_cleanup() {
	local pid sanitized=0
	for pid in "${KT_PIDS[@]:-}"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	# A server's sanitizer report (ASan, UBSan, LeakSanitizer at exit) fails the test
	# that ran it: servers log to $KT_TMP/<name>.log.
	if grep -qE "ERROR: [A-Za-z]+Sanitizer|runtime error:" "$KT_TMP"/*.log 2>/dev/null; then
		echo "FAIL a server reported a sanitizer error:"
		grep -hE -A25 "ERROR: [A-Za-z]+Sanitizer|runtime error:" "$KT_TMP"/*.log | head -80
		KT_FAILED=$((KT_FAILED + 1))
		sanitized=1
	fi
	if [ "$KT_FAILED" -gt 0 ] || [ -n "${KT_KEEP:-}" ]; then
		echo "(kept $KT_TMP for inspection)"
	else
		rm -rf "$KT_TMP"
	fi
	[ "$sanitized" = 0 ] || exit 1
}
trap kt_cleanup EXIT

kt_log() { printf '%s\n' "$*" >&2; }
kt_pass() { KT_PASSED=$((KT_PASSED + 1)); printf 'ok   %s\n' "$*"; }
kt_fail() { KT_FAILED=$((KT_FAILED + 1)); printf 'FAIL %s\n' "$*"; }

# kt_start_server [NAME] [extra kiemtrad options...]: start a server with its own
# data directory $KT_TMP/NAME; waits until it listens. Sets KT_ADDR, KT_DATA,
# KT_PID, KT_ADMIN_PW.
kt_start_server() {
	local name=${1:-srv}
	shift || true
	KT_DATA=$KT_TMP/$name
	mkdir -p "$KT_DATA"
	chmod 700 "$KT_DATA"
	rm -f "$KT_DATA/listen"
	"$KIEMTRAD" --data "$KT_DATA" --listen 127.0.0.1:0 --no-console "$@" \
		>>"$KT_TMP/$name.log" 2>&1 </dev/null &
	KT_PID=$!
	KT_PIDS+=("$KT_PID")
	local i
	for i in $(seq 1 200); do
		[ -s "$KT_DATA/listen" ] && break
		if ! kill -0 "$KT_PID" 2>/dev/null; then
			kt_log "kiemtrad exited early:"; cat "$KT_TMP/$name.log" >&2
			return 1
		fi
		sleep 0.05
	done
	[ -s "$KT_DATA/listen" ] || { kt_log "kiemtrad did not start"; return 1; }
	KT_ADDR=$(cat "$KT_DATA/listen")
	KT_ADMIN_PW=$(cat "$KT_DATA/initial-admin-password" 2>/dev/null || true)
}

# kt_stop_server [PID]: SIGTERM and wait (fails the test if it does not stop in 10 s).
kt_stop_server() {
	local pid=${1:-$KT_PID} i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.05
	done
	kt_fail "server $pid did not stop within 10 s"
	kill -KILL "$pid" 2>/dev/null
}

kt_admin() { "$KIEMTRAD" admin --data "$KT_DATA" "$@"; }

# kt_as USER ARGS...: run the client as USER (each user has their own client home,
# so their own device key, known servers and session).
kt_as() {
	local user=$1
	shift
	"$KIEMTRA" --home "$KT_TMP/home-$user" --server "$KT_ADDR" "$@"
}

# A password per user that passes the policy (it must not contain the username).
kt_password_of() { printf 'bí-mật-%s-2024' "$(printf '%s' "$1" | md5sum | cut -c1-10)"; }

# kt_user_add USERNAME "Full Name" ROLES [UNIT_CODE]: create with a known password.
kt_user_add() {
	local user=$1 name=$2 roles=$3 unit=${4:-}
	local args=(user add "$user" --name "$name" --role "$roles" --password-stdin)
	[ -n "$unit" ] && args+=(--unit "$unit")
	kt_password_of "$user" | kt_admin "${args[@]}" >/dev/null
}

kt_login() {
	local user=$1
	kt_password_of "$user" | kt_as "$user" login --user "$user" --password-stdin >/dev/null
}

# kt_check DESCRIPTION COMMAND...: passes when the command exits 0.
kt_check() {
	local what=$1
	shift
	if "$@" >"$KT_TMP/out" 2>"$KT_TMP/err"; then
		kt_pass "$what"
	else
		kt_fail "$what (exit $?): $(head -c 600 "$KT_TMP/err")"
	fi
}

# kt_expect_exit CODE DESCRIPTION COMMAND...: passes when the command exits CODE.
kt_expect_exit() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq "$want" ]; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc, wanted $want; stderr: $(head -c 600 "$KT_TMP/err")"
	fi
}

# kt_expect_output DESCRIPTION PATTERN COMMAND...: exit 0 and stdout matches (grep -E).
kt_expect_output() {
	local what=$1 pattern=$2 rc=0
	shift 2
	"$@" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq 0 ] && grep -qE -- "$pattern" "$KT_TMP/out"; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc, wanted /$pattern/ in: $(head -c 600 "$KT_TMP/out") $(head -c 300 "$KT_TMP/err")"
	fi
}

# kt_expect_stderr DESCRIPTION CODE PATTERN COMMAND...: exit CODE and stderr matches.
kt_expect_stderr() {
	local what=$1 want=$2 pattern=$3 rc=0
	shift 3
	"$@" >"$KT_TMP/out" 2>"$KT_TMP/err" || rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pattern" "$KT_TMP/err"; then
		kt_pass "$what"
	else
		kt_fail "$what: exit $rc (wanted $want), wanted /$pattern/ in stderr: $(head -c 600 "$KT_TMP/err")"
	fi
}

# The server must still be alive (no crash on bad input).
kt_alive() {
	if kill -0 "${1:-$KT_PID}" 2>/dev/null; then
		kt_pass "server still running${2:+ after $2}"
	else
		kt_fail "server died${2:+ after $2}"
	fi
}

kt_done() {
	echo "$KT_PASSED passed, $KT_FAILED failed"
	[ "$KT_FAILED" -eq 0 ]
}
