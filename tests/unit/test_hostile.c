/*
 * A card that lies (reader/hostile.h), at a gate and a service point,
 * through the daemon's own terminal + tap code: wrong MACs, truncated
 * frames and endless 91 AF chains at every answer of a session in turn,
 * answers slower than the deadline, a record under another UID (a clone,
 * and a record copied onto another genuine card), replayed answers of the
 * same card and of another card.
 *
 * Every lie ends as DENY with the reason a person would expect, or as
 * TAP_AGAIN for the slow card, inside the deadline; nothing is granted and
 * nothing is written — except where the lie is told in the answer to the
 * commit itself: then the card did commit, the tap says TAP_AGAIN, and the
 * holder's next tap with an honest answer confirms the grant instead of
 * granting again.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/desfire.h"
#include "card/keyset.h"
#include "card/yinian_app.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/journal.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

#define BUDGET_MS 300
#define SLACK_MS 40	/* scheduling slack on a loaded CI machine */

struct rig {
	struct yn_fixture f;
	struct yn_config cfg;
	struct yn_term term;
	int64_t now;
	char card[600], other[600];
	uint8_t *before, *other_before;
	size_t blen, olen;
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static int unchanged(const char *path, const uint8_t *b, size_t n)
{
	size_t len;
	uint8_t *now = slurp(path, &len);
	int same = now != NULL && len == n && memcmp(now, b, n) == 0;

	free(now);
	return same;
}

static void rig_up(struct rig *g, enum yn_role role)
{
	struct yn_holder h;
	char err[1024];

	memset(g, 0, sizeof(*g));
	if (yn_time_parse_iso8601("2026-12-02T12:00", &g->now) != 0)
		fail_msg("time");
	assert_int_equal(yn_fixture_init(&g->f, g->now), 0);
	yn_fixture_config(&g->f, &g->cfg, role, "emu:unused", 1200);
	g->cfg.budget_ms = BUDGET_MS;
	if (yn_term_open(&g->term, &g->cfg, err, sizeof(err)) != 0)
		fail_msg("terminal: %s", err);
	yn_fixture_holder(&h, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130);
	assert_int_equal(yn_fixture_card(&g->f, "a", 1, &h, 5, g->card, sizeof(g->card)), 0);
	yn_fixture_holder(&h, 19500101, YN_HRES_HUKOU, YN_HDIST_FUTIAN, 0, 20311130);
	assert_int_equal(yn_fixture_card(&g->f, "b", 2, &h, 5, g->other, sizeof(g->other)), 0);
	g->before = slurp(g->card, &g->blen);
	g->other_before = slurp(g->other, &g->olen);
	assert_non_null(g->before);
	assert_non_null(g->other_before);
}

static void rig_down(struct rig *g)
{
	free(g->before);
	free(g->other_before);
	yn_term_close(&g->term);
	yn_fixture_free(&g->f);
}

static void restore(struct rig *g)
{
	spit(g->card, g->before, g->blen);
	spit(g->other, g->other_before, g->olen);
}

/* Last journal sequence, and whether any record after `after` is an
 * OUTCOME grant. */
struct jscan {
	uint64_t after, last;
	unsigned grants;
};

static int scan(void *ctx, const struct yn_journal_rec *rec, const char *file, uint64_t off)
{
	struct jscan *s = ctx;

	(void)file;
	(void)off;
	s->last = rec->seq;
	if (rec->seq > s->after && rec->kind == YN_JKIND_OUTCOME &&
	    rec->decision == YN_JDEC_GRANT)
		s->grants++;
	return 0;
}

static struct jscan jscan(struct rig *g, uint64_t after)
{
	struct yn_journal_report rep;
	struct jscan s = { after, 0, 0 };

	memset(&rep, 0, sizeof(rep));
	assert_int_equal(yn_journal_read(g->cfg.journal_dir, scan, &s, &rep), 0);
	yn_journal_report_free(&rep);
	return s;
}

/* One tap through uri (reader opened for it); *ms gets the wall time. */
static struct yn_outcome tap_uri(struct rig *g, const char *uri, int64_t now, struct yn_tap_ctx *keep,
				 struct yn_reader **keep_rd, double *ms)
{
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	uint64_t t0;

