/*
 * Power loss at the terminal: yiniand --once is killed with SIGKILL at a
 * write or sync boundary of its durable state (the YN_TEST_WIO_KILL_AT hook
 * of validator/wio.c), then restarted, over and over, across random taps of
 * gate, canteen and service-point cards on emu: readers.
 *
 * First every boundary of one run per role is hit in turn (start-up
 * recovery, the intent, the outcome, the denylist floor), then random
 * boundaries of random taps until YN_KILLS kills in all (default 300; the
 * full run is YN_KILLS=5000, `make soak-full`).  After each kill:
 *   - every decision the killed process had emitted on stdout is in the
 *     journal with the same verdict and card (no acknowledged record lost);
 *   - the card changed only together with an intent for it, and a grant in
 *     the journal is always on the card (all or nothing);
 * after the restart (the next, uninterrupted run on that terminal):
 *   - an intent left open by the kill was reported on stderr as UNCERTAIN
 *     and closed by an uncertain outcome record naming it;
 *   - `yinian journal verify` passes; no intent has two outcomes.
 * At the end every acknowledged record is checked again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/err.h"
#include "card/holder.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/journal.h"

#define NCARDS 8
#define NROLES 3
#define MAX_RECS (1u << 22)
#define EPOCH_KILLS 250	/* kills per journal generation */

struct term {
	enum yn_role role;
	char conf[600];
	char journal[600];
	char cards[NCARDS][600];
	uint64_t serial[NCARDS];
	int64_t last_sec[NCARDS];
	unsigned boundaries;	/* boundaries of one whole run (sweep result) */
	int floor_pending;	/* a new denylist this terminal has not started with */
};

struct acked {
	uint64_t seq, serial;
	int grant;
	int role;
};

struct world {
	struct yn_fixture f;
	char *run_dir;		/* cards and journals: /dev/shm when there is one */
	struct term t[NROLES];
	char policy[600];
	char yiniand[600], yinian[600];
	struct acked *acked;
	size_t n_acked, cap_acked, acked_total;
	unsigned kills, uncertain_seen, uncertain_landed, torn_seen, startup_kills, recovery_kills;
	uint64_t dl_seq;	/* the denylist's sequence (a new one now and then) */
	unsigned dl_swaps;
	uint64_t rng;
};

/* ---- small helpers ---------------------------------------------------- */

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

static uint32_t rnd(struct world *w, uint32_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng % n);
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
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Run argv with env var kill (may be NULL); stdout into *out (malloc'd),
 * stderr into errpath.  Returns the wait status. */
static int run(char *const argv[], const char *kill_at, char **out, const char *errpath)
{
	int pfd[2], status = -1;
	pid_t pid;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	assert_non_null(buf);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int efd;

		close(pfd[0]);
		dup2(pfd[1], 1);
		close(pfd[1]);
		efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (efd >= 0) {
			dup2(efd, 2);
			close(efd);
		}
		if (kill_at != NULL)
			setenv("YN_TEST_WIO_KILL_AT", kill_at, 1);
		else
			unsetenv("YN_TEST_WIO_KILL_AT");
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 1024) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*out = buf;
	return status;
}

/* ---- the journal as read back ------------------------------------------ */

struct jview {
	struct yn_journal_rec *r;
	size_t n, cap;
	struct yn_journal_report rep;
	int rc;
};

static int collect(void *ctx, const struct yn_journal_rec *rec, const char *file, uint64_t off)
{
	struct jview *v = ctx;

	(void)file;
	(void)off;
	if (v->n == v->cap) {
		struct yn_journal_rec *g;

		if (v->cap >= MAX_RECS)
			return YN_ENOSPC;
		g = realloc(v->r, (v->cap ? v->cap * 2 : 1024) * sizeof(*g));
		if (g == NULL)
			return YN_ENOMEM;
		v->r = g;
		v->cap = v->cap ? v->cap * 2 : 1024;
	}
	v->r[v->n++] = *rec;
	return 0;
}

