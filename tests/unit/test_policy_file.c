/*
 * Policy files (validator/policy_file.c): the built-in default equals the
 * shipped example, a good file means what it says, and every kind of
 * mistake is refused with the line it is on.
 *
 * Error rows start from a small valid file (BASE, below, with its line
 * numbers) and replace one line with other text (which may span lines).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "tests/lib/testlib.h"
#include "validator/policy.h"

static const char *const base[] = {
	/*  1 */ "[policy]",
	/*  2 */ "name = test",
	/*  3 */ "version = 7",
	/*  4 */ "[ride]",
	/*  5 */ "min_age = 60",
	/*  6 */ "residency = any",
	/*  7 */ "passback_minutes = 10",
	/*  8 */ "[canteen]",
	/*  9 */ "days = workdays",
	/* 10 */ "lunch_start = 11:00",
	/* 11 */ "lunch_end = 13:30",
	/* 12 */ "meals_per_day = 1",
	/* 13 */ "same_district = yes",
	/* 14 */ "max_price_fen = 10000",
	/* 15 */ "[service]",
	/* 16 */ "units_per_service = 1",
	/* 17 */ "[stale]",
	/* 18 */ "rides = continue",
	/* 19 */ "subsidies = stop",
	/* 20 */ "vouchers = stop",
	NULL
};
#define BASE_LINES 20

/* BASE with line `line` replaced by `with` (line 0: `with` appended after
 * the last line; line -1: `with` put before line 1). */
static char *variant(int line, const char *with)
{
	size_t cap = 4096 + strlen(with), n = 0;
	char *s = malloc(cap);
	int i;

	assert_non_null(s);
	s[0] = '\0';
	if (line == -1)
		n += (size_t)snprintf(s + n, cap - n, "%s\n", with);
	for (i = 0; base[i] != NULL; i++)
		n += (size_t)snprintf(s + n, cap - n, "%s\n", i + 1 == line ? with : base[i]);
	if (line == 0)
		snprintf(s + n, cap - n, "%s\n", with);
	return s;
}

static const char tier_ok[] =
	"[subsidy t]\ncap_fen = 500\nresidency = hukou\nmin_age = 70\nmax_age = 99\n"
	"categories = any";	/* appended: lines 21-26 */
static const char band_ok[] =
	"[band b]\ndays = workdays\nstart = 04:30\nend = 09:00\nresidency = any\n"
	"categories = dibao";	/* appended: lines 21-26 */

struct bad {
	const char *rule;
	int line;		/* replaced line (0 append, -1 prepend) */
	const char *with;
	int err_line;
	const char *msg;	/* a part of the message */
};

