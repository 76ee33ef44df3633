/*
 * date.c - calendar dates "YYYY-MM-DD" (see date.h).
 *
 * Day numbers use the civil-from-days algorithm of Howard Hinnant
 * ("chrono-compatible low-level date algorithms"): eras of 400 years
 * (146097 days) starting on March 1st, so the leap day is the last day of
 * its "year" and no table of month offsets is needed.
 */
#include "common/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/status.h"

#define MS_PER_DAY 86400000LL

bool kt_date_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int kt_date_month_days(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && kt_date_leap(year))
		return 29;
	return days[month - 1];
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool struct_valid(const struct kt_date *d)
{
	return d->year >= KT_DATE_YEAR_MIN && d->year <= KT_DATE_YEAR_MAX && d->month >= 1 &&
	       d->month <= 12 && d->day >= 1 && d->day <= kt_date_month_days(d->year, d->month);
}

int kt_date_parse(const char *s, struct kt_date *out)
{
	struct kt_date d;

	if (!s || strnlen(s, KT_DATE_SIZE) != KT_DATE_LEN || s[4] != '-' || s[7] != '-')
		return KT_EINVAL;
	if (!digits(s, 4, &d.year) || !digits(s + 5, 2, &d.month) || !digits(s + 8, 2, &d.day))
		return KT_EINVAL;
	if (!struct_valid(&d))
		return KT_EINVAL;
	if (out)
		*out = d;
	return 0;
}

bool kt_date_valid(const char *s)
{
	return kt_date_parse(s, NULL) == 0;
}

int kt_date_cmp(const char *a, const char *b)
{
	int c = strcmp(a ? a : "", b ? b : "");

	return (c > 0) - (c < 0);
}

bool kt_date_within(const char *d, const char *from, const char *to)
{
	return kt_date_cmp(from, d) <= 0 && kt_date_cmp(d, to) <= 0;
}

int64_t kt_date_to_days(const struct kt_date *d)
{
	int64_t y = d->year - (d->month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;			     /* [0, 399] */
	int64_t mp = (d->month + 9) % 12;		     /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;	     /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */

	return era * 146097 + doe - 719468;
}

void kt_date_from_days(int64_t days, struct kt_date *out)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->month = (int)m;
	out->year = (int)(yoe + era * 400 + (m <= 2));
}

int kt_date_diff(const char *a, const char *b, int64_t *days)
{
	struct kt_date da, db;

	if (kt_date_parse(a, &da) < 0 || kt_date_parse(b, &db) < 0)
		return KT_EINVAL;
	*days = kt_date_to_days(&db) - kt_date_to_days(&da);
	return 0;
}

int kt_date_add_days(const char *s, int64_t n, char out[KT_DATE_SIZE])
{
	struct kt_date d;
	const int64_t span = 10000LL * 366; /* more than the whole range */

	if (kt_date_parse(s, &d) < 0)
		return KT_EINVAL;
	if (n > span || n < -span)
		return KT_ERANGE;
	kt_date_from_days(kt_date_to_days(&d) + n, &d);
	if (!struct_valid(&d))
		return KT_ERANGE;
	return kt_date_format(&d, out, KT_DATE_SIZE);
}

int kt_date_format(const struct kt_date *d, char *out, size_t cap)
{
	if (!struct_valid(d))
		return KT_EINVAL;
	if (cap < KT_DATE_SIZE)
		return KT_ETOOBIG;
	snprintf(out, cap, "%04d-%02d-%02d", d->year, d->month, d->day);
	return 0;
}

int kt_date_format_vn(const char *s, char *out, size_t cap)
{
	struct kt_date d;

	if (kt_date_parse(s, &d) < 0)
		return KT_EINVAL;
	if (cap < KT_DATE_SIZE)
		return KT_ETOOBIG;
	snprintf(out, cap, "%02d/%02d/%04d", d.day, d.month, d.year);
	return 0;
}

void kt_date_from_ms(int64_t ms, int offset_min, char out[KT_DATE_SIZE])
{
	int64_t local = ms + (int64_t)offset_min * 60000;
	int64_t days = local / MS_PER_DAY;
	struct kt_date d;

	if (local % MS_PER_DAY < 0)
		days--; /* floor, for instants before the epoch */
	kt_date_from_days(days, &d);
	if (!struct_valid(&d))
		d = (struct kt_date){
		    d.year < KT_DATE_YEAR_MIN ? KT_DATE_YEAR_MIN : KT_DATE_YEAR_MAX,
		    d.year < KT_DATE_YEAR_MIN ? 1 : 12, d.year < KT_DATE_YEAR_MIN ? 1 : 31};
	kt_date_format(&d, out, KT_DATE_SIZE);
}

void kt_date_today(int offset_min, char out[KT_DATE_SIZE])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	kt_date_from_ms((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, offset_min, out);
}

void kt_date_server_today(int64_t now_ms, char out[KT_DATE_SIZE])
{
	const char *over = getenv("KIEMTRAD_TODAY");

	if (over && kt_date_valid(over)) {
		memcpy(out, over, KT_DATE_SIZE);
		return;
	}
	kt_date_from_ms(now_ms, KT_UTC_OFFSET_VN, out);
}
