/* output.c - see output.h. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/output.h"
#include "common/status.h"

/* ---- UTF-8 and display width -------------------------------------------------- */

size_t kt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

struct range {
	uint32_t lo, hi;
};

/* Combining marks and format characters that take no column. */
/* clang-format off */
static const struct range zero_width[] = {
	{0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x05bf, 0x05bf},
	{0x05c1, 0x05c2}, {0x05c4, 0x05c5}, {0x05c7, 0x05c7}, {0x0610, 0x061a},
	{0x064b, 0x065f}, {0x0670, 0x0670}, {0x0e31, 0x0e31}, {0x0e34, 0x0e3a},
	{0x0e47, 0x0e4e}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff}, {0x200b, 0x200f},
	{0x202a, 0x202e}, {0x2060, 0x2064}, {0x20d0, 0x20ff}, {0xfe00, 0xfe0f},
	{0xfe20, 0xfe2f}, {0xfeff, 0xfeff},
};

/* East Asian wide and full-width characters: two columns. */
static const struct range wide[] = {
	{0x1100, 0x115f}, {0x2e80, 0x303e}, {0x3041, 0x33ff}, {0x3400, 0x4dbf},
	{0x4e00, 0x9fff}, {0xa000, 0xa4cf}, {0xac00, 0xd7a3}, {0xf900, 0xfaff},
	{0xfe30, 0xfe4f}, {0xff00, 0xff60}, {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
	{0x1f900, 0x1f9ff}, {0x20000, 0x3fffd},
};
/* clang-format on */

static bool in_ranges(uint32_t cp, const struct range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return true;
	return false;
}

int kt_codepoint_width(uint32_t cp)
{
	if (in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	if (in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

size_t kt_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0, k;
	uint32_t cp;

	while (n > 0) {
		k = kt_utf8_decode(p, n, &cp);
		if (k == 0) {
			w += 1; /* printed as U+FFFD */
			k = 1;
		} else if (is_control(cp)) {
			w += 1; /* printed as '?' */
		} else {
			w += (size_t)kt_codepoint_width(cp);
		}
		p += k;
		n -= k;
	}
	return w;
}

void kt_print_safe(FILE *f, const char *s, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, k;
	uint32_t cp;

	while (n > 0) {
		k = kt_utf8_decode(p, n, &cp);
		if (k == 0) {
			fputs("\xef\xbf\xbd", f);
			k = 1;
		} else if (multiline && cp == '\n') {
			fputc('\n', f);
		} else if (is_control(cp)) {
			fputc('?', f);
		} else {
			fwrite(p, 1, k, f);
		}
		p += k;
		n -= k;
	}
}

/* ---- JSON ------------------------------------------------------------------- */

void kt_json_write_string(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	uint32_t cp;

	fputc('"', f);
	while (n > 0) {
		k = kt_utf8_decode(p, n, &cp);
		if (k == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD for a byte that is not UTF-8 */
			k = 1;
		} else if (cp == '"') {
			fputs("\\\"", f);
		} else if (cp == '\\') {
			fputs("\\\\", f);
		} else if (cp == '\n') {
			fputs("\\n", f);
		} else if (cp == '\t') {
			fputs("\\t", f);
		} else if (cp == '\r') {
			fputs("\\r", f);
		} else if (is_control(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp);
		} else {
			fwrite(p, 1, k, f);
		}
		p += k;
		n -= k;
	}
	fputc('"', f);
}

void kt_json_init(struct kt_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* Separator before a value or key at the current level. */
static void before_item(struct kt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void open_level(struct kt_json *j, char c)
{
	before_item(j);
	fputc(c, j->f);
	if (j->depth < KT_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_level(struct kt_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void kt_json_begin_object(struct kt_json *j)
{
	open_level(j, '{');
}

void kt_json_end_object(struct kt_json *j)
{
	close_level(j, '}');
}

void kt_json_begin_array(struct kt_json *j)
{
	open_level(j, '[');
}

void kt_json_end_array(struct kt_json *j)
{
	close_level(j, ']');
}

void kt_json_key(struct kt_json *j, const char *key)
{
	before_item(j);
	kt_json_write_string(j->f, key, strlen(key));
	fputc(':', j->f);
	j->after_key = true;
}

void kt_json_stringn(struct kt_json *j, const char *s, size_t n)
{
	before_item(j);
	kt_json_write_string(j->f, s, n);
}

void kt_json_string(struct kt_json *j, const char *s)
{
	if (!s) {
		kt_json_null(j);
		return;
	}
	kt_json_stringn(j, s, strlen(s));
}

void kt_json_int(struct kt_json *j, int64_t v)
{
	before_item(j);
	fprintf(j->f, "%" PRId64, v);
}

void kt_json_uint(struct kt_json *j, uint64_t v)
{
	before_item(j);
	fprintf(j->f, "%" PRIu64, v);
}

void kt_json_double(struct kt_json *j, double v)
{
	before_item(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void kt_json_bool(struct kt_json *j, bool v)
{
	before_item(j);
	fputs(v ? "true" : "false", j->f);
}

void kt_json_null(struct kt_json *j)
{
	before_item(j);
	fputs("null", j->f);
}

void kt_json_kv_str(struct kt_json *j, const char *key, const char *s)
{
	kt_json_key(j, key);
	kt_json_string(j, s);
}

void kt_json_kv_int(struct kt_json *j, const char *key, int64_t v)
{
	kt_json_key(j, key);
	kt_json_int(j, v);
}

void kt_json_kv_uint(struct kt_json *j, const char *key, uint64_t v)
{
	kt_json_key(j, key);
	kt_json_uint(j, v);
}

void kt_json_kv_bool(struct kt_json *j, const char *key, bool v)
{
	kt_json_key(j, key);
	kt_json_bool(j, v);
}

void kt_json_end_document(struct kt_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

/* ---- tables ----------------------------------------------------------------- */

int kt_table_init(struct kt_table *t, size_t ncols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	kt_table_add(t, headers);
	return t->failed ? KT_ENOMEM : KT_OK;
}

void kt_table_add(struct kt_table *t, const char *const *cells)
{
	size_t i;

	if (t->failed)
		return;
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc));

		if (!nc) {
			t->failed = true;
			return;
		}
		t->cells = nc;
		t->cap = ncap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *c = strdup(cells[i] ? cells[i] : "");

		if (!c) {
			t->failed = true;
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return;
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
}

int kt_table_print(const struct kt_table *t, FILE *f)
{
	size_t *widths, r, c, w;

	if (t->failed)
		return KT_ENOMEM;
	widths = calloc(t->ncols ? t->ncols : 1, sizeof(*widths));
	if (!widths)
		return KT_ENOMEM;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			w = kt_display_width(t->cells[r * t->ncols + c]);
			if (w > widths[c])
				widths[c] = w;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		size_t last = 0; /* the last non-empty cell: no padding after it */

		for (c = 0; c < t->ncols; c++)
			if (t->cells[r * t->ncols + c][0])
				last = c;
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			kt_print_safe(f, cell, false);
			if (c >= last)
				break;
			for (w = kt_display_width(cell); w < widths[c] + 2; w++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(widths);
	return KT_OK;
}

void kt_table_free(struct kt_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
