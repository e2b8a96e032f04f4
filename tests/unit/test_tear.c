/*
 * Tearing sweeps for every flow that writes a card: gate, canteen and
 * service-point taps (through the daemon's own terminal + tap code) and
 * issuance.  test_tap.c cuts a gate tap at command boundaries and checks
 * the trip count; this file cuts every flow at every command boundary AND
 * inside every non-volatile write of the card (yn_emu_tear_in_write, each
 * write index, several byte offsets), and checks after each cut:
 *
 *   - all or nothing: the card's state file is byte-equal to the state
 *     before the tap or to the state an untorn tap leaves;
 *   - no grant without a commit: a torn tap is never GRANT;
 *   - the journal agrees with the card: OUTCOME grants (including a
 *     "confirmed" one) equal the trips / meals / services added and the
 *     vouchers debited; no intent is left open;
 *   - the next tap of the same card on the same reader works and is never
 *     charged twice (subsidy at most once per day; one voucher per grant).
 *
 * Issuance: a cut at every command boundary and inside every write of
 * yn_issue_card, then the card must not tap as valid unless its signed
 * record is on it and the desk's serial file gives that serial to this
 * card; a second run without --resume refuses and says to add it; resume
 * completes it and the card then taps as valid.
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

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "card/issue.h"
#include "card/keyset.h"
#include "card/serial_alloc.h"
#include "card/yinian_app.h"
#include "reader/emu.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/journal.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

#define MAX_RECS 20000

/* Byte offsets at which a non-volatile write is cut: nothing, one byte,
 * part of a block, most of it, all of it (the cut then comes right after). */
static const size_t cut_bytes[] = { 0, 1, 7, 33, 100000 };
#define N_CUTS (sizeof(cut_bytes) / sizeof(cut_bytes[0]))

struct rig {
	struct yn_fixture f;
	struct yn_config cfg;
	struct yn_term term;
	struct yn_keyset desk;
	char *run_dir;
	int64_t now;
};

/* Remove a run directory of ours under /dev/shm (yn_test_rmtree only
 * removes /tmp/yn-*). */