static void jread(const char *dir, struct jview *v)
{
	memset(v, 0, sizeof(*v));
	if (access(dir, F_OK) != 0 && errno == ENOENT)
		return;	/* not created yet: empty */
	v->rc = yn_journal_read(dir, collect, v, &v->rep);
}

static void jfree(struct jview *v)
{
	free(v->r);
	yn_journal_report_free(&v->rep);
	memset(v, 0, sizeof(*v));
}

static const struct yn_journal_rec *jfind(const struct jview *v, uint64_t seq)
{
	/* sequences run 1, 2, 3 ... from the first record */
	if (v->n == 0 || seq < v->r[0].seq || seq - v->r[0].seq >= v->n)
		return NULL;
	return &v->r[seq - v->r[0].seq];
}

static const struct yn_journal_rec *joutcome_of(const struct jview *v, uint64_t intent)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->r[i].kind == YN_JKIND_OUTCOME && v->r[i].intent_seq == intent)
			return &v->r[i];
	return NULL;
}

static uint64_t jlast(const struct jview *v)
{
	return v->n ? v->r[v->n - 1].seq : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* No intent has two outcomes; the sequence has no gap. */
static void jcheck_unique(const struct jview *v, const char *dir)
{
	uint64_t *in = calloc(v->n + 1, sizeof(*in));
	size_t i, k = 0;

	assert_non_null(in);
	for (i = 0; i < v->n; i++) {
		if (i > 0 && v->r[i].seq != v->r[i - 1].seq + 1)
			fail_msg("%s: sequence gap after %" PRIu64, dir, v->r[i - 1].seq);
		if (v->r[i].kind == YN_JKIND_OUTCOME && v->r[i].intent_seq != 0)
			in[k++] = v->r[i].intent_seq;
	}
	qsort(in, k, sizeof(*in), cmp_u64);
	for (i = 1; i < k; i++)
		if (in[i] == in[i - 1])
			fail_msg("%s: intent %" PRIu64 " has two outcomes", dir, in[i]);
	free(in);
}

/* ---- set-up ------------------------------------------------------------- */

static void write_conf(struct world *w, struct term *t)
{
	char text[4096];
	const char *extra;

	switch (t->role) {
	case YN_ROLE_GATE: extra = "line = 1\nstation = 10\nkind = entry\n"; break;
	case YN_ROLE_CANTEEN: extra = "district = futian\nprice_fen = 1200\n"; break;
	default: extra = "district = futian\n"; break;
	}
	snprintf(t->journal, sizeof(t->journal), "%s/journal-%s", w->run_dir, yn_role_name(t->role));
	snprintf(t->conf, sizeof(t->conf), "%s/%s.conf", w->run_dir, yn_role_name(t->role));
	snprintf(text, sizeof(text),
		 "[terminal]\nid = PL-%s\nrole = %s\n%sbudget_ms = 2000\n"
		 "[readers]\nreader = emu:%s\n"
		 "[keys]\ndir = %s\n[policy]\nfile = %s\n"
		 "[denylist]\nfile = %s\ntrusted_key = %s/denylist.pub\n"
		 "[journal]\ndir = %s\n[output]\njson_stdout = yes\n",
		 yn_role_name(t->role), yn_role_name(t->role), extra, t->cards[0], w->f.keys,
		 w->policy, w->f.denylist, w->f.keys, t->journal);
	spit(t->conf, text);
}

/* The configuration with the reader pointed at card c. */
static void point_at(struct world *w, struct term *t, unsigned c)
{
	char *text;
	size_t len;
	char *p, *q, buf[8192];

	text = (char *)slurp(t->conf, &len);
	assert_non_null(text);
	p = strstr(text, "reader = emu:");
	assert_non_null(p);
	q = strchr(p, '\n');
	assert_non_null(q);
	snprintf(buf, sizeof(buf), "%.*sreader = emu:%s%s", (int)(p - text), text, t->cards[c], q);
	free(text);
	spit(t->conf, buf);
	(void)w;
}

/* A policy where every tap on the grant path can grant: no passback, the
 * canteen open every day all day, ten meals a day. */
static void write_policy(struct world *w)
{
	size_t len;
	char *text = (char *)slurp("docs/examples/policy-shenzhen.ini", &len);
	char *out, *line, *save = NULL;
	size_t cap;

	assert_non_null(text);
	cap = len + 256;
	out = calloc(1, cap);
	assert_non_null(out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *repl = NULL;

		if (strncmp(line, "passback_minutes", 16) == 0)
			repl = "passback_minutes = 0";
		else if (strncmp(line, "days = workdays", 15) == 0)
			repl = "days = every";
		else if (strncmp(line, "lunch_start", 11) == 0)
			repl = "lunch_start = 00:00";
		else if (strncmp(line, "lunch_end", 9) == 0)
			repl = "lunch_end = 24:00";
		else if (strncmp(line, "meals_per_day", 13) == 0)
			repl = "meals_per_day = 10";
		strncat(out, repl ? repl : line, cap - strlen(out) - 2);
		strcat(out, "\n");
	}
	snprintf(w->policy, sizeof(w->policy), "%s/policy.ini", w->f.dir);
	spit(w->policy, out);
	free(out);
	free(text);
}

/* Cards and journals live in run_dir (a tmpfs when there is one: this test
 * is about processes dying, not disks, and it does thousands of fsyncs). */
static void move_card(struct world *w, char *path, size_t cap)
{
	char to[600];
	const char *base = strrchr(path, '/');
	uint8_t *b;
	size_t n;
	FILE *f;

	if (strcmp(w->run_dir, w->f.dir) == 0)
		return;
	assert_true((size_t)snprintf(to, sizeof(to), "%s%s", w->run_dir, base) < sizeof(to));
	b = slurp(path, &n);
	assert_non_null(b);
	f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	free(b);
	assert_true(strlen(to) < cap);
	memcpy(path, to, strlen(to) + 1);
}

static void world_up(struct world *w)
{
	static const enum yn_role roles[NROLES] = { YN_ROLE_GATE, YN_ROLE_CANTEEN,
						    YN_ROLE_SERVICE };
	const char *b = getenv("YN_BUILD");
	unsigned r, c;

	memset(w, 0, sizeof(*w));
	w->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
	if (getenv("YN_SEED"))
		w->rng = strtoull(getenv("YN_SEED"), NULL, 0) | 1;
	print_message("seed %" PRIu64 " (set YN_SEED to repeat)\n", w->rng);
	snprintf(w->yiniand, sizeof(w->yiniand), "%s/yiniand", b ? b : "build");
	snprintf(w->yinian, sizeof(w->yinian), "%s/yinian", b ? b : "build");
	if (access(w->yiniand, X_OK) != 0 || access(w->yinian, X_OK) != 0)
		fail_msg("%s and %s must be built first (make all)", w->yiniand, w->yinian);
	assert_int_equal(yn_fixture_init(&w->f, (int64_t)time(NULL)), 0);
	{
		char tmpl[] = "/dev/shm/yn-powerloss.XXXXXX";
		char *d = mkdtemp(tmpl);

		w->run_dir = strdup(d ? d : w->f.dir);
		assert_non_null(w->run_dir);
	}
	write_policy(w);
	for (r = 0; r < NROLES; r++) {
		struct term *t = &w->t[r];

		t->role = roles[r];
		for (c = 0; c < NCARDS; c++) {
			struct yn_holder h;
			char name[32];

			yn_fixture_holder(&h, 19500101 + c * 10000, YN_HRES_HUKOU, YN_HDIST_FUTIAN,
					  YN_HCAT_DIBAO, 20311130);
			snprintf(name, sizeof(name), "%s%u", yn_role_name(t->role), c);
			assert_int_equal(yn_fixture_card(&w->f, name, (uint8_t)(r * 16 + c + 1), &h,
							 10000, t->cards[c], sizeof(t->cards[c])),
					 0);
			t->serial[c] = h.serial;
			move_card(w, t->cards[c], sizeof(t->cards[c]));
		}
		write_conf(w, t);
	}
	w->cap_acked = 1024;
	w->acked = calloc(w->cap_acked, sizeof(*w->acked));
	assert_non_null(w->acked);
}

static void world_down(struct world *w)
{
	if (strcmp(w->run_dir, w->f.dir) != 0)
		shm_rmtree(w->run_dir);
	free(w->run_dir);
	free(w->acked);
	yn_fixture_free(&w->f);
}

/* ---- one run and its checks -------------------------------------------- */

static void ack(struct world *w, uint64_t seq, uint64_t serial, int grant, int role)
{
	if (w->n_acked == w->cap_acked) {
		w->cap_acked *= 2;
		w->acked = realloc(w->acked, w->cap_acked * sizeof(*w->acked));
		assert_non_null(w->acked);
	}
	w->acked[w->n_acked++] = (struct acked){ seq, serial, grant, role };
	w->acked_total++;
}

/* Every acknowledged record of role r is in its journal as emitted. */
static void check_acked(struct world *w, unsigned r, const struct jview *v)
{
	size_t i;

	for (i = 0; i < w->n_acked; i++) {
		const struct acked *a = &w->acked[i];
		const struct yn_journal_rec *rec;

		if (a->role != (int)r)
			continue;
		rec = jfind(v, a->seq);
		if (rec == NULL)
			fail_msg("%s: acknowledged record %" PRIu64 " is gone", w->t[r].journal,
				 a->seq);
		if (rec->kind != YN_JKIND_OUTCOME || rec->card_serial != a->serial ||
		    (rec->decision == YN_JDEC_GRANT) != a->grant)
			fail_msg("%s: record %" PRIu64 " is not the decision that was emitted",
				 w->t[r].journal, a->seq);
	}
}

/* Parse the decision lines a run printed: acknowledge each. */
static size_t take_lines(struct world *w, unsigned r, const char *out, uint64_t serial,
			 int *granted)
{
	const char *p = out;
	size_t n = 0;

	*granted = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		json_error_t je;
		json_t *j;

		if (nl == NULL)
			break;	/* a partial line was never emitted */
		j = json_loadb(p, (size_t)(nl - p), 0, &je);
		if (j == NULL)
			fail_msg("bad output line: %.*s", (int)(nl - p), p);
		if (strcmp(json_string_value(json_object_get(j, "type")), "decision") == 0) {
			const char *v = json_string_value(json_object_get(j, "verdict"));
			json_int_t seq = json_integer_value(json_object_get(j, "journal_seq"));
			uint64_t sn = (uint64_t)json_integer_value(json_object_get(j, "serial"));

			assert_non_null(v);
			if (strcmp(v, "grant") == 0)
				*granted = 1;
			if (seq > 0) {
				/* a decision line names the card it decided */
				if (sn != serial)
					fail_msg("emitted decision for serial %" PRIu64 ", card %" PRIu64,
						 sn, serial);
				ack(w, (uint64_t)seq, sn, strcmp(v, "grant") == 0, (int)r);
			} else {
				assert_string_not_equal(v, "grant");
			}
			n++;
		}
		json_decref(j);
		p = nl + 1;
	}
	return n;
}