static const struct bad bads[] = {
	/* structure */
	{ "unknown section", 0, "[colours]", 21, "unknown section [colours]" },
	{ "unknown key", 7, "passbak_minutes = 10", 7, "unknown key 'passbak_minutes'" },
	{ "key before any section", -1, "name = x", 1, "outside any section" },
	{ "line that is not key = value", 3, "version 7", 3, "not a 'key = value' line" },
	{ "header without ]", 4, "[ride", 4, "not a 'key = value' line" },
	{ "text after a header", 4, "[ride] extra", 4, "text after the section header" },
	{ "unnamed section given a name", 4, "[ride fast]", 4, "takes no name" },
	{ "section given twice", 0, "[ride]", 21, "given twice (first at line 4)" },
	{ "key given twice", 5, "min_age = 60\nmin_age = 61", 6,
	  "'min_age' given twice in section [ride] (first at line 5)" },
	{ "indented line continues a one-value key", 6, "residency = any\n  passback_minutes = 5",
	  7, "an indented line continues 'residency'" },
	{ "missing key names the section's line", 7, "; no passback", 4,
	  "section [ride] lacks the key 'passback_minutes'" },
	{ "header commented out: its key lands in the section before", 15, "; [service]", 16,
	  "unknown key 'units_per_service' in section [canteen]" },
	{ "line too long", 2, "name = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 2,
	  "line too long" },

	/* [policy] */
	{ "empty name", 2, "name =", 2, "empty name" },
	{ "name too long", 2, "name = 0123456789012345678901234567890123456789012345678901234567890123",
	  2, "name too long" },
	{ "version above 32 bits", 3, "version = 4294967296", 3, "out of range" },
	{ "negative version", 3, "version = -1", 3, "not a whole number" },

	/* numbers */
	{ "min_age 151", 5, "min_age = 151", 5, "151 is out of range (0..150)" },
	{ "min_age in words", 5, "min_age = sixty", 5, "not a whole number" },
	{ "min_age with a space inside", 5, "min_age = 6 0", 5, "not a whole number" },
	{ "min_age empty", 5, "min_age =", 5, "empty value" },
	{ "passback over a day", 7, "passback_minutes = 1441", 7, "out of range (0..1440)" },
	{ "meals_per_day 0", 12, "meals_per_day = 0", 12, "out of range (1..10)" },
	{ "max price 0", 14, "max_price_fen = 0", 14, "out of range (1..1000000)" },
	{ "max price with decimals", 14, "max_price_fen = 100.00", 14, "not a whole number" },
	{ "units_per_service 0", 16, "units_per_service = 0", 16, "out of range (1..1000)" },

	/* times */
	{ "minute 60", 10, "lunch_start = 11:60", 10, "no such time" },
	{ "hour 25", 10, "lunch_start = 25:00", 10, "no such time" },
	{ "start at 24:00", 10, "lunch_start = 24:00", 10, "no such time (00:00..23:59)" },
	{ "end past 24:00", 11, "lunch_end = 24:01", 11, "no such time (00:00..24:00)" },
	{ "time without colon", 10, "lunch_start = 1100", 10, "not a time" },
	{ "time with one digit", 10, "lunch_start = 9:00", 10, "not a time" },
	{ "time with seconds", 10, "lunch_start = 11:00:00", 10, "not a time" },
	{ "lunch ends before it starts", 11, "lunch_end = 10:00", 11,
	  "lunch_end must be after lunch_start" },
	{ "lunch of zero length", 11, "lunch_end = 11:00", 11,
	  "lunch_end must be after lunch_start" },

	/* words */
	{ "days not a known word", 9, "days = weekdays", 9, "not one of workdays, restdays, every" },
	{ "yes/no misspelt", 13, "same_district = true", 13, "not yes or no" },
	{ "stale not continue/stop", 18, "rides = maybe", 18, "not continue or stop" },
	{ "unknown residency", 6, "residency = mars", 6, "unknown residency class 'mars'" },
	{ "residency listed twice", 6, "residency = hukou, hukou", 6, "listed twice" },
	{ "residency any with others", 6, "residency = any, hukou", 6, "'any' must stand alone" },
	{ "empty list", 6, "residency =", 6, "empty list" },
	{ "empty list element", 6, "residency = hukou,,macao", 6, "empty element" },
	{ "trailing comma", 6, "residency = hukou,", 6, "empty element" },

	/* [subsidy NAME] */
	{ "subsidy without a name", 0, "[subsidy]", 21, "needs a NAME" },
	{ "subsidy name with capitals", 0, "[subsidy Key]", 21, "needs a NAME" },
	{ "subsidy with two spaces", 0, "[subsidy  key]", 21, "needs a NAME" },
	{ "subsidy cap 0", 0, "[subsidy t]\ncap_fen = 0", 22, "out of range (1..100000)" },
	{ "subsidy max_age in words", 0, "[subsidy t]\nmax_age = old", 22,
	  "not an age (0..150) or none" },
	{ "subsidy max_age below min_age", 0,
	  "[subsidy t]\ncap_fen = 500\nresidency = hukou\nmin_age = 70\nmax_age = 69\n"
	  "categories = any", 25, "max_age is below min_age" },
	{ "subsidy missing categories", 0,
	  "[subsidy t]\ncap_fen = 500\nresidency = hukou\nmin_age = 70\nmax_age = 99", 21,
	  "section [subsidy t] lacks the key 'categories'" },
	{ "unknown category", 0, "[subsidy t]\ncategories = rich", 22, "unknown category 'rich'" },
	{ "category listed twice", 0, "[subsidy t]\ncategories = dibao, dibao", 22,
	  "category listed twice" },
	{ "category any with others", 0, "[subsidy t]\ncategories = any, dibao", 22,
	  "'any' must stand alone" },
	{ "same subsidy twice", 0,
	  "[subsidy t]\ncap_fen = 500\nresidency = hukou\nmin_age = 70\nmax_age = 99\n"
	  "categories = any\n[subsidy t]", 27, "section [subsidy t] given twice (first at line 21)" },

	/* [band NAME] */
	{ "band ends before it starts", 0,
	  "[band b]\ndays = workdays\nstart = 09:00\nend = 04:30\nresidency = any\n"
	  "categories = any", 24, "end must be after its start" },
	{ "band missing end", 0,
	  "[band b]\ndays = workdays\nstart = 09:00\nresidency = any\ncategories = any", 21,
	  "section [band b] lacks the key 'end'" },
	{ "band unknown key", 0, "[band b]\ncolour = red", 22, "unknown key 'colour' in section [band b]" },

	/* [calendar] */
	{ "holiday that does not exist", 0, "[calendar]\nholidays = 2026-02-30", 22,
	  "holds no such date" },
	{ "holiday not a date", 0, "[calendar]\nholidays = tomorrow", 22, "is not a date" },
	{ "holiday in the wrong shape", 0, "[calendar]\nholidays = 2026-1-1", 22, "is not a date" },
	{ "holiday year before 1900", 0, "[calendar]\nholidays = 1899-12-31", 22,
	  "holds no such date" },
	{ "range that runs backwards", 0, "[calendar]\nholidays = 2026-10-07..2026-10-01", 22,
	  "must not end before it starts" },
	{ "date listed twice", 0, "[calendar]\nholidays = 2026-10-01..2026-10-07, 2026-10-03", 22,
	  "2026-10-03 is listed twice" },
	{ "date both holiday and workday", 0,
	  "[calendar]\nholidays = 2026-10-01\nworkdays = 2026-10-01", 23,
	  "2026-10-01 is listed both as a holiday and as a workday" },
	{ "too many dates", 0, "[calendar]\nholidays = 2026-01-01..2027-12-31", 22,
	  "too many dates" },
	{ "unknown calendar key", 0, "[calendar]\nholiday = 2026-10-01", 22,
	  "unknown key 'holiday'" },
};

