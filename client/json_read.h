/*
 * json_read.h - a strict JSON reader (RFC 8259) that builds a tree of values,
 * and a pretty writer for such trees. `kiemtra export` writes its record
 * through the tree (so what it writes is known to read back), `kiemtra verify`
 * reads the record with it.
 *
 * Strict means: the whole input is valid UTF-8 without a byte-order mark; one
 * value, then only white space; no comments, no trailing commas, no duplicate
 * keys in an object, no leading zeros, no raw control characters in strings,
 * no lone surrogates and no U+0000 (strings are C strings); integers (no
 * fraction, no exponent) must fit int64 and are kept exact; nesting is at most
 * KT_JV_MAX_DEPTH deep. An error names the line and column where it was found.
 *
 * Owns: kt_jv_parse hands the caller a tree (*out) that owns every node, key
 * and string below it; kt_jv_free releases the whole tree and accepts NULL.
 * Lookups return pointers into the tree, valid until it is freed.
 */
#ifndef KT_CLIENT_JSON_READ_H
#define KT_CLIENT_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KT_JV_MAX_DEPTH 64

enum kt_jv_type {
	KT_JV_NULL,
	KT_JV_BOOL,
	KT_JV_INT,    /* an integer literal: .i */
	KT_JV_NUMBER, /* with a fraction or an exponent: .d */
	KT_JV_STRING, /* .s (NUL-terminated), .len bytes */
	KT_JV_ARRAY,  /* .n items in .items */
	KT_JV_OBJECT, /* .n members: .keys[k] -> .items[k], in document order */
};

struct kt_jv {
	enum kt_jv_type type;
	bool b;
	int64_t i;
	double d;
	char *s;
	size_t len;
	size_t n, cap;
	struct kt_jv **items;
	char **keys;
};

/*
 * Parse text[0..len). Returns 0 with *out set, or KT_EINVAL (err says what and
 * where, e.g. "line 3, column 7: a string ends inside an escape"), KT_ENOMEM.
 */
int kt_jv_parse(const char *text, size_t len, struct kt_jv **out, char *err, size_t cap);
void kt_jv_free(struct kt_jv *v);

/* The member key of an object; NULL when v is not an object or has no such key. */
const struct kt_jv *kt_jv_get(const struct kt_jv *v, const char *key);
/* Item i of an array; NULL when v is not an array or i is out of range. */
const struct kt_jv *kt_jv_at(const struct kt_jv *v, size_t i);
/* Typed member lookups: true and *out set when the member exists with that type. */
bool kt_jv_get_int(const struct kt_jv *v, const char *key, int64_t *out);
bool kt_jv_get_bool(const struct kt_jv *v, const char *key, bool *out);
/* The string member (NULL when absent or not a string). */
const char *kt_jv_get_str(const struct kt_jv *v, const char *key);
/* Deep equality: same types, values, and members (objects compared by key, not order). */
bool kt_jv_equal(const struct kt_jv *a, const struct kt_jv *b);

/*
 * Write v to f as indented JSON (two spaces a level, one member or item a
 * line, "key": value; an array of scalars only on one line), then a newline.
 * Returns 0, or KT_ESYS when f failed.
 */
int kt_jv_write_pretty(FILE *f, const struct kt_jv *v);

#endif