struct run_result {
	int killed;		/* died of SIGKILL */
	int exit_code;
	int granted;		/* emitted a grant */
	int card_changed;
	uint64_t open_intent;	/* an intent this run left without outcome */
};

/*
 * One run of yiniand --once on card c of terminal r, killed at boundary
 * kill_at (0: not killed).  Checks what can be checked right after it.
 */
static void one_run(struct world *w, unsigned r, unsigned c, unsigned long kill_at, int half,
		    struct run_result *res)
{
	struct term *t = &w->t[r];
	char a1[] = "--config", a3[] = "--once";
	char *argv[] = { w->yiniand, a1, t->conf, a3, NULL };
	char errpath[700], karg[40], *out = NULL, *errtext;
	uint8_t *before, *after;
	size_t blen, alen, elen, i;
	struct jview v0, v1;
	uint64_t last0;
	int st;

	memset(res, 0, sizeof(*res));
	point_at(w, t, c);
	before = slurp(t->cards[c], &blen);
	assert_non_null(before);
	jread(t->journal, &v0);
	last0 = jlast(&v0);
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", w->run_dir);
	snprintf(karg, sizeof(karg), "%lu%s", kill_at, half ? ":half" : "");
	st = run(argv, kill_at ? karg : NULL, &out, errpath);
	t->last_sec[c] = (int64_t)time(NULL);
	res->killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (!res->killed && !(WIFEXITED(st) && (res->exit_code == 0 || res->exit_code == 3))) {
		errtext = (char *)slurp(errpath, &elen);
		fail_msg("yiniand (kill at %s) ended with status %#x: %s", karg, st,
			 errtext ? errtext : "");
	}
	if (kill_at == 0 && res->killed)
		fail_msg("yiniand died of SIGKILL without the hook");
	take_lines(w, r, out, t->serial[c], &res->granted);
	free(out);

