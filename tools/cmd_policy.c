/*
 * yinian policy: check an entitlement policy file and say in plain words
 * what it means; print the built-in default.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "tools/cmds.h"
#include "validator/localtime.h"
#include "validator/policy.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian policy check [--json] FILE\n"
		"       yinian policy default\n"
		"\n"
		"check    validate an entitlement policy file (docs/policy.md) and print\n"
		"         what it means: who rides free, who gets which canteen subsidy,\n"
		"         where and when, passback window, time bands, stale-list policy,\n"
		"         calendar.  An error names the line.  Exit status 0 if the file\n"
		"         is valid, 1 if not.\n"
		"default  print the built-in Shenzhen default policy (a valid file to\n"
		"         start from; it equals docs/examples/policy-shenzhen.ini).\n"
		"\n"
		"Options:\n"
		"  -j, --json   print the result as one JSON object\n"
		"  -h, --help   this text\n");
}

/* ---- words ---------------------------------------------------------------- */

static void hhmm(uint32_t s, char buf[6])
{
	snprintf(buf, 6, "%02u:%02u", (s / 3600) % 100, s / 60 % 60);
}

static void yuan(uint32_t fen, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%02u", fen / 100, fen % 100);
}

static const char *days_words(uint8_t d)
{
	switch (d) {
	case YN_DAYS_WORKDAYS: return "working days";
	case YN_DAYS_RESTDAYS: return "weekends and holidays";
	case YN_DAYS_EVERY: return "every day";
	}
	return "no day";
}

static const char *days_name(uint8_t d)
{
	switch (d) {
	case YN_DAYS_WORKDAYS: return "workdays";
	case YN_DAYS_RESTDAYS: return "restdays";
	case YN_DAYS_EVERY: return "every";
	}
	return "none";
}

static const char *stale_name(uint8_t s)
{
	return s == YN_STALE_CONTINUE ? "continue" : "stop";
}

#define ALL_RES 0x3Eu

static void print_residency(uint32_t bits)
{
	unsigned r, n = 0, total = 0;

	for (r = 1; r < YN_RES_COUNT; r++)
		if (bits & (1u << r))
			total++;
	if (total == 0) {
		printf("none");
		return;
	}
	if (bits == ALL_RES)
		printf("every class: ");
	for (r = 1; r < YN_RES_COUNT; r++) {
		if (!(bits & (1u << r)))
			continue;
		n++;
		printf("%s%s", n == 1 ? "" : n == total ? " and " : ", ",
		       yn_policy_residency_label((enum yn_residency)r));
	}
}

static void print_categories(uint32_t bits)
{
	uint32_t b;
	int first = 1;

	for (b = 1; b & YN_CAT_ALL; b <<= 1) {
		if (!(bits & b))
			continue;
		printf("%s%s", first ? "one of " : "; ", yn_policy_category_label(b));
		first = 0;
	}
}

/* Runs of consecutive days as "A..B", single days as "A". */
static void print_days_list(const int32_t *v, size_t n)
{
	size_t i = 0, j;
	char a[11], b[11];
	struct yn_date d;

	while (i < n) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		yn_date_from_days(v[i], &d);
		yn_date_format(&d, a, sizeof(a));
		if (j > i) {
			yn_date_from_days(v[j], &d);
			yn_date_format(&d, b, sizeof(b));
			printf("%s%s..%s", i ? ", " : "", a, b);
		} else {
			printf("%s%s", i ? ", " : "", a);
		}
		i = j + 1;
	}
}