static void shm_rmtree(const char *path)
{
	char cmd[700];

	if (strncmp(path, "/dev/shm/yn-", 12) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

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

static int same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

static void rig_up(struct rig *g, enum yn_role role, uint32_t price)
{
	char err[1024], tmpl[] = "/dev/shm/yn-tear.XXXXXX";
	char *d;
	int r;

	memset(g, 0, sizeof(*g));
	if (yn_time_parse_iso8601("2026-12-02T12:00", &g->now) != 0)	/* Wednesday lunch */
		fail_msg("time");
	assert_int_equal(yn_fixture_init(&g->f, g->now), 0);
	/* Card state files are saved (two fsyncs) after every change: keep
	 * them on a tmpfs when there is one. */
	d = mkdtemp(tmpl);
	g->run_dir = strdup(d ? d : g->f.dir);
	assert_non_null(g->run_dir);
	yn_fixture_config(&g->f, &g->cfg, role, "emu:unused", price);
	snprintf(g->cfg.journal_dir, sizeof(g->cfg.journal_dir), "%s/journal", g->run_dir);
	r = yn_term_open(&g->term, &g->cfg, err, sizeof(err));
	if (r != 0)
		fail_msg("terminal: %s", err);
	assert_int_equal(yn_keyset_load(g->f.keys, YN_KEYROLE_DESK, &g->desk), 0);
}

static void rig_down(struct rig *g)
{
	yn_keyset_free(&g->desk);
	yn_term_close(&g->term);
	if (strcmp(g->run_dir, g->f.dir) != 0)
		shm_rmtree(g->run_dir);
	free(g->run_dir);
	yn_fixture_free(&g->f);
}

/* Issue a card (holder aged 72, Futian, dibao) and copy it to run_dir. */
static void issue(struct rig *g, const char *name, uint8_t tail, int32_t vouchers, char *path,
		  size_t cap)
{
	struct yn_holder h;
	char tmp[600];
	uint8_t *b;
	size_t n;

	yn_fixture_holder(&h, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130);
	assert_int_equal(yn_fixture_card(&g->f, name, tail, &h, vouchers, tmp, sizeof(tmp)), 0);
	b = slurp(tmp, &n);
	assert_non_null(b);
	assert_true((size_t)snprintf(path, cap, "%s/%s.card", g->run_dir, name) < cap);
	spit(path, b, n);
	free(b);
}

/* ---- what the card holds, read with the desk's keys --------------------- */

struct facts {
	size_t trips;
	struct yn_benefitrec b;
	int32_t purse;
};

static void auth(struct yn_desfire *df, const struct yn_keyset *ks, const uint8_t *uid,
		 unsigned k)
{
	uint8_t key[16];

	assert_int_equal(yn_keyset_card_key(ks, k, uid, key), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(df, (uint8_t)k, key, yn_deadline_in_ms(2000)),
			 0);
}

static void card_facts(struct rig *g, const char *path, struct facts *fa)
{
	struct yn_reader *rd = NULL;
	struct yn_card_info ci;
	struct yn_desfire df;
	struct yn_triprec tr[YN_TRIPLOG_REC_MAX];
	uint8_t buf[512];
	char uri[700];
	const char *why = NULL;
	size_t n = 0;
	int e;

	memset(fa, 0, sizeof(*fa));
	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_reader_card_info(rd, &ci), 0);
	yn_desfire_init(&df, rd);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, yn_deadline_in_ms(1000)),
			 0);
	auth(&df, &g->desk, ci.uid, YN_KEY_READ);
	e = yn_desfire_read_records(&df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, 0, buf, sizeof(buf),
				    &n, yn_deadline_in_ms(1000));
	if (e == 0) {
		assert_int_equal(yn_triprec_decode_list(buf, n, tr, YN_TRIPLOG_REC_MAX, &fa->trips,
							&why),
				 0);
	} else {
		/* an empty record file is refused (and ends the session) */
		assert_int_equal(e, YN_ECARD_BOUNDARY);
		auth(&df, &g->desk, ci.uid, YN_KEY_READ);
	}
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0,
					      YN_BENEFITREC_LEN, buf, sizeof(buf), &n,
					      yn_deadline_in_ms(1000)),
			 0);
	assert_int_equal(yn_benefitrec_decode(buf, n, &fa->b, &why), 0);
	auth(&df, &g->desk, ci.uid, YN_KEY_DEBIT);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_MAC, YN_FILE_PURSE, &fa->purse,
					      yn_deadline_in_ms(1000)),
			 0);
	yn_desfire_reset(&df);
	yn_reader_close(rd);
}

/* ---- the journal -------------------------------------------------------- */

struct jsum {
	uint64_t last;
	unsigned grants, intents, open, subsidy, vouchers;
};

struct jwalk {
	uint64_t after;
	struct jsum *s;
};

static int walk(void *ctx, const struct yn_journal_rec *rec, const char *file, uint64_t off)
{
	struct jwalk *w = ctx;

	(void)file;
	(void)off;
	w->s->last = rec->seq;
	if (rec->seq <= w->after)
		return 0;
	if (rec->kind == YN_JKIND_INTENT) {
		w->s->intents++;
	} else if (rec->decision == YN_JDEC_GRANT) {
		if (rec->grants != 0 && rec->intent_seq == 0)
			fail_msg("journal record %" PRIu64 ": a grant without an intent", rec->seq);
		w->s->grants++;
		w->s->subsidy += rec->subsidy_fen;
		w->s->vouchers += rec->voucher_units;
	}
	return 0;
}

/* Sum the journal's records after seq `after`. */
static void jsum(struct rig *g, uint64_t after, struct jsum *s)
{
	struct yn_journal_report rep;
	struct jwalk w = { after, s };

	memset(s, 0, sizeof(*s));
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(yn_journal_read(g->cfg.journal_dir, walk, &w, &rep), 0);
	assert_false(rep.torn);
	s->open = (unsigned)rep.n_uncertain;
	yn_journal_report_free(&rep);
}

/* ---- the tap sweep ------------------------------------------------------ */

enum tear_kind { TEAR_CMD, TEAR_WRITE };

struct tear {
	enum tear_kind kind;
	unsigned n;
	size_t bytes;
};

struct sweep {
	unsigned torn, landed, confirmed, retap_grants;
};

/*
 * Restore the card to `before`, tap it at now with the tear armed, then tap
 * it again a second later on the same reader; check everything.
 */
