/*
 * yinian policy: check an entitlement policy file and say in plain words
 * what it means; print the built-in default; decide a made-up tap.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "tools/cmds.h"
#include "validator/localtime.h"
#include "validator/policy.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian policy check [--json] FILE\n"
		"       yinian policy default\n"
		"       yinian policy try [--json] [--policy FILE] --role ROLE [FACTS...]\n"
		"\n"
		"check    validate an entitlement policy file (docs/policy.md) and print\n"
		"         what it means: who rides free, who gets which canteen subsidy,\n"
		"         where and when, passback window, time bands, stale-list policy,\n"
		"         calendar.  An error names the line.  Exit status 0 if the file\n"
		"         is valid, 1 if not.\n"
		"default  print the built-in Shenzhen default policy (a valid file to\n"
		"         start from; it equals docs/examples/policy-shenzhen.ini).\n"
		"try      decide one made-up tap with the policy (default: built-in) and\n"
		"         print the decision: what a holder with these facts gets, or\n"
		"         why not.  Exit status 0 for any decision.\n"
		"\n"
		"Options:\n"
		"  -j, --json   print the result as one JSON object\n"
		"  -h, --help   this text\n"
		"\n"
		"Facts for try (defaults in brackets):\n"
		"  --policy FILE            policy file [built-in Shenzhen default]\n"
		"  --now TIME               ISO 8601; no zone = Shanghai [the clock]\n"
		"  --role ROLE              gate, canteen or service (required)\n"
		"  --birth DATE             YYYY-MM-DD [1950-01-01]\n"
		"  --residency NAME         hukou, resident, hongkong, macao, taiwan [hukou]\n"
		"  --categories LIST        tekun,dibao,dibao_edge,sanshu_wulao,only_child,\n"
		"                           disability [none]\n"
		"  --district N             holder's district number [1]\n"
		"  --valid DATE..DATE       validity window [2020-01-01..2099-12-31]\n"
		"  --denylisted, --forged, --stale   checks that failed [none]\n"
		"  --gate KIND              entry, exit, board, alight [entry]\n"
		"  --station N              gate's station id [1]\n"
		"  --premium                premium-class service\n"
		"  --canteen-district N     [the holder's district]\n"
		"  --price FEN              meal price [1800]\n"
		"  --closed                 canteen till closed\n"
		"  --last-meal DATE         last subsidised meal on the card [never]\n"
		"  --meals N                subsidised meals on that date [1]\n"
		"  --vouchers N             voucher purse [0]\n"
		"  --trip STATION,KIND,TIME a trip in the card's log (repeatable)\n");
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


/* ---- try ------------------------------------------------------------------ */

static int u32_arg(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	x = strtoul(s, &end, 10);
	if (*end != '\0' || x > 0xFFFFFFFFul)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int kind_arg(const char *s, uint8_t *k)
{
	static const char *const names[] = { NULL, "entry", "exit", "board", "alight" };
	uint8_t i;

	for (i = 1; i <= YN_TRIP_KIND_MAX; i++) {
		if (strcmp(s, names[i]) == 0) {
			*k = i;
			return 0;
		}
	}
	return -1;
}

static const char *kind_name(uint8_t k)
{
	static const char *const names[] = { "none", "entry", "exit", "board", "alight" };

	return k <= YN_TRIP_KIND_MAX ? names[k] : "unknown";
}

static int date_arg(const char *s, struct yn_date *d)
{
	return yn_date_parse(s, d) == 0 ? 0 : -1;
}

static int categories_arg(const char *s, uint32_t *bits)
{
	char buf[256], *tok, *save = NULL;
	uint32_t b;

	*bits = 0;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (b = 1; b & YN_CAT_ALL; b <<= 1)
			if (strcmp(tok, yn_policy_category_name(b)) == 0)
				break;
		if (!(b & YN_CAT_ALL))
			return -1;
		*bits |= b;
	}
	return 0;
}

/* "STATION,KIND,TIME" */
static int trip_arg(const char *s, struct yn_trip *t)
{
	char buf[128], *c1, *c2;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((c1 = strchr(buf, ',')) == NULL || (c2 = strchr(c1 + 1, ',')) == NULL)
		return -1;
	*c1 = *c2 = '\0';
	if (u32_arg(buf, &t->station) != 0 || kind_arg(c1 + 1, &t->kind) != 0 ||
	    yn_time_parse_iso8601(c2 + 1, &t->time) != 0)
		return -1;
	return 0;
}