static void explain(const char *path, const struct yn_policy *p)
{
	char t1[6], t2[6], m1[16], m2[16];
	size_t i;

	printf("%s: valid policy \"%s\", version %u.\n", path, p->name, p->version);
	printf("All times are Asia/Shanghai (UTC+8); a window includes its start and "
	       "excludes its end.\n");
	printf("Before anything else a card is refused if it is denylisted, fails its "
	       "issuer signature,\nholds impossible data, or is outside its validity "
	       "dates (valid from 00:00 on not_before\nthrough 23:59:59 on not_after).\n");

	printf("\nFree rides (bus and metro gates)\n");
	printf("  Who: holders aged %u or over, on ordinary-class services (premium-class\n"
	       "  services are never free).\n  Residency: ", p->ride_min_age);
	print_residency(p->ride_residency);
	printf(".\n");
	if (p->passback_s)
		printf("  Anti-passback: the same card is refused at the same station in the "
		       "same direction\n  for %u minutes after a trip.\n", p->passback_s / 60);
	else
		printf("  Anti-passback: off.\n");
	if (p->n_bands == 0)
		printf("  Time bands: none; free travel at every hour.\n");
	for (i = 0; i < p->n_bands; i++) {
		const struct yn_pol_band *b = &p->bands[i];

		hhmm(b->start, t1);
		hhmm(b->end, t2);
		printf("  Time band %s: no free entry or boarding %s-%s on %s\n",
		       b->name, t1, t2, days_words(b->days));
		printf("    residency: ");
		print_residency(b->residency);
		printf("\n    category: ");
		if (b->all_categories)
			printf("any (everyone)");
		else
			print_categories(b->categories);
		printf("\n");
	}
	if (p->n_bands)
		printf("  Exits are never refused for a time band.\n");

	printf("\nCanteen lunch subsidy\n");
	hhmm(p->lunch_start, t1);
	hhmm(p->lunch_end, t2);
	printf("  When: %s, %s to %s, %u subsidised meal%s a day%s.\n",
	       days_words(p->canteen_days), t1, t2, p->meals_per_day,
	       p->meals_per_day == 1 ? "" : "s",
	       p->same_district ? ", only at canteens in the holder's hukou district" :
				  ", at any canteen");
	yuan(p->max_price_fen, m1, sizeof(m1));
	printf("  Meal prices accepted: 0.01 to %s yuan.\n", m1);
	if (p->n_tiers == 0)
		printf("  Tiers: none; nobody gets a subsidy.\n");
	else
		printf("  Tiers (a holder matching several gets the largest, never more than "
		       "the meal's price):\n");
	for (i = 0; i < p->n_tiers; i++) {
		const struct yn_pol_tier *t = &p->tiers[i];

		yuan(t->cap_fen, m2, sizeof(m2));
		printf("    %s: up to %s yuan\n      residency: ", t->name, m2);
		print_residency(t->residency);
		if (t->max_age == 255)
			printf("\n      age: %u or over", t->min_age);
		else
			printf("\n      age: %u to %u", t->min_age, t->max_age);
		printf("\n      category: ");
		if (t->any_category)
			printf("any (none needed)");
		else
			print_categories(t->categories);
		printf("\n");
	}
	if (p->n_tiers)
		printf("  Everyone else: no subsidy.\n");

	printf("\nService vouchers\n");
	printf("  %u unit%s per service, only while the purse holds that many; it never "
	       "goes below zero.\n", p->units_per_service, p->units_per_service == 1 ? "" : "s");

	printf("\nWhen the denylist is stale (past its not_after)\n");
	printf("  free rides %s; canteen subsidies %s; service vouchers %s.\n",
	       p->stale_rides == YN_STALE_CONTINUE ? "continue" : "stop",
	       p->stale_subsidy == YN_STALE_CONTINUE ? "continue" : "stop",
	       p->stale_vouchers == YN_STALE_CONTINUE ? "continue" : "stop");
	if (p->stale_rides != YN_STALE_CONTINUE || p->stale_subsidy != YN_STALE_CONTINUE ||
	    p->stale_vouchers != YN_STALE_CONTINUE)
		printf("  A stopped benefit shows \"%s %s\".\n",
		       yn_policy_reason_zh(YN_POL_R_LIST_STALE),
		       yn_policy_reason_en(YN_POL_R_LIST_STALE));

	printf("\nCalendar\n");
	printf("  Working days are Monday to Friday");
	if (p->n_holidays) {
		printf(", except %zu listed holiday%s:\n    ", p->n_holidays,
		       p->n_holidays == 1 ? "" : "s");
		print_days_list(p->holidays, p->n_holidays);
		printf("\n");
	} else {
		printf("; no holidays are listed, so public holidays on weekdays count as\n"
		       "  working days.\n");
	}
	if (p->n_workdays) {
		printf("  These weekend days are working days:\n    ");
		print_days_list(p->workdays, p->n_workdays);
		printf("\n");
	}
	if (p->n_holidays || p->n_workdays) {
		int32_t last = 0;
		struct yn_date d;
		char ds[11];

		if (p->n_holidays)
			last = p->holidays[p->n_holidays - 1];
		if (p->n_workdays && p->workdays[p->n_workdays - 1] > last)
			last = p->workdays[p->n_workdays - 1];
		yn_date_from_days(last, &d);
		yn_date_format(&d, ds, sizeof(ds));
		printf("  After %s only Monday to Friday count: add the next year's dates "
		       "when they are published.\n", ds);
	}

	printf("\nAge is counted in completed years on the Shanghai date; someone born "
	       "on 29 February\nturns a year older on 1 March in common years.\n");
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *residency_json(uint32_t bits)
{
	json_t *a = json_array();
	unsigned r;

	for (r = 1; r < YN_RES_COUNT; r++)
		if (bits & (1u << r))
			json_array_append_new(a, json_string(
				yn_policy_residency_name((enum yn_residency)r)));
	return a;
}

static json_t *categories_json(uint32_t bits, int any)
{
	json_t *a;
	uint32_t b;

	if (any)
		return json_string("any");
	a = json_array();
	for (b = 1; b & YN_CAT_ALL; b <<= 1)
		if (bits & b)
			json_array_append_new(a, json_string(yn_policy_category_name(b)));
	return a;
}

static json_t *dates_json(const int32_t *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		struct yn_date d;
		char s[11];

		yn_date_from_days(v[i], &d);
		yn_date_format(&d, s, sizeof(s));
		json_array_append_new(a, json_string(s));
	}
	return a;
}

