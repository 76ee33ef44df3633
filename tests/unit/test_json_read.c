/*
 * test_json_read.c - the client's strict JSON reader and pretty writer
 * (client/json_read.h), which `kiemtra verify` trusts with exported records:
 * values and escapes decoded exactly, every non-strict input refused with the
 * line and column, and what the writer writes reads back equal. Exit status 0
 * when every check passed; each failed check says what it expected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/json_read.h"
#include "common/status.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s, it is false\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static struct kt_jv *parse(const char *text, char *err, size_t cap)
{
	struct kt_jv *v = NULL;

	if (kt_jv_parse(text, strlen(text), &v, err, cap) != KT_OK)
		return NULL;
	return v;
}

static void test_values(void)
{
	const char *doc =
	    "{\n"
	    "  \"int\": -9223372036854775808, \"max\": 9223372036854775807,\n"
	    "  \"zero\": 0, \"num\": -1.5e2, \"t\": true, \"f\": false, \"n\": null,\n"
	    "  \"s\": \"Ph\\u01b0\\u1eddng 4\\n\\t\\\"x\\\" \\/ \\\\\",\n"
	    "  \"raw\": \"Phường 4\", \"smile\": \"\\ud83d\\ude00\",\n"
	    "  \"a\": [1, [2, {\"k\": []}], {}], \"e\": \"\"\n"
	    "}";
	char err[256];
	struct kt_jv *v = parse(doc, err, sizeof(err));
	const struct kt_jv *a;
	int64_t i = 0;
	bool b = true;

	CHECK(v != NULL);
	if (!v) {
		fprintf(stderr, "parse: %s\n", err);
		return;
	}
	CHECK(v->type == KT_JV_OBJECT && v->n == 12);
	CHECK(kt_jv_get_int(v, "int", &i) && i == INT64_MIN);
	CHECK(kt_jv_get_int(v, "max", &i) && i == INT64_MAX);
	CHECK(kt_jv_get_int(v, "zero", &i) && i == 0);
	CHECK(kt_jv_get(v, "num")->type == KT_JV_NUMBER && kt_jv_get(v, "num")->d == -150.0);
	CHECK(!kt_jv_get_int(v, "num", &i));
	CHECK(kt_jv_get_bool(v, "t", &b) && b);
	CHECK(kt_jv_get_bool(v, "f", &b) && !b);
	CHECK(kt_jv_get(v, "n")->type == KT_JV_NULL);
	CHECK(strcmp(kt_jv_get_str(v, "s"), "Phường 4\n\t\"x\" / \\") == 0);
	CHECK(strcmp(kt_jv_get_str(v, "raw"), "Phường 4") == 0);
	CHECK(strcmp(kt_jv_get_str(v, "smile"), "\xf0\x9f\x98\x80") == 0);
	CHECK(kt_jv_get(v, "smile")->len == 4);
	CHECK(strcmp(kt_jv_get_str(v, "e"), "") == 0);
	a = kt_jv_get(v, "a");
	CHECK(a && a->type == KT_JV_ARRAY && a->n == 3);
	CHECK(kt_jv_at(a, 0)->i == 1);
	CHECK(kt_jv_get(kt_jv_at(kt_jv_at(a, 1), 1), "k")->n == 0);
	CHECK(kt_jv_at(a, 3) == NULL);
	CHECK(kt_jv_get(v, "missing") == NULL);
	CHECK(kt_jv_get_str(v, "int") == NULL);
	kt_jv_free(v);
	kt_jv_free(NULL);
}

static void test_refused(void)
{
	static const struct {
		const char *text;
		const char *why; /* a part of the message */
	} bad[] = {
	    {"", "value is missing"},
	    {"   ", "value is missing"},
	    {"[1,]", "trailing comma"},
	    {"{\"a\":1,}", "trailing comma"},
	    {"{\"a\":1,\"a\":2}", "appears twice"},
	    {"[01]", "cannot start with 0"},
	    {"[-]", "needs a digit"},
	    {"[1.]", "decimal point"},
	    {"[1e]", "exponent"},
	    {"[9223372036854775808]", "64 bits"},
	    {"[-9223372036854775809]", "64 bits"},
	    {"[\"a\tb\"]", "control character"},
	    {"[\"\\ud800\"]", "high surrogate"},
	    {"[\"\\udc00\"]", "lone low surrogate"},
	    {"[\"\\u0000\"]", "\\u0000"},
	    {"[\"\\x41\"]", "unknown escape"},
	    {"[\"\\u12g4\"]", "four hexadecimal"},
	    {"[\"abc]", "not closed"},
	    {"[1 2]", "expected ','"},
	    {"{\"a\" 1}", "':' must follow"},
	    {"{1: 2}", "\"key\""},
	    {"[1", "not closed"},
	    {"{} {}", "after the end"},
	    {"[NaN]", "unexpected character"},
	    {"['a']", "unexpected character"},
	    {"// c\n[]", "unexpected character"},
	    {"[tru]", "unexpected character"},
	    {"\xef\xbb\xbf[]", "byte-order mark"},
	    {"[\"\xc3\x28\"]", "not valid UTF-8"},
	    {"[\"\xed\xa0\x80\"]", "not valid UTF-8"},
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kt_jv *v = NULL;
		int rc = kt_jv_parse(bad[i].text, strlen(bad[i].text), &v, err, sizeof(err));

		if (rc != KT_EINVAL || v || !strstr(err, bad[i].why) || strncmp(err, "line ", 5)) {
			fprintf(stderr, "bad[%zu] %s: rc %d, message \"%s\", wanted \"%s\"\n", i,
				bad[i].text, rc, err, bad[i].why);
			failures++;
		}
		kt_jv_free(v);
	}
	/* A NUL byte inside the input is not valid text either. */
	{
		struct kt_jv *v = NULL;

		CHECK(kt_jv_parse("[\"a\0b\"]", 7, &v, err, sizeof(err)) == KT_EINVAL && !v);
	}
	/* Nesting deeper than the limit. */
	{
		char deep[2 * KT_JV_MAX_DEPTH + 8];
		size_t n = 0;

		for (int i = 0; i <= KT_JV_MAX_DEPTH; i++)
			deep[n++] = '[';
		for (int i = 0; i <= KT_JV_MAX_DEPTH; i++)
			deep[n++] = ']';
		deep[n] = '\0';
		CHECK(parse(deep, err, sizeof(err)) == NULL && strstr(err, "deeper"));
		deep[n - 1] = '\0';
		memmove(deep, deep + 1, n - 1);
		{
			struct kt_jv *ok = parse(deep, err, sizeof(err));

			CHECK(ok != NULL);
			kt_jv_free(ok);
		}
	}
	/* Where: line and column in characters, not bytes. */
	CHECK(parse("{\n  \"ờ\": 1,\n  \"b\": tru\n}", err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "line 3, column 8:", 17) == 0);
	CHECK(parse("[\"ờờ\", x]", err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "line 1, column 8:", 17) == 0);
}

