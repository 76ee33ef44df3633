/*
 * test_date.c - calendar dates (common/date.h): validation with leap years,
 * comparison, day arithmetic, formatting, and today's date at UTC+7. Exit
 * status 0 when every check passed; each failed check says what it expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/date.h"
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

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_STR(expected, actual)                                                                \
	do {                                                                                       \
		if (strcmp((expected), (actual)) != 0) {                                           \
			fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__,      \
				__LINE__, #actual, (expected), (actual));                          \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void test_valid(void)
{
	static const char *good[] = {
	    "2022-01-11", "2022-02-24", "2022-03-01", "2022-03-10", "2024-02-29",
	    "2000-02-29", "1900-01-01", "9999-12-31", "2021-12-31", "2023-04-30",
	};
	static const char *bad[] = {
	    "",		  "2022-1-11",	 "2022-01-1",	"22-01-11",
	    "2022/01/11", "2022-01-11 ", " 2022-01-11", "2022-00-10",
	    "2022-13-01", "2022-01-00",	 "2022-01-32",	"2022-02-29",
	    "2023-02-29", "1900-02-29",	 "2100-02-29",	"2022-04-31",
	    "2022-06-31", "2022-09-31",	 "2022-11-31",	"1899-12-31",
	    "+022-01-11", "2022-0a-11",	 "2022-01-11x", "20220111",
	    "2022--1-11", "2022-01-+1",	 "11/01/2022",	"2022-02-30",
	    "0000-01-01", "2022-01-1 ",
	};
	struct kt_date d;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!kt_date_valid(good[i])) {
			fprintf(stderr, "%s:%d: \"%s\" should be valid\n", __FILE__, __LINE__,
				good[i]);
			failures++;
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kt_date_valid(bad[i])) {
			fprintf(stderr, "%s:%d: \"%s\" should be refused\n", __FILE__, __LINE__,
				bad[i]);
			failures++;
		}
	}
	CHECK(!kt_date_valid(NULL));
	CHECK_INT(KT_EINVAL, kt_date_parse("2022-02-29", &d));
	CHECK_INT(0, kt_date_parse("2022-03-10", &d));
	CHECK_INT(2022, d.year);
	CHECK_INT(3, d.month);
	CHECK_INT(10, d.day);
	/* a date followed by more text in the same buffer is not a date */
	CHECK_INT(KT_EINVAL, kt_date_parse("2022-03-100", NULL));
}

static void test_leap(void)
{
	CHECK(kt_date_leap(2024));
	CHECK(kt_date_leap(2000));
	CHECK(kt_date_leap(2400));
	CHECK(!kt_date_leap(1900));
	CHECK(!kt_date_leap(2100));
	CHECK(!kt_date_leap(2022));
	CHECK_INT(29, kt_date_month_days(2024, 2));
	CHECK_INT(28, kt_date_month_days(2022, 2));
	CHECK_INT(30, kt_date_month_days(2022, 11));
	CHECK_INT(31, kt_date_month_days(2022, 12));
	CHECK_INT(0, kt_date_month_days(2022, 13));
	CHECK_INT(0, kt_date_month_days(2022, 0));
}

static void test_compare(void)
{
	CHECK(kt_date_cmp("2022-01-11", "2022-02-24") < 0);
	CHECK(kt_date_cmp("2022-03-10", "2022-03-01") > 0);
	CHECK_INT(0, kt_date_cmp("2022-03-10", "2022-03-10"));
	CHECK(kt_date_cmp("2021-12-31", "2022-01-01") < 0);
	CHECK(kt_date_within("2022-03-01", "2022-03-01", "2022-03-10"));
	CHECK(kt_date_within("2022-03-10", "2022-03-01", "2022-03-10"));
	CHECK(kt_date_within("2022-03-05", "2022-03-01", "2022-03-10"));
	CHECK(!kt_date_within("2022-02-28", "2022-03-01", "2022-03-10"));
	CHECK(!kt_date_within("2022-03-11", "2022-03-01", "2022-03-10"));
}