static void torn_tap(struct rig *g, const char *path, const uint8_t *before, size_t blen,
		     const uint8_t *after, size_t alen, const struct facts *f0,
		     const struct tear *t, struct sweep *sw)
{
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o, o2;
	struct yn_emu *card;
	struct jsum js0, js;
	struct facts f1;
	uint8_t *now_b;
	size_t nlen;
	char uri[700];
	int landed = 0;
	unsigned added;

	spit(path, before, blen);
	jsum(g, 0, &js0);
	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g->term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	card = yn_reader_emu_card(rd);
	if (t->kind == TEAR_CMD)
		yn_emu_tear_after(card, t->n);
	else
		yn_emu_tear_in_write(card, t->n, t->bytes);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g->now, &o), 0);
	yn_emu_tear_after(card, 0);
	yn_emu_tear_in_write(card, 0, 0);

	/* No grant without the commit's answer: every cut here comes at or
	 * before the commit. */
	if (o.verdict == YN_VERDICT_GRANT)
		fail_msg("%s cut %u/%zu: GRANT although the commit did not answer",
			 t->kind == TEAR_CMD ? "command" : "write", t->n, t->bytes);
	assert_int_equal(o.verdict, YN_VERDICT_TAP_AGAIN);
	/* All or nothing. */
	now_b = slurp(path, &nlen);
	assert_non_null(now_b);
	if (same(now_b, nlen, after, alen))
		landed = 1;
	else if (!same(now_b, nlen, before, blen))
		fail_msg("%s cut %u/%zu: the card is neither as before nor as after the tap",
			 t->kind == TEAR_CMD ? "command" : "write", t->n, t->bytes);
	free(now_b);
	sw->torn++;
	sw->landed += (unsigned)landed;

	/* The holder taps again a second later at the same reader. */
	yn_reader_release(rd, YN_RELEASE_UNPOWER);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g->now + 1, &o2), 0);
	if (o2.verdict == YN_VERDICT_TAP_AGAIN)
		fail_msg("the tap after a cut did not work: %s (%s)", o2.reason, o2.message);
	if (landed) {
		/* The commit happened but its answer was lost: confirmed, and
		 * nothing new granted. */
		if (o2.verdict != YN_VERDICT_GRANT || strcmp(o2.reason, "confirmed") != 0)
			fail_msg("after a lost commit answer the re-tap gave %s/%s, not confirmed",
				 yn_verdict_name(o2.verdict), o2.reason);
		sw->confirmed++;
	} else if (o2.verdict != YN_VERDICT_GRANT || strcmp(o2.reason, "ok") != 0) {
		fail_msg("after a cut that left the card as it was, the re-tap gave %s/%s",
			 yn_verdict_name(o2.verdict), o2.reason);
	} else {
		sw->retap_grants++;
	}
	yn_tap_ctx_free(&ctx);
	yn_reader_close(rd);

	/* The journal agrees with the card. */
	jsum(g, js0.last, &js);
	assert_int_equal(js.open, 0);
	card_facts(g, path, &f1);
	added = (unsigned)(g->cfg.role == YN_ROLE_GATE ? f1.trips - f0->trips :
			   g->cfg.role == YN_ROLE_CANTEEN ? f1.b.meal_count - f0->b.meal_count :
			   f1.b.service_count - f0->b.service_count);
	if (added != js.grants)
		fail_msg("%s cut %u/%zu: the card gained %u, the journal has %u grant outcome(s)",
			 t->kind == TEAR_CMD ? "command" : "write", t->n, t->bytes, added, js.grants);
	assert_int_equal(added, 1);	/* the torn tap's grant or the re-tap's, once */
	assert_int_equal(f1.b.subsidy_total - f0->b.subsidy_total, js.subsidy);
	assert_int_equal(f0->purse - f1.purse, (int32_t)js.vouchers);
	if (g->cfg.role == YN_ROLE_SERVICE)
		assert_int_equal(f0->purse - f1.purse, 1);
	if (g->cfg.role == YN_ROLE_CANTEEN)
		assert_int_equal(f1.b.meals_on_last, 1);	/* once a day */
	if (g->cfg.role == YN_ROLE_GATE) {
		assert_int_equal(f1.b.meal_count, f0->b.meal_count);
		assert_int_equal(f1.purse, f0->purse);
	}
}

