/*
 * Harness: the policy file parser (validator/policy_file.c,
 * yn_policy_parse).  The input is the file text (a NUL is appended; an
 * embedded NUL ends the text early, as it would in C).  A policy that
 * parses then decides a few fixed taps (gate, canteen, service), so rules
 * that no unit test wrote reach yn_policy_decide.
 * Checks: counts within their arrays, the error message NUL-terminated,
 * every decision a GRANT or a DENY with a named reason, nothing granted on
 * a DENY.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "validator/policy.h"

static void decide(const struct yn_policy *p, uint8_t role, int64_t now)
{
	struct yn_pol_input in;
	struct yn_decision d;

	memset(&in, 0, sizeof(in));
	in.holder.serial = 880001;
	in.holder.birth = (struct yn_date){ 1950, 3, 14 };
	in.holder.residency = YN_RES_HUKOU;
	in.holder.district = 440304;
	in.holder.categories = YN_CAT_DIBAO;
	in.holder.not_before = (struct yn_date){ 2020, 1, 1 };
	in.holder.not_after = (struct yn_date){ 2035, 12, 31 };
	in.checks.sig_ok = in.checks.not_denylisted = in.checks.list_fresh = 1;
	in.card.n_trips = 1;
	in.card.trips[0] = (struct yn_trip){ .station = 101, .time = now - 600, .kind = YN_TRIP_ENTRY };
	in.card.vouchers = 3;
	in.terminal.role = role;
	in.terminal.gate_kind = YN_TRIP_ENTRY;
	in.terminal.station = 101;
	in.terminal.canteen_open = 1;
	in.terminal.district = 440304;
	in.terminal.price_fen = 1800;
	in.now = now;
	YN_FUZZ_CHECK(yn_policy_decide(p, &in, &d) == 0);
	YN_FUZZ_CHECK(d.verdict == YN_POL_GRANT || d.verdict == YN_POL_DENY);
	YN_FUZZ_CHECK((unsigned)d.reason < YN_POL_REASON_COUNT && d.reason_name != NULL);
	YN_FUZZ_CHECK(memchr(d.display, '\0', sizeof(d.display)) != NULL);
	if (d.verdict == YN_POL_DENY)
		YN_FUZZ_CHECK(d.ride == 0 && d.subsidy_fen == 0 && d.voucher_units == 0 &&
			      d.updates.append_trip == 0 && d.updates.write_benefit == 0 &&
			      d.updates.voucher_debit == 0);
	else
		YN_FUZZ_CHECK(d.reason == YN_POL_GRANTED);
}

int yn_fuzz_policy(const uint8_t *data, size_t size)
{
	static struct yn_policy p;
	struct yn_pol_error err;
	char *text;
	int r;

	yn_fuzz_quiet();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&err, 0x55, sizeof(err));
	r = yn_policy_parse(text, &p, &err);
	if (r != 0) {
		YN_FUZZ_CHECK(r == YN_ECONFIG);
		YN_FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	} else {
		YN_FUZZ_CHECK(p.n_holidays <= YN_POL_DATES_MAX && p.n_workdays <= YN_POL_DATES_MAX);
		YN_FUZZ_CHECK(p.n_bands <= YN_POL_BANDS_MAX && p.n_tiers <= YN_POL_TIERS_MAX);
		/* Monday 2026-11-30 12:00 and 07:00 Shanghai, Saturday 12:00. */
		decide(&p, YN_POL_ROLE_GATE, 1796011200);
		decide(&p, YN_POL_ROLE_GATE, 1795993200);
		decide(&p, YN_POL_ROLE_CANTEEN, 1796011200);
		decide(&p, YN_POL_ROLE_CANTEEN, 1796270400);
		decide(&p, YN_POL_ROLE_SERVICE, 1796011200);
	}
	free(text);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_policy(data, size);
}
#endif