static json_t *policy_json(const char *path, const struct yn_policy *p)
{
	json_t *o, *bands = json_array(), *tiers = json_array();
	char t1[6], t2[6];
	size_t i;

	for (i = 0; i < p->n_bands; i++) {
		const struct yn_pol_band *b = &p->bands[i];

		hhmm(b->start, t1);
		hhmm(b->end, t2);
		json_array_append_new(bands, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}",
			"name", b->name, "days", days_name(b->days), "start", t1, "end", t2,
			"residency", residency_json(b->residency),
			"categories", categories_json(b->categories, b->all_categories)));
	}
	for (i = 0; i < p->n_tiers; i++) {
		const struct yn_pol_tier *t = &p->tiers[i];

		json_array_append_new(tiers, json_pack("{s:s,s:I,s:o,s:i,s:o,s:o}",
			"name", t->name, "cap_fen", (json_int_t)t->cap_fen,
			"residency", residency_json(t->residency), "min_age", t->min_age,
			"max_age", t->max_age == 255 ? json_null() : json_integer(t->max_age),
			"categories", categories_json(t->categories, t->any_category)));
	}
	hhmm(p->lunch_start, t1);
	hhmm(p->lunch_end, t2);
	o = json_pack("{s:s,s:b,s:s,s:I,s:s,"
		      "s:{s:i,s:o,s:s,s:i,s:o},"
		      "s:{s:s,s:s,s:s,s:i,s:b,s:I,s:o},"
		      "s:{s:I},"
		      "s:{s:s,s:s,s:s},"
		      "s:{s:o,s:o},"
		      "s:s}",
		      "file", path, "valid", 1, "name", p->name, "version", (json_int_t)p->version,
		      "timezone", "Asia/Shanghai",
		      "ride",
		      "min_age", p->ride_min_age, "residency", residency_json(p->ride_residency),
		      "service_class", "ordinary", "passback_minutes", (int)(p->passback_s / 60),
		      "time_bands", bands,
		      "canteen",
		      "days", days_name(p->canteen_days), "lunch_start", t1, "lunch_end", t2,
		      "meals_per_day", p->meals_per_day, "same_district", p->same_district,
		      "max_price_fen", (json_int_t)p->max_price_fen, "tiers", tiers,
		      "service", "units_per_service", (json_int_t)p->units_per_service,
		      "stale", "rides", stale_name(p->stale_rides),
		      "subsidies", stale_name(p->stale_subsidy),
		      "vouchers", stale_name(p->stale_vouchers),
		      "calendar", "holidays", dates_json(p->holidays, p->n_holidays),
		      "workdays", dates_json(p->workdays, p->n_workdays),
		      "age_rule", "completed years on the Shanghai date; 29 February birthdays "
				  "count on 1 March in common years");
	return o;
}

static int print_json(json_t *o)
{
	char *s;

	if (o == NULL) {
		fprintf(stderr, "yinian: out of memory building JSON\n");
		return 1;
	}
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL) {
		fprintf(stderr, "yinian: out of memory building JSON\n");
		return 1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

static int check(const char *path, int json)
{
	struct yn_policy *p = malloc(sizeof(*p));
	struct yn_pol_error err;
	int r, rc = 1;

	if (p == NULL) {
		fprintf(stderr, "yinian: out of memory\n");
		return 1;
	}
	r = yn_policy_load_file(path, p, &err);
	if (r != 0) {
		const char *msg = err.msg[0] ? err.msg : yn_strerror(r);

		if (json) {
			print_json(json_pack("{s:s,s:b,s:i,s:s,s:s}", "file", path, "valid", 0,
					     "line", err.line, "error", msg,
					     "code", yn_errname(r)));
		} else if (err.line > 0) {
			fprintf(stderr, "yinian: %s:%d: %s\n", path, err.line, msg);
		} else {
			fprintf(stderr, "yinian: %s: %s\n", path, msg);
		}
		goto out;
	}
	if (json)
		rc = print_json(policy_json(path, p));
	else {
		explain(path, p);
		rc = 0;
	}
out:
	free(p);
	return rc;
}

int yn_cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb;
	int c, json = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(verb, "check") == 0) {
		if (optind + 1 != argc) {
			usage(stderr);
			return 2;
		}
		return check(argv[optind], json);
	}
	if (strcmp(verb, "default") == 0) {
		if (optind != argc || json) {
			usage(stderr);
			return 2;
		}
		fputs(yn_policy_default_text(), stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