	after = slurp(t->cards[c], &alen);
	assert_non_null(after);
	res->card_changed = alen != blen || memcmp(before, after, blen) != 0;
	free(before);
	free(after);

	jread(t->journal, &v1);
	if (v1.rc != 0)
		fail_msg("%s unreadable after a kill at %s: %s (%s)", t->journal, karg,
			 yn_strerror(v1.rc), v1.rep.bad_why);
	if (v1.rep.torn)
		w->torn_seen++;
	jcheck_unique(&v1, t->journal);
	check_acked(w, r, &v1);

	/* Intents open before this run: recovery (if it got that far) closed
	 * them as uncertain and said so. */
	errtext = (char *)slurp(errpath, &elen);
	for (i = 0; i < v0.rep.n_uncertain; i++) {
		const struct yn_journal_intent *in = &v0.rep.uncertain[i];
		const struct yn_journal_rec *o = joutcome_of(&v1, in->seq);
		char want[128];

		if (o == NULL)
			continue;	/* killed before recovery wrote it */
		if (o->decision != YN_JDEC_UNCERTAIN || o->reason != YN_JREASON_CRASH_RECOVERY ||
		    o->card_serial != in->card_serial)
			fail_msg("intent %" PRIu64 " closed by record %" PRIu64 " as %s, reason %u",
				 in->seq, o->seq, yn_journal_decision_name(o->decision), o->reason);
		snprintf(want, sizeof(want), "UNCERTAIN: record %" PRIu64 " (card serial %" PRIu64 ")",
			 in->seq, in->card_serial);
		if (!res->killed && (errtext == NULL || strstr(errtext, want) == NULL))
			fail_msg("recovery closed intent %" PRIu64 " but did not report it (\"%s\")",
				 in->seq, want);
		w->uncertain_seen++;
	}
	free(errtext);

