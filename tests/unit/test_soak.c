/*
 * Soak: tens of thousands of taps (YN_TAPS, default 20000; the full run is
 * 100000, `make soak-full`) at a gate, a canteen and a service point in one
 * process, through the daemon's own terminal + tap code on emu: readers,
 * with faults injected: the card cut off mid-tap (at a command or inside a
 * write), the card taken out of the field and put back, a reader closed
 * and opened again, a new denylist swapped in every few thousand taps.
 *
 * Checks: no tap fails (yn_tap_run returns 0), TAP_AGAIN only where a fault
 * was injected, every grant journaled; at the end the journal of each
 * terminal agrees with every card (meals, services and vouchers counted on
 * the card equal the grant outcomes; trips up to the log's size); memory
 * (VmRSS) and open file descriptors flat from the end of the warm-up to the
 * end.
 */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "card/keyset.h"
#include "card/yinian_app.h"
#include "reader/emu.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/journal.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

#define NROLES 3
#define NCARDS 4
#define VOUCHERS 10000	/* YN_PURSE_UPPER */

struct slot {
	char path[600], uri[700];
	uint64_t serial;
	int32_t vouchers;	/* loaded at issue */
	struct yn_reader *rd;
	struct yn_tap_ctx ctx;
	int open;
};

struct station {
	struct yn_config cfg;
	struct yn_term term;
	struct slot card[NCARDS];
	unsigned long grants, denies, again;
};

struct soak {
	struct yn_fixture f;
	struct yn_keyset desk;
	struct station st[NROLES];
	char *run_dir;
	uint64_t rng;
	uint64_t dl_seq;
	unsigned long faults, reopen, removed, cut_cmd, cut_write, swaps;
	unsigned long uncertain, uncertain_landed;
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

static uint32_t rnd(struct soak *s, uint32_t n)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng % n);
}

static long vm_rss_kb(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory itself */
}

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");

	assert_non_null(a);
	assert_non_null(b);
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	assert_int_equal(fclose(b), 0);
}

static void slot_open(struct soak *s, struct station *st, struct slot *sl)
{
	(void)s;
	assert_int_equal(yn_reader_open(sl->uri, &sl->rd), 0);
	assert_int_equal(yn_tap_ctx_init(&sl->ctx, &st->term, sl->rd), 0);
	sl->open = 1;
}

static void slot_close(struct slot *sl)
{
	if (!sl->open)
		return;
	yn_tap_ctx_free(&sl->ctx);
	yn_reader_close(sl->rd);
	sl->rd = NULL;
	sl->open = 0;
}

static void soak_up(struct soak *s, int64_t t0)
{
	static const enum yn_role roles[NROLES] = { YN_ROLE_GATE, YN_ROLE_CANTEEN,
						    YN_ROLE_SERVICE };
	char tmpl[] = "/dev/shm/yn-soak.XXXXXX", err[1024];
	char *d;
	unsigned r, c;

	memset(s, 0, sizeof(*s));
	s->rng = 0x2545F4914F6CDD1Dull ^ (uint64_t)time(NULL);
	if (getenv("YN_SEED"))
		s->rng = strtoull(getenv("YN_SEED"), NULL, 0) | 1;
	print_message("seed %" PRIu64 " (set YN_SEED to repeat)\n", s->rng);
	assert_int_equal(yn_fixture_init(&s->f, t0), 0);
	s->dl_seq = 1;
	/* tmpfs unless YN_SOAK_DISK is set: the fsyncs of a disk make the
	 * run a hundred times slower and test the disk, not the code. */
	d = getenv("YN_SOAK_DISK") ? NULL : mkdtemp(tmpl);
	s->run_dir = strdup(d ? d : s->f.dir);
	assert_non_null(s->run_dir);
	assert_int_equal(yn_keyset_load(s->f.keys, YN_KEYROLE_DESK, &s->desk), 0);
	for (r = 0; r < NROLES; r++) {
		struct station *st = &s->st[r];

		yn_fixture_config(&s->f, &st->cfg, roles[r], "emu:unused", 1200);
		snprintf(st->cfg.journal_dir, sizeof(st->cfg.journal_dir), "%s/journal-%s",
			 s->run_dir, yn_role_name(roles[r]));
		if (yn_term_open(&st->term, &st->cfg, err, sizeof(err)) != 0)
			fail_msg("terminal: %s", err);
		for (c = 0; c < NCARDS; c++) {
			struct slot *sl = &st->card[c];
			struct yn_holder h;
			char name[32], tmp[600];

			snprintf(name, sizeof(name), "%s%u", yn_role_name(roles[r]), c);
			yn_fixture_holder(&h, 19500101 + c * 20000, YN_HRES_HUKOU, YN_HDIST_FUTIAN,
					  c & 1 ? YN_HCAT_DIBAO : 0, 20311130);
			/* one card per station runs out of vouchers */
			sl->vouchers = c == 0 ? 40 : VOUCHERS;
			assert_int_equal(yn_fixture_card(&s->f, name, (uint8_t)(16 * r + c + 1), &h,
							 sl->vouchers, tmp, sizeof(tmp)), 0);
			sl->serial = h.serial;
			assert_true((size_t)snprintf(sl->path, sizeof(sl->path), "%s/%s.card",
						     s->run_dir, name) < sizeof(sl->path));
			if (strcmp(tmp, sl->path) != 0)
				copy_file(tmp, sl->path);
			snprintf(sl->uri, sizeof(sl->uri), "emu:%s", sl->path);
			slot_open(s, st, sl);
		}
	}
}

