/*
 * A half-issued card is never accepted at a gate: an issuance is torn after
 * every command, the card is tapped on the gate's own code path
 * (validator/tap) and must be denied unless inspection finds its holder
 * record complete and valid; after `--resume` the same card rides.
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

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/emu/emu.h"
#include "card/holder_json.h"
#include "card/inspect.h"
#include "card/issue.h"
#include "card/keyset.h"
#include "reader/emu.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

static const uint8_t uid[7] = { 0x04, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22 };

static const char holder_json[] =
	"{\"serial\":\"1\",\"birth_date\":\"1956-03-14\",\"residency\":\"shenzhen_hukou\","
	"\"district\":\"futian\",\"categories\":[\"dibao\"],"
	"\"not_before\":\"2026-12-01\",\"not_after\":\"2031-11-30\","
	"\"issued_at\":\"2026-11-29T10:00:00+08:00\"}";

static struct yn_outcome tap(struct yn_term *term, struct yn_reader *rd, int64_t now)
{
	struct yn_tap_ctx ctx;
	struct yn_outcome o;

	assert_int_equal(yn_tap_ctx_init(&ctx, term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), now, &o), 0);
	yn_tap_ctx_free(&ctx);
	return o;
}

static void test_issue_torn_card_denied_at_gate_until_resumed(void **state)
{
	struct yn_fixture f;
	struct yn_config cfg;
	struct yn_term term;
	struct yn_keyset ks;
	struct yn_issue_req req;
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_outcome o;
	struct yn_reader *rd;
	char err[1024], path[600], uri[700], serials[600], reasons[256] = "";
	unsigned n, total = 0, denied = 0;
	int64_t now = 0, t0 = 0;

	(void)state;
	assert_int_equal(yn_time_parse_iso8601("2026-12-02T08:00", &now), 0);
	assert_int_equal(yn_holder_json_parse_time("2026-11-29T10:00:00+08:00", &t0), 0);
	assert_int_equal(yn_fixture_init(&f, now), 0);
	yn_fixture_config(&f, &cfg, YN_ROLE_GATE, "emu:unused", 0);
	if (yn_term_open(&term, &cfg, err, sizeof(err)) != 0)
		fail_msg("terminal: %s", err);
	assert_int_equal(yn_keyset_load(f.keys, YN_KEYROLE_DESK, &ks), 0);
	snprintf(path, sizeof(path), "%s/torn.card", f.dir);
	snprintf(uri, sizeof(uri), "emu:%s", path);
	for (n = 1; total == 0 || n <= total; n++) {
		snprintf(serials, sizeof(serials), "%s/serials-%u", f.dir, n);
		unlink(path);
		assert_int_equal(yn_emu_create_file(path, uid, 7), 0);
		assert_int_equal(yn_reader_open(uri, &rd), 0);
		assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
		memset(&req, 0, sizeof(req));
		assert_int_equal(yn_holder_json_parse(holder_json, strlen(holder_json), t0,
						      &req.holder, err, sizeof(err)), 0);
		req.holder.serial = 0;
		req.serial_file = serials;
		req.now = t0;
		if (total == 0) {
			/* first round: count the commands of a whole issuance */
			assert_int_equal(yn_issue_card(rd, &ks, &req, &rep), 0);
			total = (unsigned)rep.apdus;
			n = 0;
			yn_reader_close(rd);
			continue;
		}
		yn_emu_tear_after(yn_reader_emu_card(rd), n);
		assert_int_equal(yn_issue_card(rd, &ks, &req, &rep), YN_ECARDGONE);
		assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
		assert_int_equal(yn_inspect_card(rd, &ks, &in, yn_deadline_in_ms(5000)), 0);
		o = tap(&term, rd, now + n);
		if (in.sig == YN_INSPECT_VALID) {
			if (o.verdict != YN_VERDICT_GRANT)
				fail_msg("tear %u: complete card got %s/%s", n,
					 yn_verdict_name(o.verdict), o.reason);
		} else if (o.verdict != YN_VERDICT_DENY) {
			fail_msg("tear %u: half-issued card (%s) got %s/%s", n,
				 yn_inspect_sig_name(in.sig), yn_verdict_name(o.verdict), o.reason);
		} else {
			/* Before the application exists it is not a Yinian card;
			 * after, the tap says the issuance was not completed. */
			if (strcmp(o.reason, "not_yinian") != 0 && strcmp(o.reason, "not_issued") != 0)
				fail_msg("tear %u: half-issued card denied as %s (%s)", n, o.reason,
					 o.message);
			denied++;
			if (strstr(reasons, o.reason) == NULL &&
			    strlen(reasons) + strlen(o.reason) + 2 < sizeof(reasons)) {
				strcat(reasons, " ");
				strcat(reasons, o.reason);
			}
		}
		req.resume = 1;
		assert_int_equal(yn_issue_card(rd, &ks, &req, &rep), 0);
		/* an hour later: past the gate's anti-passback window */
		o = tap(&term, rd, now + 3600 + n);
		if (o.verdict != YN_VERDICT_GRANT)
			fail_msg("tear %u: resumed card got %s/%s (%s)", n,
				 yn_verdict_name(o.verdict), o.reason, o.message);
		yn_reader_close(rd);
	}
	print_message("gate: %u torn issuances denied (%s), %u complete before the tear\n",
		      denied, reasons, total - denied);
	/* both kinds were met: torn before the record, and during verification */
	assert_true(denied > 0 && denied < total);
	yn_keyset_free(&ks);
	yn_term_close(&term);
	yn_fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_torn_card_denied_at_gate_until_resumed),
	};

	yn_log_set_level(2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
