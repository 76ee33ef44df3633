/*
 * test_wire.c - the preamble, frame headers and the frame reader (common/wire.h).
 * Exit status 0 when every check passed; each failed check prints what was
 * expected and what came.
 *
 * The frame reader is fed one stream of frames in every way a TCP connection
 * may deliver it: whole, byte by byte, in random chunks (seeded; set
 * KT_TEST_SEED to replay a run), and split in two at every offset. Each time
 * the frames delivered must equal the frames sent, and between frames the
 * reader must hold no buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/wire.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s, it is false\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* xorshift64*: a small deterministic generator, so a failing run can be replayed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

/* ---- the preamble and frame headers ---------------------------------------------- */

static void test_preamble(void)
{
	static const uint8_t want[KT_PREAMBLE_LEN] = {0x4b, 0x54, 0x52, 0x41, 0x01, 0, 0, 0};
	uint8_t p[KT_PREAMBLE_LEN];

	CHECK_INT(8, KT_PREAMBLE_LEN);
	CHECK_INT(1, KT_WIRE_VERSION);
	CHECK(memcmp(kt_preamble, want, sizeof(want)) == 0);
	CHECK_INT(KT_OK, kt_preamble_check(want));

	/* Any change to the magic is another protocol. */
	for (int i = 0; i < 4; i++) {
		memcpy(p, want, sizeof(p));
		p[i] ^= 0x20;
		CHECK_INT(KT_EINVAL, kt_preamble_check(p));
	}
	memcpy(p, "HTTP/1.1", 8);
	CHECK_INT(KT_EINVAL, kt_preamble_check(p));

	/* Right magic, another wire version. */
	memcpy(p, want, sizeof(p));
	p[4] = 2;
	CHECK_INT(KT_ERANGE, kt_preamble_check(p));
	p[4] = 0;
	CHECK_INT(KT_ERANGE, kt_preamble_check(p));

	/* The reserved bytes must be zero. */
	for (int i = 5; i < KT_PREAMBLE_LEN; i++) {
		memcpy(p, want, sizeof(p));
		p[i] = 1;
		CHECK(kt_preamble_check(p) != KT_OK);
	}
}

static void check_header(int line, size_t len, uint8_t hi, uint8_t lo)
{
	uint8_t hdr[KT_FRAME_HDR] = {0xAA, 0xAA};

	kt_frame_header(hdr, len);
	if (hdr[0] != hi || hdr[1] != lo) {
		fprintf(stderr, "%s:%d: kt_frame_header(%zu): expected %02x %02x, got %02x %02x\n",
			__FILE__, line, len, hi, lo, hdr[0], hdr[1]);
		failures++;
	}
}

static void test_header(void)
{
	CHECK_INT(2, KT_FRAME_HDR);
	CHECK_INT(65535, KT_FRAME_MAX);
	check_header(__LINE__, 1, 0x00, 0x01);
	check_header(__LINE__, 0xff, 0x00, 0xff);
	check_header(__LINE__, 0x100, 0x01, 0x00);
	check_header(__LINE__, 0x1234, 0x12, 0x34);
	check_header(__LINE__, 4112, 0x10, 0x10);
	check_header(__LINE__, KT_FRAME_MAX, 0xff, 0xff);
}

/* ---- a recorder for delivered frames --------------------------------------------- */

#define MAX_FRAMES 512

struct rec {
	size_t count;
	size_t lens[MAX_FRAMES];
	uint8_t *data[MAX_FRAMES];
	size_t stop_at; /* return 7 from the callback for frame number stop_at (1-based) */
};

static int on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct rec *rec = arg;

	if (rec->count >= MAX_FRAMES)
		return 99;
	rec->data[rec->count] = malloc(len);
	if (!rec->data[rec->count])
		abort();
	memcpy(rec->data[rec->count], frame, len);
	rec->lens[rec->count] = len;
	rec->count++;
	if (rec->stop_at && rec->count == rec->stop_at)
		return 7;
	return 0;
}

static void rec_clear(struct rec *rec)
{
	for (size_t i = 0; i < rec->count; i++)
		free(rec->data[i]);
	memset(rec, 0, sizeof(*rec));
}

/* A stream of frames: bytes on the wire and the bodies expected. */
struct stream {
	uint8_t *bytes;
	size_t len;
	size_t nframes;
	size_t lens[MAX_FRAMES];
	size_t offs[MAX_FRAMES]; /* offset of each body in bytes */
};

