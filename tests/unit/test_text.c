/*
 * test_text.c - UTF-8 validation, kt_text_check() and the Vietnamese fold
 * (common/text.h). Exit status 0 when every check passed; each failed check
 * prints what was expected and what came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/text.h"

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

/* Fold s and compare with the expected key. */
static void check_fold(int line, const char *s, const char *expected)
{
	char out[1024];
	size_t n = kt_fold(s, strlen(s), out, sizeof(out));

	if (n != strlen(expected) || strcmp(out, expected) != 0) {
		fprintf(stderr, "%s:%d: kt_fold(\"%s\"): expected \"%s\" (%zu), got \"%s\" (%zu)\n",
			__FILE__, line, s, expected, strlen(expected), out, n);
		failures++;
	}
}
#define CHECK_FOLD(s, expected) check_fold(__LINE__, s, expected)

static void check_valid(int line, const char *s, size_t n, int expected)
{
	int got = kt_utf8_valid(s, n);

	if (got != expected) {
		fprintf(stderr, "%s:%d: kt_utf8_valid(", __FILE__, line);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "\\x%02x", (unsigned char)s[i]);
		fprintf(stderr, "): expected %d, got %d\n", expected, got);
		failures++;
	}
}
#define VALID(lit) check_valid(__LINE__, lit, sizeof(lit) - 1, 1)
#define INVALID(lit) check_valid(__LINE__, lit, sizeof(lit) - 1, 0)

static void test_utf8(void)
{
	/* Valid: ASCII, Vietnamese, the edges of each length, the last scalar. */
	VALID("");
	VALID("xa Hoa An");
	VALID("xã Hòa An");
	VALID("Thị trấn Trâu Quỳ, Đoàn kiểm tra 334/QĐ-UBND");
	VALID("\xc2\x80");	   /* U+0080 */
	VALID("\xdf\xbf");	   /* U+07FF */
	VALID("\xe0\xa0\x80");	   /* U+0800 */
	VALID("\xed\x9f\xbf");	   /* U+D7FF, just below the surrogates */
	VALID("\xee\x80\x80");	   /* U+E000, just above */
	VALID("\xef\xbf\xbf");	   /* U+FFFF */
	VALID("\xf0\x90\x80\x80"); /* U+10000 */
	VALID("\xf0\x9f\x98\x80"); /* U+1F600 */
	VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF */

	/* Overlong forms. */
	INVALID("\xc0\xaf");
	INVALID("\xc1\xbf");
	INVALID("\xc0\x80"); /* the "modified UTF-8" NUL */
	INVALID("\xe0\x80\xaf");
	INVALID("\xe0\x9f\xbf");
	INVALID("\xf0\x80\x80\xaf");
	INVALID("\xf0\x8f\xbf\xbf");
	/* Surrogates. */
	INVALID("\xed\xa0\x80");
	INVALID("\xed\xbf\xbf");
	INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair */
	/* Above U+10FFFF, and bytes that never occur. */
	INVALID("\xf4\x90\x80\x80");
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf8\x88\x80\x80\x80");
	INVALID("\xfe");
	INVALID("\xff");
	/* Truncated sequences and stray continuation bytes. */
	INVALID("\xc3");
	INVALID("x\xc3");
	INVALID("\xe1\xbb");
	INVALID("\xf0\x9f\x98");
	INVALID("\xc3\x61");
	INVALID("\xe1\xbb\x61");
	INVALID("\x80");
	INVALID("a\xbf\x62");
	/* NUL is refused. */
	INVALID("a\0b");
	INVALID("\0");
	CHECK(!kt_utf8_valid(NULL, 1));
	CHECK(kt_utf8_valid(NULL, 0));
}