static void test_parse_errors_name_the_line(void **state)
{
	size_t i, failures = 0;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		char *text = variant(b->line, b->with);
		struct yn_policy *p = malloc(sizeof(*p));
		struct yn_pol_error err;
		int r;

		assert_non_null(p);
		memset(p, 0xA5, sizeof(*p));
		r = yn_policy_parse(text, p, &err);
		if (r != YN_ECONFIG || err.line != b->err_line || strstr(err.msg, b->msg) == NULL) {
			print_error("row %zu \"%s\": got %d line %d \"%s\", want line %d \"%s\"\n",
				    i, b->rule, r, err.line, err.msg, b->err_line, b->msg);
			failures++;
		} else {
			/* cleared after a failure */
			struct yn_policy *z = calloc(1, sizeof(*z));

			assert_non_null(z);
			assert_memory_equal(p, z, sizeof(*p));
			free(z);
		}
		free(p);
		free(text);
	}
	if (failures)
		fail_msg("%zu of %zu rows failed", failures, sizeof(bads) / sizeof(bads[0]));
}

static void test_base_parses(void **state)
{
	char *text = variant(0, "; end");
	struct yn_policy *p = malloc(sizeof(*p));
	struct yn_pol_error err;

	(void)state;
	assert_non_null(p);
	assert_int_equal(yn_policy_parse(text, p, &err), 0);
	assert_string_equal(p->name, "test");
	assert_int_equal(p->version, 7);
	assert_int_equal(p->ride_min_age, 60);
	assert_int_equal(p->ride_residency, 0x3E);	/* classes 1..5 */
	assert_int_equal(p->passback_s, 600);
	assert_int_equal(p->lunch_start, 11 * 3600);
	assert_int_equal(p->lunch_end, 13 * 3600 + 30 * 60);
	assert_int_equal(p->n_tiers, 0);
	assert_int_equal(p->n_bands, 0);
	assert_int_equal(p->n_holidays, 0);
	free(text);
	free(p);
}