static void stream_make(struct stream *s, const size_t *lens, size_t n)
{
	size_t total = 0, o = 0;

	for (size_t i = 0; i < n; i++)
		total += KT_FRAME_HDR + lens[i];
	memset(s, 0, sizeof(*s));
	s->bytes = malloc(total);
	if (!s->bytes)
		abort();
	for (size_t i = 0; i < n; i++) {
		kt_frame_header(s->bytes + o, lens[i]);
		o += KT_FRAME_HDR;
		s->offs[i] = o;
		s->lens[i] = lens[i];
		for (size_t j = 0; j < lens[i]; j++)
			s->bytes[o + j] = (uint8_t)rng();
		o += lens[i];
	}
	s->len = total;
	s->nframes = n;
}

static void stream_free(struct stream *s)
{
	free(s->bytes);
	memset(s, 0, sizeof(*s));
}

/* The frames recorded must be exactly the stream's. */
static int check_frames(const char *how, const struct stream *s, const struct rec *rec)
{
	if (rec->count != s->nframes) {
		fprintf(stderr, "%s: expected %zu frames, got %zu\n", how, s->nframes, rec->count);
		failures++;
		return -1;
	}
	for (size_t i = 0; i < s->nframes; i++) {
		if (rec->lens[i] != s->lens[i] ||
		    memcmp(rec->data[i], s->bytes + s->offs[i], s->lens[i]) != 0) {
			fprintf(stderr, "%s: frame %zu: expected %zu bytes (as sent), got %zu%s\n",
				how, i, s->lens[i], rec->lens[i],
				rec->lens[i] == s->lens[i] ? " with other content" : "");
			failures++;
			return -1;
		}
	}
	return 0;
}

/* The reader holds nothing between frames. */
static int check_idle(const char *how, const struct kt_frame_reader *r)
{
	if (kt_frame_pending(r) != 0 || r->buf != NULL || r->len != 0) {
		fprintf(stderr, "%s: between frames expected pending 0 and buf NULL, got pending "
				"%zu, buf %p\n",
			how, kt_frame_pending(r), (void *)r->buf);
		failures++;
		return -1;
	}
	return 0;
}

/*
 * Feed s in chunks ending at the given cut offsets (ascending, each in
 * 0..s->len); a final chunk runs to the end. Checks after each chunk that the
 * pending byte count is what is left of an incomplete frame.
 */
static int feed_cuts(const char *how, const struct stream *s, const size_t *cuts, size_t ncuts,
		     size_t max_frame)
{
	struct kt_frame_reader r;
	struct rec rec = {0};
	size_t from = 0;
	int rc, bad = 0;

	kt_frame_reader_init(&r, max_frame);
	for (size_t i = 0; i <= ncuts && !bad; i++) {
		size_t to = i < ncuts ? cuts[i] : s->len;
		size_t want_pending;

		rc = kt_frame_feed(&r, s->bytes + from, to - from, on_frame, &rec);
		if (rc != KT_OK) {
			fprintf(stderr, "%s: feed [%zu, %zu): expected 0, got %d\n", how, from, to,
				rc);
			failures++;
			bad = 1;
			break;
		}
		/* Bytes of the frame that offset `to` cuts in two, if any. */
		want_pending = 0;
		for (size_t f = 0; f < s->nframes; f++) {
			size_t fstart = s->offs[f] - KT_FRAME_HDR, fend = s->offs[f] + s->lens[f];
			if (fstart < to && to < fend)
				want_pending = to - fstart;
		}
		if (kt_frame_pending(&r) != want_pending) {
			fprintf(stderr,
				"%s: after [%zu, %zu): expected %zu bytes pending, got %zu\n", how,
				from, to, want_pending, kt_frame_pending(&r));
			failures++;
			bad = 1;
		}
		if (want_pending == 0 && check_idle(how, &r) != 0)
			bad = 1;
		from = to;
	}
	if (!bad && check_frames(how, s, &rec) != 0)
		bad = 1;
	if (!bad && check_idle(how, &r) != 0)
		bad = 1;
	kt_frame_reader_reset(&r);
	rec_clear(&rec);
	return bad ? -1 : 0;
}