static void soak_down(struct soak *s)
{
	unsigned r, c;

	for (r = 0; r < NROLES; r++) {
		for (c = 0; c < NCARDS; c++)
			slot_close(&s->st[r].card[c]);
		yn_term_close(&s->st[r].term);
	}
	yn_keyset_free(&s->desk);
	if (strcmp(s->run_dir, s->f.dir) != 0)
		shm_rmtree(s->run_dir);
	free(s->run_dir);
	yn_fixture_free(&s->f);
}

/* One tap of card c at station r at time now, maybe with a fault. */
static void one_tap(struct soak *s, unsigned r, unsigned c, int64_t now)
{
	struct station *st = &s->st[r];
	struct slot *sl = &st->card[c];
	struct yn_outcome o;
	struct yn_emu *card;
	uint32_t f = rnd(s, 100);
	int fault = 0;

	if (f < 2 && sl->ctx.pending.intent_seq == 0) {
		/* the reader is unplugged and plugged in again */
		slot_close(sl);
		slot_open(s, st, sl);
		s->reopen++;
	} else if (f < 5) {
		/* the card is taken away and presented again */
		yn_reader_release(sl->rd, YN_RELEASE_UNPOWER);
		s->removed++;
	}
	assert_int_equal(yn_reader_wait_card(sl->rd, yn_deadline_in_ms(1000)), 0);
	card = yn_reader_emu_card(sl->rd);
	if (f >= 90 && f < 95) {
		yn_emu_tear_after(card, 1 + rnd(s, 14));
		s->cut_cmd++;
		fault = 1;
	} else if (f >= 95) {
		static const size_t bytes[] = { 0, 1, 9, 40, 100000 };

		yn_emu_tear_in_write(card, 1 + rnd(s, 2), bytes[rnd(s, 5)]);
		s->cut_write++;
		fault = 1;
	}
	s->faults += (unsigned long)fault;
	if (yn_tap_run(&sl->ctx, yn_now_ns(), now, &o) != 0)
		fail_msg("tap failed: %s", yn_strerror(o.error));
	yn_emu_tear_after(card, 0);
	yn_emu_tear_in_write(card, 0, 0);
	switch (o.verdict) {
	case YN_VERDICT_GRANT:
		assert_true(o.journal_seq > 0);
		st->grants++;
		break;
	case YN_VERDICT_TAP_AGAIN:
		if (!fault)
			fail_msg("TAP_AGAIN without a fault: %s (%s)", o.reason, yn_strerror(o.error));
		st->again++;
		break;
	default:
		st->denies++;
		break;
	}
	/* the daemon's way: leave the card, wait until it is taken away */
	yn_reader_release(sl->rd, YN_RELEASE_LEAVE);
	yn_reader_wait_removed(sl->rd, yn_deadline_in_ms(100));
}

