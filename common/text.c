/*
 * text.c - UTF-8 validation and the Vietnamese search fold (see text.h).
 *
 * The decoder follows RFC 3629 table 3-7 exactly: every byte sequence it
 * accepts is the shortest form of a scalar value (no overlong forms, no
 * surrogates U+D800..U+DFFF, nothing above U+10FFFF).
 *
 * The fold works code point by code point, so it never needs a normalisation
 * step: a precomposed letter maps through the tables below to its ASCII base,
 * and a decomposed letter is an ASCII base followed by combining marks
 * (U+0300..U+036F), which are dropped. Both spellings of "Hòa" fold to "hoa".
 */
#include "common/text.h"

#include <stdint.h>
#include <string.h>

#include "common/status.h"

/*
 * ASCII base letter (lower case) of each code point of U+00C0..U+024F (Latin-1
 * Supplement, Latin Extended-A and -B) and U+1E00..U+1EFF (Latin Extended
 * Additional, which holds most Vietnamese letters with a tone mark). '.' means
 * "no ASCII base": the code point is copied unchanged (æ, ß, þ, ŋ, ×, ÷ ...).
 * Derived from the canonical decompositions (first character of the NFD form),
 * plus the letters that have none but read as a base letter with a stroke:
 * Đ đ (and the look-alike Ɖ) -> d, Ø ø -> o, Ł ł -> l, Ħ ħ -> h, ı -> i, Ŧ ŧ -> t.
 */
/* clang-format off */
static const char fold_latin[] = /* U+00C0..U+024F */
	"aaaaaa.ceeeeiiii" /* U+00C0 */
	".nooooo.ouuuuy.." /* U+00D0 */
	"aaaaaa.ceeeeiiii" /* U+00E0 */
	".nooooo.ouuuuy.y" /* U+00F0 */
	"aaaaaaccccccccdd" /* U+0100 */
	"ddeeeeeeeeeegggg" /* U+0110 */
	"gggghhhhiiiiiiii" /* U+0120 */
	"ii..jjkk.llllll." /* U+0130 */
	".llnnnnnn...oooo" /* U+0140 */
	"oo..rrrrrrssssss" /* U+0150 */
	"ssttttttuuuuuuuu" /* U+0160 */
	"uuuuwwyyyzzzzzz." /* U+0170 */
	"bb.......d......" /* U+0180 */
	".......i........" /* U+0190 */
	"oo.............u" /* U+01A0 */
	"u....zz........." /* U+01B0 */
	".............aai" /* U+01C0 */
	"ioouuuuuuuuuu.aa" /* U+01D0 */
	"aa....ggkkoooo.." /* U+01E0 */
	"j...gg..nnaa...." /* U+01F0 */
	"aaaaeeeeiiiioooo" /* U+0200 */
	"rrrruuuusstt..hh" /* U+0210 */
	"......aaeeoooooo" /* U+0220 */
	"ooyy......acc.t." /* U+0230 */
	"......eejj..rryy" /* U+0240 */;

static const char fold_latin_add[] = /* U+1E00..U+1EFF */
	"aabbbbbbccdddddd" /* U+1E00 */
	"ddddeeeeeeeeeeff" /* U+1E10 */
	"gghhhhhhhhhhiiii" /* U+1E20 */
	"kkkkkkllllllllmm" /* U+1E30 */
	"mmmmnnnnnnnnoooo" /* U+1E40 */
	"oooopppprrrrrrrr" /* U+1E50 */
	"sssssssssstttttt" /* U+1E60 */
	"ttuuuuuuuuuuvvvv" /* U+1E70 */
	"wwwwwwwwwwxxxxyy" /* U+1E80 */
	"zzzzzzhtwy......" /* U+1E90 */
	"aaaaaaaaaaaaaaaa" /* U+1EA0 */
	"aaaaaaaaeeeeeeee" /* U+1EB0 */
	"eeeeeeeeiiiioooo" /* U+1EC0 */
	"oooooooooooooooo" /* U+1ED0 */
	"oooouuuuuuuuuuuu" /* U+1EE0 */
	"uuyyyyyyyy......" /* U+1EF0 */;
/* clang-format on */

_Static_assert(sizeof(fold_latin) - 1 == 0x250 - 0xc0, "fold_latin covers U+00C0..U+024F");
_Static_assert(sizeof(fold_latin_add) - 1 == 0x100, "fold_latin_add covers U+1E00..U+1EFF");

/*
 * Decode the code point at s[*i] (n bytes in all), advancing *i. Returns 0, or
 * -1 for an invalid or truncated sequence (*i is then unspecified).
 */