static void test_missing_required_section(void **state)
{
	static const char text[] = "[policy]\nname = x\nversion = 1\n";
	struct yn_policy p;
	struct yn_pol_error err;

	(void)state;
	assert_int_equal(yn_policy_parse(text, &p, &err), YN_ECONFIG);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "the section [ride] is missing");
	assert_int_equal(yn_policy_parse("", &p, &err), YN_ECONFIG);
	assert_string_equal(err.msg, "the section [policy] is missing");
}

static void test_tier_band_and_lists_parse(void **state)
{
	char with[1024];
	char *text;
	struct yn_policy p;
	struct yn_pol_error err;

	(void)state;
	snprintf(with, sizeof(with), "%s\n%s\n[calendar]\n"
		 "holidays = 2026-10-01..2026-10-03 ; inline comment\n"
		 "  2026-12-25\n"
		 "holidays = 2026-01-01\n"
		 "# hash comment\n"
		 "workdays = 2026-10-10", tier_ok, band_ok);
	text = variant(0, with);
	assert_int_equal(yn_policy_parse(text, &p, &err), 0);
	assert_int_equal(p.n_tiers, 1);
	assert_string_equal(p.tiers[0].name, "t");
	assert_int_equal(p.tiers[0].cap_fen, 500);
	assert_int_equal(p.tiers[0].residency, 1u << YN_RES_HUKOU);
	assert_int_equal(p.tiers[0].min_age, 70);
	assert_int_equal(p.tiers[0].max_age, 99);
	assert_int_equal(p.tiers[0].any_category, 1);
	assert_int_equal(p.tiers[0].line, 21);
	assert_int_equal(p.n_bands, 1);
	assert_int_equal(p.bands[0].start, 4 * 3600 + 30 * 60);
	assert_int_equal(p.bands[0].end, 9 * 3600);
	assert_int_equal(p.bands[0].categories, YN_CAT_DIBAO);
	assert_int_equal(p.bands[0].all_categories, 0);
	/* 3 + 1 (indented continuation) + 1 (repeated key), kept sorted */
	assert_int_equal(p.n_holidays, 5);
	{
		struct yn_date d = { 2026, 1, 1 };

		assert_int_equal(p.holidays[0], yn_date_to_days(&d));
	}
	assert_true(p.holidays[1] < p.holidays[2] && p.holidays[3] < p.holidays[4]);
	assert_int_equal(p.n_workdays, 1);
	free(text);
}

