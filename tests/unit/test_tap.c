/*
 * End to end, in-process: cards issued on the software card, taps at a gate,
 * a canteen and a service point through the daemon's own code (terminal +
 * tap), with the real keys, policy, denylist and journal.  Tearing at every
 * command boundary of a gate tap, a denylist swap between taps, the
 * journal agreeing with the card.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/cardstate.h"
#include "card/emu/emu.h"
#include "card/yinian_app.h"
#include "reader/emu.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "validator/journal.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

static int64_t at(const char *local)
{
	int64_t t = 0;

	if (yn_time_parse_iso8601(local, &t) != 0)
		fail_msg("bad time %s", local);
	return t;
}

struct rig {
	struct yn_fixture f;
	struct yn_config cfg;
	struct yn_term term;
	int64_t now;
};

static void rig_up(struct rig *g, enum yn_role role, uint32_t price)
{
	char err[1024];
	int r;

	memset(g, 0, sizeof(*g));
	g->now = at("2026-12-02T12:00");	/* a Wednesday, lunch time */
	assert_int_equal(yn_fixture_init(&g->f, g->now), 0);
	yn_fixture_config(&g->f, &g->cfg, role, "emu:unused", price);
	r = yn_term_open(&g->term, &g->cfg, err, sizeof(err));
	if (r != 0)
		fail_msg("terminal: %s", err);
}

static void rig_down(struct rig *g)
{
	yn_term_close(&g->term);
	yn_fixture_free(&g->f);
}

/* Issue a card and return its path. */
static void card(struct rig *g, const char *name, uint8_t tail, uint32_t birth, uint8_t res,
		 uint8_t district, uint16_t cats, uint32_t not_after, int32_t vouchers,
		 char *path, size_t cap, uint64_t *serial)
{
	struct yn_holder h;

	yn_fixture_holder(&h, birth, res, district, cats, not_after);
	assert_int_equal(yn_fixture_card(&g->f, name, tail, &h, vouchers, path, cap), 0);
	if (serial)
		*serial = h.serial;
}

/* One tap of the card at path at time now. */
static struct yn_outcome tap(struct rig *g, const char *path, int64_t now)
{
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	char uri[600];

	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g->term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), now, &o), 0);
	yn_tap_ctx_free(&ctx);
	yn_reader_close(rd);
	return o;
}

#define EXPECT(o, v, why)                                                         \
	do {                                                                      \
		if ((o).verdict != (v) || strcmp((o).reason, (why)) != 0)         \
			fail_msg("got %s/%s (%s), wanted %s/%s",                  \
				 yn_verdict_name((o).verdict), (o).reason, (o).message, \
				 yn_verdict_name(v), why);                        \
	} while (0)

static void test_tap_gate_decisions(void **state)
{
	struct rig g;
	char a[600], b[600], c[600], d[600];
	uint64_t sd;
	struct yn_outcome o;

	(void)state;
	rig_up(&g, YN_ROLE_GATE, 0);
	card(&g, "a72", 1, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130, 0,
	     a, sizeof(a), NULL);
	card(&g, "b61hk", 2, 19650301, YN_HRES_HONGKONG, 0, 0, 20311130, 0, b, sizeof(b), NULL);
	card(&g, "cexp", 3, 19500101, YN_HRES_HUKOU, YN_HDIST_LUOHU, 0, 20261130, 0, c, sizeof(c),
	     NULL);
	card(&g, "dlist", 4, 19500101, YN_HRES_RESIDENT, 0, 0, 20311130, 0, d, sizeof(d), &sd);
	assert_int_equal(yn_fixture_denylist(&g.f, 2, &sd, 1, g.now), 0);
	{
		char err[256];

		assert_int_equal(yn_term_reload(&g.term, err, sizeof(err)), 0);
	}

	o = tap(&g, a, g.now);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	assert_string_equal(o.granted, "ride");
	assert_true(o.journal_seq > 0);
	assert_true(o.apdus >= 6 && o.apdus <= 14);
	/* The same card at the same entry a minute later: passback. */
	o = tap(&g, a, g.now + 60);
	EXPECT(o, YN_VERDICT_DENY, "passback");
	/* Eleven minutes later it passes again. */
	o = tap(&g, a, g.now + 11 * 60);
	EXPECT(o, YN_VERDICT_GRANT, "ok");

	o = tap(&g, b, g.now);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	o = tap(&g, c, g.now);
	EXPECT(o, YN_VERDICT_DENY, "expired");
	o = tap(&g, d, g.now);
	EXPECT(o, YN_VERDICT_DENY, "denylisted");
	assert_int_equal(o.serial, sd);
	rig_down(&g);
}

