/*
 * fuzz_text.c - the UTF-8 validator, the text field check and the search fold
 * (common/text.c), against text.h:
 *
 *   kt_utf8_valid   agrees with a reference decoder written from RFC 3629
 *                   (shortest form, no surrogates, at most U+10FFFF, no NUL);
 *   kt_text_check   with each flag combination and three byte limits: the
 *                   documented order (size first, then UTF-8, then control
 *                   characters, line separators and blankness);
 *   kt_fold         (size_t)-1 exactly for invalid UTF-8, with out ""; else
 *                   never longer than the input, valid UTF-8 with no ASCII
 *                   capital, no combining mark U+0300..U+036F, no leading,
 *                   trailing or doubled space, and a fixed point (folding the
 *                   result changes nothing); with a short buffer, the whole
 *                   code points that fit and the full length returned, as
 *                   snprintf does.
 *
 * Input: byte 0 picks the short fold buffer's size (byte 0 % (length + 2));
 * the rest is the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/text.h"
#include "fuzz/fuzz.h"

/* Reference decoder: the code point at s[*i], or -1 when the bytes there are not UTF-8. */
static int32_t ref_next(const uint8_t *s, size_t n, size_t *i)
{
	uint8_t b = s[*i];
	size_t need;
	uint32_t cp, min;

	if (b < 0x80) {
		(*i)++;
		return b;
	}
	if ((b & 0xe0) == 0xc0) {
		need = 1;
		cp = b & 0x1f;
		min = 0x80;
	} else if ((b & 0xf0) == 0xe0) {
		need = 2;
		cp = b & 0x0f;
		min = 0x800;
	} else if ((b & 0xf8) == 0xf0) {
		need = 3;
		cp = b & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (n - *i - 1 < need)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += 1 + need;
	return (int32_t)cp;
}

static bool ref_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int32_t cp = ref_next(s, n, &i);

		if (cp <= 0)
			return false;
	}
	return true;
}

/* Characters that show nothing: they do not make a text non-empty either. */
static bool ref_invisible(uint32_t cp)
{
	return cp == 0x200b || cp == 0x200c || cp == 0x200d || cp == 0x2060 || cp == 0xfeff ||
	       cp == 0x180e;
}

/* text.c's white space (text.h: "empty (or only white space)"). */
static bool ref_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
	       cp == 0x205f || cp == 0x3000;
}

static int ref_check(const uint8_t *s, size_t n, size_t max, unsigned flags)
{
	bool multiline = flags & KT_TEXT_MULTILINE, blank = true;
	size_t i = 0;

	if (n > max)
		return KT_ETOOBIG;
	if (!ref_valid(s, n))
		return KT_EUTF8;
	while (i < n) {
		uint32_t cp = (uint32_t)ref_next(s, n, &i);

		if (cp == '\n' || cp == '\r' || cp == '\t') {
			if (!multiline)
				return KT_EINVAL;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			return KT_EINVAL;
		} else if (!multiline && (cp == 0x2028 || cp == 0x2029)) {
			return KT_EINVAL;
		}
		if (!ref_space(cp) && !ref_invisible(cp))
			blank = false;
	}
	return (flags & KT_TEXT_NONEMPTY) && blank ? KT_EINVAL : KT_OK;
}

static void check_folded(const char *f, size_t len)
{
	const uint8_t *u = (const uint8_t *)f;
	size_t i = 0;

	FZ_CHECK(ref_valid(u, len), "the fold is not valid UTF-8");
	FZ_CHECK(len == 0 || (f[0] != ' ' && f[len - 1] != ' '), "a space at an end");
	while (i < len) {
		int32_t cp = ref_next(u, len, &i);

		FZ_CHECK(!(cp >= 'A' && cp <= 'Z'), "a capital in the fold");
		FZ_CHECK(!(cp >= 0x300 && cp <= 0x36f), "a combining mark U+%04X in the fold",
			 (unsigned)cp);
		FZ_CHECK(!ref_space((uint32_t)cp) || (cp == ' ' && f[i] != ' '),
			 "white space U+%04X in the fold", (unsigned)cp);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = {0, KT_TEXT_NONEMPTY, KT_TEXT_MULTILINE,
					 KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE};
	const uint8_t *u;
	const char *s;
	char *full, *again, *part;
	size_t n, len, len2, cap, plen, cut;
	bool valid;

	if (size < 1)
		return 0;
	u = data + 1;
	n = size - 1;
	s = (const char *)u;
	valid = ref_valid(u, n);
	FZ_CHECK(kt_utf8_valid(s, n) == valid, "kt_utf8_valid says %d", !valid);
	for (size_t f = 0; f < 4; f++) {
		size_t limits[3] = {n, n ? n - 1 : 0, 64};

		for (size_t l = 0; l < 3; l++) {
			int got = kt_text_check(s, n, limits[l], flags[f]);
			int want = ref_check(u, n, limits[l], flags[f]);

			FZ_CHECK(got == want, "kt_text_check(max %zu, flags %u) = %d, expected %d",
				 limits[l], flags[f], got, want);
		}
	}

	full = malloc(n + 1);
	if (!full)
		abort();
	len = kt_fold(s, n, full, n + 1);
	if (!valid) {
		FZ_CHECK(len == (size_t)-1 && full[0] == '\0', "invalid UTF-8 folded to %zu", len);
		FZ_CHECK(kt_fold(s, n, NULL, 0) == (size_t)-1, "cap 0: not -1");
		free(full);
		return 0;
	}
	FZ_CHECK(len <= n && strlen(full) == len, "fold length %zu (strlen %zu) of %zu bytes", len,
		 strlen(full), n);
	check_folded(full, len);

	again = malloc(len + 1);
	if (!again)
		abort();
	len2 = kt_fold(full, len, again, len + 1);
	FZ_CHECK(len2 == len && memcmp(again, full, len) == 0, "folding the fold changed it");
	free(again);

	FZ_CHECK(kt_fold(s, n, NULL, 0) == len, "cap 0 gives another length");
	cap = data[0] % (len + 2);
	part = malloc(cap ? cap : 1);
	if (!part)
		abort();
	FZ_CHECK(kt_fold(s, n, part, cap) == len, "cap %zu gives another length", cap);
	if (cap > 0) {
		/* The longest prefix of whole code points that fits in cap - 1 bytes. */
		for (cut = 0, plen = 0; plen < len;) {
			size_t i = plen;

			ref_next((const uint8_t *)full, len, &i);
			if (i > cap - 1)
				break;
			plen = i;
			cut = plen;
		}
		FZ_CHECK(strlen(part) == cut && memcmp(part, full, cut) == 0,
			 "cap %zu: %zu bytes written, expected %zu", cap, strlen(part), cut);
	}
	free(part);
	free(full);
	return 0;
}