	if (yn_reader_open(uri, &rd) != 0)
		fail_msg("cannot open %s", uri);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g->term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	t0 = yn_now_ns();
	assert_int_equal(yn_tap_run(&ctx, t0, now, &o), 0);
	if (ms)
		*ms = (double)(yn_now_ns() - t0) / 1e6 - (double)o.sync_us / 1e3;
	if (keep) {
		*keep = ctx;
		*keep_rd = rd;
	} else {
		yn_tap_ctx_free(&ctx);
		yn_reader_close(rd);
	}
	return o;
}

static void in_time(double ms, const char *what)
{
	if (ms > BUDGET_MS + SLACK_MS)
		fail_msg("%s: the tap took %.1f ms, budget %d ms", what, ms, BUDGET_MS);
}

/*
 * Tell the lie `mode` (badmac, truncate, endless) at the 1st, 2nd, ...
 * eligible answer of a tap until a tap grants (the lie came after the last
 * answer).  Every lie before must deny with one of `reasons` (or, at the
 * commit's answer, end as TAP_AGAIN with the card committed, then be
 * confirmed by an honest re-tap).
 */
static void lie_at_every_answer(enum yn_role role, const char *mode, const char *const *reasons)
{
	struct rig g;
	char uri[800];
	unsigned n, denied = 0, at_commit = 0;

	rig_up(&g, role);
	for (n = 1; n < 64; n++) {
		struct yn_outcome o;
		struct jscan js0, js;
		double ms = 0;
		size_t i;
		int ok = 0;

		restore(&g);
		js0 = jscan(&g, 0);
		snprintf(uri, sizeof(uri), "hostile:%s=%u:%s", mode, n, g.card);
		{
			struct yn_tap_ctx ctx;
			struct yn_reader *rd;

			o = tap_uri(&g, uri, g.now, &ctx, &rd, &ms);
			in_time(ms, uri);
			if (o.verdict == YN_VERDICT_GRANT) {
				/* the lie came after the last answer: the honest tap */
				yn_tap_ctx_free(&ctx);
				yn_reader_close(rd);
				break;
			}
			if (o.verdict == YN_VERDICT_TAP_AGAIN) {
				struct yn_outcome o2;

				/* Only a lie about the commit's answer: the card
				 * committed; the re-tap on this reader (whose
				 * confirmation needs fewer answers than the lie's
				 * number, so hears none) confirms it and grants
				 * nothing new. */
				if (strcmp(o.reason, "tap_again") != 0 || unchanged(g.card, g.before, g.blen))
					fail_msg("%s: TAP_AGAIN (%s) without a commit on the card", uri,
						 o.reason);
				yn_reader_release(rd, YN_RELEASE_UNPOWER);
				assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
				assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g.now + 1, &o2), 0);
				if (o2.verdict != YN_VERDICT_GRANT || strcmp(o2.reason, "confirmed") != 0)
					fail_msg("%s: the honest re-tap gave %s/%s", uri,
						 yn_verdict_name(o2.verdict), o2.reason);
				at_commit++;
				yn_tap_ctx_free(&ctx);
				yn_reader_close(rd);
				js = jscan(&g, js0.last);
				assert_int_equal(js.grants, 1);	/* the confirmation, once */
				continue;
			}
			yn_tap_ctx_free(&ctx);
			yn_reader_close(rd);
		}
		for (i = 0; reasons[i]; i++)
			ok |= strcmp(o.reason, reasons[i]) == 0;
		if (!ok)
			fail_msg("%s: denied as \"%s\" (%s)", uri, o.reason, o.message);
		if (!unchanged(g.card, g.before, g.blen))
			fail_msg("%s: the card was written", uri);
		js = jscan(&g, js0.last);
		assert_int_equal(js.grants, 0);
		denied++;
	}
	assert_true(n < 64);
	print_message("%s %s: %u answers lied about: %u denied, %u at the commit (confirmed "
		      "on the honest re-tap)\n", yn_role_name(role), mode, n - 1, denied, at_commit);
	assert_true(denied >= 3);
	assert_int_equal(at_commit, 1);
	rig_down(&g);
}

static const char *const card_error[] = { "card_error", NULL };
static const char *const card_bad[] = { "card_error", "card_invalid", NULL };

static void test_hostile_wrong_mac_at_every_answer(void **state)
{
	(void)state;
	lie_at_every_answer(YN_ROLE_GATE, "badmac", card_error);
	lie_at_every_answer(YN_ROLE_SERVICE, "badmac", card_error);
}