/* ---- the frame reader -------------------------------------------------------------- */

static void test_feed_ways(void)
{
	/* Sizes around every interesting edge: 1, header-sized, 255/256, large, max. */
	static const size_t lens[] = {1,   2,   3,    17,   255,  256,  257, 1,
				      1,   100, 1000, 4096, 4112, 1,    2,   65535,
				      300, 1,   7,    65534, 2,   33};
	size_t n = sizeof(lens) / sizeof(lens[0]);
	struct stream s;
	size_t *cuts;
	size_t ncuts;
	char how[96];

	stream_make(&s, lens, n);
	cuts = malloc(s.len * sizeof(*cuts));
	if (!cuts)
		abort();

	/* All at once. */
	feed_cuts("whole stream in one feed", &s, NULL, 0, KT_FRAME_MAX);

	/* Byte by byte. */
	for (size_t i = 0; i < s.len; i++)
		cuts[i] = i;
	feed_cuts("byte by byte", &s, cuts, s.len, KT_FRAME_MAX);

	/* Random chunk sizes, 200 rounds: small chunks and large ones. */
	for (int round = 0; round < 200; round++) {
		size_t o = 0, maxchunk = round % 2 ? 16 : 9000;

		ncuts = 0;
		while (o < s.len) {
			o += 1 + rng_below(maxchunk);
			if (o < s.len)
				cuts[ncuts++] = o;
		}
		snprintf(how, sizeof(how), "random chunks, round %d (max chunk %zu)", round,
			 maxchunk);
		if (feed_cuts(how, &s, cuts, ncuts, KT_FRAME_MAX) != 0)
			break;
	}

	/* Random chunks that include empty feeds. */
	ncuts = 0;
	for (size_t o = 0; o < s.len && ncuts + 2 < s.len;) {
		cuts[ncuts++] = o;
		if (rng_below(4) == 0)
			cuts[ncuts++] = o; /* an empty feed */
		o += 1 + rng_below(64);
	}
	feed_cuts("random chunks with empty feeds", &s, cuts, ncuts, KT_FRAME_MAX);
	free(cuts);
	stream_free(&s);
}

/* Split a smaller stream in two at every offset, and in three at every pair of offsets. */
static void test_every_boundary(void)
{
	static const size_t lens[] = {1, 2, 3, 5, 1, 40, 1, 2};
	size_t cuts[2];
	struct stream s;
	char how[96];
	int bad = 0;

	stream_make(&s, lens, sizeof(lens) / sizeof(lens[0]));
	for (size_t a = 0; a <= s.len && !bad; a++) {
		cuts[0] = a;
		snprintf(how, sizeof(how), "split at %zu of %zu", a, s.len);
		bad = feed_cuts(how, &s, cuts, 1, KT_FRAME_MAX) != 0;
	}
	for (size_t a = 0; a <= s.len && !bad; a++) {
		for (size_t b = a; b <= s.len && !bad; b++) {
			cuts[0] = a;
			cuts[1] = b;
			snprintf(how, sizeof(how), "split at %zu and %zu of %zu", a, b, s.len);
			bad = feed_cuts(how, &s, cuts, 2, KT_FRAME_MAX) != 0;
		}
	}
	stream_free(&s);
}

/* Feed data in two parts (cut), expect rc from the feed that sees the problem. */
static int feed2(struct kt_frame_reader *r, struct rec *rec, const uint8_t *d, size_t n, size_t cut)
{
	int rc = kt_frame_feed(r, d, cut, on_frame, rec);

	if (rc != KT_OK)
		return rc;
	return kt_frame_feed(r, d + cut, n - cut, on_frame, rec);
}