static void date_str(const struct yn_date *d, char buf[11])
{
	if (yn_date_format(d, buf, 11) != 0)
		strcpy(buf, "never");
}

static void print_decision(const struct yn_policy *p, const struct yn_decision *d)
{
	const struct yn_pol_updates *u = &d->updates;
	char t[26], ds[11], m1[16], m2[16];

	printf("%s  %s: %s\n", d->verdict == YN_POL_GRANT ? "GRANT" : "DENY", d->reason_name,
	       d->display);
	if (d->ride)
		printf("  granted: a free ride\n");
	if (d->subsidy_fen) {
		yuan(d->subsidy_fen, m1, sizeof(m1));
		yuan(d->pay_fen, m2, sizeof(m2));
		printf("  granted: subsidy %s yuan (tier %s); the holder pays %s\n", m1, d->tier, m2);
	}
	if (d->voucher_units)
		printf("  granted: %u voucher unit%s\n", d->voucher_units,
		       d->voucher_units == 1 ? "" : "s");
	if (u->append_trip) {
		yn_time_format_iso8601(u->trip.time, t, sizeof(t));
		printf("  card: append trip station %u, %s, %s\n", u->trip.station,
		       kind_name(u->trip.kind), t);
	}
	if (u->write_benefit) {
		date_str(&u->benefit.last_meal, ds);
		yuan(u->benefit.subsidy_total_fen, m1, sizeof(m1));
		printf("  card: benefit state: last meal %s (%u that day), meals ever %u, "
		       "subsidy ever %s yuan", ds, u->benefit.meals_on_last,
		       u->benefit.meals_total, m1);
		date_str(&u->benefit.last_service, ds);
		printf("; last service %s, services ever %u\n", ds, u->benefit.services_total);
	}
	if (u->voucher_debit)
		printf("  card: debit %u voucher unit%s, %d left\n", u->voucher_debit,
		       u->voucher_debit == 1 ? "" : "s", u->voucher_left);
	if (yn_time_format_iso8601(yn_localtime_to_unix(d->local.days, d->local.sec_of_day),
				   t, sizeof(t)) != 0)
		strcpy(t, "(out of range)");
	if (d->age >= 0)
		printf("  age %d; ", d->age);
	else
		printf("  ");
	printf("Shanghai time %s; policy \"%s\" version %u\n", t, p->name, p->version);
}

static json_t *date_json(const struct yn_date *d)
{
	char s[11];

	if (yn_date_format(d, s, sizeof(s)) != 0)
		return json_null();
	return json_string(s);
}

static json_t *benefit_json(const struct yn_benefit *b)
{
	return json_pack("{s:o,s:i,s:I,s:I,s:o,s:I}", "last_meal", date_json(&b->last_meal),
			 "meals_on_last", b->meals_on_last, "meals_total",
			 (json_int_t)b->meals_total, "subsidy_total_fen",
			 (json_int_t)b->subsidy_total_fen, "last_service",
			 date_json(&b->last_service), "services_total",
			 (json_int_t)b->services_total);
}

static json_t *decision_json(const struct yn_policy *p, const struct yn_decision *d)
{
	const struct yn_pol_updates *u = &d->updates;
	char t[26];
	json_t *trip = json_null(), *ben = json_null();

	if (u->append_trip) {
		yn_time_format_iso8601(u->trip.time, t, sizeof(t));
		trip = json_pack("{s:I,s:s,s:s}", "station", (json_int_t)u->trip.station,
				 "kind", kind_name(u->trip.kind), "time", t);
	}
	if (u->write_benefit)
		ben = benefit_json(&u->benefit);
	if (yn_time_format_iso8601(yn_localtime_to_unix(d->local.days, d->local.sec_of_day),
				   t, sizeof(t)) != 0)
		t[0] = '\0';
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:o,s:s,"
			 "s:{s:b,s:I,s:I,s:I,s:o},"
			 "s:{s:o,s:o,s:I,s:o},"
			 "s:s,s:I}",
			 "verdict", d->verdict == YN_POL_GRANT ? "grant" : "deny",
			 "reason", d->reason_name, "reason_code", (int)d->reason,
			 "display", d->display, "msg_zh", d->msg_zh, "msg_en", d->msg_en,
			 "age", d->age >= 0 ? json_integer(d->age) : json_null(),
			 "local_time", t,
			 "granted", "ride", d->ride, "subsidy_fen", (json_int_t)d->subsidy_fen,
			 "pay_fen", (json_int_t)d->pay_fen,
			 "voucher_units", (json_int_t)d->voucher_units,
			 "tier", d->tier[0] ? json_string(d->tier) : json_null(),
			 "updates", "trip", trip, "benefit", ben,
			 "voucher_debit", (json_int_t)u->voucher_debit,
			 "voucher_left", u->voucher_debit ? json_integer(u->voucher_left) :
							    json_null(),
			 "policy", p->name, "policy_version", (json_int_t)p->version);
}

