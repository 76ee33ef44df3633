#!/usr/bin/env bash
# A short run of scripts/valgrind: integration.badinput with its kiemtrad under
# valgrind memcheck (invalid accesses, uninitialised values, bad frees,
# definite leaks). Skipped in a sanitizer tree (valgrind and ASan do not mix)
# and when valgrind is not installed; the full run is `scripts/valgrind`.
set -u
: "${KT_BUILD_DIR:?KT_BUILD_DIR must point at the build tree}"
: "${KT_SOURCE_DIR:?KT_SOURCE_DIR must point at the source tree}"
if grep -q '^KT_SANITIZE:BOOL=ON' "$KT_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
	echo "skipped: $KT_BUILD_DIR is a sanitizer build (scripts/valgrind wants a normal one)"
	echo "0 passed, 0 failed"
	exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "skipped: valgrind is not installed (apt-get install valgrind)"
	echo "0 passed, 0 failed"
	exit 0
fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/kiemtra-vgsmoke.XXXXXX")
if KT_VG_OUT=$OUT KT_VG_NOBUILD=1 "$KT_SOURCE_DIR/scripts/valgrind" badinput; then
	rm -rf "$OUT"
	echo "ok   badinput under valgrind: no memory error, no leak"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL badinput under valgrind (logs kept in $OUT)"
echo "0 passed, 1 failed"
exit 1
