/*
 * A card pulled, or gone silent, in the middle of a gate tap, through the
 * real stack: pcscd + vpcd + `yinian card serve` with a card issued by the
 * test fixture, the daemon's own terminal and tap code on the PC/SC
 * backend.  A reader wrapper acts on the card process just before the Nth
 * command APDU of the tap: SIGKILL (the card leaves the field) for every N
 * of a whole tap, or SIGSTOP (the card hangs: SCardTransmit never returns
 * by itself).  Each time the tap must end TAP_AGAIN within its budget, with
 * nothing granted, and the next presentation must be granted.  Prints the
 * worst time a tap's decision came past its budget (card present ->
 * decision, as the outcome reports it; the journal's sync follows).  Run under scripts/pcsc-rig.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

static pid_t card_pid = -1;
static char card_path[600];
static uint16_t port = 35963;

/* ---- a reader that does something to the card before command N ---- */

struct saboteur {
	struct yn_reader base;
	struct yn_reader *inner;
	int at;		/* 1-based command number; 0 = never */
	int sig;	/* SIGKILL or SIGSTOP */
	int count;
};

static int sab_wait_card(struct yn_reader *r, uint64_t deadline)
{
	struct saboteur *s = (struct saboteur *)r;

	return yn_reader_wait_card(s->inner, deadline);
}

static int sab_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	struct saboteur *s = (struct saboteur *)r;

	return yn_reader_card_info(s->inner, info);
}

static int sab_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t resp_cap, size_t *resp_len, uint64_t deadline)
{
	struct saboteur *s = (struct saboteur *)r;

	if (++s->count == s->at && card_pid > 0) {
		if (s->sig == SIGKILL) {
			yn_test_stop(card_pid);	/* SIGTERM: the process is gone */
			card_pid = -1;
		} else {
			kill(card_pid, SIGSTOP);
		}
	}
	return yn_reader_transmit(s->inner, cmd, cmd_len, resp, resp_cap, resp_len, deadline);
}

static int sab_release(struct yn_reader *r, enum yn_release how)
{
	struct saboteur *s = (struct saboteur *)r;

	return yn_reader_release(s->inner, how);
}

static int sab_wait_removed(struct yn_reader *r, uint64_t deadline)
{
	struct saboteur *s = (struct saboteur *)r;

	return yn_reader_wait_removed(s->inner, deadline);
}

static const struct yn_reader_ops sab_ops = {
	.scheme = "saboteur",
	.wait_card = sab_wait_card,
	.card_info = sab_card_info,
	.transmit = sab_transmit,
	.release = sab_release,
	.wait_removed = sab_wait_removed,
};

/* ---- the card process ---- */

static void start_card(void)
{
	char prog[512], addr[64];
	const char *b = getenv("YN_BUILD");
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", card_path,
			 (char *)"--vpcd", addr, NULL };

	snprintf(prog, sizeof(prog), "%s/yinian", b != NULL ? b : "build");
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	card_pid = yn_test_spawn(argv);
	assert_true(card_pid > 0);
}

static void stop_card(struct yn_reader *r)
{
	if (card_pid > 0) {
		kill(card_pid, SIGCONT);
		yn_test_stop(card_pid);
	}
	card_pid = -1;
	/* A new card is a new insertion, not a swap within one poll. */
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(3000)), 0);
}

struct rig {
	struct yn_fixture f;
	struct yn_config cfg;
	struct yn_term term;
	struct yn_reader *pcsc;
	struct saboteur sab;
	struct yn_tap_ctx ctx;
	int64_t now;
};

static void rig_up(struct rig *g)
{
	struct yn_holder h;
	char err[1024];
	const char *p = getenv("YN_VPCD_PORT");

	if (p != NULL)
		port = (uint16_t)atoi(p);
	memset(g, 0, sizeof(*g));
	assert_int_equal(yn_time_parse_iso8601("2026-12-02T08:00", &g->now), 0);
	assert_int_equal(yn_fixture_init(&g->f, g->now), 0);
	yn_fixture_config(&g->f, &g->cfg, YN_ROLE_GATE, "pcsc:Virtual PCD 00 00", 0);
	if (yn_term_open(&g->term, &g->cfg, err, sizeof(err)) != 0)
		fail_msg("terminal: %s", err);
	yn_fixture_holder(&h, 19500101, YN_HRES_HUKOU, YN_HDIST_FUTIAN, 0, 20311130);
	assert_int_equal(yn_fixture_card(&g->f, "pulled", 7, &h, 0, card_path,
					 sizeof(card_path)), 0);
	assert_int_equal(yn_reader_open("pcsc:Virtual PCD 00 00", &g->pcsc), 0);
	g->sab.base.ops = &sab_ops;
	snprintf(g->sab.base.uri, sizeof(g->sab.base.uri), "pcsc:Virtual PCD 00 00");
	g->sab.inner = g->pcsc;
	assert_int_equal(yn_tap_ctx_init(&g->ctx, &g->term, &g->sab.base), 0);
}