static void test_round_trip(void)
{
	const char *doc = "{\"format\":\"kiemtra-record\",\"version\":1,\"ids\":[3,1,2],"
			  "\"text\":\"Phường 4\\nhồ sơ \\\"trễ\\\"\\u0001\\u0085\",\"x\":[],"
			  "\"o\":{},\"list\":[{\"a\":null,\"b\":[true,false]},-7,1.25,-7e7,"
			  "2.0,-0.0,1e300,1e-300]}";
	struct kt_jv *a = NULL, *b = NULL;
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *f;

	a = parse(doc, err, sizeof(err));
	CHECK(a != NULL);
	f = open_memstream(&out, &len);
	CHECK(f != NULL);
	if (!a || !f)
		goto out;
	CHECK(kt_jv_write_pretty(f, a) == KT_OK);
	fclose(f);
	f = NULL;
	b = parse(out, err, sizeof(err));
	CHECK(b != NULL);
	CHECK(kt_jv_equal(a, b));
	CHECK(strstr(out, "\n  \"ids\": [3, 1, 2],\n") != NULL);
	CHECK(strstr(out, "\n  \"x\": [],\n  \"o\": {},\n") != NULL);
	CHECK(strstr(out, "\"Phường 4\\nhồ sơ \\\"trễ\\\"") != NULL);
	CHECK(len > 0 && out[len - 1] == '\n');
	/* A number that happens to be whole stays a number (fuzz_record found -7e7 read back as an integer). */
	CHECK(strstr(out, "-70000000.0") != NULL);
	CHECK(strstr(out, "-0.0") != NULL);
	/* Equality: members by key, arrays by order, integers are not numbers. */
	{
		struct kt_jv *x = parse("{\"a\":1,\"b\":[1,2]}", err, sizeof(err));
		struct kt_jv *y = parse("{\"b\":[1,2],\"a\":1}", err, sizeof(err));
		struct kt_jv *z = parse("{\"b\":[2,1],\"a\":1}", err, sizeof(err));
		struct kt_jv *w = parse("{\"b\":[1,2],\"a\":1.0}", err, sizeof(err));

		CHECK(kt_jv_equal(x, y));
		CHECK(!kt_jv_equal(x, z));
		CHECK(!kt_jv_equal(x, w));
		kt_jv_free(x);
		kt_jv_free(y);
		kt_jv_free(z);
		kt_jv_free(w);
	}
out:
	free(out);
	kt_jv_free(a);
	kt_jv_free(b);
}

int main(void)
{
	test_values();
	test_refused();
	test_round_trip();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("json_read: all checks passed\n");
	return 0;
}