static void sweep_role(enum yn_role role, uint32_t price)
{
	struct rig g;
	char path[600], base[700], uri[800];
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	struct facts f0;
	struct sweep sw = { 0 };
	uint8_t *before, *after;
	size_t blen, alen, c;
	unsigned ncmd, nwr, k;

	rig_up(&g, role, price);
	issue(&g, "card", 1, 5, path, sizeof(path));
	before = slurp(path, &blen);
	assert_non_null(before);
	card_facts(&g, path, &f0);

	/* The untorn tap on a copy: the "after" state and the counts. */
	snprintf(base, sizeof(base), "%s.base", path);
	spit(base, before, blen);
	snprintf(uri, sizeof(uri), "emu:%s", base);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g.term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g.now, &o), 0);
	if (o.verdict != YN_VERDICT_GRANT)
		fail_msg("the untorn %s tap: %s/%s", yn_role_name(role), yn_verdict_name(o.verdict),
			 o.reason);
	ncmd = yn_emu_command_count(yn_reader_emu_card(rd));
	nwr = yn_emu_write_count(yn_reader_emu_card(rd));
	yn_tap_ctx_free(&ctx);
	yn_reader_close(rd);
	after = slurp(base, &alen);
	assert_non_null(after);
	assert_false(same(before, blen, after, alen));
	assert_true(ncmd >= 6 && nwr >= 2);

	for (k = 1; k <= ncmd; k++) {
		struct tear t = { TEAR_CMD, k, 0 };

		torn_tap(&g, path, before, blen, after, alen, &f0, &t, &sw);
	}
	for (k = 1; k <= nwr; k++) {
		for (c = 0; c < N_CUTS; c++) {
			struct tear t = { TEAR_WRITE, k, cut_bytes[c] };

			torn_tap(&g, path, before, blen, after, alen, &f0, &t, &sw);
		}
	}
	print_message("%s: %u commands and %u non-volatile writes in a tap; %u cuts: %u left "
		      "the grant on the card (confirmed on re-tap), %u left the card as it "
		      "was (granted on re-tap)\n", yn_role_name(role), ncmd, nwr, sw.torn,
		      sw.landed, sw.retap_grants);
	/* Both outcomes of a cut must have been seen. */
	assert_true(sw.landed > 0);
	assert_true(sw.retap_grants > 0);
	assert_int_equal(sw.landed, sw.confirmed);
	free(before);
	free(after);
	rig_down(&g);
}

static void test_tear_gate_every_command_and_write(void **state)
{
	(void)state;
	sweep_role(YN_ROLE_GATE, 0);
}

static void test_tear_canteen_every_command_and_write(void **state)
{
	(void)state;
	sweep_role(YN_ROLE_CANTEEN, 1200);
}

static void test_tear_service_every_command_and_write(void **state)
{
	(void)state;
	sweep_role(YN_ROLE_SERVICE, 0);
}

/*
 * The commit's answer is lost and the holder comes back only after the
 * 10-minute window: the card still proves the old grant, so its intent is
 * closed as granted (not uncertain), and the new tap is a new trip.
 */
static void test_tear_lost_commit_seen_after_window_is_granted(void **state)
{
	struct rig g;
	char path[600], uri[700];
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o, o2;
	struct facts f0, f1;
	struct jsum js0, js;
	unsigned ncmd;

	(void)state;
	rig_up(&g, YN_ROLE_GATE, 0);
	issue(&g, "card", 1, 0, path, sizeof(path));
	card_facts(&g, path, &f0);
	jsum(&g, 0, &js0);
	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g.term, rd), 0);
	/* an untorn tap to count its commands, an hour earlier */
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g.now - 3600, &o), 0);
	assert_int_equal(o.verdict, YN_VERDICT_GRANT);
	ncmd = yn_emu_command_count(yn_reader_emu_card(rd));
	yn_reader_release(rd, YN_RELEASE_UNPOWER);
	/* the same tap, its commit's answer lost */
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	yn_emu_tear_after(yn_reader_emu_card(rd), ncmd);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g.now, &o), 0);
	assert_int_equal(o.verdict, YN_VERDICT_TAP_AGAIN);
	assert_true(ctx.pending.intent_seq != 0);
	/* 11 minutes later, on the same reader */
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), g.now + 11 * 60, &o2), 0);
	assert_int_equal(o2.verdict, YN_VERDICT_GRANT);
	assert_string_equal(o2.reason, "ok");	/* a new trip, not a confirmation */
	assert_int_equal(ctx.pending.intent_seq, 0);
	yn_tap_ctx_free(&ctx);
	yn_reader_close(rd);
	card_facts(&g, path, &f1);
	jsum(&g, js0.last, &js);
	assert_int_equal(js.open, 0);
	assert_int_equal(f1.trips - f0.trips, 3);
	assert_int_equal(js.grants, 3);	/* the first, the proven one, the new one */
	rig_down(&g);
}