static void rig_down(struct rig *g)
{
	if (card_pid > 0)
		stop_card(g->pcsc);
	yn_tap_ctx_free(&g->ctx);
	yn_reader_close(g->pcsc);
	yn_term_close(&g->term);
	yn_fixture_free(&g->f);
}

/* Present the card, tap with the saboteur armed at command `at`. */
static struct yn_outcome present(struct rig *g, int at, int sig, uint64_t *took_ns)
{
	struct yn_outcome o;
	uint64_t t0;
	int e;

	start_card();
	e = yn_reader_wait_card(&g->sab.base, yn_deadline_in_ms(5000));
	if (e != 0)
		fail_msg("wait_card: %s", yn_strerror(e));
	g->sab.at = at;
	g->sab.sig = sig;
	g->sab.count = 0;
	/* Eleven minutes between taps: no passback refusal. */
	g->now += 11 * 60;
	t0 = yn_now_ns();
	assert_int_equal(yn_tap_run(&g->ctx, t0, g->now, &o), 0);
	/* Card present -> decision (the journal's sync comes after). */
	*took_ns = o.latency_us * 1000;
	if (sig == SIGSTOP) {
		/* The card is still hung and the reader's call with it: the
		 * reader answers on time all the same. */
		uint64_t dl = yn_deadline_in_ms(200);

		t0 = yn_now_ns();
		assert_int_equal(yn_reader_release(&g->sab.base, YN_RELEASE_LEAVE), 0);
		assert_true(yn_now_ns() - t0 < 5 * YN_NS_PER_MS);
		e = yn_reader_wait_card(&g->sab.base, dl);
		assert_int_equal(e, YN_ETIMEOUT);
		assert_true(yn_now_ns() < dl + 5 * YN_NS_PER_MS);
	}
	yn_reader_release(&g->sab.base, YN_RELEASE_LEAVE);
	stop_card(g->pcsc);
	return o;
}

static void expect_tap_again(const struct yn_outcome *o, int at, int want_error)
{
	if (o->verdict != YN_VERDICT_TAP_AGAIN || o->granted[0] != '\0' ||
	    o->error != want_error)
		fail_msg("command %d: got %s/%s (%s), granted '%s', wanted tap_again with %s", at,
			 yn_verdict_name(o->verdict), o->reason, yn_strerror(o->error),
			 o->granted, yn_strerror(want_error));
}

static void test_pcsc_card_pulled_at_every_command(void **state)
{
	struct rig g;
	struct yn_outcome o;
	uint64_t took, worst = 0, budget;
	int n, at;

	(void)state;
	rig_up(&g);
	budget = (uint64_t)g.cfg.budget_ms * YN_NS_PER_MS;
	/* A clean tap first: how many commands a whole tap takes. */
	o = present(&g, 0, 0, &took);
	if (o.verdict != YN_VERDICT_GRANT)
		fail_msg("clean tap: %s/%s (%s)", yn_verdict_name(o.verdict), o.reason, o.message);
	n = g.sab.count;
	assert_true(n >= 6);
	for (at = 1; at <= n; at++) {
		o = present(&g, at, SIGKILL, &took);
		expect_tap_again(&o, at, YN_ECARDGONE);
		if (took > worst)
			worst = took;
		assert_true(took < budget);
	}
	/* The next presentation works (a lost commit, if any, is settled). */
	o = present(&g, 0, 0, &took);
	if (o.verdict != YN_VERDICT_GRANT)
		fail_msg("after the pulls: %s/%s (%s)", yn_verdict_name(o.verdict), o.reason,
			 o.message);
	printf("card pulled before each of %d commands: every tap TAP_AGAIN/card gone, "
	       "slowest %llu ms (budget %u ms)\n", n,
	       (unsigned long long)(worst / YN_NS_PER_MS), g.cfg.budget_ms);
	rig_down(&g);
}

static void test_pcsc_card_hangs_mid_tap_deadline_holds(void **state)
{
	struct rig g;
	struct yn_outcome o;
	uint64_t took, budget, over = 0;
	int at;

	(void)state;
	rig_up(&g);
	budget = (uint64_t)g.cfg.budget_ms * YN_NS_PER_MS;
	for (at = 2; at <= 6; at += 2) {
		o = present(&g, at, SIGSTOP, &took);
		/* The exchange never answers: the tap ends on its deadline. */
		expect_tap_again(&o, at, YN_ETIMEOUT);
		if (took > budget && took - budget > over)
			over = took - budget;
		assert_true(took < budget + 50 * YN_NS_PER_MS);
	}
	o = present(&g, 0, 0, &took);
	if (o.verdict != YN_VERDICT_GRANT)
		fail_msg("after the hangs: %s/%s (%s)", yn_verdict_name(o.verdict), o.reason,
			 o.message);
	printf("card hung mid-tap: tap ended %llu us past its %u ms budget at worst\n",
	       (unsigned long long)(over / 1000), g.cfg.budget_ms);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcsc_card_pulled_at_every_command),
		cmocka_unit_test(test_pcsc_card_hangs_mid_tap_deadline_holds),
	};

	return cmocka_run_group_tests_name("pcsc_removal", tests, NULL, NULL);
}