static void test_crlf_bom_and_comments_accepted(void **state)
{
	char text[2048];
	size_t n = 0;
	int i;
	struct yn_policy p;
	struct yn_pol_error err;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\xEF\xBB\xBF; comment\r\n");
	for (i = 0; base[i] != NULL; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\r\n", base[i]);
	assert_int_equal(yn_policy_parse(text, &p, &err), 0);
	assert_string_equal(p.name, "test");

	/* and the error lines still count from the BOM line */
	memcpy(strstr(text, "min_age = 60"), "min_age = 99X", 13);
	assert_int_equal(yn_policy_parse(text, &p, &err), YN_ECONFIG);
	assert_int_equal(err.line, 6);
}

/* inih's line buffer is 200 bytes: 197 characters and "\r\n\0". */
static void test_line_length_limit_197(void **state)
{
	char line[256];
	char *text;
	struct yn_policy p;
	struct yn_pol_error err;

	(void)state;
	memset(line, 'x', sizeof(line));
	line[0] = ';';
	line[197] = '\0';
	text = variant(0, line);
	assert_int_equal(yn_policy_parse(text, &p, &err), 0);
	free(text);
	line[197] = 'x';
	line[198] = '\0';
	text = variant(0, line);
	assert_int_equal(yn_policy_parse(text, &p, &err), YN_ECONFIG);
	assert_int_equal(err.line, 21);
	assert_string_equal(err.msg, "line too long (at most 197 characters)");
	free(text);
}

/* The built-in default is docs/examples/policy-shenzhen.ini, byte for
 * byte (the tests run from the top of the source tree). */
static void test_default_equals_example_file(void **state)
{
	FILE *f = fopen("docs/examples/policy-shenzhen.ini", "rb");
	static char buf[65536];
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(n, strlen(yn_policy_default_text()));
	assert_string_equal(buf, yn_policy_default_text());
}

static void test_default_means_shenzhen_rules(void **state)
{
	struct yn_policy p, q;
	struct yn_pol_error err;
	size_t i;

	(void)state;
	assert_int_equal(yn_policy_default(&p), 0);
	assert_string_equal(p.name, "Shenzhen default");
	assert_int_equal(p.ride_min_age, 60);
	assert_int_equal(p.ride_residency, 0x3E);
	assert_int_equal(p.passback_s, 600);
	assert_int_equal(p.n_bands, 0);
	assert_int_equal(p.canteen_days, YN_DAYS_WORKDAYS);
	assert_int_equal(p.meals_per_day, 1);
	assert_int_equal(p.same_district, 1);
	assert_int_equal(p.n_tiers, 3);
	for (i = 0; i < p.n_tiers; i++)
		assert_int_equal(p.tiers[i].residency, 1u << YN_RES_HUKOU);
	assert_int_equal(p.tiers[0].cap_fen, 1500);
	assert_int_equal(p.tiers[0].min_age, 60);
	assert_int_equal(p.tiers[0].categories, YN_CAT_TEKUN | YN_CAT_DIBAO |
			 YN_CAT_DIBAO_EDGE | YN_CAT_SANSHU_WULAO | YN_CAT_ONLY_CHILD);
	assert_int_equal(p.tiers[1].cap_fen, 1500);
	assert_int_equal(p.tiers[1].min_age, 100);
	assert_int_equal(p.tiers[2].cap_fen, 500);
	assert_int_equal(p.tiers[2].min_age, 70);
	assert_int_equal(p.tiers[2].max_age, 99);
	assert_int_equal(p.units_per_service, 1);
	assert_int_equal(p.stale_rides, YN_STALE_CONTINUE);
	assert_int_equal(p.stale_subsidy, YN_STALE_STOP);
	assert_int_equal(p.stale_vouchers, YN_STALE_STOP);
	assert_int_equal(p.n_holidays, 33);	/* 2026 State Council schedule */
	assert_int_equal(p.n_workdays, 6);

	/* the file on disk loads to the same policy */
	assert_int_equal(yn_policy_load_file("docs/examples/policy-shenzhen.ini", &q, &err), 0);
	assert_memory_equal(&p, &q, sizeof(p));
}

static void test_load_file_errors(void **state)
{
	char *dir = yn_test_tmpdir(), path[512];
	struct yn_policy p;
	struct yn_pol_error err;
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/none.ini", dir);
	assert_int_equal(yn_policy_load_file(path, &p, &err), YN_ENOENT);
	assert_non_null(strstr(err.msg, "cannot open"));

	/* a NUL byte on line 3 */
	snprintf(path, sizeof(path), "%s/nul.ini", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("[policy]\nname = x\nversion = \0 1\n", 1, 33, f);
	fclose(f);
	assert_int_equal(yn_policy_load_file(path, &p, &err), YN_ECONFIG);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.msg, "NUL byte in the text");

	/* larger than 1 MiB */
	snprintf(path, sizeof(path), "%s/big.ini", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (i = 0; i < 1024 * 1024 / 8 + 1; i++)
		fputs(";;;;;;;\n", f);
	fclose(f);
	assert_int_equal(yn_policy_load_file(path, &p, &err), YN_ERANGE);

	/* a directory */
	assert_int_not_equal(yn_policy_load_file(dir, &p, &err), 0);

	/* an error in a file names its line */
	snprintf(path, sizeof(path), "%s/bad.ini", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("[policy]\nname = x\nversion = 1\n[ride]\nmin_age = 200\n", f);
	fclose(f);
	assert_int_equal(yn_policy_load_file(path, &p, &err), YN_ECONFIG);
	assert_int_equal(err.line, 5);
	yn_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors_name_the_line),
		cmocka_unit_test(test_base_parses),
		cmocka_unit_test(test_missing_required_section),
		cmocka_unit_test(test_tier_band_and_lists_parse),
		cmocka_unit_test(test_crlf_bom_and_comments_accepted),
		cmocka_unit_test(test_line_length_limit_197),
		cmocka_unit_test(test_default_equals_example_file),
		cmocka_unit_test(test_default_means_shenzhen_rules),
		cmocka_unit_test(test_load_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