static void test_hostile_truncated_frame_at_every_answer(void **state)
{
	(void)state;
	lie_at_every_answer(YN_ROLE_GATE, "truncate", card_bad);
	lie_at_every_answer(YN_ROLE_SERVICE, "truncate", card_bad);
}

static void test_hostile_endless_chain_at_every_answer(void **state)
{
	(void)state;
	lie_at_every_answer(YN_ROLE_GATE, "endless", card_error);
	lie_at_every_answer(YN_ROLE_SERVICE, "endless", card_error);
}

/* Answers slower than the deadline allows: TAP_AGAIN at the deadline,
 * nothing written; answers that fit in it: an ordinary grant. */
static void test_hostile_slow_answers_near_the_deadline(void **state)
{
	static const unsigned delays[] = { 5, 15, 22, 30, 60, 150, 299, 301, 450 };
	struct rig g;
	char uri[800];
	size_t i;
	unsigned again = 0, granted = 0;

	(void)state;
	rig_up(&g, YN_ROLE_GATE);
	for (i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		struct yn_outcome o;
		struct jscan js0, js;
		double ms = 0;

		restore(&g);
		js0 = jscan(&g, 0);
		snprintf(uri, sizeof(uri), "hostile:slow=%u:%s", delays[i], g.card);
		o = tap_uri(&g, uri, g.now, NULL, NULL, &ms);
		in_time(ms, uri);
		js = jscan(&g, js0.last);
		if (o.verdict == YN_VERDICT_GRANT) {
			assert_false(unchanged(g.card, g.before, g.blen));
			assert_int_equal(js.grants, 1);
			granted++;
			continue;
		}
		if (o.verdict != YN_VERDICT_TAP_AGAIN || strcmp(o.reason, "tap_again") != 0)
			fail_msg("%s: %s/%s", uri, yn_verdict_name(o.verdict), o.reason);
		if (!unchanged(g.card, g.before, g.blen))
			fail_msg("%s: the card was written", uri);
		assert_int_equal(js.grants, 0);
		/* it gave up at the deadline, not before */
		assert_true(ms >= BUDGET_MS - 5);
		again++;
	}
	print_message("slow card: %u delays granted in time, %u TAP_AGAIN at the deadline\n",
		      granted, again);
	assert_true(granted >= 1 && again >= 4);
	rig_down(&g);
}

/* The card's content under another UID: its keys are diversified for its
 * own UID, so nothing opens. */
static void test_hostile_record_under_another_uid_is_unknown(void **state)
{
	struct rig g;
	char uri[800];
	struct yn_outcome o;
	double ms = 0;

	(void)state;
	rig_up(&g, YN_ROLE_GATE);
	snprintf(uri, sizeof(uri), "hostile:uid=04594E00001002:%s", g.card);
	o = tap_uri(&g, uri, g.now, NULL, NULL, &ms);
	in_time(ms, uri);
	assert_int_equal(o.verdict, YN_VERDICT_DENY);
	assert_string_equal(o.reason, "unknown_card");
	assert_true(unchanged(g.card, g.before, g.blen));
	rig_down(&g);
}

/* A genuine record copied onto another genuine card (with leaked card keys
 * the attacker can write it): the issuer signature covers the UID. */
static void test_hostile_record_copied_to_another_card_is_forged(void **state)
{
	struct rig g;
	struct yn_keyset desk;
	struct yn_reader *rd = NULL;
	struct yn_desfire df;
	struct yn_card_info ci;
	struct yn_outcome o;
	uint8_t rec[YN_HOLDER_FILE_SIZE], key[16];
	char uri[700];
	size_t n = 0;

	(void)state;
	rig_up(&g, YN_ROLE_GATE);
	assert_int_equal(yn_keyset_load(g.f.keys, YN_KEYROLE_DESK, &desk), 0);
	/* read card a's record */
	snprintf(uri, sizeof(uri), "emu:%s", g.card);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_reader_card_info(rd, &ci), 0);
	yn_desfire_init(&df, rd);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_keyset_card_key(&desk, YN_KEY_READ, ci.uid, key), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, YN_KEY_READ, key, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, sizeof(rec),
					      rec, sizeof(rec), &n, yn_deadline_in_ms(1000)), 0);
	yn_desfire_reset(&df);
	yn_reader_close(rd);
	/* write it onto card b with b's personalisation key */
	snprintf(uri, sizeof(uri), "emu:%s", g.other);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_reader_card_info(rd, &ci), 0);
	yn_desfire_init(&df, rd);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_keyset_card_key(&desk, YN_KEY_CREDIT, ci.uid, key), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, YN_KEY_CREDIT, key, yn_deadline_in_ms(1000)),
			 0);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, rec, n,
					       yn_deadline_in_ms(1000)), 0);
	yn_desfire_reset(&df);
	yn_reader_close(rd);
	yn_keyset_free(&desk);
	free(g.other_before);
	g.other_before = slurp(g.other, &g.olen);

	o = tap_uri(&g, uri, g.now, NULL, NULL, NULL);
	assert_int_equal(o.verdict, YN_VERDICT_DENY);
	assert_string_equal(o.reason, "forged");
	assert_true(unchanged(g.other, g.other_before, g.olen));
	rig_down(&g);
}

