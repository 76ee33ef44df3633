/*
 * fuzz.h - helpers shared by the libFuzzer targets in fuzz/ (header only).
 *
 * FZ_CHECK() is the targets' oracle: when a property the code documents does
 * not hold, it prints what and where, and aborts, which libFuzzer records as a
 * crash with the input that caused it (build-fuzz/crashes/ with scripts/fuzz).
 *
 * Many targets take structured input as a sequence of chunks, each a 2-byte
 * big-endian length and that many bytes (a length beyond the end takes what
 * is left), so that the fuzzer can grow and shrink one part without shifting
 * the others' meaning. fz_chunk() reads the next one.
 *
 * Owns nothing; every buffer belongs to the caller.
 */
#ifndef KT_FUZZ_H
#define KT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz oracle failed at %s:%d: %s: ", __FILE__, __LINE__,   \
				#cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fz_reader {
	const uint8_t *p;
	size_t n;
};

/* The next chunk: false when the input is used up. */
static inline bool fz_chunk(struct fz_reader *r, const uint8_t **out, size_t *len)
{
	size_t k;

	if (r->n == 0)
		return false;
	if (r->n < 2) {
		k = r->n; /* a lone trailing byte is a chunk of one byte */
	} else {
		k = ((size_t)r->p[0] << 8) | r->p[1];
		r->p += 2;
		r->n -= 2;
		if (k > r->n)
			k = r->n;
	}
	*out = r->p;
	*len = k;
	r->p += k;
	r->n -= k;
	return true;
}

/* A small deterministic generator (xorshift32) for choices derived from input bytes. */
static inline uint32_t fz_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* A NUL-terminated malloc'd copy of data[0..n) (for APIs that take C strings). */
static inline char *fz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < n; i++)
		s[i] = (char)data[i];
	s[n] = '\0';
	return s;
}

#endif