static void test_text_check(void)
{
	const char *vn = "xã Hòa An"; /* 11 bytes */

	CHECK_INT(11, strlen(vn));
	CHECK_INT(0, kt_text_check(vn, strlen(vn), 11, KT_TEXT_NONEMPTY));
	CHECK_INT(KT_ETOOBIG, kt_text_check(vn, strlen(vn), 10, KT_TEXT_NONEMPTY));
	CHECK_INT(KT_ETOOBIG, kt_text_check("\xff\xff\xff", 3, 2, 0)); /* size first */
	CHECK_INT(KT_EUTF8, kt_text_check("\xff\xff\xff", 3, 3, 0));
	CHECK_INT(KT_EUTF8, kt_text_check("a\0b", 3, 10, 0));
	CHECK_INT(KT_EUTF8, kt_text_check("\xed\xa0\x80", 3, 10, KT_TEXT_MULTILINE));

	/* Line breaks and tabs: only in multi-line text. */
	CHECK_INT(KT_EINVAL, kt_text_check("a\nb", 3, 10, 0));
	CHECK_INT(KT_EINVAL, kt_text_check("a\rb", 3, 10, 0));
	CHECK_INT(KT_EINVAL, kt_text_check("a\tb", 3, 10, 0));
	CHECK_INT(0, kt_text_check("a\nb", 3, 10, KT_TEXT_MULTILINE));
	CHECK_INT(0, kt_text_check("a\r\n\tb", 5, 10, KT_TEXT_MULTILINE));
	CHECK_INT(KT_EINVAL, kt_text_check("a\xe2\x80\xa8\x62", 5, 10, 0)); /* U+2028 */
	CHECK_INT(0, kt_text_check("a\xe2\x80\xa8\x62", 5, 10, KT_TEXT_MULTILINE));

	/* Other control characters: never. */
	CHECK_INT(KT_EINVAL, kt_text_check("a\x01", 2, 10, KT_TEXT_MULTILINE));
	CHECK_INT(KT_EINVAL, kt_text_check("\x1b[31m", 5, 10, KT_TEXT_MULTILINE));
	CHECK_INT(KT_EINVAL, kt_text_check("a\x7f", 2, 10, KT_TEXT_MULTILINE));
	CHECK_INT(KT_EINVAL, kt_text_check("a\xc2\x85", 3, 10, KT_TEXT_MULTILINE)); /* NEL */
	CHECK_INT(KT_EINVAL, kt_text_check("a\xc2\x9f", 3, 10, 0));
	/* Bad UTF-8 outranks a control character before it. */
	CHECK_INT(KT_EUTF8, kt_text_check("\x01\xff", 2, 10, KT_TEXT_MULTILINE));
	CHECK_INT(KT_EUTF8, kt_text_check("a\nb\xc3", 4, 10, 0));
	CHECK_INT(KT_EUTF8, kt_text_check("\x1b\0", 2, 10, 0));

	/* Empty and blank. */
	CHECK_INT(0, kt_text_check("", 0, 10, 0));
	CHECK_INT(0, kt_text_check(NULL, 0, 10, 0));
	CHECK_INT(KT_EINVAL, kt_text_check("", 0, 10, KT_TEXT_NONEMPTY));
	CHECK_INT(KT_EINVAL, kt_text_check("   ", 3, 10, KT_TEXT_NONEMPTY));
	CHECK_INT(KT_EINVAL, kt_text_check("\xc2\xa0", 2, 10, KT_TEXT_NONEMPTY)); /* NBSP */
	CHECK_INT(KT_EINVAL, kt_text_check(" \xe2\x80\x8b ", 5, 10, KT_TEXT_NONEMPTY)); /* ZWSP */
	CHECK_INT(0, kt_text_check(" \xe2\x80\x8bx", 5, 10, KT_TEXT_NONEMPTY));
	CHECK_INT(KT_EINVAL, kt_text_check(" \n ", 3, 10, KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE));
	CHECK_INT(0, kt_text_check(" x ", 3, 10, KT_TEXT_NONEMPTY));
	CHECK_INT(0, kt_text_check("   ", 3, 10, 0));
}

