/*
 * bench_policy: time of one entitlement decision per role, and of parsing
 * the default policy.  Prints one line per case: name, iterations, ns/op.
 *   bench_policy [--json FILE]   also write the lines as JSON
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "validator/policy.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile unsigned sink;
static json_t *rows;	/* --json */

static void json_row(const char *what, double value, const char *unit)
{
	json_array_append_new(rows, json_pack("{s:s, s:f, s:s}", "what", what, "value", value,
					      "unit", unit));
}

static void bench_decide(const char *name, const struct yn_policy *p, struct yn_pol_input *in)
{
	const long n = 2000000;
	struct yn_decision d;
	double t0, t1;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		in->now ^= 1;	/* vary the input a little */
		yn_policy_decide(p, in, &d);
		sink += d.verdict;
	}
	t1 = now_ns();
	printf("%-28s %10ld %10.1f ns/op  (%s)\n", name, n, (t1 - t0) / (double)n,
	       d.reason_name);
	json_row(name, (t1 - t0) / (double)n, "ns/op");
}

int main(int argc, char **argv)
{
	static struct yn_policy p;
	struct yn_pol_input in;
	struct yn_pol_error err;
	double t0, t1;
	size_t i;
	int64_t base;
	const char *json_path = argc == 3 && strcmp(argv[1], "--json") == 0 ? argv[2] : NULL;

	if (argc != 1 && json_path == NULL) {
		fprintf(stderr, "usage: bench_policy [--json FILE]\n");
		return 2;
	}
	rows = json_array();
	t0 = now_ns();
	for (i = 0; i < 2000; i++)
		if (yn_policy_parse(yn_policy_default_text(), &p, &err) != 0)
			return 1;
	t1 = now_ns();
	printf("%-28s %10d %10.1f ns/op\n", "parse default policy", 2000, (t1 - t0) / 2000.0);
	json_row("parse default policy", (t1 - t0) / 2000.0, "ns/op");

	yn_time_parse_iso8601("2026-03-02T08:00:00+08:00", &base);
	memset(&in, 0, sizeof(in));
	in.holder.serial = 1;
	yn_date_parse("1950-06-15", &in.holder.birth);
	yn_date_parse("2020-01-01", &in.holder.not_before);
	yn_date_parse("2035-12-31", &in.holder.not_after);
	in.holder.residency = YN_RES_HUKOU;
	in.holder.district = 440304;
	in.holder.categories = YN_CAT_DIBAO;
	in.checks.sig_ok = in.checks.not_denylisted = in.checks.list_fresh = 1;
	in.terminal.role = YN_POL_ROLE_GATE;
	in.terminal.gate_kind = YN_TRIP_ENTRY;
	in.terminal.station = 1010;
	in.card.n_trips = YN_POL_TRIPS_MAX;
	for (i = 0; i < YN_POL_TRIPS_MAX; i++) {
		in.card.trips[i].station = 2000 + (uint32_t)i;
		in.card.trips[i].time = base - 86400 + (int64_t)i * 600;
		in.card.trips[i].kind = YN_TRIP_ENTRY;
	}
	in.now = base;
	bench_decide("gate grant (16 trips)", &p, &in);

	in.terminal.role = YN_POL_ROLE_CANTEEN;
	in.terminal.district = 440304;
	in.terminal.canteen_open = 1;
	in.terminal.price_fen = 1800;
	yn_time_parse_iso8601("2026-03-02T11:00:00+08:00", &in.now);
	bench_decide("canteen grant", &p, &in);

	in.terminal.role = YN_POL_ROLE_SERVICE;
	in.card.vouchers = 10;
	bench_decide("service grant", &p, &in);

	in.checks.not_denylisted = 0;
	bench_decide("denylisted deny", &p, &in);
	if (json_path != NULL &&
	    json_dump_file(json_pack("{s:s, s:o}", "bench", "policy", "results", rows), json_path,
			   JSON_INDENT(2)) != 0)
		return 1;
	return sink == 0xFFFFFFFFu;
}
