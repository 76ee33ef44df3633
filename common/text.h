/*
 * text.h - UTF-8 validation and the Vietnamese search fold.
 *
 * Owns nothing: pure functions over caller buffers.
 *
 * kt_text_check() is how every layer validates text from the network: valid
 * UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), within a
 * byte limit, and without control characters: C0, DEL and C1 are refused,
 * except that multi-line text may contain '\n', '\r' and '\t'; a single-line
 * field also refuses U+2028 and U+2029 (line and paragraph separators).
 *
 * kt_fold() maps text to its search key: lower case, Vietnamese diacritics
 * removed (precomposed forms and combining marks U+0300..U+036F alike),
 * 'đ'/'Đ' to 'd', runs of white space to one space, trimmed. So "xã Hòa An",
 * "XA HOA AN" and "xa hoa an" all fold to "xa hoa an". Characters outside
 * Latin are kept as they are (their UTF-8 bytes copied).
 */
#ifndef KT_TEXT_H
#define KT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

enum kt_text_flags {
	KT_TEXT_NONEMPTY = 1 << 0,  /* empty (or only white space) is refused */
	KT_TEXT_MULTILINE = 1 << 1, /* '\n', '\r' and '\t' allowed */
};

/* True when s[0..n) is valid UTF-8. NUL bytes are refused. */
bool kt_utf8_valid(const char *s, size_t n);

/*
 * Validate a text field: returns 0, KT_EUTF8 (invalid UTF-8 or a NUL), KT_ETOOBIG
 * (more than max_bytes; checked first), or KT_EINVAL (control character, or
 * empty or only white space with KT_TEXT_NONEMPTY).
 */
int kt_text_check(const char *s, size_t n, size_t max_bytes, unsigned flags);

/*
 * Fold s[0..n) into out (capacity cap, always NUL-terminated when cap > 0).
 * Returns the length of the folded text, or (size_t)-1 when s is not valid
 * UTF-8 (out is then ""). The folded text is never longer than the input, so
 * cap = n + 1 is always enough; with a smaller cap, out holds the whole code
 * points that fit and the return value (>= cap) is the full length, as with
 * snprintf().
 *
 * Latin letters without an ASCII base letter (æ, ß, þ, ŋ ...) are copied
 * unchanged; so is everything outside Latin (Cyrillic, CJK ...), case included.
 */
size_t kt_fold(const char *s, size_t n, char *out, size_t cap);

#endif