static void test_tap_canteen_decisions(void **state)
{
	struct rig g;
	char a[600], b[600], e[600], n[600];
	struct yn_outcome o;

	(void)state;
	rig_up(&g, YN_ROLE_CANTEEN, 1200);
	card(&g, "a72", 1, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130, 0,
	     a, sizeof(a), NULL);
	card(&g, "b61hk", 2, 19650301, YN_HRES_HONGKONG, 0, 0, 20311130, 0, b, sizeof(b), NULL);
	card(&g, "e75", 5, 19510101, YN_HRES_HUKOU, YN_HDIST_FUTIAN, 0, 20311130, 0, e, sizeof(e),
	     NULL);
	card(&g, "n75", 6, 19510101, YN_HRES_HUKOU, YN_HDIST_NANSHAN, YN_HCAT_DIBAO, 20311130, 0,
	     n, sizeof(n), NULL);

	/* Key-guarantee category: min(price 12.00, cap 15.00) = 12.00 yuan. */
	o = tap(&g, a, g.now);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	assert_string_equal(o.granted, "subsidy");
	assert_int_equal(o.subsidy_fen, 1200);
	/* A second lunch the same day is refused. */
	o = tap(&g, a, g.now + 600);
	EXPECT(o, YN_VERDICT_DENY, "already_used");
	assert_int_equal(o.subsidy_fen, 0);
	/* Hukou 70-99 without a category: 5 yuan. */
	o = tap(&g, e, g.now);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	assert_int_equal(o.subsidy_fen, 500);
	/* Hong Kong resident: free rides yes, canteen subsidy no. */
	o = tap(&g, b, g.now);
	EXPECT(o, YN_VERDICT_DENY, "not_eligible");
	/* Only in the holder's district. */
	o = tap(&g, n, g.now);
	EXPECT(o, YN_VERDICT_DENY, "wrong_district");
	/* Next day, lunch again. */
	o = tap(&g, a, g.now + 86400);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	rig_down(&g);
}

static void test_tap_service_vouchers(void **state)
{
	struct rig g;
	char a[600];
	struct yn_outcome o;

	(void)state;
	rig_up(&g, YN_ROLE_SERVICE, 0);
	card(&g, "a72", 1, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130, 2,
	     a, sizeof(a), NULL);
	o = tap(&g, a, g.now);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	assert_int_equal(o.voucher_units, 1);
	assert_int_equal(o.voucher_left, 1);
	o = tap(&g, a, g.now + 3600);
	EXPECT(o, YN_VERDICT_GRANT, "ok");
	assert_int_equal(o.voucher_left, 0);
	o = tap(&g, a, g.now + 7200);
	EXPECT(o, YN_VERDICT_DENY, "no_vouchers");
	assert_int_equal(o.voucher_left, 0);
	rig_down(&g);
}

