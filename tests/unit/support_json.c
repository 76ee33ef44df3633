/*
 * support_json.c - a small, strict JSON reader for unit tests (see support_json.h).
 *
 * Owns: every allocation of a parsed tree, released by json_free(). A
 * recursive-descent parser over a (pointer, end) cursor; nesting is bounded by
 * JSON_MAX_DEPTH so hostile input cannot exhaust the stack.
 */
#include "support_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_parser {
	const char *start, *p, *end;
	int depth;
	char *err;
	size_t errlen;
};

static int json_fail(struct json_parser *ps, const char *msg)
{
	if (ps->err && ps->errlen && !ps->err[0])
		snprintf(ps->err, ps->errlen, "offset %zu: %s", (size_t)(ps->p - ps->start), msg);
	return -1;
}

static void skip_ws(struct json_parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static void free_contents(struct json *v)
{
	size_t i;

	if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
		for (i = 0; i < v->len; i++) {
			free_contents(&v->items[i]);
			if (v->keys)
				free(v->keys[i]);
		}
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

static int parse_value(struct json_parser *ps, struct json *out);

static int hex4(struct json_parser *ps, unsigned *cp)
{
	int i;
	char c;

	if (ps->end - ps->p < 4)
		return json_fail(ps, "short \\u escape");
	*cp = 0;
	for (i = 0; i < 4; i++) {
		c = *ps->p++;
		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned)(c - 'A' + 10);
		else
			return json_fail(ps, "bad hex digit in \\u escape");
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* At the opening quote. *out gets a malloc'd NUL-terminated string. */
static int parse_string(struct json_parser *ps, char **out, size_t *outlen)
{
	const char *q;
	char *buf, *o;
	unsigned cp, lo;
	size_t n;

	ps->p++;
	/* Bound the decoded size by the raw size up to the closing quote. */
	for (q = ps->p; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if (q >= ps->end)
		return json_fail(ps, "unterminated string");
	buf = malloc((size_t)(q - ps->p) + 1);
	if (!buf)
		return json_fail(ps, "out of memory");
	o = buf;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;

		if (c < 0x20)
			goto bad_ctl;
		if (c >= 0x80) {
			n = utf8_seq((const unsigned char *)ps->p, (const unsigned char *)ps->end);
			if (!n)
				goto bad_utf8;
			memcpy(o, ps->p, n);
			o += n;
			ps->p += n;
			continue;
		}
		ps->p++;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = (char)c;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (hex4(ps, &cp))
				goto fail;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad_surrogate;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
					goto bad_surrogate;
				ps->p += 2;
				if (hex4(ps, &lo))
					goto fail;
				if (lo < 0xdc00 || lo > 0xdfff)
					goto bad_surrogate;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put_utf8(o, cp);
			break;
		default:
			ps->p--;
			json_fail(ps, "bad escape");
			goto fail;
		}
	}
	ps->p++;
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	return 0;
bad_ctl:
	json_fail(ps, "control character in string");
	goto fail;
bad_utf8:
	json_fail(ps, "invalid UTF-8 in string");
	goto fail;
bad_surrogate:
	json_fail(ps, "unpaired surrogate in \\u escape");
fail:
	free(buf);
	return -1;
}

static int digits(struct json_parser *ps)
{
	const char *s = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > s;
}

static int parse_number(struct json_parser *ps, struct json *out)
{
	const char *s = ps->p;
	char *copy;
	size_t n;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (!digits(ps))
		return json_fail(ps, "bad number");
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!digits(ps))
			return json_fail(ps, "bad fraction");
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!digits(ps))
			return json_fail(ps, "bad exponent");
	}
	n = (size_t)(ps->p - s);
	copy = malloc(n + 1);
	if (!copy)
		return json_fail(ps, "out of memory");
	memcpy(copy, s, n);
	copy[n] = '\0';
	out->number = strtod(copy, NULL);
	free(copy);
	out->type = JSON_NUMBER;
	return 0;
}

static int parse_literal(struct json_parser *ps, const char *word, enum json_type type,
			 struct json *out)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return json_fail(ps, "unexpected token");
	ps->p += n;
	out->type = type;
	return 0;
}

/* Append *child to v->items (and key to v->keys for objects); takes ownership. */
static int append(struct json_parser *ps, struct json *v, struct json *child, char *key)
{
	struct json *items;
	char **keys;

	items = realloc(v->items, (v->len + 1) * sizeof(*items));
	if (!items)
		return json_fail(ps, "out of memory");
	v->items = items;
	if (v->type == JSON_OBJECT) {
		keys = realloc(v->keys, (v->len + 1) * sizeof(*keys));
		if (!keys)
			return json_fail(ps, "out of memory");
		v->keys = keys;
		v->keys[v->len] = key;
	}
	v->items[v->len++] = *child;
	return 0;
}

static int parse_container(struct json_parser *ps, struct json *out, int object)
{
	struct json child;
	char *key = NULL;
	size_t keylen;

	if (++ps->depth > JSON_MAX_DEPTH)
		return json_fail(ps, "nesting too deep");
	out->type = object ? JSON_OBJECT : JSON_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		memset(&child, 0, sizeof(child));
		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return json_fail(ps, "expected a member name");
			if (parse_string(ps, &key, &keylen))
				return -1;
			if (strlen(key) != keylen || json_get(out, key)) {
				free(key);
				return json_fail(ps, "duplicate or NUL-containing member name");
			}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return json_fail(ps, "expected ':'");
			}
			ps->p++;
		}
		if (parse_value(ps, &child) || append(ps, out, &child, key)) {
			free_contents(&child);
			free(key);
			return -1;
		}
		key = NULL;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
			ps->p++;
			break;
		}
		return json_fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	ps->depth--;
	return 0;
}

static int parse_value(struct json_parser *ps, struct json *out)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return json_fail(ps, "unexpected end of input");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, out, 1);
	case '[':
		return parse_container(ps, out, 0);
	case '"':
		out->type = JSON_STRING;
		return parse_string(ps, &out->str, &out->len);
	case 't':
		return parse_literal(ps, "true", JSON_TRUE, out);
	case 'f':
		return parse_literal(ps, "false", JSON_FALSE, out);
	case 'n':
		return parse_literal(ps, "null", JSON_NULL, out);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, out);
		return json_fail(ps, "unexpected character");
	}
}

struct json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_parser ps = {text, text, text + len, 0, err, errlen};
	struct json *v;

	if (err && errlen)
		err[0] = '\0';
	if (!text) {
		json_fail(&ps, "no input");
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		json_fail(&ps, "out of memory");
		return NULL;
	}
	if (parse_value(&ps, v))
		goto fail;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		json_fail(&ps, "trailing data after the value");
		goto fail;
	}
	return v;
fail:
	json_free(v);
	return NULL;
}

struct json *json_parse_file(const char *path, char *err, size_t errlen)
{
	struct json *v = NULL;
	FILE *f;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, n;

	f = fopen(path, "rb");
	if (!f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				if (err && errlen)
					snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	v = json_parse(buf, len, err, errlen);
out:
	free(buf);
	fclose(f);
	return v;
}

void json_free(struct json *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

const struct json *json_get(const struct json *v, const char *key)
{
	size_t i;

	if (!v || v->type != JSON_OBJECT || !key)
		return NULL;
	for (i = 0; i < v->len; i++)
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

const struct json *json_at(const struct json *v, size_t i)
{
	if (!v || v->type != JSON_ARRAY || i >= v->len)
		return NULL;
	return &v->items[i];
}

const char *json_str(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->str : NULL;
}