static void test_fold_examples(void)
{
	char out[64];

	CHECK_FOLD("xã Hòa An", "xa hoa an");
	CHECK_FOLD("XA HOA AN", "xa hoa an");
	CHECK_FOLD("xa hoa an", "xa hoa an");
	CHECK_FOLD("xã Tân Thuận Tây", "xa tan thuan tay");
	CHECK_FOLD("thị trấn Trâu Quỳ", "thi tran trau quy");
	CHECK_FOLD("THỊ TRẤN TRÂU QUỲ", "thi tran trau quy");
	CHECK_FOLD("Phường 4", "phuong 4");
	CHECK_FOLD("Đoàn kiểm tra 334/QĐ-UBND", "doan kiem tra 334/qd-ubnd");
	CHECK_FOLD("đ", "d");
	CHECK_FOLD("Đ", "d");
	CHECK_FOLD("Ɖ", "d"); /* the African D that looks like Đ */
	CHECK_FOLD("Sở Nội vụ; Ủy ban; Ưu tiên; Ơn; Ăn; Ĩnh; Ũng",
		   "so noi vu; uy ban; uu tien; on; an; inh; ung");
	CHECK_FOLD("Ǎ ǎ Ǔ ǔ Ȁ ȁ", "a a u u a a");

	/* Decomposed input: base letter plus combining marks U+0300..U+036F. */
	CHECK_FOLD("Ho\xcc\x80\x61", "hoa");
	CHECK_FOLD("xa\xcc\x83 Ho\xcc\x80\x61 An", "xa hoa an");
	CHECK_FOLD("Tra\xcc\x82u Quy\xcc\x80", "trau quy");
	CHECK_FOLD("O\xcc\x9b\xcc\x81", "o");	    /* O, horn, acute */
	CHECK_FOLD("u\xcc\x9b\xcc\xa3", "u");	    /* u, horn, dot below */
	CHECK_FOLD("\xc6\xa0\xcc\x81", "o");	    /* precomposed Ơ, then acute */
	CHECK_FOLD("\xcc\x80\x61", "a");	    /* a stray mark at the start */
	CHECK_FOLD("Tha\xcc\x82\xcc\x80n", "than"); /* two marks on one letter */

	/* White space: runs to one space, trimmed; tabs, newlines, NBSP, ideographic. */
	CHECK_FOLD("  xã   Hòa\tAn \n", "xa hoa an");
	CHECK_FOLD("a\xc2\xa0\x62", "a b");
	CHECK_FOLD("a\xe3\x80\x80\xe2\x80\x83\x62", "a b");
	CHECK_FOLD("   ", "");
	CHECK_FOLD("", "");
	CHECK_FOLD(" \xcc\x80 ", "");
	CHECK_FOLD("a \xcc\x80 b", "a b");

	/* Outside Latin: copied unchanged, case included. */
	CHECK_FOLD("Привет МИР", "Привет МИР");
	CHECK_FOLD("中文 ABC", "中文 abc");
	CHECK_FOLD("Ωμέγα", "Ωμέγα");
	CHECK_FOLD("\xf0\x9f\x98\x80 OK", "\xf0\x9f\x98\x80 ok");
	/* Latin without an ASCII base letter: unchanged. */
	CHECK_FOLD("Æ ß þ", "Æ ß þ");
	/* Punctuation and digits stay. */
	CHECK_FOLD("06/KH-UBND (11/01/2022)", "06/kh-ubnd (11/01/2022)");

	/* Invalid UTF-8: (size_t)-1 and an empty output. */
	strcpy(out, "junk");
	CHECK(kt_fold("ab\xff", 3, out, sizeof(out)) == (size_t)-1);
	CHECK(out[0] == '\0');
	CHECK(kt_fold("a\0b", 3, out, sizeof(out)) == (size_t)-1);

	/* A short buffer: whole code points that fit, the full length returned. */
	CHECK_INT(3, kt_fold("Hòa", strlen("Hòa"), out, 3));
	CHECK(strcmp(out, "ho") == 0);
	CHECK_INT(6, kt_fold("中文", strlen("中文"), out, 5));
	CHECK(strcmp(out, "中") == 0);
	CHECK_INT(6, kt_fold("中文", strlen("中文"), out, 3));
	CHECK(strcmp(out, "") == 0);
	CHECK_INT(9, kt_fold("xa hoa an", 9, NULL, 0));
}

