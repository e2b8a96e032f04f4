/*
 * Shanghai civil time: dates, days, weekdays and local clock times for the
 * entitlement rules, computed with plain integer arithmetic.
 *
 * Every rule of the Yinian card runs on Asia/Shanghai time whatever the
 * machine's zone.  China has kept UTC+8 without daylight saving since
 * September 1991, so local time is UTC + 8 h for every tap this software
 * sees; nothing here reads TZ, /etc/localtime or tzdata.
 *
 * Dates are proleptic Gregorian.  A "day number" is the count of days since
 * 1970-01-01 (which is day 0, a Thursday); it may be negative.
 */
#ifndef YN_LOCALTIME_H
#define YN_LOCALTIME_H

#include <stddef.h>
#include <stdint.h>

/* Offset of Asia/Shanghai from UTC, in seconds (no DST since 1991). */
#define YN_SHANGHAI_UTC_OFFSET (8 * 3600)
#define YN_SECS_PER_DAY 86400

/* Years that dates in files, cards and on the command line may carry. */
#define YN_DATE_YEAR_MIN 1900
#define YN_DATE_YEAR_MAX 2199

/* A calendar date.  A zeroed struct (year 0) means "no date". */
struct yn_date {
	int32_t year;
	uint8_t month;	/* 1..12 */
	uint8_t day;	/* 1..31 */
};

/* A moment seen on a Shanghai wall clock. */
struct yn_localtime {
	int64_t days;		/* day number of the local date */
	struct yn_date date;
	uint8_t hour, minute, second;
	uint8_t wday;		/* ISO weekday: 1 Monday .. 7 Sunday */
	uint32_t sec_of_day;	/* 0..86399 */
};

/* Nonzero if y is a Gregorian leap year. */
int yn_date_is_leap(int32_t y);
/* Days in month m (1..12) of year y; 0 for a month out of range. */
unsigned yn_date_days_in_month(int32_t y, unsigned m);
/* Nonzero if d is a real date with a year in YN_DATE_YEAR_MIN..MAX. */
int yn_date_valid(const struct yn_date *d);
/* Compare two dates: <0, 0, >0 like strcmp.  Works on any field values. */
int yn_date_cmp(const struct yn_date *a, const struct yn_date *b);

/* The date held as the decimal number YYYYMMDD (19560314), the in-memory
 * form of the card's dates (card/holder_date.h).  from_ymd splits the
 * digits without judging them (0 gives the zeroed "no date"; an impossible
 * date stays impossible, for yn_date_valid to refuse); to_ymd gives 0 for
 * a date that is not valid. */
void yn_date_from_ymd(uint32_t ymd, struct yn_date *d);
uint32_t yn_date_to_ymd(const struct yn_date *d);

/* Day number of a date.  The date must be valid in the calendar sense
 * (month 1..12, day within the month); any year works. */
int64_t yn_date_to_days(const struct yn_date *d);
/* The date of day number n.  Years outside int32 are not supported: n must
 * lie within +-700 000 000 days of 1970 (callers pass far smaller values). */
void yn_date_from_days(int64_t n, struct yn_date *d);
/* ISO weekday of day number n: 1 Monday .. 7 Sunday. */
unsigned yn_date_weekday(int64_t n);

/* Parse "YYYY-MM-DD" (exactly that shape, nothing after it).  Returns 0,
 * YN_EFORMAT for a wrong shape, YN_ERANGE for a date that does not exist or
 * a year outside YN_DATE_YEAR_MIN..MAX.  *d is cleared first. */
int yn_date_parse(const char *s, struct yn_date *d);
/* Write "YYYY-MM-DD" into buf (cap >= 11).  YN_ENOSPC if too small,
 * YN_EINVAL if d is not valid.  buf is an empty string after a failure
 * (when cap > 0). */
int yn_date_format(const struct yn_date *d, char *buf, size_t cap);

/* The Shanghai wall-clock reading of Unix time t (seconds, UTC; values
 * beyond +-2^50 are clamped to it).  Any t
 * whose local year fits YN_DATE_YEAR_MIN..MAX gives a valid lt->date;
 * other values still give consistent arithmetic. */
void yn_localtime_from_unix(int64_t t, struct yn_localtime *lt);
/* Unix time of second sec_of_day (0..86399, larger values roll over) of
 * local day number days. */
int64_t yn_localtime_to_unix(int64_t days, uint32_t sec_of_day);

/* Parse an ISO 8601 time: "YYYY-MM-DDTHH:MM[:SS]" followed by "Z",
 * "+HH:MM" or "-HH:MM"; with no zone the time is Shanghai local time.
 * A space may stand for the 'T'.  Returns 0, YN_EFORMAT or YN_ERANGE
 * (a field out of range); *t is cleared first. */
int yn_time_parse_iso8601(const char *s, int64_t *t);
/* Format t as Shanghai local time "YYYY-MM-DDTHH:MM:SS+08:00" (cap >= 26).
 * YN_ENOSPC if buf is too small, YN_ERANGE if the year is outside
 * YN_DATE_YEAR_MIN..MAX; buf is empty after a failure (cap > 0). */
int yn_time_format_iso8601(int64_t t, char *buf, size_t cap);

#endif