enum {
	O_POLICY = 256, O_NOW, O_ROLE, O_BIRTH, O_RESIDENCY, O_CATEGORIES, O_DISTRICT,
	O_VALID, O_DENYLISTED, O_FORGED, O_STALE, O_GATE, O_STATION, O_PREMIUM,
	O_CDISTRICT, O_PRICE, O_CLOSED, O_LAST_MEAL, O_MEALS, O_VOUCHERS, O_TRIP,
};

static int try_tap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "now", required_argument, NULL, O_NOW },
		{ "role", required_argument, NULL, O_ROLE },
		{ "birth", required_argument, NULL, O_BIRTH },
		{ "residency", required_argument, NULL, O_RESIDENCY },
		{ "categories", required_argument, NULL, O_CATEGORIES },
		{ "district", required_argument, NULL, O_DISTRICT },
		{ "valid", required_argument, NULL, O_VALID },
		{ "denylisted", no_argument, NULL, O_DENYLISTED },
		{ "forged", no_argument, NULL, O_FORGED },
		{ "stale", no_argument, NULL, O_STALE },
		{ "gate", required_argument, NULL, O_GATE },
		{ "station", required_argument, NULL, O_STATION },
		{ "premium", no_argument, NULL, O_PREMIUM },
		{ "canteen-district", required_argument, NULL, O_CDISTRICT },
		{ "price", required_argument, NULL, O_PRICE },
		{ "closed", no_argument, NULL, O_CLOSED },
		{ "last-meal", required_argument, NULL, O_LAST_MEAL },
		{ "meals", required_argument, NULL, O_MEALS },
		{ "vouchers", required_argument, NULL, O_VOUCHERS },
		{ "trip", required_argument, NULL, O_TRIP },
		{ NULL, 0, NULL, 0 },
	};
	struct yn_policy *p = malloc(sizeof(*p));
	struct yn_pol_input in;
	struct yn_decision d;
	struct yn_pol_error err;
	const char *policy = NULL, *bad = NULL;
	uint32_t v = 0, cdistrict = 0;
	int c, json = 0, have_cdistrict = 0, have_now = 0, rc = 2, r;
	unsigned res;

	if (p == NULL) {
		fprintf(stderr, "yinian: out of memory\n");
		return 1;
	}
	memset(&in, 0, sizeof(in));
	in.holder.serial = 1;
	yn_date_parse("1950-01-01", &in.holder.birth);
	yn_date_parse("2020-01-01", &in.holder.not_before);
	yn_date_parse("2099-12-31", &in.holder.not_after);
	in.holder.residency = YN_RES_HUKOU;
	in.holder.district = 1;
	in.checks.sig_ok = in.checks.not_denylisted = in.checks.list_fresh = 1;
	in.terminal.gate_kind = YN_TRIP_ENTRY;
	in.terminal.station = 1;
	in.terminal.canteen_open = 1;
	in.terminal.price_fen = 1800;
	in.card.benefit.meals_on_last = 0;

	optind = 1;
	while (bad == NULL && (c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': usage(stdout); rc = 0; goto out;
		case O_POLICY: policy = optarg; break;
		case O_NOW:
			if (yn_time_parse_iso8601(optarg, &in.now) != 0)
				bad = "--now wants an ISO 8601 time (2026-03-02T12:00, +08:00 or Z)";
			have_now = 1;
			break;
		case O_ROLE:
			if (strcmp(optarg, "gate") == 0)
				in.terminal.role = YN_POL_ROLE_GATE;
			else if (strcmp(optarg, "canteen") == 0)
				in.terminal.role = YN_POL_ROLE_CANTEEN;
			else if (strcmp(optarg, "service") == 0)
				in.terminal.role = YN_POL_ROLE_SERVICE;
			else
				bad = "--role wants gate, canteen or service";
			break;
		case O_BIRTH:
			if (date_arg(optarg, &in.holder.birth) != 0)
				bad = "--birth wants a date YYYY-MM-DD";
			break;
		case O_RESIDENCY:
			for (res = 1; res < YN_RES_COUNT; res++)
				if (strcmp(optarg, yn_policy_residency_name(res)) == 0)
					break;
			if (res == YN_RES_COUNT)
				bad = "--residency wants hukou, resident, hongkong, macao or taiwan";
			in.holder.residency = (uint8_t)res;
			break;
		case O_CATEGORIES:
			if (categories_arg(optarg, &in.holder.categories) != 0)
				bad = "--categories wants a comma-separated list of category names";
			break;
		case O_DISTRICT:
			if (u32_arg(optarg, &in.holder.district) != 0)
				bad = "--district wants a number";
			break;
		case O_VALID: {
			const char *dots = strstr(optarg, "..");
			char a[11];

			if (dots == NULL || dots - optarg != 10 ||
			    (memcpy(a, optarg, 10), a[10] = '\0', date_arg(a, &in.holder.not_before)) != 0 ||
			    date_arg(dots + 2, &in.holder.not_after) != 0)
				bad = "--valid wants DATE..DATE";
			break;
		}
		case O_DENYLISTED: in.checks.not_denylisted = 0; break;
		case O_FORGED: in.checks.sig_ok = 0; break;
		case O_STALE: in.checks.list_fresh = 0; break;
		case O_GATE:
			if (kind_arg(optarg, &in.terminal.gate_kind) != 0)
				bad = "--gate wants entry, exit, board or alight";
			break;
		case O_STATION:
			if (u32_arg(optarg, &in.terminal.station) != 0)
				bad = "--station wants a number";
			break;
		case O_PREMIUM: in.terminal.service_class = YN_CLASS_PREMIUM; break;
		case O_CDISTRICT:
			if (u32_arg(optarg, &cdistrict) != 0)
				bad = "--canteen-district wants a number";
			have_cdistrict = 1;
			break;
		case O_PRICE:
			if (u32_arg(optarg, &v) != 0 || v > INT32_MAX)
				bad = "--price wants a number of fen";
			in.terminal.price_fen = (int32_t)v;
			break;
		case O_CLOSED: in.terminal.canteen_open = 0; break;
		case O_LAST_MEAL:
			if (date_arg(optarg, &in.card.benefit.last_meal) != 0)
				bad = "--last-meal wants a date YYYY-MM-DD";
			if (in.card.benefit.meals_on_last == 0)
				in.card.benefit.meals_on_last = 1;
			break;
		case O_MEALS:
			if (u32_arg(optarg, &v) != 0 || v > 255)
				bad = "--meals wants a number 0..255";
			in.card.benefit.meals_on_last = (uint8_t)v;
			break;
		case O_VOUCHERS:
			if (u32_arg(optarg, &v) != 0 || v > INT32_MAX)
				bad = "--vouchers wants a number";
			in.card.vouchers = (int32_t)v;
			break;
		case O_TRIP:
			if (in.card.n_trips >= YN_POL_TRIPS_MAX)
				bad = "too many --trip (at most 16)";
			else if (trip_arg(optarg, &in.card.trips[in.card.n_trips++]) != 0)
				bad = "--trip wants STATION,KIND,TIME (e.g. 1010,entry,2026-03-02T07:55)";
			break;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (bad != NULL || optind != argc || in.terminal.role == YN_POL_ROLE_NONE) {
		fprintf(stderr, "yinian: %s\n", bad ? bad :
			optind != argc ? "unexpected argument" : "--role is required");
		goto out;
	}
	in.terminal.district = have_cdistrict ? cdistrict : in.holder.district;
	if (!have_now)
		in.now = (int64_t)time(NULL);
	rc = 1;
	r = policy ? yn_policy_load_file(policy, p, &err) : yn_policy_default(p);
	if (r != 0) {
		if (err.line > 0)
			fprintf(stderr, "yinian: %s:%d: %s\n", policy, err.line, err.msg);
		else
			fprintf(stderr, "yinian: %s: %s\n", policy ? policy : "built-in policy",
				err.msg[0] ? err.msg : yn_strerror(r));
		goto out;
	}
	if ((r = yn_policy_decide(p, &in, &d)) != 0) {
		fprintf(stderr, "yinian: %s\n", yn_strerror(r));
		goto out;
	}
	if (json)
		rc = print_json(decision_json(p, &d));
	else {
		print_decision(p, &d);
		rc = 0;
	}
out:
	free(p);
	return rc;
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
	if (strcmp(verb, "try") == 0)
		return try_tap(argc, argv);
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
