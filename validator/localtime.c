/*
 * Shanghai civil time with integer arithmetic (see localtime.h).
 *
 * Day numbers and dates convert through a calendar that starts its year on
 * 1 March: the leap day is then the last day of the year, and every
 * 400-year cycle ("era") has exactly 146097 days.  Within an era, the
 * number of days before year yoe is 365*yoe + yoe/4 - yoe/100, and the days
 * before month mp (0 = March) follow (153*mp + 2)/5, because the month
 * lengths from March repeat 31,30,31,30,31 in a five-month pattern of 153
 * days.
 */
#include "validator/localtime.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

/* Days from 0000-03-01 to 1970-01-01 in the March-based calendar. */
#define EPOCH_SHIFT 719468
#define DAYS_PER_ERA 146097

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int yn_date_is_leap(int32_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned yn_date_days_in_month(int32_t y, unsigned m)
{
	static const uint8_t len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && yn_date_is_leap(y))
		return 29;
	return len[m - 1];
}

int yn_date_valid(const struct yn_date *d)
{
	if (d == NULL || d->year < YN_DATE_YEAR_MIN || d->year > YN_DATE_YEAR_MAX)
		return 0;
	if (d->month < 1 || d->month > 12)
		return 0;
	return d->day >= 1 && d->day <= yn_date_days_in_month(d->year, d->month);
}