	/* What this run wrote about card c. */
	{
		uint64_t intent = 0, grants = 0;
		const struct yn_journal_rec *o = NULL;

		for (i = 0; i < v1.n; i++) {
			const struct yn_journal_rec *rec = &v1.r[i];

			if (rec->seq <= last0 || rec->card_serial != t->serial[c])
				continue;
			if (rec->kind == YN_JKIND_INTENT) {
				assert_int_equal(intent, 0);	/* one intent per tap */
				intent = rec->seq;
			} else if (rec->decision == YN_JDEC_GRANT) {
				grants++;
				if (rec->intent_seq == 0)
					fail_msg("grant %" PRIu64 " without an intent", rec->seq);
			}
		}
		if (intent)
			o = joutcome_of(&v1, intent);
		if (res->card_changed) {
			/* The write is on the card: the journal had the intent first,
			 * and it is not closed as "not granted". */
			if (intent == 0)
				fail_msg("card %" PRIu64 " changed without an intent (kill at %s)",
					 t->serial[c], karg);
			if (o != NULL && o->decision != YN_JDEC_GRANT)
				fail_msg("card %" PRIu64 " holds the write of intent %" PRIu64
					 " closed as %s", t->serial[c], intent,
					 yn_journal_decision_name(o->decision));
			if (o == NULL)
				res->open_intent = intent;
		} else {
			if (grants != 0)
				fail_msg("card %" PRIu64 ": journal grants %" PRIu64 " but the card "
					 "is unchanged (kill at %s)", t->serial[c], grants, karg);
			if (res->granted)
				fail_msg("a grant was emitted for an unchanged card");
			if (intent && o == NULL)
				res->open_intent = intent;
		}
		if (res->granted && !res->card_changed)
			fail_msg("grant emitted without the card write");
	}
	jfree(&v0);
	jfree(&v1);
}