/* ---- the end: journal against cards ------------------------------------- */

struct count {
	uint64_t serial;
	unsigned long grants, uncertain;
};

static int count_grants(void *ctx, const struct yn_journal_rec *rec, const char *file,
			uint64_t off)
{
	struct count *c = ctx;

	(void)file;
	(void)off;
	if (rec->card_serial == c->serial && rec->kind == YN_JKIND_OUTCOME) {
		c->grants += rec->decision == YN_JDEC_GRANT;
		c->uncertain += rec->decision == YN_JDEC_UNCERTAIN;
	}
	return 0;
}

static void auth(struct yn_desfire *df, const struct yn_keyset *ks, const uint8_t *uid,
		 unsigned k)
{
	uint8_t key[16];

	assert_int_equal(yn_keyset_card_key(ks, k, uid, key), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(df, (uint8_t)k, key, yn_deadline_in_ms(2000)),
			 0);
}

static void check_card(struct soak *s, struct station *st, struct slot *sl)
{
	struct yn_journal_report rep;
	struct count cnt = { sl->serial, 0, 0 };
	unsigned long lo, hi, on_card;
	struct yn_card_info ci;
	struct yn_desfire df;
	struct yn_benefitrec b;
	struct yn_triprec tr[YN_TRIPLOG_REC_MAX];
	uint8_t buf[512];
	const char *why = NULL;
	size_t n = 0, trips = 0;
	int32_t purse = 0;

	memset(&rep, 0, sizeof(rep));
	assert_int_equal(yn_journal_read(st->cfg.journal_dir, count_grants, &cnt, &rep), 0);
	assert_int_equal(rep.n_uncertain, 0);
	yn_journal_report_free(&rep);

	assert_int_equal(yn_reader_wait_card(sl->rd, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_reader_card_info(sl->rd, &ci), 0);
	yn_desfire_init(&df, sl->rd);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, yn_deadline_in_ms(1000)),
			 0);
	auth(&df, &s->desk, ci.uid, YN_KEY_READ);
	if (yn_desfire_read_records(&df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, 0, buf, sizeof(buf),
				    &n, yn_deadline_in_ms(1000)) == 0)
		assert_int_equal(yn_triprec_decode_list(buf, n, tr, YN_TRIPLOG_REC_MAX, &trips, &why),
				 0);
	else
		auth(&df, &s->desk, ci.uid, YN_KEY_READ);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0,
					      YN_BENEFITREC_LEN, buf, sizeof(buf), &n,
					      yn_deadline_in_ms(1000)), 0);
	assert_int_equal(yn_benefitrec_decode(buf, n, &b, &why), 0);
	auth(&df, &s->desk, ci.uid, YN_KEY_DEBIT);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_MAC, YN_FILE_PURSE, &purse,
					      yn_deadline_in_ms(1000)), 0);
	yn_desfire_reset(&df);
	yn_reader_release(sl->rd, YN_RELEASE_UNPOWER);

	/* The card holds every grant, and of the intents closed as uncertain
	 * (a lost commit answer, the card back only after the window) any. */
	lo = cnt.grants;
	hi = cnt.grants + cnt.uncertain;
	switch (st->cfg.role) {
	case YN_ROLE_GATE:
		on_card = trips;
		lo = lo < YN_TRIPLOG_REC_MAX - 1 ? lo : YN_TRIPLOG_REC_MAX - 1;
		hi = hi < YN_TRIPLOG_REC_MAX - 1 ? hi : YN_TRIPLOG_REC_MAX - 1;
		assert_int_equal(purse, sl->vouchers);
		break;
	case YN_ROLE_CANTEEN:
		on_card = b.meal_count;
		assert_int_equal(purse, sl->vouchers);
		break;
	default:
		on_card = b.service_count;
		assert_int_equal(sl->vouchers - purse, (int32_t)b.service_count);
		break;
	}
	if (on_card < lo || on_card > hi)
		fail_msg("%s card %" PRIu64 ": %lu on the card; the journal has %lu grants and %lu "
			 "uncertain", yn_role_name(st->cfg.role), sl->serial, on_card, cnt.grants,
			 cnt.uncertain);
	s->uncertain += cnt.uncertain;
	s->uncertain_landed += on_card - lo;
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 10) : dflt;
}