/* ---- issuance ----------------------------------------------------------- */

static const uint8_t issue_uid[7] = { 0x04, 0x59, 0x4E, 0x00, 0x00, 0x77, 0x01 };

struct isweep {
	unsigned cuts, blank_after, half, already_complete;
};

/* The gate's verdict on the card at path (a copy: the tap writes). */
static struct yn_outcome gate_tap(struct rig *g, const char *path, int64_t now)
{
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	char copy[700], uri[800];
	uint8_t *b;
	size_t n;

	b = slurp(path, &n);
	assert_non_null(b);
	snprintf(copy, sizeof(copy), "%s.gate", path);
	spit(copy, b, n);
	free(b);
	snprintf(uri, sizeof(uri), "emu:%s", copy);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_tap_ctx_init(&ctx, &g->term, rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_tap_run(&ctx, yn_now_ns(), now, &o), 0);
	yn_tap_ctx_free(&ctx);
	yn_reader_close(rd);
	unlink(copy);
	return o;
}

static void issue_req(struct rig *g, struct yn_issue_req *req, const char *serials, int resume)
{
	memset(req, 0, sizeof(*req));
	yn_fixture_holder(&req->holder, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO,
			  20311130);
	req->vouchers = 3;
	req->serial_file = serials;
	req->resume = resume;
	req->now = g->now;
}

static void torn_issue(struct rig *g, const char *path, const uint8_t *blank, size_t blen,
		       const struct tear *t, unsigned round, struct isweep *sw)
{
	struct yn_reader *rd = NULL;
	struct yn_issue_req req;
	struct yn_issue_report rep;
	struct yn_issue_survey s;
	struct yn_outcome o;
	char uri[700], serials[700];
	uint8_t luid[YN_UID_LEN];
	int r;

	snprintf(serials, sizeof(serials), "%s/serials-%u", g->run_dir, round);
	spit(path, blank, blen);
	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	if (t->kind == TEAR_CMD)
		yn_emu_tear_after(yn_reader_emu_card(rd), t->n);
	else
		yn_emu_tear_in_write(yn_reader_emu_card(rd), t->n, t->bytes);
	issue_req(g, &req, serials, 0);
	r = yn_issue_card(rd, &g->desk, &req, &rep);
	yn_emu_tear_after(yn_reader_emu_card(rd), 0);
	yn_emu_tear_in_write(yn_reader_emu_card(rd), 0, 0);
	sw->cuts++;
	if (r == 0)
		fail_msg("issuance cut at %s %u/%zu reported success",
			 t->kind == TEAR_CMD ? "command" : "write", t->n, t->bytes);
	if (rep.msg[0] == '\0')
		fail_msg("issuance cut at %u: failed (%s) without saying what to do", t->n,
			 yn_strerror(r));
	yn_reader_close(rd);

	/* What the card is now, and what a gate makes of it. */
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_issue_survey(rd, &g->desk, &s, yn_deadline_in_ms(5000)), 0);
	yn_reader_release(rd, YN_RELEASE_UNPOWER);
	o = gate_tap(g, path, g->now);
	if (o.verdict == YN_VERDICT_GRANT) {
		/* Only a card whose signed record is complete, with the serial
		 * the desk gave this card, may pass. */
		if (s.stage != YN_ISSUE_ISSUED)
			fail_msg("cut %u: a card in stage \"%s\" taps as valid", t->n,
				 yn_issue_stage_name(s.stage));
		if (yn_serial_lookup(serials, s.holder.serial, luid, NULL, 0) != 0 ||
		    memcmp(luid, issue_uid, YN_UID_LEN) != 0)
			fail_msg("cut %u: the card taps as valid with serial %" PRIu64 " that the "
				 "desk's record does not give to it", t->n, s.holder.serial);
		sw->already_complete++;
	} else if (s.stage == YN_ISSUE_ISSUED) {
		fail_msg("cut %u: an issued card is refused (%s)", t->n, o.reason);
	}
	if (s.stage == YN_ISSUE_BLANK) {
		sw->blank_after++;
	} else if (s.stage != YN_ISSUE_ISSUED) {
		/* Half-issued: a run without --resume refuses and says so. */
		sw->half++;
		assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
		issue_req(g, &req, serials, 0);
		r = yn_issue_card(rd, &g->desk, &req, &rep);
		assert_int_equal(r, YN_EEXIST);
		if (strstr(rep.msg, "--resume") == NULL)
			fail_msg("cut %u: refusal without the way out: %s", t->n, rep.msg);
		yn_reader_release(rd, YN_RELEASE_UNPOWER);
	}

	/* Put it back with --resume: completes (or, if it was blank, issues). */
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	issue_req(g, &req, serials, 1);
	r = yn_issue_card(rd, &g->desk, &req, &rep);
	if (r != 0)
		fail_msg("cut at %s %u/%zu (stage \"%s\"): resume failed: %s (%s)",
			 t->kind == TEAR_CMD ? "command" : "write", t->n, t->bytes,
			 yn_issue_stage_name(s.stage), yn_strerror(r), rep.msg);
	assert_int_equal(rep.purse, 3);
	assert_int_equal(yn_serial_lookup(serials, rep.serial, luid, NULL, 0), 0);
	assert_memory_equal(luid, issue_uid, YN_UID_LEN);
	yn_reader_close(rd);
	o = gate_tap(g, path, g->now);
	if (o.verdict != YN_VERDICT_GRANT)
		fail_msg("cut %u: the resumed card is refused: %s", t->n, o.reason);
	unlink(serials);
}

