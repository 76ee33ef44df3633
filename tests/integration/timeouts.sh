#!/usr/bin/env bash
# Timeouts: an idle connection gets a KeepAlive at half the idle timeout, then
# Goodbye{CLOSE_IDLE} and the close at the timeout; a client that pings (before
# the KeepAlive, or in answer to it) is never closed for idleness; connections
# that do not finish the handshake are cut after the handshake timeout, without
# a word. A real client is served all the while. kt_idlepeer prints each
# measured time with the window it was expected in.
. "$(dirname "$0")/lib.sh"
PEER=$KT_BUILD_DIR/tests/kt_idlepeer
IDLE_MS=2000
HS_MS=1000

kt_start_server srv --idle-timeout $((IDLE_MS / 1000)) --handshake-timeout $((HS_MS / 1000))
kt_user_add lan "Phạm Thị Lan" inspector
kt_login lan
kt_expect_output "a real client is served before the timeout tests" "Phạm Thị Lan" \
	kt_as lan whoami

# All peers at once (so the test takes about 3 x the idle timeout), each with its
# own output; the real client keeps working alongside them.
declare -A peer_pid
peers=("idle:$IDLE_MS" "ping-before:$IDLE_MS" "ping-on-keepalive:$IDLE_MS" "silent:$HS_MS"
	"preamble-only:$HS_MS" "hello-only:$HS_MS")
for p in "${peers[@]}"; do
	mode=${p%%:*}
	"$PEER" "$KT_ADDR" "$mode" "${p#*:}" >"$KT_TMP/peer-$mode.out" 2>&1 &
	peer_pid[$mode]=$!
done

for i in 1 2 3 4 5; do
	sleep 1
	kt_expect_output "a real client is served while the peers wait (${i} s)" "Phạm Thị Lan" \
		kt_as lan whoami
done

describe() {
	local cut="is cut after the handshake timeout"
	case $1 in
	idle) echo "an idle connection gets a KeepAlive, then Goodbye CLOSE_IDLE and the close" ;;
	ping-before) echo "a client pinging before each KeepAlive stays open for 3x the timeout" ;;
	ping-on-keepalive) echo "a client answering each KeepAlive stays open for 3x the timeout" ;;
	silent) echo "a connection that sends nothing $cut" ;;
	preamble-only) echo "a connection that stops after the preamble $cut" ;;
	hello-only) echo "a connection that stops after handshake message 1 $cut" ;;
	esac
}

for p in "${peers[@]}"; do
	mode=${p%%:*}
	rc=0
	wait "${peer_pid[$mode]}" || rc=$?
	sed 's/^/    /' "$KT_TMP/peer-$mode.out"
	if [ "$rc" -eq 0 ]; then
		kt_pass "$(describe "$mode")"
	else
		kt_fail "$(describe "$mode") (exit $rc)"
	fi
done

kt_alive "$KT_PID" "the timeout tests"
kt_expect_output "a real client is served after the timeout tests" "Phạm Thị Lan" \
	kt_as lan whoami
kt_done