static void test_limits(void)
{
	struct kt_frame_reader r;
	struct rec rec = {0};
	uint8_t buf[2 * (KT_FRAME_HDR + 101)];
	const size_t max = 100;

	/* A frame of exactly max_frame bytes passes, whole or split anywhere. */
	memset(buf, 0x5a, sizeof(buf));
	kt_frame_header(buf, max);
	for (size_t cut = 0; cut <= KT_FRAME_HDR + max; cut++) {
		kt_frame_reader_init(&r, max);
		CHECK_INT(KT_OK, feed2(&r, &rec, buf, KT_FRAME_HDR + max, cut));
		CHECK_INT(1, rec.count);
		CHECK_INT(max, rec.lens[0]);
		CHECK_INT(0, kt_frame_pending(&r));
		CHECK(r.buf == NULL);
		kt_frame_reader_reset(&r);
		rec_clear(&rec);
	}

	/* max_frame + 1 is refused, as soon as the header is known: the body is not needed. */
	kt_frame_header(buf, max + 1);
	for (size_t cut = 0; cut <= KT_FRAME_HDR; cut++) {
		kt_frame_reader_init(&r, max);
		CHECK_INT(KT_ETOOBIG, feed2(&r, &rec, buf, KT_FRAME_HDR, cut));
		CHECK_INT(0, rec.count);
		kt_frame_reader_reset(&r);
		rec_clear(&rec);
	}
	/* The same after a good frame in the same feed, and after one in an earlier feed. */
	kt_frame_header(buf, 3);
	kt_frame_header(buf + 5, max + 1);
	kt_frame_reader_init(&r, max);
	CHECK_INT(KT_ETOOBIG, kt_frame_feed(&r, buf, 5 + KT_FRAME_HDR + 10, on_frame, &rec));
	CHECK_INT(1, rec.count);
	kt_frame_reader_reset(&r);
	rec_clear(&rec);
	kt_frame_reader_init(&r, max);
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, 6, on_frame, &rec)); /* frame + 1 header byte */
	CHECK_INT(1, rec.count);
	CHECK_INT(1, kt_frame_pending(&r));
	CHECK_INT(KT_ETOOBIG, kt_frame_feed(&r, buf + 6, 1, on_frame, &rec));
	kt_frame_reader_reset(&r);
	rec_clear(&rec);

	/* The largest header: 65535 against a smaller limit, and against the full one. */
	kt_frame_header(buf, KT_FRAME_MAX);
	kt_frame_reader_init(&r, 4112);
	CHECK_INT(KT_ETOOBIG, kt_frame_feed(&r, buf, KT_FRAME_HDR, on_frame, &rec));
	kt_frame_reader_reset(&r);
	kt_frame_reader_init(&r, KT_FRAME_MAX);
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, KT_FRAME_HDR, on_frame, &rec));
	CHECK_INT(KT_FRAME_HDR, kt_frame_pending(&r));
	kt_frame_reader_reset(&r);

	/* A limit above the wire's maximum is clamped to it. */
	kt_frame_reader_init(&r, 1 << 20);
	CHECK_INT(KT_FRAME_MAX, r.max_frame);
	CHECK(r.buf == NULL);
	CHECK_INT(0, kt_frame_pending(&r));
	kt_frame_reader_reset(&r);

	/* A zero-length frame is a protocol error: at once, split, and after a good frame. */
	memset(buf, 0, sizeof(buf));
	for (size_t cut = 0; cut <= KT_FRAME_HDR; cut++) {
		kt_frame_reader_init(&r, max);
		CHECK_INT(KT_EINVAL, feed2(&r, &rec, buf, KT_FRAME_HDR, cut));
		CHECK_INT(0, rec.count);
		kt_frame_reader_reset(&r);
	}
	kt_frame_header(buf, 1);
	buf[2] = 9;
	kt_frame_reader_init(&r, max);
	CHECK_INT(KT_EINVAL, kt_frame_feed(&r, buf, 3 + KT_FRAME_HDR, on_frame, &rec));
	CHECK_INT(1, rec.count);
	kt_frame_reader_reset(&r);
	rec_clear(&rec);
	kt_frame_reader_init(&r, max);
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, 4, on_frame, &rec));
	CHECK_INT(KT_EINVAL, kt_frame_feed(&r, buf + 4, 1, on_frame, &rec));
	CHECK_INT(1, rec.count);
	kt_frame_reader_reset(&r);
	rec_clear(&rec);
}

