/*
 * output.h - what the client prints: a streaming JSON writer, display width of
 * UTF-8 text, terminal-safe text and aligned tables.
 *
 * Owns: a kt_table owns copies of its cells (kt_table_free releases them; it
 * accepts NULL). A kt_json owns nothing: it writes to the caller's FILE and
 * keeps only its nesting state, so it needs no freeing.
 *
 * JSON: strings are written with their UTF-8 kept as is; '"', '\\', every
 * control character (U+0000..U+001F, U+007F) and the C1 controls
 * (U+0080..U+009F) are escaped; an invalid UTF-8 byte becomes U+FFFD, so the
 * output is always valid JSON in valid UTF-8.
 *
 * Display width: one column per code point, except combining marks and other
 * zero-width characters (0 columns) and East Asian wide characters (2). So
 * "Phường 4" is 8 columns whether "ư" and "ờ" are precomposed or decomposed.
 */
#ifndef KT_CLIENT_OUTPUT_H
#define KT_CLIENT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KT_JSON_MAX_DEPTH 32

struct kt_json {
	FILE *f;
	int depth;
	bool first[KT_JSON_MAX_DEPTH]; /* nothing written yet at this level */
	bool after_key;		       /* a key was written; the value comes next */
};

void kt_json_init(struct kt_json *j, FILE *f);
void kt_json_begin_object(struct kt_json *j);
void kt_json_end_object(struct kt_json *j);
void kt_json_begin_array(struct kt_json *j);
void kt_json_end_array(struct kt_json *j);
/* An object member's name; the next value call writes its value. */
void kt_json_key(struct kt_json *j, const char *key);
void kt_json_string(struct kt_json *j, const char *s); /* NULL writes null */
void kt_json_stringn(struct kt_json *j, const char *s, size_t n);
void kt_json_int(struct kt_json *j, int64_t v);
void kt_json_uint(struct kt_json *j, uint64_t v);
void kt_json_double(struct kt_json *j, double v);
void kt_json_bool(struct kt_json *j, bool v);
void kt_json_null(struct kt_json *j);
/* Members: key then value. */
void kt_json_kv_str(struct kt_json *j, const char *key, const char *s);
void kt_json_kv_int(struct kt_json *j, const char *key, int64_t v);
void kt_json_kv_uint(struct kt_json *j, const char *key, uint64_t v);
void kt_json_kv_bool(struct kt_json *j, const char *key, bool v);
/* Finish the document: a newline after the top-level value. */
void kt_json_end_document(struct kt_json *j);

/* Write s[0..n) as a JSON string literal (quotes included) to f. */
void kt_json_write_string(FILE *f, const char *s, size_t n);

/* Columns that s (NUL-terminated UTF-8) takes on a terminal, after kt_safe_text. */
size_t kt_display_width(const char *s);
/* Columns of one code point: 0, 1 or 2. */
int kt_codepoint_width(uint32_t cp);

/*
 * Decode one UTF-8 sequence at s[0..n) (n >= 1). Returns its length and sets
 * *cp; an invalid or truncated sequence returns 0 (the caller skips one byte).
 */
size_t kt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Write s to f for a person to read: control characters (C0, DEL, C1) become
 * '?', so text from the server cannot drive the terminal; invalid UTF-8 bytes
 * become U+FFFD. Multi-line text keeps '\n' when multiline is set.
 */
void kt_print_safe(FILE *f, const char *s, bool multiline);

/* An aligned text table. Cells are copied; rows may be added until printed. */
struct kt_table {
	size_t ncols;
	size_t nrows;
	size_t cap;
	char **cells; /* nrows * ncols, row-major; row 0 is the header */
	bool failed;  /* an allocation failed; kt_table_print reports it */
};

/* headers: ncols strings. Returns 0 or KT_ENOMEM. */
int kt_table_init(struct kt_table *t, size_t ncols, const char *const *headers);
/* Append a row of ncols cells (NULL cells print empty). */
void kt_table_add(struct kt_table *t, const char *const *cells);
/* Print header and rows, columns separated by two spaces. Returns 0 or KT_ENOMEM. */
int kt_table_print(const struct kt_table *t, FILE *f);
void kt_table_free(struct kt_table *t);

#endif
