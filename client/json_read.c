/* json_read.c - see json_read.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "client/json_read.h"
#include "client/output.h"
#include "common/status.h"

#define OBJECT_MEMBERS_MAX 4096 /* keeps the duplicate-key check cheap */

struct parser {
	const char *p;	 /* the input */
	size_t len, pos; /* its length and where we are */
	char *err;
	size_t cap;
	int rc; /* first failure: KT_EINVAL or KT_ENOMEM */
};

/* Line and column (in characters) of byte offset pos, both 1-based. */
static void where(const char *p, size_t pos, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (p[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)p[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void fail_at(struct parser *ps, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_at(struct parser *ps, size_t pos, const char *fmt, ...)
{
	char what[160];
	unsigned line, col;
	va_list ap;

	if (ps->rc)
		return;
	ps->rc = KT_EINVAL;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	where(ps->p, pos, &line, &col);
	if (ps->cap)
		snprintf(ps->err, ps->cap, "line %u, column %u: %s", line, col, what);
}

static void no_memory(struct parser *ps)
{
	if (ps->rc)
		return;
	ps->rc = KT_ENOMEM;
	if (ps->cap)
		snprintf(ps->err, ps->cap, "out of memory");
}

static void skip_space(struct parser *ps)
{
	while (ps->pos < ps->len) {
		char c = ps->p[ps->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		ps->pos++;
	}
}

static struct kt_jv *node(struct parser *ps, enum kt_jv_type type)
{
	struct kt_jv *v = calloc(1, sizeof(*v));

	if (!v) {
		no_memory(ps);
		return NULL;
	}
	v->type = type;
	return v;
}

void kt_jv_free(struct kt_jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		kt_jv_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

/* Append item (and key, for an object) to v; takes both in every case. */
static int append(struct parser *ps, struct kt_jv *v, char *key, struct kt_jv *item)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? 2 * v->cap : 8;
		struct kt_jv **ni = realloc(v->items, ncap * sizeof(*ni));
		char **nk;

		if (!ni)
			goto nomem;
		v->items = ni;
		if (v->type == KT_JV_OBJECT) {
			nk = realloc(v->keys, ncap * sizeof(*nk));
			if (!nk)
				goto nomem;
			v->keys = nk;
		}
		v->cap = ncap;
	}
	v->items[v->n] = item;
	if (v->type == KT_JV_OBJECT)
		v->keys[v->n] = key;
	v->n++;
	return 0;
nomem:
	free(key);
	kt_jv_free(item);
	no_memory(ps);
	return -1;
}

static int hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
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

/* A string literal at ps->pos (the opening quote): a new buffer in *out, length *n. */
static int string_lit(struct parser *ps, char **out, size_t *n)
{
	size_t start = ps->pos, i = ps->pos + 1, end, k = 0;
	char *o;

	*out = NULL;
	/* Find the closing quote first: the decoded text is never longer than the raw one. */
	for (end = i; end < ps->len && ps->p[end] != '"'; end++)
		if (ps->p[end] == '\\')
			end++;
	if (end >= ps->len) {
		fail_at(ps, start, "a string is not closed");
		return -1;
	}
	o = malloc(end - i + 1);
	if (!o) {
		no_memory(ps);
		return -1;
	}
	while (i < end) {
		unsigned char c = (unsigned char)ps->p[i];
		uint32_t cp, lo;

		if (c < 0x20) {
			fail_at(ps, i,
				"a control character (0x%02x) inside a string must be escaped", c);
			goto bad;
		}
		if (c != '\\') {
			o[k++] = (char)c;
			i++;
			continue;
		}
		switch (ps->p[i + 1]) {
		case '"':
		case '\\':
		case '/':
			o[k++] = ps->p[i + 1];
			break;
		case 'b':
			o[k++] = '\b';
			break;
		case 'f':
			o[k++] = '\f';
			break;
		case 'n':
			o[k++] = '\n';
			break;
		case 'r':
			o[k++] = '\r';
			break;
		case 't':
			o[k++] = '\t';
			break;
		case 'u':
			if (end - i < 6 || hex4(ps->p + i + 2, &cp) != 0) {
				fail_at(ps, i, "\\u needs four hexadecimal digits");
				goto bad;
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail_at(ps, i, "a lone low surrogate \\u%04X", (unsigned)cp);
				goto bad;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - i < 12 || ps->p[i + 6] != '\\' || ps->p[i + 7] != 'u' ||
				    hex4(ps->p + i + 8, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
					fail_at(ps, i,
						"a high surrogate \\u%04X without its low half",
						(unsigned)cp);
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			if (cp == 0) {
				fail_at(ps, i, "\\u0000 is not allowed in a string");
				goto bad;
			}
			k += put_utf8(o + k, cp);
			i += 6;
			continue;
		default:
			fail_at(ps, i, "an unknown escape \\%c", ps->p[i + 1]);
			goto bad;
		}
		i += 2;
	}
	o[k] = '\0';
	ps->pos = end + 1;
	*out = o;
	*n = k;
	return 0;
bad:
	free(o);
	return -1;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct kt_jv *number(struct parser *ps)
{
	size_t start = ps->pos, i = ps->pos;
	bool integer = true, neg = false;
	struct kt_jv *v;
	char buf[64];

	if (ps->p[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= ps->len || !digit(ps->p[i])) {
		fail_at(ps, start, "a number needs a digit");
		return NULL;
	}
	if (ps->p[i] == '0' && i + 1 < ps->len && digit(ps->p[i + 1])) {
		fail_at(ps, start, "a number cannot start with 0");
		return NULL;
	}
	while (i < ps->len && digit(ps->p[i]))
		i++;
	if (i < ps->len && ps->p[i] == '.') {
		integer = false;
		if (++i >= ps->len || !digit(ps->p[i])) {
			fail_at(ps, start, "a digit must follow the decimal point");
			return NULL;
		}
		while (i < ps->len && digit(ps->p[i]))
			i++;
	}
	if (i < ps->len && (ps->p[i] == 'e' || ps->p[i] == 'E')) {
		integer = false;
		i++;
		if (i < ps->len && (ps->p[i] == '+' || ps->p[i] == '-'))
			i++;
		if (i >= ps->len || !digit(ps->p[i])) {
			fail_at(ps, start, "an exponent needs a digit");
			return NULL;
		}
		while (i < ps->len && digit(ps->p[i]))
			i++;
	}
	if (!(v = node(ps, integer ? KT_JV_INT : KT_JV_NUMBER)))
		return NULL;
	if (integer) {
		uint64_t m = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

		for (size_t j = start + (neg ? 1 : 0); j < i; j++) {
			uint64_t d = (uint64_t)(ps->p[j] - '0');

			if (m > (lim - d) / 10) {
				fail_at(ps, start, "the integer does not fit 64 bits");
				kt_jv_free(v);
				return NULL;
			}
			m = m * 10 + d;
		}
		v->i = neg ? (int64_t)(0 - m) : (int64_t)m;
	} else {
		if (i - start >= sizeof(buf)) {
			fail_at(ps, start, "a number is too long");
			kt_jv_free(v);
			return NULL;
		}
		memcpy(buf, ps->p + start, i - start);
		buf[i - start] = '\0';
		errno = 0;
		v->d = strtod(buf, NULL);
		if (errno == ERANGE) {
			fail_at(ps, start, "the number is out of range");
			kt_jv_free(v);
			return NULL;
		}
	}
	ps->pos = i;
	return v;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0)
		return false;
	ps->pos += n;
	return true;
}

static struct kt_jv *value(struct parser *ps, int depth);

static struct kt_jv *container(struct parser *ps, int depth, bool object)
{
	char close = object ? '}' : ']';
	size_t start = ps->pos;
	struct kt_jv *v, *item;
	char *key = NULL;
	size_t klen, kpos;

	if (depth >= KT_JV_MAX_DEPTH) {
		fail_at(ps, start, "nested deeper than %d levels", KT_JV_MAX_DEPTH);
		return NULL;
	}
	if (!(v = node(ps, object ? KT_JV_OBJECT : KT_JV_ARRAY)))
		return NULL;
	ps->pos++;
	skip_space(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == close) {
		ps->pos++;
		return v;
	}
	for (;;) {
		skip_space(ps);
		if (object) {
			kpos = ps->pos;
			if (ps->pos >= ps->len || ps->p[ps->pos] != '"') {
				fail_at(ps, ps->pos, "an object member must start with a \"key\"");
				goto bad;
			}
			if (string_lit(ps, &key, &klen) != 0)
				goto bad;
			for (size_t k = 0; k < v->n; k++) {
				if (strcmp(v->keys[k], key) == 0) {
					fail_at(ps, kpos, "the key \"%.60s\" appears twice", key);
					goto bad;
				}
			}
			if (v->n == OBJECT_MEMBERS_MAX) {
				fail_at(ps, kpos, "an object has more than %d members",
					OBJECT_MEMBERS_MAX);
				goto bad;
			}
			skip_space(ps);
			if (ps->pos >= ps->len || ps->p[ps->pos] != ':') {
				fail_at(ps, ps->pos, "a ':' must follow the key \"%.60s\"", key);
				goto bad;
			}
			ps->pos++;
		}
		if (!(item = value(ps, depth + 1)))
			goto bad;
		if (append(ps, v, key, item) != 0) {
			key = NULL;
			goto bad;
		}
		key = NULL;
		skip_space(ps);
		if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
			ps->pos++;
			skip_space(ps);
			if (ps->pos < ps->len && ps->p[ps->pos] == close) {
				fail_at(ps, ps->pos, "a trailing comma before '%c'", close);
				goto bad;
			}
			continue;
		}
		if (ps->pos < ps->len && ps->p[ps->pos] == close) {
			ps->pos++;
			return v;
		}
		if (ps->pos >= ps->len)
			fail_at(ps, start, "the %s is not closed", object ? "object" : "array");
		else
			fail_at(ps, ps->pos, "expected ',' or '%c'", close);
		goto bad;
	}
bad:
	free(key);
	kt_jv_free(v);
	return NULL;
}

static struct kt_jv *value(struct parser *ps, int depth)
{
	struct kt_jv *v;
	char c;

	skip_space(ps);
	if (ps->pos >= ps->len) {
		fail_at(ps, ps->pos, "a value is missing");
		return NULL;
	}
	c = ps->p[ps->pos];
	if (c == '{' || c == '[')
		return container(ps, depth, c == '{');
	if (c == '"') {
		if (!(v = node(ps, KT_JV_STRING)))
			return NULL;
		if (string_lit(ps, &v->s, &v->len) != 0) {
			kt_jv_free(v);
			return NULL;
		}
		return v;
	}
	if (c == '-' || digit(c))
		return number(ps);
	if (literal(ps, "true") || literal(ps, "false")) {
		if ((v = node(ps, KT_JV_BOOL)))
			v->b = c == 't';
		return v;
	}
	if (literal(ps, "null"))
		return node(ps, KT_JV_NULL);
	fail_at(ps, ps->pos, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
	return NULL;
}

int kt_jv_parse(const char *text, size_t len, struct kt_jv **out, char *err, size_t cap)
{
	struct parser ps = {.p = text, .len = len, .err = err, .cap = cap};
	struct kt_jv *v;
	size_t i = 0, k;
	uint32_t cp;

	*out = NULL;
	if (cap)
		err[0] = '\0';
	/* Valid UTF-8 throughout (NUL bytes included in "invalid"), no byte-order mark. */
	while (i < len) {
		k = kt_utf8_decode((const unsigned char *)text + i, len - i, &cp);
		if (k == 0 || cp == 0) {
			fail_at(&ps, i, "not valid UTF-8 (byte 0x%02x)", (unsigned char)text[i]);
			return ps.rc;
		}
		if (cp == 0xfeff && i == 0) {
			fail_at(&ps, 0, "a byte-order mark is not allowed");
			return ps.rc;
		}
		i += k;
	}
	v = value(&ps, 0);
	if (!v)
		return ps.rc ? ps.rc : KT_EINVAL;
	skip_space(&ps);
	if (ps.pos != len) {
		fail_at(&ps, ps.pos, "text after the end of the document");
		kt_jv_free(v);
		return ps.rc;
	}
	*out = v;
	return 0;
}

/* ---- lookups -------------------------------------------------------------------- */

const struct kt_jv *kt_jv_get(const struct kt_jv *v, const char *key)
{
	if (!v || v->type != KT_JV_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

const struct kt_jv *kt_jv_at(const struct kt_jv *v, size_t i)
{
	if (!v || v->type != KT_JV_ARRAY || i >= v->n)
		return NULL;
	return v->items[i];
}

bool kt_jv_get_int(const struct kt_jv *v, const char *key, int64_t *out)
{
	const struct kt_jv *m = kt_jv_get(v, key);

	if (!m || m->type != KT_JV_INT)
		return false;
	*out = m->i;
	return true;
}

bool kt_jv_get_bool(const struct kt_jv *v, const char *key, bool *out)
{
	const struct kt_jv *m = kt_jv_get(v, key);

	if (!m || m->type != KT_JV_BOOL)
		return false;
	*out = m->b;
	return true;
}

const char *kt_jv_get_str(const struct kt_jv *v, const char *key)
{
	const struct kt_jv *m = kt_jv_get(v, key);

	return m && m->type == KT_JV_STRING ? m->s : NULL;
}

bool kt_jv_equal(const struct kt_jv *a, const struct kt_jv *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case KT_JV_NULL:
		return true;
	case KT_JV_BOOL:
		return a->b == b->b;
	case KT_JV_INT:
		return a->i == b->i;
	case KT_JV_NUMBER:
		return a->d == b->d;
	case KT_JV_STRING:
		return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
	case KT_JV_ARRAY:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if (!kt_jv_equal(a->items[i], b->items[i]))
				return false;
		return true;
	case KT_JV_OBJECT:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if (!kt_jv_equal(a->items[i], kt_jv_get(b, a->keys[i])))
				return false;
		return true;
	}
	return false;
}

/* ---- writer --------------------------------------------------------------------- */

static void indent(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", f);
}

/* An array of numbers, strings, booleans and nulls only: written on one line. */
static bool flat(const struct kt_jv *v)
{
	if (v->type != KT_JV_ARRAY)
		return false;
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i]->type == KT_JV_ARRAY || v->items[i]->type == KT_JV_OBJECT)
			return false;
	return true;
}

static void write_value(FILE *f, const struct kt_jv *v, int depth)
{
	switch (v->type) {
	case KT_JV_NULL:
		fputs("null", f);
		break;
	case KT_JV_BOOL:
		fputs(v->b ? "true" : "false", f);
		break;
	case KT_JV_INT:
		fprintf(f, "%" PRId64, v->i);
		break;
	case KT_JV_NUMBER: {
		/* Enough digits to read back the same double, and never in an integer's form. */
		char num[40];

		snprintf(num, sizeof(num), "%.17g", v->d);
		fputs(num, f);
		if (!strpbrk(num, ".eE"))
			fputs(".0", f);
		break;
	}
	case KT_JV_STRING:
		kt_json_write_string(f, v->s, v->len);
		break;
	case KT_JV_ARRAY:
	case KT_JV_OBJECT:
		if (v->n == 0) {
			fputs(v->type == KT_JV_ARRAY ? "[]" : "{}", f);
			break;
		}
		if (flat(v)) {
			fputc('[', f);
			for (size_t i = 0; i < v->n; i++) {
				if (i)
					fputs(", ", f);
				write_value(f, v->items[i], depth + 1);
			}
			fputc(']', f);
			break;
		}
		fputc(v->type == KT_JV_ARRAY ? '[' : '{', f);
		for (size_t i = 0; i < v->n; i++) {
			fputs(i ? ",\n" : "\n", f);
			indent(f, depth + 1);
			if (v->type == KT_JV_OBJECT) {
				kt_json_write_string(f, v->keys[i], strlen(v->keys[i]));
				fputs(": ", f);
			}
			write_value(f, v->items[i], depth + 1);
		}
		fputc('\n', f);
		indent(f, depth);
		fputc(v->type == KT_JV_ARRAY ? ']' : '}', f);
		break;
	}
}

int kt_jv_write_pretty(FILE *f, const struct kt_jv *v)
{
	write_value(f, v, 0);
	fputc('\n', f);
	return ferror(f) ? KT_ESYS : 0;
}