int yn_date_cmp(const struct yn_date *a, const struct yn_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

void yn_date_from_ymd(uint32_t ymd, struct yn_date *d)
{
	uint32_t md = ymd % 10000;

	d->year = (int32_t)(ymd / 10000);
	d->month = (uint8_t)(md / 100);
	d->day = (uint8_t)(md % 100);
}

uint32_t yn_date_to_ymd(const struct yn_date *d)
{
	if (!yn_date_valid(d))
		return 0;
	return (uint32_t)d->year * 10000 + d->month * 100u + d->day;
}

int64_t yn_date_to_days(const struct yn_date *d)
{
	/* January and February belong to the previous March-based year. */
	int64_t y = (int64_t)d->year - (d->month <= 2 ? 1 : 0);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;				/* 0..399 */
	int64_t mp = d->month > 2 ? d->month - 3 : d->month + 9;	/* 0 = March */
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;		/* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */

	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

void yn_date_from_days(int64_t n, struct yn_date *d)
{
	int64_t z = n + EPOCH_SHIFT;
	int64_t era = floor_div(z, DAYS_PER_ERA);
	int64_t doe = z - era * DAYS_PER_ERA;			/* 0..146096 */
	/* Year of era: remove the leap days before doe (one per 4 years, less
	 * one per century, plus the 400th year's), then divide by 365. */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* 0..365 */
	int64_t mp = (5 * doy + 2) / 153;			/* 0..11 */
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

	d->year = (int32_t)year;
	d->month = (uint8_t)month;
	d->day = (uint8_t)day;
}

unsigned yn_date_weekday(int64_t n)
{
	/* Day 0 (1970-01-01) was a Thursday, ISO weekday 4. */
	int64_t r = (n + 3) % 7;

	if (r < 0)
		r += 7;
	return (unsigned)r + 1;
}

/* Read exactly n decimal digits from *s; advance *s on success. */
static int digits(const char **s, unsigned n, int32_t *v)
{
	int32_t x = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		char c = (*s)[i];

		if (c < '0' || c > '9')
			return YN_EFORMAT;
		x = x * 10 + (c - '0');
	}
	*s += n;
	*v = x;
	return 0;
}

/* "YYYY-MM-DD" at *s; advances *s past it.  Shape errors come before range
 * errors so that "2026-13-01" says "no such date" and "2026-1-1" says
 * "malformed". */
static int parse_date_at(const char **s, struct yn_date *d)
{
	const char *p = *s;
	int32_t y, m, dd;

	if (digits(&p, 4, &y) != 0 || *p++ != '-' ||
	    digits(&p, 2, &m) != 0 || *p++ != '-' ||
	    digits(&p, 2, &dd) != 0)
		return YN_EFORMAT;
	if (m < 1 || m > 12 || dd < 1 || dd > 31)
		return YN_ERANGE;
	d->year = y;
	d->month = (uint8_t)m;
	d->day = (uint8_t)dd;
	if (!yn_date_valid(d)) {
		memset(d, 0, sizeof(*d));
		return YN_ERANGE;
	}
	*s = p;
	return 0;
}

int yn_date_parse(const char *s, struct yn_date *d)
{
	int r;

	if (d == NULL)
		return YN_EINVAL;
	memset(d, 0, sizeof(*d));
	if (s == NULL)
		return YN_EINVAL;
	if ((r = parse_date_at(&s, d)) != 0)
		return r;
	if (*s != '\0') {
		memset(d, 0, sizeof(*d));
		return YN_EFORMAT;
	}
	return 0;
}

int yn_date_format(const struct yn_date *d, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		return YN_ENOSPC;
	buf[0] = '\0';
	if (!yn_date_valid(d))
		return YN_EINVAL;
	if (cap < 11)
		return YN_ENOSPC;
	snprintf(buf, cap, "%04d-%02u-%02u", (int)d->year, (unsigned)d->month,
		 (unsigned)d->day);
	return 0;
}

/* Times beyond +-2^50 s (35 million years) are clamped so that the
 * arithmetic below cannot overflow whatever a caller passes. */
#define UNIX_LIMIT ((int64_t)1 << 50)

void yn_localtime_from_unix(int64_t t, struct yn_localtime *lt)
{
	int64_t local, days;
	uint32_t sod;

	if (t > UNIX_LIMIT)
		t = UNIX_LIMIT;
	if (t < -UNIX_LIMIT)
		t = -UNIX_LIMIT;
	local = t + YN_SHANGHAI_UTC_OFFSET;
	days = floor_div(local, YN_SECS_PER_DAY);
	sod = (uint32_t)(local - days * YN_SECS_PER_DAY);

	memset(lt, 0, sizeof(*lt));
	lt->days = days;
	yn_date_from_days(days, &lt->date);
	lt->sec_of_day = sod;
	lt->hour = (uint8_t)(sod / 3600);
	lt->minute = (uint8_t)(sod / 60 % 60);
	lt->second = (uint8_t)(sod % 60);
	lt->wday = (uint8_t)yn_date_weekday(days);
}

int64_t yn_localtime_to_unix(int64_t days, uint32_t sec_of_day)
{
	return days * YN_SECS_PER_DAY + (int64_t)sec_of_day - YN_SHANGHAI_UTC_OFFSET;
}

int yn_time_parse_iso8601(const char *s, int64_t *t)
{
	struct yn_date d;
	int32_t hh, mm, ss = 0, zh = 0, zm = 0;
	int64_t off = YN_SHANGHAI_UTC_OFFSET;
	int r;

	if (t == NULL)
		return YN_EINVAL;
	*t = 0;
	if (s == NULL)
		return YN_EINVAL;
	memset(&d, 0, sizeof(d));
	if ((r = parse_date_at(&s, &d)) != 0)
		return r;
	if (*s != 'T' && *s != ' ')
		return YN_EFORMAT;
	s++;
	if (digits(&s, 2, &hh) != 0 || *s++ != ':' || digits(&s, 2, &mm) != 0)
		return YN_EFORMAT;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &ss) != 0)
			return YN_EFORMAT;
	}
	if (*s == 'Z') {
		off = 0;
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1;

		s++;
		if (digits(&s, 2, &zh) != 0 || *s++ != ':' || digits(&s, 2, &zm) != 0)
			return YN_EFORMAT;
		if (zh > 14 || zm > 59)
			return YN_ERANGE;
		off = sign * (int64_t)(zh * 3600 + zm * 60);
	}
	if (*s != '\0')
		return YN_EFORMAT;
	/* 23:59:60 (a leap second) is refused: Unix time has no such second. */
	if (hh > 23 || mm > 59 || ss > 59)
		return YN_ERANGE;
	*t = yn_date_to_days(&d) * YN_SECS_PER_DAY + hh * 3600 + mm * 60 + ss - off;
	return 0;
}

int yn_time_format_iso8601(int64_t t, char *buf, size_t cap)
{
	struct yn_localtime lt;

	if (buf == NULL || cap == 0)
		return YN_ENOSPC;
	buf[0] = '\0';
	yn_localtime_from_unix(t, &lt);
	if (!yn_date_valid(&lt.date))
		return YN_ERANGE;
	if (cap < 26)
		return YN_ENOSPC;
	snprintf(buf, cap, "%04d-%02u-%02uT%02u:%02u:%02u+08:00", (int)lt.date.year,
		 (unsigned)lt.date.month, (unsigned)lt.date.day, (unsigned)lt.hour,
		 (unsigned)lt.minute, (unsigned)lt.second);
	return 0;
}