static void test_tap_foreign_and_blank_cards_denied(void **state)
{
	static const uint8_t uid[7] = { 0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	struct rig g;
	char blank[600];
	struct yn_outcome o;

	(void)state;
	rig_up(&g, YN_ROLE_GATE, 0);
	snprintf(blank, sizeof(blank), "%s/blank.card", g.f.dir);
	assert_int_equal(yn_emu_create_file(blank, uid, sizeof(uid)), 0);
	o = tap(&g, blank, g.now);
	EXPECT(o, YN_VERDICT_DENY, "not_yinian");
	assert_false(o.have_serial);
	rig_down(&g);
}

/* Count the trip records on a card (read back through a second terminal
 * path would change it: open the state file in a fresh card object). */
static size_t trips_on_card(struct rig *g, const char *path)
{
	struct yn_outcome o;
	size_t n;

	(void)g;
	(void)o;
	{
		struct yn_emu *card = NULL;
		uint8_t resp[600];
		size_t rl = 0;

		/* GetFileSettings on file 2 (free per KS1): current record count. */
		static const uint8_t sel[] = { 0x90, 0x5A, 0x00, 0x00, 0x03, 0x31, 0x4E, 0x59, 0x00 };
		static const uint8_t gfs[] = { 0x90, 0xF5, 0x00, 0x00, 0x01, 0x02, 0x00 };

		assert_int_equal(yn_emu_load(path, &card), 0);
		yn_emu_power_on(card);
		assert_int_equal(yn_emu_transmit(card, sel, sizeof(sel), resp, sizeof(resp), &rl), 0);
		assert_int_equal(resp[rl - 1], 0x00);
		assert_int_equal(yn_emu_transmit(card, gfs, sizeof(gfs), resp, sizeof(resp), &rl), 0);
		assert_int_equal(resp[rl - 2], 0x91);
		assert_int_equal(resp[rl - 1], 0x00);
		/* type cs ar(2) recsize(3) max(3) cur(3) */
		assert_true(rl >= 13 + 2);
		n = (size_t)resp[10] | (size_t)resp[11] << 8 | (size_t)resp[12] << 16;
		yn_emu_free(card);
	}
	return n;
}

/*
 * Cut the card's power after each command of a gate tap in turn.  Every
 * torn tap ends as TAP_AGAIN (or, if the cut came after the commit's answer,
 * as a grant); the card holds a trip record exactly for each grant; the next
 * tap of the same card works and is never charged twice.
 */
static void test_tap_tearing_every_command(void **state)
{
	struct rig g;
	char a[600], uri[700];
	unsigned k;
	size_t grants = 0;
	int64_t now;

	(void)state;
	rig_up(&g, YN_ROLE_GATE, 0);
	card(&g, "a72", 1, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130, 0,
	     a, sizeof(a), NULL);
	snprintf(uri, sizeof(uri), "emu:%s", a);
	now = g.now;
	for (k = 1; k <= 14; k++) {
		struct yn_reader *rd = NULL;
		struct yn_tap_ctx ctx;
		struct yn_outcome o, o2;
		size_t before = trips_on_card(&g, a), after;

		now += 11 * 60;	/* beyond the passback window each round */
		assert_int_equal(yn_reader_open(uri, &rd), 0);
		assert_int_equal(yn_tap_ctx_init(&ctx, &g.term, rd), 0);
		assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
		yn_emu_tear_after(yn_reader_emu_card(rd), k);
		assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), now, &o), 0);
		after = trips_on_card(&g, a);
		if (o.verdict == YN_VERDICT_GRANT) {
			assert_int_equal(after, before + 1);
			grants++;
		} else {
			assert_int_equal(o.verdict, YN_VERDICT_TAP_AGAIN);
			assert_true(after == before || after == before + 1);
		}
		/* The holder taps again, a second later, at the same reader. */
		yn_reader_release(rd, YN_RELEASE_UNPOWER);
		assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
		assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), now + 1, &o2), 0);
		if (after == before + 1 && o.verdict != YN_VERDICT_GRANT) {
			/* The commit happened but its answer was lost: confirmed. */
			EXPECT(o2, YN_VERDICT_GRANT, "confirmed");
			grants++;
		} else if (after == before + 1) {
			EXPECT(o2, YN_VERDICT_DENY, "passback");
		} else {
			EXPECT(o2, YN_VERDICT_GRANT, "ok");
			grants++;
		}
		yn_tap_ctx_free(&ctx);
		yn_reader_close(rd);
	}
	/* Never charged twice: one trip record per grant. */
	assert_int_equal(trips_on_card(&g, a), grants < YN_TRIPLOG_REC_MAX ? grants :
			 YN_TRIPLOG_REC_MAX - 1);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_gate_decisions),
		cmocka_unit_test(test_tap_canteen_decisions),
		cmocka_unit_test(test_tap_service_vouchers),
		cmocka_unit_test(test_tap_foreign_and_blank_cards_denied),
		cmocka_unit_test(test_tap_tearing_every_command),
	};

	return cmocka_run_group_tests_name("tap", tests, NULL, NULL);
}
