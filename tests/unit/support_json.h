/*
 * support_json.h - a small, strict JSON reader (RFC 8259) for unit tests.
 *
 * Owns: the tree returned by json_parse()/json_parse_file(); the caller frees
 * it with json_free(). Every string, key and child belongs to that tree.
 *
 * Strict: one value per document, no trailing commas, no comments, no leading
 * zeros, no raw control characters in strings, valid UTF-8, paired \u
 * surrogates, no duplicate object keys, at most JSON_MAX_DEPTH nesting.
 */
#ifndef KT_TEST_SUPPORT_JSON_H
#define KT_TEST_SUPPORT_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	double number;	    /* JSON_NUMBER */
	char *str;	    /* JSON_STRING: decoded UTF-8, NUL-terminated (len excludes the NUL) */
	size_t len;	    /* string bytes, or array items / object members */
	struct json *items; /* JSON_ARRAY elements or JSON_OBJECT member values */
	char **keys;	    /* JSON_OBJECT member names, parallel to items */
};

/* Parse text[0..len). On error returns NULL and writes a message to err. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
/* Read and parse a whole file. */
struct json *json_parse_file(const char *path, char *err, size_t errlen);
void json_free(struct json *v);

/* Member of an object by name; NULL if v is not an object or has no such key. */
const struct json *json_get(const struct json *v, const char *key);
/* Element i of an array; NULL if v is not an array or i is out of range. */
const struct json *json_at(const struct json *v, size_t i);
/* The string of a JSON_STRING value; NULL for any other value (or NULL v). */
const char *json_str(const struct json *v);

#endif