/* The restart after a kill: an uninterrupted run closes every intent left
 * open as uncertain; then `yinian journal verify` passes. */
static void restart(struct world *w, unsigned r)
{
	struct term *t = &w->t[r];
	struct run_result res;
	struct jview v;
	char a1[] = "journal", a2[] = "verify";
	char *argv[] = { w->yinian, a1, a2, t->journal, NULL };
	char errpath[700], *out = NULL;
	unsigned c = rnd(w, NCARDS);
	int st;

	if (t->last_sec[c] == (int64_t)time(NULL))
		c = (c + 1) % NCARDS;	/* a trip record per second and card at most */
	one_run(w, r, c, 0, 0, &res);
	if (res.killed || (res.exit_code != 0 && res.exit_code != 3))
		fail_msg("%s: the run after a restart failed (exit %d)", yn_role_name(t->role),
			 res.exit_code);
	jread(t->journal, &v);
	if (v.rep.n_uncertain != 0)
		fail_msg("%s: intent %" PRIu64 " still open after a restart", t->journal,
			 v.rep.uncertain[0].seq);
	jfree(&v);
	snprintf(errpath, sizeof(errpath), "%s/verify.txt", w->run_dir);
	st = run(argv, NULL, &out, errpath);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("yinian journal verify %s failed: %s", t->journal, out);
	free(out);
}

static void count_kill(struct world *w, const struct run_result *res)
{
	if (!res->killed)
		return;
	w->kills++;
	if (!res->card_changed && res->open_intent == 0 && !res->granted)
		w->startup_kills++;
	if (res->open_intent && res->card_changed)
		w->uncertain_landed++;
}

/* Kill a run at boundary n; sometimes kill the restart too (in recovery:
 * cutting the torn tail, writing the uncertain records); then restart. */
static void kill_and_restart(struct world *w, unsigned r, unsigned c, unsigned long n, int half,
			     int chain, struct run_result *res)
{
	struct run_result again;

	one_run(w, r, c, n, half, res);
	count_kill(w, res);
	while (chain && rnd(w, 3) == 0) {
		unsigned c2 = rnd(w, NCARDS);

		if (w->t[r].last_sec[c2] == (int64_t)time(NULL))
			c2 = (c2 + 1) % NCARDS;
		one_run(w, r, c2, 1 + rnd(w, w->t[r].boundaries + 4), (int)rnd(w, 2), &again);
		count_kill(w, &again);
		w->recovery_kills += again.killed;
	}
	restart(w, r);
}

/* Close an epoch: every journal is checked in full (verified, nothing
 * open, every acknowledged decision there), then moved out of the way so
 * that a long run keeps reading short journals. */