static void test_days(void)
{
	struct kt_date d = {1970, 1, 1}, back;
	char out[KT_DATE_SIZE];
	int64_t n;

	CHECK_INT(0, kt_date_to_days(&d));
	d = (struct kt_date){2000, 3, 1};
	CHECK_INT(11017, kt_date_to_days(&d));
	d = (struct kt_date){1969, 12, 31};
	CHECK_INT(-1, kt_date_to_days(&d));
	/* every day of a long span goes there and back */
	for (int64_t day = -30000; day < 80000; day += 7) {
		kt_date_from_days(day, &back);
		if (kt_date_to_days(&back) != day) {
			fprintf(stderr, "%s:%d: day %lld did not round-trip\n", __FILE__, __LINE__,
				(long long)day);
			failures++;
			break;
		}
	}
	CHECK_INT(0, kt_date_diff("2022-03-01", "2022-03-10", &n));
	CHECK_INT(9, n);
	CHECK_INT(0, kt_date_diff("2024-02-28", "2024-03-01", &n));
	CHECK_INT(2, n);
	CHECK_INT(0, kt_date_diff("2022-02-28", "2022-03-01", &n));
	CHECK_INT(1, n);
	CHECK_INT(0, kt_date_diff("2022-03-10", "2022-01-11", &n));
	CHECK_INT(-58, n);
	CHECK_INT(KT_EINVAL, kt_date_diff("2022-02-30", "2022-03-01", &n));
	CHECK_INT(0, kt_date_add_days("2022-02-24", 5, out));
	CHECK_STR("2022-03-01", out);
	CHECK_INT(0, kt_date_add_days("2024-02-28", 1, out));
	CHECK_STR("2024-02-29", out);
	CHECK_INT(0, kt_date_add_days("2022-01-01", -1, out));
	CHECK_STR("2021-12-31", out);
	CHECK_INT(0, kt_date_add_days("2022-01-11", 365, out));
	CHECK_STR("2023-01-11", out);
	CHECK_INT(KT_ERANGE, kt_date_add_days("9999-12-31", 1, out));
	CHECK_INT(KT_ERANGE, kt_date_add_days("1900-01-01", -1, out));
	CHECK_INT(KT_EINVAL, kt_date_add_days("2022-13-01", 1, out));
}

static void test_format(void)
{
	struct kt_date d = {2022, 1, 11};
	char out[KT_DATE_SIZE], small[8];

	CHECK_INT(0, kt_date_format(&d, out, sizeof(out)));
	CHECK_STR("2022-01-11", out);
	d.day = 32;
	CHECK_INT(KT_EINVAL, kt_date_format(&d, out, sizeof(out)));
	d.day = 11;
	CHECK_INT(KT_ETOOBIG, kt_date_format(&d, small, sizeof(small)));
	CHECK_INT(0, kt_date_format_vn("2022-02-24", out, sizeof(out)));
	CHECK_STR("24/02/2022", out);
	CHECK_INT(KT_EINVAL, kt_date_format_vn("2022-02-29", out, sizeof(out)));
}

static void test_today(void)
{
	char out[KT_DATE_SIZE], utc[KT_DATE_SIZE];
	/* 2022-03-09 17:00:00 UTC is already 2022-03-10 00:00 in Vietnam */
	const int64_t t = 1646845200000LL;

	kt_date_from_ms(t, 0, out);
	CHECK_STR("2022-03-09", out);
	kt_date_from_ms(t, KT_UTC_OFFSET_VN, out);
	CHECK_STR("2022-03-10", out);
	kt_date_from_ms(t - 1, KT_UTC_OFFSET_VN, out);
	CHECK_STR("2022-03-09", out);
	kt_date_from_ms(0, 0, out);
	CHECK_STR("1970-01-01", out);
	kt_date_from_ms(-1, 0, out);
	CHECK_STR("1969-12-31", out);
	kt_date_from_ms(-1, KT_UTC_OFFSET_VN, out);
	CHECK_STR("1970-01-01", out);
	/* today at +7 is UTC's today or the day after it */
	kt_date_today(KT_UTC_OFFSET_VN, out);
	kt_date_today(0, utc);
	CHECK(kt_date_valid(out));
	if (strcmp(out, utc) != 0) {
		char next[KT_DATE_SIZE];

		CHECK_INT(0, kt_date_add_days(utc, 1, next));
		CHECK_STR(next, out);
	}
}

static void test_server_today(void)
{
	char out[KT_DATE_SIZE];
	const int64_t t = 1646845200000LL; /* 2022-03-10 00:00 in Vietnam */

	unsetenv("KIEMTRAD_TODAY");
	kt_date_server_today(t, out);
	CHECK_STR("2022-03-10", out);
	setenv("KIEMTRAD_TODAY", "2023-07-01", 1);
	kt_date_server_today(t, out);
	CHECK_STR("2023-07-01", out);
	setenv("KIEMTRAD_TODAY", "2023-02-29", 1); /* not a date: ignored */
	kt_date_server_today(t, out);
	CHECK_STR("2022-03-10", out);
	unsetenv("KIEMTRAD_TODAY");
}

int main(void)
{
	test_valid();
	test_leap();
	test_compare();
	test_days();
	test_format();
	test_today();
	test_server_today();
	if (failures) {
		fprintf(stderr, "test_date: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_date: ok\n");
	return 0;
}