static void test_tear_issuance_every_command_and_write_then_resume(void **state)
{
	struct rig g;
	struct yn_reader *rd = NULL;
	struct yn_issue_req req;
	struct yn_issue_report rep;
	struct isweep sw = { 0 };
	char path[600], uri[700], serials[700];
	uint8_t *blank;
	size_t blen, c;
	unsigned ncmd, nwr, k, round = 0;

	(void)state;
	rig_up(&g, YN_ROLE_GATE, 0);
	snprintf(path, sizeof(path), "%s/issue.card", g.run_dir);
	assert_int_equal(yn_emu_create_file(path, issue_uid, sizeof(issue_uid)), 0);
	blank = slurp(path, &blen);
	assert_non_null(blank);

	/* The untorn issuance: how many commands and writes. */
	snprintf(serials, sizeof(serials), "%s/serials-base", g.run_dir);
	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(1000)), 0);
	issue_req(&g, &req, serials, 0);
	if (yn_issue_card(rd, &g.desk, &req, &rep) != 0)
		fail_msg("untorn issuance: %s", rep.msg);
	ncmd = yn_emu_command_count(yn_reader_emu_card(rd));
	nwr = yn_emu_write_count(yn_reader_emu_card(rd));
	yn_reader_close(rd);
	assert_true(ncmd > 20 && nwr > 10);

	for (k = 1; k <= ncmd; k++) {
		struct tear t = { TEAR_CMD, k, 0 };

		torn_issue(&g, path, blank, blen, &t, round++, &sw);
	}
	for (k = 1; k <= nwr; k++) {
		for (c = 0; c < N_CUTS; c++) {
			struct tear t = { TEAR_WRITE, k, cut_bytes[c] };

			torn_issue(&g, path, blank, blen, &t, round++, &sw);
		}
	}
	print_message("issuance: %u commands, %u non-volatile writes; %u cuts: %u left the "
		      "card blank, %u half-issued (refused without --resume), %u complete; "
		      "every one completed by --resume\n", ncmd, nwr, sw.cuts, sw.blank_after,
		      sw.half, sw.already_complete);
	assert_true(sw.half > 0 && sw.blank_after > 0 && sw.already_complete > 0);
	free(blank);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tear_gate_every_command_and_write),
		cmocka_unit_test(test_tear_canteen_every_command_and_write),
		cmocka_unit_test(test_tear_service_every_command_and_write),
		cmocka_unit_test(test_tear_lost_commit_seen_after_window_is_granted),
		cmocka_unit_test(test_tear_issuance_every_command_and_write_then_resume),
	};

	/* The cuts make the card layer and the tap log every lost card. */
	yn_log_set_level(YN_LOG_ERR);
	return cmocka_run_group_tests_name("tear", tests, NULL, NULL);
}