/* A non-zero return from the callback stops the feed and is returned. */
static void test_callback_stops(void)
{
	static const size_t lens[] = {4, 5, 6, 7, 8};
	struct kt_frame_reader r;
	struct rec rec = {0};
	struct stream s;

	stream_make(&s, lens, 5);

	/* Frames taken straight from the caller's data. */
	kt_frame_reader_init(&r, KT_FRAME_MAX);
	rec.stop_at = 2;
	CHECK_INT(7, kt_frame_feed(&r, s.bytes, s.len, on_frame, &rec));
	CHECK_INT(2, rec.count);
	kt_frame_reader_reset(&r);
	rec_clear(&rec);

	/* The stopping frame completed from the reader's buffer: the rest is not delivered. */
	kt_frame_reader_init(&r, KT_FRAME_MAX);
	rec.stop_at = 1;
	CHECK_INT(KT_OK, kt_frame_feed(&r, s.bytes, 3, on_frame, &rec));
	CHECK_INT(0, rec.count);
	CHECK_INT(3, kt_frame_pending(&r));
	CHECK_INT(7, kt_frame_feed(&r, s.bytes + 3, s.len - 3, on_frame, &rec));
	CHECK_INT(1, rec.count);
	CHECK(r.buf == NULL); /* the buffered frame was released before returning */
	kt_frame_reader_reset(&r);
	rec_clear(&rec);

	/* The last frame stops: nothing is left either way. */
	kt_frame_reader_init(&r, KT_FRAME_MAX);
	rec.stop_at = 5;
	CHECK_INT(7, kt_frame_feed(&r, s.bytes, s.len, on_frame, &rec));
	CHECK_INT(5, rec.count);
	kt_frame_reader_reset(&r);
	rec_clear(&rec);
	stream_free(&s);
}

/* An incomplete frame is buffered (sized to the frame); reset frees it. */
static void test_buffer_lifetime(void)
{
	struct kt_frame_reader r;
	struct rec rec = {0};
	uint8_t buf[KT_FRAME_HDR + 1000];

	memset(buf, 0x33, sizeof(buf));
	kt_frame_header(buf, 1000);

	kt_frame_reader_init(&r, KT_FRAME_MAX);
	CHECK(r.buf == NULL);
	CHECK_INT(0, kt_frame_pending(&r));

	/* One header byte: a buffer exists, for the header. */
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, 1, on_frame, &rec));
	CHECK_INT(1, kt_frame_pending(&r));
	CHECK(r.buf != NULL);
	kt_frame_reader_reset(&r);
	CHECK(r.buf == NULL);
	CHECK_INT(0, kt_frame_pending(&r));
	CHECK_INT(0, r.cap);

	/* The header alone: the buffer is sized to the announced frame at once. */
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, KT_FRAME_HDR, on_frame, &rec));
	CHECK_INT(KT_FRAME_HDR, kt_frame_pending(&r));
	CHECK_INT(KT_FRAME_HDR + 1000, r.cap);
	kt_frame_reader_reset(&r);

	/* Header and part of the body: the buffer is sized to the frame. */
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, 500, on_frame, &rec));
	CHECK_INT(500, kt_frame_pending(&r));
	CHECK(r.buf != NULL);
	CHECK_INT(KT_FRAME_HDR + 1000, r.cap);
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf + 500, 300, on_frame, &rec));
	CHECK_INT(800, kt_frame_pending(&r));
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf + 800, sizeof(buf) - 800, on_frame, &rec));
	CHECK_INT(1, rec.count);
	CHECK_INT(0, kt_frame_pending(&r));
	CHECK(r.buf == NULL);
	CHECK_INT(0, r.cap);

	/* Reset while a frame is half read, then the reader works again from scratch. */
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, 700, on_frame, &rec));
	kt_frame_reader_reset(&r);
	CHECK(r.buf == NULL);
	CHECK_INT(0, kt_frame_pending(&r));
	CHECK_INT(KT_OK, kt_frame_feed(&r, buf, sizeof(buf), on_frame, &rec));
	CHECK_INT(2, rec.count);
	CHECK(r.buf == NULL);

	/* Reset of an idle reader, and twice, is harmless. */
	kt_frame_reader_reset(&r);
	kt_frame_reader_reset(&r);
	CHECK(r.buf == NULL);
	rec_clear(&rec);
}

int main(void)
{
	const char *seed = getenv("KT_TEST_SEED");

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x6b74726177697265ULL;
	if (rng_state == 0)
		rng_state = 1;
	printf("test_wire: seed %llu (KT_TEST_SEED to replay)\n", (unsigned long long)rng_state);

	test_preamble();
	test_header();
	test_feed_ways();
	test_every_boundary();
	test_limits();
	test_callback_stops();
	test_buffer_lifetime();

	if (failures) {
		printf("test_wire: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_wire: all checks passed\n");
	return 0;
}