static int utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
	size_t k = *i;
	unsigned char b = s[k];
	unsigned char lo = 0x80, hi = 0xbf;
	unsigned need;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		*i = k + 1;
		return 0;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		need = 1;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		c = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (b == 0xed)
			hi = 0x9f; /* surrogates U+D800..U+DFFF */
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		c = b & 0x07;
		if (b == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (b == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return -1; /* continuation byte, C0/C1 overlong lead, or F5..FF */
	}
	if (n - k - 1 < need)
		return -1;
	for (unsigned j = 1; j <= need; j++) {
		unsigned char t = s[k + j];

		if (t < lo || t > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (t & 0x3f);
	}
	*cp = c;
	*i = k + 1 + need;
	return 0;
}

bool kt_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	if (n > 0 && s == NULL)
		return false;
	while (i < n) {
		if (utf8_next(u, n, &i, &cp) < 0 || cp == 0)
			return false;
	}
	return true;
}

/* White space for the fold and for "empty": ASCII, no-break and the Unicode spaces. */
static bool is_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0xa0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
	       cp == 0x205f || cp == 0x3000;
}

/*
 * Characters that show nothing: zero-width space and joiners, word joiner,
 * the byte-order mark, the Mongolian vowel separator. A name made only of
 * these (and spaces) looks empty and is refused as empty.
 */
static bool is_invisible(uint32_t cp)
{
	return (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff || cp == 0x180e;
}

/*
 * One pass: printable ASCII, most of any Vietnamese text, is taken a byte at
 * a time; the rest is decoded. Bad UTF-8 anywhere outranks the other refusals.
 */
int kt_text_check(const char *s, size_t n, size_t max_bytes, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	bool multiline = flags & KT_TEXT_MULTILINE;
	bool blank = true;
	int bad = 0; /* the first refusal other than bad UTF-8 */
	size_t i = 0;
	uint32_t cp;

	if (n > max_bytes)
		return KT_ETOOBIG;
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			blank = blank && u[i] == ' ';
			i++;
			continue;
		}
		if (utf8_next(u, n, &i, &cp) < 0 || cp == 0)
			return KT_EUTF8;
		if (cp > 0xa0 && cp < 0x1680) {
			blank = false; /* Latin with diacritics, Vietnamese: not a control or a space */
			continue;
		}
		if (cp == '\n' || cp == '\r' || cp == '\t') {
			if (!multiline)
				bad = bad ? bad : KT_EINVAL;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			bad = bad ? bad : KT_EINVAL; /* C0, DEL, C1 */
		} else if ((cp == 0x2028 || cp == 0x2029) && !multiline) {
			bad = bad ? bad : KT_EINVAL; /* line and paragraph separators */
		}
		if (!is_space(cp) && !is_invisible(cp))
			blank = false;
	}
	if (bad)
		return bad;
	if ((flags & KT_TEXT_NONEMPTY) && blank)
		return KT_EINVAL;
	return 0;
}

/* The fold's output: written whole code points, and the length it would have in all. */
struct fold_out {
	char *buf;
	size_t cap;
	size_t used; /* bytes written to buf, NUL excluded */
	size_t len;  /* bytes of the complete folded text */
	bool full;   /* a code point did not fit: write nothing more */
};

/* Append the UTF-8 encoding of cp when it fits whole, so a short buffer stays valid UTF-8. */
static void put_cp(struct fold_out *o, uint32_t cp)
{
	unsigned char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	o->len += k;
	if (o->full || o->cap == 0 || o->used + k >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->used, b, k);
	o->used += k;
	o->buf[o->used] = '\0';
}

/* The folded form of one code point: itself, an ASCII letter, or 0 (dropped). */
static uint32_t fold_cp(uint32_t cp)
{
	char c = '.';

	if (cp >= 'A' && cp <= 'Z')
		return cp - 'A' + 'a';
	if (cp >= 0x300 && cp <= 0x36f)
		return 0; /* combining diacritical marks */
	if (cp >= 0xc0 && cp < 0x250)
		c = fold_latin[cp - 0xc0];
	else if (cp >= 0x1e00 && cp < 0x1f00)
		c = fold_latin_add[cp - 0x1e00];
	return c == '.' ? cp : (uint32_t)(unsigned char)c;
}

size_t kt_fold(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	struct fold_out o = {.buf = out, .cap = cap};
	bool pending_space = false;
	size_t i = 0;
	uint32_t cp;

	if (cap > 0)
		out[0] = '\0';
	if (!kt_utf8_valid(s, n))
		return (size_t)-1;
	while (i < n) {
		utf8_next(u, n, &i, &cp);
		if (is_space(cp)) {
			pending_space = o.len > 0; /* leading white space is dropped */
			continue;
		}
		cp = fold_cp(cp);
		if (cp == 0)
			continue;
		if (pending_space)
			put_cp(&o, ' ');
		pending_space = false;
		put_cp(&o, cp);
	}
	return o.len; /* trailing white space was never written */
}
