/*
 * date.h - calendar dates "YYYY-MM-DD" (a plan's date, a period, a deadline,
 * a meeting): validation, comparison, day arithmetic, today's date in a given
 * UTC offset, and formatting.
 *
 * Owns nothing: pure functions over caller buffers (kt_date_today() reads the
 * clock). A valid date is exactly ten bytes "YYYY-MM-DD" (ASCII digits, no
 * sign, no spaces) naming a real day of the proleptic Gregorian calendar with
 * a year from KT_DATE_YEAR_MIN to KT_DATE_YEAR_MAX (leap years: divisible by
 * 4, except centuries not divisible by 400). Because the format is fixed,
 * two valid dates compare as strings in calendar order.
 *
 * "Today" belongs to a place: the server counts dates (deadlines, overdue) in
 * Vietnam's time, UTC+7 (KT_UTC_OFFSET_VN minutes), whatever the host's zone.
 */
#ifndef KT_DATE_H
#define KT_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KT_DATE_LEN 10	/* "YYYY-MM-DD" */
#define KT_DATE_SIZE 11 /* with the NUL */
#define KT_DATE_YEAR_MIN 1900
#define KT_DATE_YEAR_MAX 9999
#define KT_UTC_OFFSET_VN (7 * 60) /* minutes east of UTC: Vietnam, no daylight saving */

struct kt_date {
	int year;
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

/* True when y is a leap year of the Gregorian calendar. */
bool kt_date_leap(int year);
/* Days in month (1..12) of year; 0 for a month out of range. */
int kt_date_month_days(int year, int month);

/*
 * Parse s (NUL-terminated; NULL refused) as a valid date into *out (may be
 * NULL to only check). 0, or KT_EINVAL when s is not exactly a real date.
 */
int kt_date_parse(const char *s, struct kt_date *out);
bool kt_date_valid(const char *s);

/*
 * Compare two valid dates: <0, 0, >0 in calendar order. For anything that is
 * not a valid date the order is strcmp()'s; callers validate first.
 */
int kt_date_cmp(const char *a, const char *b);
/* True when from <= d <= to (all three valid dates). */
bool kt_date_within(const char *d, const char *from, const char *to);

/* Days since 1970-01-01 (negative before) of a valid struct kt_date, and back. */
int64_t kt_date_to_days(const struct kt_date *d);
void kt_date_from_days(int64_t days, struct kt_date *out);
/* b - a in days, for two valid date strings; KT_EINVAL when one is not valid. */
int kt_date_diff(const char *a, const char *b, int64_t *days);
/* s + n days into out (KT_DATE_SIZE bytes); KT_EINVAL for a bad s, KT_ERANGE off the range. */
int kt_date_add_days(const char *s, int64_t n, char out[KT_DATE_SIZE]);

/*
 * Format d as "YYYY-MM-DD" into out (capacity cap >= KT_DATE_SIZE). Returns 0,
 * KT_EINVAL when d is not a valid date, KT_ETOOBIG when cap is too small.
 */
int kt_date_format(const struct kt_date *d, char *out, size_t cap);
/*
 * The Vietnamese way of writing a valid date, "DD/MM/YYYY" (11/01/2022), into
 * out (capacity cap >= KT_DATE_SIZE). Same results as kt_date_format().
 */
int kt_date_format_vn(const char *s, char *out, size_t cap);

/*
 * The calendar date of the instant ms (milliseconds since the epoch, UTC) at
 * offset_min minutes east of UTC, into out. kt_date_today() is that for the
 * clock's now.
 */
void kt_date_from_ms(int64_t ms, int offset_min, char out[KT_DATE_SIZE]);
void kt_date_today(int offset_min, char out[KT_DATE_SIZE]);

/*
 * The server's date ("today" for deadlines, overdue items and reports):
 * kt_date_from_ms(now_ms, KT_UTC_OFFSET_VN), unless the environment variable
 * KIEMTRAD_TODAY holds a valid date, which is then "today" whatever the clock
 * says. KIEMTRAD_TODAY is a testing aid (documented in kiemtrad --help); an
 * invalid value is ignored.
 */
void kt_date_server_today(int64_t now_ms, char out[KT_DATE_SIZE]);

#endif
