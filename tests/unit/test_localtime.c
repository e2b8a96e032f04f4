/*
 * Shanghai civil time (validator/localtime.c).
 *
 * Oracles: a day-by-day walk over the whole supported calendar (every date
 * 1900-01-01..2199-12-31 checked against a counter), glibc's timegm/gmtime_r
 * on UTC (independent of TZ), and fixed values computed by hand or with
 * Python's datetime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/err.h"
#include "validator/localtime.h"

static struct yn_date D(int y, int m, int d)
{
	struct yn_date x = { y, (uint8_t)m, (uint8_t)d };

	return x;
}

static void next_day(struct yn_date *d)
{
	if (d->day < yn_date_days_in_month(d->year, d->month)) {
		d->day++;
		return;
	}
	d->day = 1;
	if (d->month < 12) {
		d->month++;
		return;
	}
	d->month = 1;
	d->year++;
}

static void test_days_epoch_and_known_dates(void **state)
{
	struct yn_date d = D(1970, 1, 1);

	(void)state;
	assert_int_equal(yn_date_to_days(&d), 0);
	d = D(1969, 12, 31);
	assert_int_equal(yn_date_to_days(&d), -1);
	d = D(2026, 11, 29);
	assert_int_equal(yn_date_to_days(&d), 20786);	/* Python datetime */
	d = D(1900, 1, 1);
	assert_int_equal(yn_date_to_days(&d), -25567);
	d = D(2199, 12, 31);
	assert_int_equal(yn_date_to_days(&d), 84005);
	d = D(2000, 2, 29);
	assert_int_equal(yn_date_to_days(&d), 11016);
	d = D(2000, 3, 1);
	assert_int_equal(yn_date_to_days(&d), 11017);
}

/* Every day of the supported range, both directions, against a counter
 * advanced by the plain month-length rule. */
static void test_days_walk_1900_to_2199_round_trip(void **state)
{
	struct yn_date d = D(1900, 1, 1), back;
	int64_t n = -25567;
	unsigned wd = 1;	/* 1900-01-01 was a Monday */

	(void)state;
	while (d.year <= 2199) {
		if (yn_date_to_days(&d) != n)
			fail_msg("%04d-%02u-%02u -> %lld, want %lld", (int)d.year, d.month, d.day,
				 (long long)yn_date_to_days(&d), (long long)n);
		yn_date_from_days(n, &back);
		if (yn_date_cmp(&back, &d) != 0)
			fail_msg("%lld -> %04d-%02u-%02u", (long long)n, (int)back.year, back.month,
				 back.day);
		if (yn_date_weekday(n) != wd)
			fail_msg("weekday of %lld is %u, want %u", (long long)n, yn_date_weekday(n), wd);
		assert_true(yn_date_valid(&d));
		next_day(&d);
		n++;
		wd = wd == 7 ? 1 : wd + 1;
	}
	assert_int_equal(n, 84006);
}

static void test_days_far_years_round_trip(void **state)
{
	static const int64_t ns[] = { -800000, -719468, -719469, -146097, 1000000, 3000000 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		struct yn_date d;

		yn_date_from_days(ns[i], &d);
		assert_int_equal(yn_date_to_days(&d), ns[i]);
	}
}

static void test_leap_years_century_rule(void **state)
{
	(void)state;
	assert_true(yn_date_is_leap(2000));
	assert_false(yn_date_is_leap(1900));
	assert_false(yn_date_is_leap(2100));
	assert_true(yn_date_is_leap(2024));
	assert_false(yn_date_is_leap(2026));
	assert_int_equal(yn_date_days_in_month(2024, 2), 29);
	assert_int_equal(yn_date_days_in_month(2026, 2), 28);
	assert_int_equal(yn_date_days_in_month(2026, 13), 0);
	assert_int_equal(yn_date_days_in_month(2026, 0), 0);
}

static void test_date_valid_edges(void **state)
{
	struct yn_date d;

	(void)state;
	d = D(2024, 2, 29);
	assert_true(yn_date_valid(&d));
	d = D(2026, 2, 29);
	assert_false(yn_date_valid(&d));
	d = D(2026, 4, 31);
	assert_false(yn_date_valid(&d));
	d = D(2026, 0, 1);
	assert_false(yn_date_valid(&d));
	d = D(2026, 1, 0);
	assert_false(yn_date_valid(&d));
	d = D(1899, 12, 31);
	assert_false(yn_date_valid(&d));
	d = D(2200, 1, 1);
	assert_false(yn_date_valid(&d));
	d = D(0, 0, 0);
	assert_false(yn_date_valid(&d));
	assert_false(yn_date_valid(NULL));
}