static void test_soak_taps_with_faults_memory_flat(void **state)
{
	struct soak s;
	unsigned long taps = env_ul("YN_TAPS", 100000), warm = taps / 10, i;
	long rss0 = 0, rss1;
	int fds0 = 0, fds1;
	int64_t t0, now;
	unsigned r, c;
	uint64_t start = yn_now_ns();

	(void)state;
	/* Monday 2026-11-30 07:00 Shanghai; a tap every 45 s of virtual time
	 * (100000 taps: 52 days, across lunches, nights and weekends). */
	if (yn_time_parse_iso8601("2026-11-30T07:00", &t0) != 0)
		fail_msg("time");
	soak_up(&s, t0);
	now = t0;
	for (i = 0; i < taps; i++) {
		now += 45;
		if (i > 0 && i % 5000 == 0) {
			/* a fresh denylist (the old one would go stale) */
			char err[512];

			assert_int_equal(yn_fixture_denylist(&s.f, ++s.dl_seq, NULL, 0, now), 0);
			for (r = 0; r < NROLES; r++)
				if (yn_term_reload(&s.st[r].term, err, sizeof(err)) != 0)
					fail_msg("reload: %s", err);
			s.swaps++;
		}
		one_tap(&s, rnd(&s, NROLES), rnd(&s, NCARDS), now);
		if (i + 1 == warm || taps == 1) {
			rss0 = vm_rss_kb();
			fds0 = open_fds();
		}
	}
	rss1 = vm_rss_kb();
	fds1 = open_fds();
	/* Settle what a cut left pending, then count. */
	for (r = 0; r < NROLES; r++) {
		for (c = 0; c < NCARDS; c++) {
			struct slot *sl = &s.st[r].card[c];
			struct yn_outcome o;

			if (sl->ctx.pending.intent_seq != 0) {
				assert_int_equal(yn_reader_wait_card(sl->rd, yn_deadline_in_ms(1000)), 0);
				assert_int_equal(yn_tap_run(&sl->ctx, yn_now_ns(), now + 1, &o), 0);
				assert_int_equal(sl->ctx.pending.intent_seq, 0);
				yn_reader_release(sl->rd, YN_RELEASE_UNPOWER);
			}
		}
	}
	for (r = 0; r < NROLES; r++)
		for (c = 0; c < NCARDS; c++)
			check_card(&s, &s.st[r], &s.st[r].card[c]);
	print_message("%lu taps in %.1f s: gate %lu/%lu/%lu, canteen %lu/%lu/%lu, service "
		      "%lu/%lu/%lu (grant/deny/tap again); faults: %lu cuts at a command, %lu "
		      "inside a write, %lu cards removed, %lu readers reopened, %lu denylist "
		      "swaps; %lu uncertain intents (%lu on the card); VmRSS %ld kB after warm-up, %ld kB at the end; fds %d -> %d\n",
		      taps, (double)(yn_now_ns() - start) / 1e9, s.st[0].grants, s.st[0].denies,
		      s.st[0].again, s.st[1].grants, s.st[1].denies, s.st[1].again, s.st[2].grants,
		      s.st[2].denies, s.st[2].again, s.cut_cmd, s.cut_write, s.removed, s.reopen,
		      s.swaps, s.uncertain, s.uncertain_landed, rss0, rss1, fds0, fds1);
	assert_int_equal(fds1, fds0);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan holds freed memory in quarantine: RSS says nothing; its leak
	 * check at exit does the job instead. */
	(void)rss1;
#else
	if (rss1 > rss0 + 1024)
		fail_msg("memory grew from %ld kB to %ld kB", rss0, rss1);
#endif
	for (r = 0; r < NROLES; r++)
		assert_true(s.st[r].grants > 0 && s.st[r].denies > 0);
	soak_down(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soak_taps_with_faults_memory_flat),
	};

	yn_log_set_level(getenv("YN_LOG_LEVEL") ? YN_LOG_NOTICE : YN_LOG_ERR - 1);
	return cmocka_run_group_tests_name("soak", tests, NULL, NULL);
}