/* Replayed answers: the first presentation is genuine (and granted), every
 * later one replays it: the fresh challenge of the terminal's
 * authentication exposes it. */
static void replay(const char *donor)
{
	struct rig g;
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	struct jscan js0, js;
	char uri[1400];
	uint8_t *after;
	size_t alen;
	int i;

	rig_up(&g, YN_ROLE_GATE);
	if (donor)
		snprintf(uri, sizeof(uri), "hostile:replay=%s:%s", g.other, g.card);
	else
		snprintf(uri, sizeof(uri), "hostile:replay:%s", g.card);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g.term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g.now, &o), 0);
	assert_int_equal(o.verdict, YN_VERDICT_GRANT);	/* the genuine, recorded tap */
	assert_false(unchanged(donor ? g.other : g.card, donor ? g.other_before : g.before,
			       donor ? g.olen : g.blen));
	after = slurp(g.card, &alen);
	for (i = 1; i <= 3; i++) {
		uint64_t t0;

		js0 = jscan(&g, 0);
		yn_reader_wait_removed(rd, yn_deadline_in_ms(100));
		assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
		t0 = yn_now_ns();
		/* an hour later: no passback in the way */
		assert_int_equal(yn_tap_run(&ctx, t0, g.now + 3600 * i, &o), 0);
		in_time((double)(yn_now_ns() - t0) / 1e6 - (double)o.sync_us / 1e3, uri);
		if (o.verdict != YN_VERDICT_DENY || strcmp(o.reason, "unknown_card") != 0)
			fail_msg("%s: replay %d gave %s/%s", uri, i, yn_verdict_name(o.verdict),
				 o.reason);
		js = jscan(&g, js0.last);
		assert_int_equal(js.grants, 0);
		assert_true(unchanged(g.card, after, alen));
	}
	free(after);
	yn_tap_ctx_free(&ctx);
	yn_reader_close(rd);
	rig_down(&g);
}

static void test_hostile_replayed_answers_of_the_same_card(void **state)
{
	(void)state;
	replay(NULL);
}

static void test_hostile_replayed_answers_of_another_card(void **state)
{
	(void)state;
	replay("donor");
}

static void test_hostile_bad_uris_refused(void **state)
{
	static const char *const bad[] = {
		"hostile:", "hostile:badmac", "hostile:nosuch:/tmp/x", "hostile:slow:/tmp/x",
		"hostile:slow=0:/tmp/x", "hostile:badmac=x:/tmp/x", "hostile:uid=0102:/tmp/x",
		"hostile:uid=zz:/tmp/x", "hostile:badmac:/nonexistent/card",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct yn_reader *rd = (struct yn_reader *)&rd;

		if (yn_reader_open(bad[i], &rd) == 0)
			fail_msg("%s was accepted", bad[i]);
		assert_null(rd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_wrong_mac_at_every_answer),
		cmocka_unit_test(test_hostile_truncated_frame_at_every_answer),
		cmocka_unit_test(test_hostile_endless_chain_at_every_answer),
		cmocka_unit_test(test_hostile_slow_answers_near_the_deadline),
		cmocka_unit_test(test_hostile_record_under_another_uid_is_unknown),
		cmocka_unit_test(test_hostile_record_copied_to_another_card_is_forged),
		cmocka_unit_test(test_hostile_replayed_answers_of_the_same_card),
		cmocka_unit_test(test_hostile_replayed_answers_of_another_card),
		cmocka_unit_test(test_hostile_bad_uris_refused),
	};

	yn_log_set_level(YN_LOG_ERR);
	return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