static void test_date_parse_and_format(void **state)
{
	struct yn_date d;
	char buf[11];

	(void)state;
	assert_int_equal(yn_date_parse("2026-02-28", &d), 0);
	assert_int_equal(d.year, 2026);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 28);
	assert_int_equal(yn_date_format(&d, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-02-28");
	assert_int_equal(yn_date_format(&d, buf, 10), YN_ENOSPC);
	assert_string_equal(buf, "");

	assert_int_equal(yn_date_parse("2026-02-29", &d), YN_ERANGE);
	assert_int_equal(d.year, 0);
	assert_int_equal(yn_date_parse("2026-13-01", &d), YN_ERANGE);
	assert_int_equal(yn_date_parse("1899-12-31", &d), YN_ERANGE);
	assert_int_equal(yn_date_parse("2026-1-01", &d), YN_EFORMAT);
	assert_int_equal(yn_date_parse("2026-01-01x", &d), YN_EFORMAT);
	assert_int_equal(yn_date_parse(" 2026-01-01", &d), YN_EFORMAT);
	assert_int_equal(yn_date_parse("", &d), YN_EFORMAT);
	assert_int_equal(yn_date_parse("2026/01/01", &d), YN_EFORMAT);
	assert_int_equal(yn_date_parse(NULL, &d), YN_EINVAL);
	d = D(2026, 2, 30);
	assert_int_equal(yn_date_format(&d, buf, sizeof(buf)), YN_EINVAL);
}

static void test_ymd_conversions(void **state)
{
	struct yn_date d;

	(void)state;
	yn_date_from_ymd(19560314, &d);
	assert_int_equal(d.year, 1956);
	assert_int_equal(d.month, 3);
	assert_int_equal(d.day, 14);
	assert_int_equal(yn_date_to_ymd(&d), 19560314);
	yn_date_from_ymd(0, &d);
	assert_int_equal(d.year, 0);
	assert_int_equal(d.month, 0);
	assert_int_equal(d.day, 0);
	assert_int_equal(yn_date_to_ymd(&d), 0);
	yn_date_from_ymd(20260230, &d);	/* kept as it is, refused later */
	assert_int_equal(d.day, 30);
	assert_false(yn_date_valid(&d));
	assert_int_equal(yn_date_to_ymd(&d), 0);
	yn_date_from_ymd(20261399, &d);
	assert_int_equal(d.month, 13);
	assert_int_equal(d.day, 99);
	assert_false(yn_date_valid(&d));
	yn_date_from_ymd(UINT32_MAX, &d);
	assert_false(yn_date_valid(&d));
}

/* 16:30 UTC is 00:30 the next day in Shenzhen. */
static void test_local_1630_utc_is_0030_next_day(void **state)
{
	struct yn_localtime lt;

	(void)state;
	yn_localtime_from_unix(1772382600, &lt);	/* 2026-03-01T16:30:00Z */
	assert_int_equal(lt.date.year, 2026);
	assert_int_equal(lt.date.month, 3);
	assert_int_equal(lt.date.day, 2);
	assert_int_equal(lt.hour, 0);
	assert_int_equal(lt.minute, 30);
	assert_int_equal(lt.second, 0);
	assert_int_equal(lt.sec_of_day, 1800);
	assert_int_equal(lt.wday, 1);	/* Monday */
	yn_localtime_from_unix(1772382600 - 1801, &lt);	/* 15:59:59Z */
	assert_int_equal(lt.date.day, 1);
	assert_int_equal(lt.sec_of_day, 86399);
	assert_int_equal(lt.wday, 7);
}

static void test_local_negative_time(void **state)
{
	struct yn_localtime lt;

	(void)state;
	yn_localtime_from_unix(-1, &lt);	/* 1970-01-01 07:59:59 Shanghai */
	assert_int_equal(lt.days, 0);
	assert_int_equal(lt.sec_of_day, 8 * 3600 - 1);
	yn_localtime_from_unix(-8 * 3600 - 1, &lt);	/* 1969-12-31 23:59:59 */
	assert_int_equal(lt.days, -1);
	assert_int_equal(lt.date.year, 1969);
	assert_int_equal(lt.date.day, 31);
	assert_int_equal(lt.sec_of_day, 86399);
}

static void test_local_extreme_time_clamped(void **state)
{
	struct yn_localtime lt;

	(void)state;
	yn_localtime_from_unix(INT64_MAX, &lt);
	assert_false(yn_date_valid(&lt.date));
	assert_true(lt.sec_of_day < 86400);
	yn_localtime_from_unix(INT64_MIN, &lt);
	assert_false(yn_date_valid(&lt.date));
	assert_true(lt.sec_of_day < 86400);
}

/* Against glibc's UTC conversion of t + 8 h, over times spread across the
 * range, with the process TZ set to somewhere else entirely. */
static void test_local_matches_gmtime_plus_8h_whatever_tz(void **state)
{
	int64_t t;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	int i;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	for (i = 0; i < 200000; i++) {
		struct yn_localtime lt;
		struct tm tm;
		time_t tt;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = (int64_t)(x % 7258118400ull) - 2208988800ll;	/* 1900..2200 */
		tt = (time_t)(t + 8 * 3600);
		gmtime_r(&tt, &tm);
		yn_localtime_from_unix(t, &lt);
		if (lt.date.year != tm.tm_year + 1900 || lt.date.month != tm.tm_mon + 1 ||
		    lt.date.day != tm.tm_mday || lt.hour != tm.tm_hour ||
		    lt.minute != tm.tm_min || lt.second != tm.tm_sec ||
		    lt.wday != (tm.tm_wday == 0 ? 7 : tm.tm_wday))
			fail_msg("t=%lld differs from gmtime(t+8h)", (long long)t);
		assert_int_equal(yn_localtime_to_unix(lt.days, lt.sec_of_day), t);
	}
	unsetenv("TZ");
	tzset();
}

static void test_iso8601_zones(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(yn_time_parse_iso8601("2026-03-01T16:30:00Z", &t), 0);
	assert_int_equal(t, 1772382600);
	assert_int_equal(yn_time_parse_iso8601("2026-03-02T00:30:00+08:00", &t), 0);
	assert_int_equal(t, 1772382600);
	assert_int_equal(yn_time_parse_iso8601("2026-03-02T00:30", &t), 0);	/* Shanghai */
	assert_int_equal(t, 1772382600);
	assert_int_equal(yn_time_parse_iso8601("2026-03-02 00:30:00", &t), 0);
	assert_int_equal(t, 1772382600);
	assert_int_equal(yn_time_parse_iso8601("2026-03-01T11:30:00-05:00", &t), 0);
	assert_int_equal(t, 1772382600);
	assert_int_equal(yn_time_parse_iso8601("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
}

static void test_iso8601_refuses_bad_input(void **state)
{
	static const struct { const char *s; int r; } bad[] = {
		{ "2026-03-02", YN_EFORMAT },
		{ "2026-03-02T", YN_EFORMAT },
		{ "2026-03-02T24:00", YN_ERANGE },
		{ "2026-03-02T23:60", YN_ERANGE },
		{ "2026-03-02T23:59:60Z", YN_ERANGE },
		{ "2026-02-30T12:00", YN_ERANGE },
		{ "2026-03-02T12:00+8", YN_EFORMAT },
		{ "2026-03-02T12:00+15:00", YN_ERANGE },
		{ "2026-03-02T12:00Zjunk", YN_EFORMAT },
		{ "2026-03-02T1:00", YN_EFORMAT },
		{ "", YN_EFORMAT },
	};
	size_t i;
	int64_t t;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 99;
		if (yn_time_parse_iso8601(bad[i].s, &t) != bad[i].r)
			fail_msg("'%s' gave %d, want %d", bad[i].s,
				 yn_time_parse_iso8601(bad[i].s, &t), bad[i].r);
		assert_int_equal(t, 0);
	}
	assert_int_equal(yn_time_parse_iso8601(NULL, &t), YN_EINVAL);
}

static void test_iso8601_format(void **state)
{
	char buf[26];

	(void)state;
	assert_int_equal(yn_time_format_iso8601(1772382600, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-03-02T00:30:00+08:00");
	assert_int_equal(yn_time_format_iso8601(1772382600, buf, 25), YN_ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(yn_time_format_iso8601(INT64_MAX, buf, sizeof(buf)), YN_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_epoch_and_known_dates),
		cmocka_unit_test(test_days_walk_1900_to_2199_round_trip),
		cmocka_unit_test(test_days_far_years_round_trip),
		cmocka_unit_test(test_leap_years_century_rule),
		cmocka_unit_test(test_date_valid_edges),
		cmocka_unit_test(test_date_parse_and_format),
		cmocka_unit_test(test_ymd_conversions),
		cmocka_unit_test(test_local_1630_utc_is_0030_next_day),
		cmocka_unit_test(test_local_negative_time),
		cmocka_unit_test(test_local_extreme_time_clamped),
		cmocka_unit_test(test_local_matches_gmtime_plus_8h_whatever_tz),
		cmocka_unit_test(test_iso8601_zones),
		cmocka_unit_test(test_iso8601_refuses_bad_input),
		cmocka_unit_test(test_iso8601_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
