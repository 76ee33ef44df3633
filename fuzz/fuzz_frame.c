/*
 * fuzz_frame.c - the frame decoder (common/wire.c kt_frame_reader), fed a
 * byte stream in fuzzer-chosen pieces, compared with a one-pass reference
 * reading of the same stream (wire.h):
 *
 *   - the same frames, in order, with the same bytes;
 *   - the same result: KT_EINVAL at a zero length, KT_ETOOBIG at a length
 *     above max_frame (detected as soon as the 2-byte header is in), the
 *     callback's own code when it stops the feed, else 0 with the bytes of
 *     the incomplete last frame pending.
 *
 * Input: 4 header bytes, then the stream.
 *   byte 0  max_frame: & 3 = 0 -> 4112 (CONN_FRAME_MAX_UNAUTH), 1 -> 65535,
 *           2 -> 1 + (byte 0 >> 2) (tiny), 3 -> 100000 (clamped to 65535 by init);
 *           bits 6-7 (with & 3 != 2) pick the piece sizes: 0 whole stream,
 *           1 up to 3 bytes, 2 up to 40, 3 up to 700
 *   byte 1-2  seed of the piece sizes
 *   byte 3  when not 0: the callback returns 7 at that frame (1-based)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/wire.h"
#include "fuzz/fuzz.h"
#include "server/conn.h"

#define MAX_FRAMES 4096
#define STOP_CODE 7

struct ref_frame {
	size_t off, len;
};

struct feed_state {
	const uint8_t *stream;
	const struct ref_frame *ref;
	size_t nref;   /* frames the reference delivers */
	size_t seen;   /* frames delivered so far */
	unsigned stop; /* return STOP_CODE at this frame; 0 never */
};

static int on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct feed_state *st = arg;
	const struct ref_frame *want;

	FZ_CHECK(st->seen < st->nref, "frame %zu delivered, the reference has %zu", st->seen + 1,
		 st->nref);
	want = &st->ref[st->seen];
	FZ_CHECK(len == want->len, "frame %zu: %zu bytes, expected %zu", st->seen + 1, len,
		 want->len);
	FZ_CHECK(memcmp(frame, st->stream + want->off, len) == 0, "frame %zu: bytes differ",
		 st->seen + 1);
	st->seen++;
	return st->seen == st->stop ? STOP_CODE : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref_frame ref[MAX_FRAMES];
	struct feed_state st = {0};
	struct kt_frame_reader r;
	const uint8_t *s;
	size_t n, pos = 0, nref = 0, max_frame, piece_max, fed;
	uint32_t seed;
	int want_rc = KT_OK, rc = KT_OK;

	if (size < 4)
		return -1;
	switch (data[0] & 3) {
	case 0:
		max_frame = CONN_FRAME_MAX_UNAUTH;
		break;
	case 1:
		max_frame = KT_FRAME_MAX;
		break;
	case 2:
		max_frame = 1 + (data[0] >> 2);
		break;
	default:
		max_frame = 100000;
		break;
	}
	piece_max = (data[0] & 3) == 2 ? 5 : (size_t[]){0, 3, 40, 700}[data[0] >> 6];
	seed = ((uint32_t)data[1] << 8) | data[2] | 0x10000u;
	st.stop = data[3];
	s = data + 4;
	n = size - 4;

	/* The reference: one pass over the whole stream. */
	kt_frame_reader_init(&r, max_frame);
	for (;;) {
		size_t flen;

		if (n - pos < KT_FRAME_HDR)
			break;
		flen = ((size_t)s[pos] << 8) | s[pos + 1];
		if (flen == 0) {
			want_rc = KT_EINVAL;
			break;
		}
		if (flen > r.max_frame) {
			want_rc = KT_ETOOBIG;
			break;
		}
		if (n - pos - KT_FRAME_HDR < flen)
			break;
		if (nref == MAX_FRAMES)
			return -1;
		ref[nref].off = pos + KT_FRAME_HDR;
		ref[nref].len = flen;
		nref++;
		pos += KT_FRAME_HDR + flen;
		if (nref == st.stop) {
			want_rc = STOP_CODE;
			break;
		}
	}
	FZ_CHECK(r.max_frame == (max_frame > KT_FRAME_MAX ? KT_FRAME_MAX : max_frame),
		 "max_frame %zu for %zu", r.max_frame, max_frame);

	/* The reader, in pieces. */
	st.stream = s;
	st.ref = ref;
	st.nref = nref;
	for (fed = 0; fed < n && rc == KT_OK;) {
		size_t k = n - fed;

		if (piece_max && k > 1)
			k = 1 + fz_rand(&seed) % (k < piece_max ? k : piece_max);
		rc = kt_frame_feed(&r, s + fed, k, on_frame, &st);
		fed += k;
	}
	FZ_CHECK(rc == want_rc, "result %d, the reference says %d", rc, want_rc);
	FZ_CHECK(st.seen == nref, "%zu frames delivered, the reference has %zu", st.seen, nref);
	if (rc == KT_OK)
		FZ_CHECK(kt_frame_pending(&r) == n - pos, "%zu bytes pending, expected %zu",
			 kt_frame_pending(&r), n - pos);
	kt_frame_reader_reset(&r);
	FZ_CHECK(kt_frame_pending(&r) == 0 && r.buf == NULL, "reset kept a buffer");
	return 0;
}
