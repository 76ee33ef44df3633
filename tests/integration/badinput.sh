#!/usr/bin/env bash
# Bad input of every kind on the wire: garbage before or during the handshake,
# truncated, oversized and zero-length frames, tampered frames, a refused
# application version, undecodable protobuf, unknown methods, requests before
# login, bad tokens, invalid UTF-8. After each, the server must still serve
# other clients.
. "$(dirname "$0")/lib.sh"
RAW=$KT_BUILD_DIR/tests/kt_rawpeer

kt_start_server srv --handshake-timeout 2
kt_user_add lan "Phạm Thị Lan" inspector
kt_login lan

for mode in garbage bad-version zero-frame truncated hs-garbage app-version bad-hello oversized \
	undecodable tampered before-login unknown-method bad-token bad-utf8; do
	kt_check "server handles: $mode" "$RAW" "$KT_ADDR" "$mode"
	kt_alive "$KT_PID" "$mode"
done
kt_check "8 pipelined requests before login are all answered" "$RAW" "$KT_ADDR" pipeline 8
kt_expect_output "over the in-flight cap: the extra requests get RESOURCE_EXHAUSTED" \
	" [1-9][0-9]* RESOURCE_EXHAUSTED" "$RAW" "$KT_ADDR" pipeline 100

# Many garbage connections at once, then a real client still works.
pids=()
for i in $(seq 1 40); do
	"$RAW" "$KT_ADDR" garbage >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
kt_alive "$KT_PID" "40 garbage connections"
kt_expect_output "a real client is served after all of that" "Phạm Thị Lan" kt_as lan whoami

# Oversized and invalid fields through the real client.
long=$(head -c 400 /dev/zero | tr '\0' 'a')
kt_expect_exit 2 "the client refuses a query over 256 bytes before sending it" \
	kt_as lan units find "$long"
kt_expect_exit 15 "an unknown unit is NOT_FOUND" kt_as lan units show NO-SUCH-UNIT
kt_alive
kt_done