static void end_epoch(struct world *w, unsigned epoch)
{
	char to[700], cmd[1500];
	unsigned r;
	for (r = 0; r < NROLES; r++) {
		struct jview v;

		jread(w->t[r].journal, &v);
		assert_int_equal(v.rc, 0);
		assert_false(v.rep.torn);
		assert_int_equal(v.rep.n_uncertain, 0);
		jcheck_unique(&v, w->t[r].journal);
		check_acked(w, r, &v);
		jfree(&v);
		snprintf(to, sizeof(to), "%s.%u", w->t[r].journal, epoch);
		assert_int_equal(rename(w->t[r].journal, to), 0);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", to);
		assert_int_equal(system(cmd), 0);
	}
	w->n_acked = 0;	/* all checked: the new journals start empty */
}

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 10) : dflt;
}

static void test_powerloss_kill_at_every_boundary_then_random(void **state)
{
	struct world w;
	unsigned long target = env_ul("YN_KILLS", 300);
	unsigned r, epoch = 0;
	struct run_result res;

	(void)state;
	world_up(&w);
	/* The sweep: boundary 1, 2, 3 ... of a run, each role, until a run
	 * goes through without reaching the armed boundary. */
	for (r = 0; r < NROLES; r++) {
		unsigned long n;

		for (n = 1; n < 200; n++) {
			unsigned c = (unsigned)(n % NCARDS);

			if (w.t[r].last_sec[c] == (int64_t)time(NULL))
				c = (c + 1) % NCARDS;
			kill_and_restart(&w, r, c, n, (int)(n & 1), 0, &res);
			if (!res.killed)
				break;
		}
		assert_true(n < 200);
		w.t[r].boundaries = (unsigned)n - 1;
		print_message("%s: %u write/sync boundaries in a run, each killed once\n",
			      yn_role_name(w.t[r].role), w.t[r].boundaries);
		assert_true(w.t[r].boundaries >= 4);	/* intent + outcome at least */
	}
	/* Random taps, random boundaries.  Now and then a new denylist: the
	 * next start of each terminal then raises its rollback floor (a state
	 * file written atomically: four more boundaries), and a kill there
	 * must not keep the terminal from starting again. */
	w.dl_seq = 1;
	while (w.kills < target) {
		unsigned c;

		if (rnd(&w, 10) == 0) {
			assert_int_equal(yn_fixture_denylist(&w.f, ++w.dl_seq, NULL, 0,
							     (int64_t)time(NULL)), 0);
			w.dl_swaps++;
			for (r = 0; r < NROLES; r++)
				w.t[r].floor_pending = 1;
		}
		r = rnd(&w, NROLES);
		c = rnd(&w, NCARDS);
		if (w.t[r].last_sec[c] == (int64_t)time(NULL))
			c = (c + 1) % NCARDS;
		/* the first run after a new list has the floor's boundaries too */
		kill_and_restart(&w, r, c,
				 1 + rnd(&w, w.t[r].boundaries + (w.t[r].floor_pending ? 4 : 0)),
				 (int)rnd(&w, 2), 1, &res);
		w.t[r].floor_pending = 0;	/* the restart installed it */
		if (w.kills >= (epoch + 1) * EPOCH_KILLS)
			end_epoch(&w, ++epoch);
	}
	for (r = 0; r < NROLES; r++) {
		struct jview v;

		jread(w.t[r].journal, &v);
		assert_int_equal(v.rc, 0);
		assert_false(v.rep.torn);
		assert_int_equal(v.rep.n_uncertain, 0);
		jcheck_unique(&v, w.t[r].journal);
		check_acked(&w, r, &v);
		jfree(&v);
	}
	print_message("%u kills (%u before the intent was written, %u of a restart), %zu "
		      "acknowledged decisions all kept, %u uncertain intents reported and closed "
		      "(%u of them on the card), %u torn journal tails cut, %u denylist "
		      "swaps\n", w.kills, w.startup_kills, w.recovery_kills, w.acked_total,
		      w.uncertain_seen, w.uncertain_landed, w.torn_seen, w.dl_swaps);
	assert_true(w.uncertain_seen > 0);
	world_down(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_powerloss_kill_at_every_boundary_then_random),
	};

	return cmocka_run_group_tests_name("powerloss", tests, NULL, NULL);
}