/* cap = n + 1 is always enough: the fold is never longer than its input. */
static void test_fold_length(void)
{
	static const char *const samples[] = {
	    "xã Hòa An", "Ɖ Đ đ", "ẞ", "  a  ", "中文", "\xc2\xa0x", "Ho\xcc\x80\x61",
	};

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t n = strlen(samples[i]);
		char out[64];
		size_t got;

		memset(out, 'x', sizeof(out));
		got = kt_fold(samples[i], n, out, n + 1);
		CHECK(got <= n);
		CHECK(strlen(out) == got);
	}
}

/* Every Vietnamese letter with a diacritic, precomposed: 67 lower case, 67 upper case. */
static const char vn_lower[] =
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ";
static const char vn_upper[] =
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ";
static const char vn_base[] = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd";

static size_t utf8_len(unsigned char lead)
{
	return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

static int fold_letters(const char *letters, const char *bases)
{
	const char *p = letters;
	int count = 0;

	while (*p) {
		size_t k = utf8_len((unsigned char)*p);
		char out[8], want[2] = {bases[count], '\0'};
		size_t n = kt_fold(p, k, out, sizeof(out));

		if (n != 1 || strcmp(out, want) != 0) {
			fprintf(stderr, "%s:%d: kt_fold(\"%.*s\"): expected \"%s\", got \"%s\"\n",
				__FILE__, __LINE__, (int)k, p, want, out);
			failures++;
		}
		p += k;
		count++;
	}
	return count;
}

static void test_fold_all_letters(void)
{
	int n = 0;

	CHECK_INT(67, strlen(vn_base));
	n += fold_letters(vn_lower, vn_base);
	n += fold_letters(vn_upper, vn_base);
	CHECK_INT(134, n);
}

/* The same letters decomposed: vowel (+ breve, circumflex or horn) + tone mark. */
static void test_fold_decomposed(void)
{
	static const char *const vowels[] = {
	    "a", "a\xcc\x86", "a\xcc\x82", "e", "e\xcc\x82", "i",
	    "o", "o\xcc\x82", "o\xcc\x9b", "u", "u\xcc\x9b", "y",
	    "A", "A\xcc\x86", "A\xcc\x82", "E", "E\xcc\x82", "I",
	    "O", "O\xcc\x82", "O\xcc\x9b", "U", "U\xcc\x9b", "Y",
	};
	/* none, grave, acute, hook above, tilde, dot below */
	static const char *const tones[] = {
	    "", "\xcc\x80", "\xcc\x81", "\xcc\x89", "\xcc\x83", "\xcc\xa3",
	};
	int count = 0;

	for (size_t v = 0; v < sizeof(vowels) / sizeof(vowels[0]); v++) {
		for (size_t t = 0; t < sizeof(tones) / sizeof(tones[0]); t++) {
			char in[16], out[16], want[2] = {(char)(vowels[v][0] | 0x20), '\0'};
			size_t n;

			snprintf(in, sizeof(in), "%s%s", vowels[v], tones[t]);
			n = kt_fold(in, strlen(in), out, sizeof(out));
			if (n != 1 || strcmp(out, want) != 0) {
				fprintf(stderr,
					"%s:%d: kt_fold(\"%s\"): expected \"%s\", got \"%s\"\n",
					__FILE__, __LINE__, in, want, out);
				failures++;
			}
			count++;
		}
	}
	CHECK_INT(144, count);
}

int main(void)
{
	test_utf8();
	test_text_check();
	test_fold_examples();
	test_fold_length();
	test_fold_all_letters();
	test_fold_decomposed();
	if (failures) {
		fprintf(stderr, "test_text: %d checks failed\n", failures);
		return 1;
	}
	printf("test_text: all checks passed\n");
	return 0;
}
