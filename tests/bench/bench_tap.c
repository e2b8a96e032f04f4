/*
 * bench_tap: tap to decision on the daemon's own code path (terminal + tap:
 * real keys, policy, signed denylist, durable journal), through each reader
 * path, plus the work per tap, a libfreefare peer and a soak.
 *
 *   bench_tap [--paths LIST] [--rounds N] [--warmup N] [--pairs N]
 *             [--soak N] [--json FILE] [--yinian PATH]
 *
 *   --paths   comma list of emu, pcsc, nfc (default emu,nfc; "none" for
 *             none).  emu: the software card linked in (emu: reader).
 *             pcsc: `yinian card serve` on vpcd behind a running pcscd
 *             (only under scripts/pcsc-rig, which sets YN_PCSCD_PID,
 *             YN_PCSC_READER and YN_VPCD_PORT).  nfc: `yinian card serve --pn532` on a
 *             pseudo-terminal, reached through Debian's libnfc (pn532_uart).
 *   --rounds  measured rounds (default 300).  A round is one gate tap and
 *             one canteen tap on every path, the paths interleaved, so that
 *             every path sees the same machine state.
 *   --warmup  unmeasured rounds first (default 20: fills the trip log to its
 *             steady 15 records, fills caches).
 *   --pairs   libfreefare comparison pairs on the nfc path (default 100;
 *             0 skips).  Needs the nfc path.
 *   --soak    consecutive in-process gate taps (default 0 = none), with the
 *             resident memory at start and end.
 *   --json    write every figure as JSON to FILE.
 *
 * Every measured tap is meant to be a real grant with card writes and
 * CommitTransaction: each round uses the next working day (gate 12:00,
 * canteen 12:10 local), so neither anti-passback nor once-a-day refuses it;
 * the denylist is re-signed (untimed) every 20 simulated days so that it
 * never goes stale.  Grants and denials are counted and reported.  The
 * software cards' state files live on tmpfs (/dev/shm when writable): the
 * card's own non-volatile write is not the terminal's cost; the journal is
 * on the disk under /tmp, as a gate's would be.
 *
 * Exit status: 0 when every tap and pair succeeded (grants where grants
 * were expected) and the soak's memory did not grow; 1 otherwise; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <freefare.h>
#include <jansson.h>
#include <nfc/nfc.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/desfire.h"
#include "card/holder.h"
#include "card/keyset.h"
#include "card/yinian_app.h"
#include "reader/reader.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

#define MAX_PATHS 3
#define ROLE_GATE 0
#define ROLE_CANTEEN 1
#define PRICE_FEN 1200
#define DL_REFRESH_S (20 * 86400)
#define APDU_LOG_MAX 64

/* ---- samples and statistics ---- */

struct series {
	uint64_t *v;
	size_t n, cap;
};

static int series_add(struct series *s, uint64_t x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return YN_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

/* Room for n samples, touched so that its pages are resident before the
 * soak reads its first VmRSS. */
static int series_reserve(struct series *s, size_t n)
{
	uint64_t *v = realloc(s->v, n * sizeof(*v));

	if (v == NULL)
		return YN_ENOMEM;
	memset(v, 0, n * sizeof(*v));
	s->v = v;
	s->cap = n;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double p50, p99, max, mean;
	size_t n;
};

/* Nearest-rank percentiles of s, in the unit of the samples divided by div. */
static struct stats series_stats(struct series *s, double div)
{
	struct stats st = { 0 };
	double sum = 0;
	size_t i;

	st.n = s->n;
	if (s->n == 0)
		return st;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	st.p50 = (double)s->v[(s->n + 1) / 2 - 1] / div;
	st.p99 = (double)s->v[(s->n * 99 + 99) / 100 - 1] / div;
	st.max = (double)s->v[s->n - 1] / div;
	st.mean = sum / (double)s->n / div;
	return st;
}

static json_t *stats_json(struct series *s, double div)
{
	struct stats st = series_stats(s, div);

	return json_pack("{s:I, s:f, s:f, s:f, s:f}", "n", (json_int_t)st.n, "p50", st.p50, "p99",
			 st.p99, "max", st.max, "mean", st.mean);
}

static long vmrss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* ---- child processes (card servers), stopped by PID ---- */

static pid_t children[4];
static size_t n_children;

static void stop_child(pid_t pid)
{
	int st, i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto gone;
		yn_sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
gone:
	for (i = 0; i < (int)n_children; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static void stop_children(void)
{
	size_t i;

	for (i = n_children; i > 0; i--)
		stop_child(children[i - 1]);
	n_children = 0;
}

static void on_signal(int sig)
{
	size_t i;

	for (i = 0; i < n_children; i++)
		if (children[i] > 0)
			kill(children[i], SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Start `yinian card serve --state card OPT ARG`; its stdout goes to
 * /dev/null, warnings and errors to our stderr. */
static pid_t spawn_serve(const char *yinian, const char *card, const char *opt, const char *arg)
{
	pid_t pid;

	if (n_children == sizeof(children) / sizeof(children[0]))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		setenv("YN_LOG_LEVEL", "warn", 1);
		execl(yinian, yinian, "card", "serve", "--state", card, opt, arg, (char *)NULL);
		fprintf(stderr, "bench_tap: cannot run %s: %s\n", yinian, strerror(errno));
		_exit(127);
	}
	children[n_children++] = pid;
	return pid;
}

static int copy_file(const char *from, const char *to)
{
	char buf[8192];
	ssize_t n;
	int in, out, r = 0;

	in = open(from, O_RDONLY);
	if (in < 0)
		return YN_EIO;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (out < 0) {
		close(in);
		return YN_EIO;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = YN_EIO;
			break;
		}
	if (n < 0)
		r = YN_EIO;
	close(in);
	if (close(out) != 0)
		r = YN_EIO;
	return r;
}

/* ---- the terminal set-up ---- */

struct bench {
	struct yn_fixture f;
	char carddir[256];		/* tmpfs directory for the cards' state */
	int carddir_tmpfs;
	struct yn_config cfg[2];	/* gate, canteen */
	struct yn_term term[2];
	int term_open[2];
	uint64_t dl_seq;
	int64_t dl_at;			/* simulated time the list was signed */
	size_t n_prepared;		/* lists signed ahead: <f.dir>/dl-<seq>.bin */
	const char *yinian;
};

static int bench_up(struct bench *b, int64_t start, int roles)
{
	char err[1024];
	int i, r;

	b->dl_seq = 1;
	b->dl_at = start;
	if ((r = yn_fixture_init(&b->f, start)) != 0) {
		fprintf(stderr, "bench_tap: fixture: %s\n", yn_strerror(r));
		return r;
	}
	snprintf(b->carddir, sizeof(b->carddir), "/dev/shm/yn-bench-tap.XXXXXX");
	if (mkdtemp(b->carddir) != NULL) {
		b->carddir_tmpfs = 1;
	} else {
		snprintf(b->carddir, sizeof(b->carddir), "%s/cards", b->f.dir);
		if (mkdir(b->carddir, 0700) != 0)
			return YN_EIO;
	}
	for (i = 0; i < roles; i++) {
		yn_fixture_config(&b->f, &b->cfg[i], i == ROLE_GATE ? YN_ROLE_GATE : YN_ROLE_CANTEEN,
				  "emu:unused", PRICE_FEN);
		r = yn_term_open(&b->term[i], &b->cfg[i], err, sizeof(err));
		if (r != 0) {
			fprintf(stderr, "bench_tap: terminal: %s\n", err);
			return r;
		}
		b->term_open[i] = 1;
	}
	return 0;
}

static void bench_down(struct bench *b)
{
	char cmd[600];
	int i;

	for (i = 0; i < 2; i++)
		if (b->term_open[i])
			yn_term_close(&b->term[i]);
	if (b->carddir_tmpfs && strncmp(b->carddir, "/dev/shm/yn-bench-tap.", 22) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->carddir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_tap: could not remove %s\n", b->carddir);
	}
	yn_fixture_free(&b->f);
}

/* Issue a card for a 72-year-old Futian hukou holder on minimum living
 * allowance (free rides; canteen subsidy up to 15 yuan) and move its state
 * file to the card directory. */
static int bench_card(struct bench *b, const char *name, uint8_t tail, char *path, size_t cap)
{
	struct yn_holder h;
	char issued[600];
	int r;

	yn_fixture_holder(&h, 19540501, YN_HRES_HUKOU, YN_HDIST_FUTIAN, YN_HCAT_DIBAO, 20311130);
	if ((r = yn_fixture_card(&b->f, name, tail, &h, 0, issued, sizeof(issued))) != 0)
		return r;
	snprintf(path, cap, "%s/%s.card", b->carddir, name);
	return copy_file(issued, path);
}

/* Keep the denylist fresh in simulated time: a new signed list (untimed)
 * when the one in force is 20 days old, then the terminal's reload (the
 * daemon's SIGHUP path).  Lists prepared by bench_prepare_denylists are
 * moved into place instead of being signed here, so that the signing (a
 * back-office job) stays out of the soak's memory figures. */
static int bench_refresh_denylist(struct bench *b, int64_t now, int roles)
{
	char err[512], from[600];
	int i, r;

	if (now - b->dl_at < DL_REFRESH_S)
		return 0;
	b->dl_seq++;
	b->dl_at = now;
	if (b->dl_seq <= b->n_prepared + 1) {
		snprintf(from, sizeof(from), "%s/dl-%" PRIu64 ".bin", b->f.dir, b->dl_seq);
		r = rename(from, b->f.denylist) == 0 ? 0 : YN_EIO;
	} else {
		r = yn_fixture_denylist(&b->f, b->dl_seq, NULL, 0, now);
	}
	if (r != 0)
		return r;
	for (i = 0; i < roles; i++)
		if ((r = yn_term_reload(&b->term[i], err, sizeof(err))) != 0) {
			fprintf(stderr, "bench_tap: denylist reload: %s\n", err);
			return r;
		}
	return 0;
}

/* Sign the lists that taps up to simulated time `until` will need. */
static int bench_prepare_denylists(struct bench *b, int64_t until)
{
	char keep[600], to[600];
	uint64_t seq;
	int64_t at;
	int r;

	snprintf(keep, sizeof(keep), "%s.keep", b->f.denylist);
	if (rename(b->f.denylist, keep) != 0)
		return YN_EIO;
	for (seq = 2, at = b->dl_at + DL_REFRESH_S; at <= until; seq++, at += DL_REFRESH_S) {
		/* refreshed at the first tap at or after `at`; signed as of `at` */
		if ((r = yn_fixture_denylist(&b->f, seq, NULL, 0, at)) != 0)
			return r;
		snprintf(to, sizeof(to), "%s/dl-%" PRIu64 ".bin", b->f.dir, seq);
		if (rename(b->f.denylist, to) != 0)
			return YN_EIO;
		b->n_prepared++;
	}
	return rename(keep, b->f.denylist) == 0 ? 0 : YN_EIO;
}

/* Local noon (plus sec) of the k-th working day (Monday to Friday) from
 * the day of start. */
static int64_t workday(int64_t start, unsigned k, uint32_t sec_of_day)
{
	struct yn_localtime lt;
	int64_t day;

	yn_localtime_from_unix(start, &lt);
	day = lt.days;
	for (;;) {
		if (yn_date_weekday(day) <= 5) {
			if (k == 0)
				break;
			k--;
		}
		day++;
	}
	return yn_localtime_to_unix(day, sec_of_day);
}

/* ---- one reader path ---- */

struct side {			/* one role on one path */
	struct yn_tap_ctx ctx;
	int ctx_ok;
	struct series lat, sync, total, wait;
	unsigned grants, denials, again;
	char deny_reason[32];
	uint32_t apdus_min, apdus_max;
	uint64_t apdus_sum, out_sum, in_sum;
};

struct path {
	const char *id;
	const char *name;
	char card[600];
	char uri[700];
	struct yn_reader *rd;
	pid_t server;
	struct side side[2];
	int failed;
	char err[1024];
};

static const char *role_name(int role)
{
	return role == ROLE_GATE ? "gate" : "canteen";
}

static int path_open(struct bench *b, struct path *p, uint8_t tail, int roles)
{
	char link[300];
	const char *env;
	int i, r;

	if ((r = bench_card(b, p->id, tail, p->card, sizeof(p->card))) != 0) {
		snprintf(p->err, sizeof(p->err), "card not issued: %s", yn_strerror(r));
		return r;
	}
	if (strcmp(p->id, "emu") == 0) {
		snprintf(p->uri, sizeof(p->uri), "emu:%s", p->card);
	} else if (strcmp(p->id, "pcsc") == 0) {
		char vpcd[64];

		/* Only beside our own pcscd: a card put on a foreign pcscd's
		 * vpcd port would land in someone else's test. */
		if (getenv("YN_PCSCD_PID") == NULL) {
			snprintf(p->err, sizeof(p->err), "the pcsc path runs only under "
				 "scripts/pcsc-rig (YN_PCSCD_PID is not set)");
			return YN_EINVAL;
		}

		env = getenv("YN_VPCD_PORT");
		snprintf(vpcd, sizeof(vpcd), "127.0.0.1:%s", env ? env : "35963");
		env = getenv("YN_PCSC_READER");
		snprintf(p->uri, sizeof(p->uri), "pcsc:%s", env ? env : "Virtual PCD 00 00");
		p->server = spawn_serve(b->yinian, p->card, "--vpcd", vpcd);
	} else {
		snprintf(link, sizeof(link), "%s/pn532", b->carddir);
		snprintf(p->uri, sizeof(p->uri), "nfc:pn532_uart:%s", link);
		p->server = spawn_serve(b->yinian, p->card, "--pn532", link);
		for (i = 0; i < 250 && access(link, F_OK) != 0; i++)
			yn_sleep_ms(20);
	}
	if (p->server < 0) {
		snprintf(p->err, sizeof(p->err), "cannot start the card server");
		return YN_EIO;
	}
	for (i = 0; i < 50; i++) {
		r = yn_reader_open(p->uri, &p->rd);
		if (r == 0)
			break;
		yn_sleep_ms(100);
	}
	if (r != 0) {
		snprintf(p->err, sizeof(p->err), "cannot open %s: %s", p->uri, yn_strerror(r));
		return r;
	}
	/* The first presence may take pcscd's 400 ms poll. */
	if ((r = yn_reader_wait_card(p->rd, yn_deadline_in_ms(10000))) != 0) {
		snprintf(p->err, sizeof(p->err), "no card on %s: %s", p->uri, yn_strerror(r));
		return r;
	}
	for (i = 0; i < roles; i++) {
		if ((r = yn_tap_ctx_init(&p->side[i].ctx, &b->term[i], p->rd)) != 0) {
			snprintf(p->err, sizeof(p->err), "tap context: %s", yn_strerror(r));
			return r;
		}
		p->side[i].ctx_ok = 1;
		p->side[i].apdus_min = UINT32_MAX;
	}
	return 0;
}

static void path_close(struct path *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p->side[i].ctx_ok)
			yn_tap_ctx_free(&p->side[i].ctx);
		p->side[i].ctx_ok = 0;
	}
	yn_reader_close(p->rd);
	p->rd = NULL;
	if (p->server > 0)
		stop_child(p->server);
	p->server = 0;
}

static void path_free(struct path *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(p->side[i].lat.v);
		free(p->side[i].sync.v);
		free(p->side[i].total.v);
		free(p->side[i].wait.v);
	}
}

/* One tap as the daemon runs it: card present (wait_card), t0, the tap,
 * then a warm reset so that the next tap starts a new card session. */
static int tap_once(struct path *p, int role, int64_t now, int measure)
{
	struct side *s = &p->side[role];
	struct yn_outcome o;
	uint64_t w0, t0, t1;
	int e;

	w0 = yn_now_ns();
	e = yn_reader_wait_card(p->rd, yn_deadline_in_ms(5000));
	if (e != 0) {
		snprintf(p->err, sizeof(p->err), "%s: card not present: %s", role_name(role),
			 yn_strerror(e));
		return e;
	}
	t0 = yn_now_ns();
	e = yn_tap_run(&s->ctx, t0, now, &o);
	t1 = yn_now_ns();
	yn_reader_release(p->rd, YN_RELEASE_RESET);
	if (e != 0) {
		snprintf(p->err, sizeof(p->err), "%s: journal failed: %s", role_name(role),
			 yn_strerror(e));
		return e;
	}
	if (!measure)
		return 0;
	if (o.verdict == YN_VERDICT_GRANT) {
		s->grants++;
	} else if (o.verdict == YN_VERDICT_DENY) {
		s->denials++;
		snprintf(s->deny_reason, sizeof(s->deny_reason), "%s", o.reason);
	} else {
		s->again++;
		snprintf(s->deny_reason, sizeof(s->deny_reason), "%s", o.reason);
	}
	if (o.apdus < s->apdus_min)
		s->apdus_min = o.apdus;
	if (o.apdus > s->apdus_max)
		s->apdus_max = o.apdus;
	s->apdus_sum += o.apdus;
	s->out_sum += o.bytes_out;
	s->in_sum += o.bytes_in;
	if (series_add(&s->lat, o.latency_us) != 0 || series_add(&s->sync, o.sync_us) != 0 ||
	    series_add(&s->total, (t1 - t0) / 1000) != 0 ||
	    series_add(&s->wait, (t0 - w0) / 1000) != 0)
		return YN_ENOMEM;
	return 0;
}

static json_t *side_json(struct path *p, int role)
{
	struct side *s = &p->side[role];
	size_t n = s->lat.n ? s->lat.n : 1;

	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:o,"
			 " s:I, s:I, s:f, s:f, s:f}",
			 "path", p->id, "name", p->name, "role", role_name(role), "uri", p->uri,
			 "taps", (json_int_t)s->lat.n, "grants", (json_int_t)s->grants,
			 "denials", (json_int_t)s->denials, "tap_again", (json_int_t)s->again,
			 "last_refusal", s->deny_reason,
			 "decision_us", stats_json(&s->lat, 1), "sync_us", stats_json(&s->sync, 1),
			 "total_us", stats_json(&s->total, 1),
			 "card_connect_us", stats_json(&s->wait, 1),
			 "apdus_min", (json_int_t)(s->apdus_min == UINT32_MAX ? 0 : s->apdus_min),
			 "apdus_max", (json_int_t)s->apdus_max,
			 "apdus_mean", (double)s->apdus_sum / (double)n,
			 "bytes_out_mean", (double)s->out_sum / (double)n,
			 "bytes_in_mean", (double)s->in_sum / (double)n);
}

/* ---- work per tap: a recording reader around the emu reader ---- */

struct rec_reader {
	struct yn_reader base;
	struct yn_reader *inner;
	size_t n;
	size_t cmd[APDU_LOG_MAX], rsp[APDU_LOG_MAX];
};

static struct yn_reader *rec_inner(struct yn_reader *r)
{
	return ((struct rec_reader *)r)->inner;
}

static int rec_open(const char *arg, struct yn_reader **out)
{
	(void)arg;
	*out = NULL;
	return YN_ENOTSUP;
}

static int rec_wait_card(struct yn_reader *r, uint64_t deadline)
{
	return yn_reader_wait_card(rec_inner(r), deadline);
}

static int rec_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	return yn_reader_card_info(rec_inner(r), info);
}

static int rec_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t resp_cap, size_t *resp_len, uint64_t deadline)
{
	struct rec_reader *w = (struct rec_reader *)r;
	int e = yn_reader_transmit(w->inner, cmd, cmd_len, resp, resp_cap, resp_len, deadline);

	if (e == 0 && w->n < APDU_LOG_MAX) {
		w->cmd[w->n] = cmd_len;
		w->rsp[w->n] = *resp_len;
		w->n++;
	}
	return e;
}

static int rec_release(struct yn_reader *r, enum yn_release how)
{
	return yn_reader_release(rec_inner(r), how);
}

static int rec_wait_removed(struct yn_reader *r, uint64_t deadline)
{
	return yn_reader_wait_removed(rec_inner(r), deadline);
}

static void rec_close(struct yn_reader *r)
{
	(void)r;	/* the inner reader is closed by its owner */
}

static const struct yn_reader_ops rec_ops = {
	.scheme = "rec",
	.open = rec_open,
	.wait_card = rec_wait_card,
	.card_info = rec_card_info,
	.transmit = rec_transmit,
	.release = rec_release,
	.wait_removed = rec_wait_removed,
	.close = rec_close,
};

/*
 * Floor of the ISO 14443-A air time for the recorded APDUs, at 106, 212,
 * 424 and 848 kbit/s.  Assumptions (docs/benchmarks.md):
 *  - a bit lasts 128/fc (9.44 us at 106 kbit/s), halving with each step;
 *  - every byte is 9 bits (8 data + odd parity);
 *  - each ISO-DEP block carries PCB (1) and CRC_A (2), no CID, no NAD;
 *  - FSC 64 (DESFire EV2's ATS: FSCI 5) limits a command block to 61 INF
 *    bytes, FSD 256 a response block to 253: longer APDUs are chained, each
 *    chained block answered by a 3-byte R(ACK);
 *  - one frame delay of 86 us (1172/fc, ISO 14443-3's FDT) per exchange
 *    (one PCD frame and its answer), at every bit rate;
 *  - nothing for the card's processing, the reader's own turnaround, SOF/EOF,
 *    waiting-time extensions or the activation (REQA ... RATS) before t0.
 */
static const unsigned rates_kbps[4] = { 106, 212, 424, 848 };

struct airtime {
	size_t apdus, cmd_bytes, rsp_bytes, frames, exchanges, frame_bytes;
	double us[4];
};

static size_t blocks(size_t len, size_t inf_max)
{
	return len == 0 ? 1 : (len + inf_max - 1) / inf_max;
}

static void airtime_of(const struct rec_reader *w, struct airtime *a)
{
	const double fdt_us = 86.0, bit106_us = 128.0 / 13.56;
	size_t i, bytes = 0, exch = 0, frames = 0;
	int k;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < w->n; i++) {
		size_t cb = blocks(w->cmd[i], 61), rb = blocks(w->rsp[i], 253);

		/* command blocks; each but the last draws an R(ACK) */
		bytes += w->cmd[i] + cb * 3 + (cb - 1) * 3;
		/* response blocks; each but the last is asked for by an R(ACK) */
		bytes += w->rsp[i] + rb * 3 + (rb - 1) * 3;
		frames += 2 * cb + 2 * rb - 2;
		exch += cb + rb - 1;
		a->cmd_bytes += w->cmd[i];
		a->rsp_bytes += w->rsp[i];
	}
	a->apdus = w->n;
	a->frames = frames;
	a->exchanges = exch;
	a->frame_bytes = bytes;
	for (k = 0; k < 4; k++)
		a->us[k] = (double)bytes * 9.0 * bit106_us * 106.0 / rates_kbps[k] +
			   (double)exch * fdt_us;
}

static json_t *airtime_json(const char *role, const struct airtime *a)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "role", role, "apdus",
			      (json_int_t)a->apdus, "apdu_bytes_out", (json_int_t)a->cmd_bytes,
			      "apdu_bytes_in", (json_int_t)a->rsp_bytes, "frames",
			      (json_int_t)a->frames, "exchanges", (json_int_t)a->exchanges,
			      "frame_bytes", (json_int_t)a->frame_bytes);
	int k;

	for (k = 0; k < 4; k++) {
		char key[32];

		snprintf(key, sizeof(key), "air_us_%u", rates_kbps[k]);
		json_object_set_new(o, key, json_real(a->us[k]));
	}
	return o;
}

/* One gate and one canteen tap through the recorder on the emu path. */
static int record_work(struct bench *b, struct path *p, int64_t now_gate, int64_t now_canteen,
		       json_t *out)
{
	struct rec_reader w;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	struct airtime a;
	int role, e;

	for (role = 0; role < 2; role++) {
		memset(&w, 0, sizeof(w));
		w.base.ops = &rec_ops;
		snprintf(w.base.uri, sizeof(w.base.uri), "%s", yn_reader_uri(p->rd));
		w.inner = p->rd;
		if ((e = yn_tap_ctx_init(&ctx, &b->term[role], &w.base)) != 0)
			return e;
		e = yn_reader_wait_card(&w.base, yn_deadline_in_ms(5000));
		if (e == 0)
			e = yn_tap_run(&ctx, yn_now_ns(), role == ROLE_GATE ? now_gate : now_canteen,
				       &o);
		yn_tap_ctx_free(&ctx);
		yn_reader_release(p->rd, YN_RELEASE_RESET);
		if (e != 0)
			return e;
		if (o.verdict != YN_VERDICT_GRANT) {
			fprintf(stderr, "bench_tap: recorded %s tap: %s (%s)\n", role_name(role),
				yn_verdict_name(o.verdict), o.reason);
			return YN_EINTERNAL;
		}
		airtime_of(&w, &a);
		/* The recorder must see what the tap counted. */
		if (a.apdus != o.apdus || a.cmd_bytes != o.bytes_out || a.rsp_bytes != o.bytes_in) {
			fprintf(stderr, "bench_tap: recorder saw %zu APDUs, the tap counted %u\n",
				a.apdus, o.apdus);
			return YN_EINTERNAL;
		}
		json_array_append_new(out, airtime_json(role_name(role), &a));
	}
	return 0;
}

/* ---- ours against libfreefare, same card, same libnfc + PN532 path ---- */

struct peer {
	struct series ours, theirs;
	double *ratio;
	size_t n_ratio;
	unsigned ours_fail, theirs_fail, mismatch;
	uint32_t ours_apdus;
};

/* Ours: SELECT, AuthenticateEV2First with the card's read key, ReadData
 * Full of the 112-byte holder record.  Reader open and card activation are
 * outside the timed part, as for theirs. */
static int run_ours(const char *uri, const uint8_t key[16], uint8_t *rec, uint64_t *ns,
		    uint32_t *apdus)
{
	struct yn_reader *rd = NULL;
	struct yn_desfire df;
	uint64_t t0, deadline;
	size_t n = 0;
	int e;

	if ((e = yn_reader_open(uri, &rd)) != 0)
		return e;
	if ((e = yn_reader_wait_card(rd, yn_deadline_in_ms(5000))) != 0)
		goto out;
	yn_desfire_init(&df, rd);
	t0 = yn_now_ns();
	deadline = t0 + 1000 * YN_NS_PER_MS;
	e = yn_desfire_select_application(&df, YN_APP_AID, deadline);
	if (e == 0)
		e = yn_desfire_auth_ev2_first(&df, YN_KEY_READ, key, deadline);
	if (e == 0)
		e = yn_desfire_read_data(&df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, YN_HOLDER_LEN,
					 rec, YN_HOLDER_LEN, &n, deadline);
	*ns = yn_now_ns() - t0;
	*apdus = (uint32_t)df.apdus;
	if (e == 0 && n != YN_HOLDER_LEN)
		e = YN_EPROTO;
	yn_desfire_reset(&df);
	yn_reader_release(rd, YN_RELEASE_LEAVE);
out:
	yn_reader_close(rd);
	return e;
}

/* Theirs: libfreefare 0.4.0 on the same libnfc device: select, EV1 AES
 * authentication (command AA; libfreefare has no EV2) with the same key,
 * ReadData enciphered (told the mode, as ours is, so that it does not ask
 * GetFileSettings first). */
static int run_theirs(const char *connstring, const uint8_t key[16], uint8_t *rec, uint64_t *ns)
{
	nfc_context *ctx = NULL;
	nfc_device *dev = NULL;
	MifareTag *tags = NULL, tag = NULL;
	MifareDESFireAID aid = NULL;
	MifareDESFireKey k = NULL;
	uint8_t kv[16];
	uint64_t t0;
	ssize_t n = -1;
	int e = YN_EREADER, i;

	nfc_init(&ctx);
	if (ctx == NULL)
		return YN_ENOMEM;
	if ((dev = nfc_open(ctx, connstring)) == NULL)
		goto out;
	tags = freefare_get_tags(dev);
	for (i = 0; tags != NULL && tags[i] != NULL; i++)
		if (freefare_get_tag_type(tags[i]) == DESFIRE) {
			tag = tags[i];
			break;
		}
	if (tag == NULL || mifare_desfire_connect(tag) < 0)
		goto out;
	memcpy(kv, key, sizeof(kv));
	aid = mifare_desfire_aid_new(YN_APP_AID);
	k = mifare_desfire_aes_key_new(kv);
	yn_cleanse(kv, sizeof(kv));
	if (aid == NULL || k == NULL) {
		e = YN_ENOMEM;
		goto disconnect;
	}
	t0 = yn_now_ns();
	if (mifare_desfire_select_application(tag, aid) >= 0 &&
	    mifare_desfire_authenticate_aes(tag, YN_KEY_READ, k) >= 0)
		n = mifare_desfire_read_data_ex(tag, YN_FILE_HOLDER, 0, YN_HOLDER_LEN, rec,
						MDCM_ENCIPHERED);
	*ns = yn_now_ns() - t0;
	e = n == YN_HOLDER_LEN ? 0 : YN_ECARD;
	if (e != 0)
		fprintf(stderr, "bench_tap: libfreefare: %s\n", freefare_strerror(tag));
disconnect:
	mifare_desfire_disconnect(tag);
out:
	if (k)
		mifare_desfire_key_free(k);
	free(aid);
	if (tags)
		freefare_free_tags(tags);
	if (dev)
		nfc_close(dev);
	nfc_exit(ctx);
	return e;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_peer(struct bench *b, struct path *p, size_t pairs, json_t **out)
{
	struct peer pr;
	struct yn_keyset ks;
	struct yn_card_info info;
	uint8_t key[16], mine[YN_HOLDER_LEN], yours[YN_HOLDER_LEN], want[YN_HOLDER_LEN];
	const char *conn = p->uri + 4;	/* after "nfc:" */
	int have_want = 0, e;
	size_t i;

	memset(&pr, 0, sizeof(pr));
	*out = NULL;
	if ((e = yn_reader_wait_card(p->rd, yn_deadline_in_ms(5000))) != 0 ||
	    (e = yn_reader_card_info(p->rd, &info)) != 0 || info.uid_len != YN_UID_LEN) {
		fprintf(stderr, "bench_tap: peer: no card UID: %s\n", yn_strerror(e));
		return e ? e : YN_EPROTO;
	}
	if ((e = yn_keyset_load(b->f.keys, YN_KEYROLE_GATE, &ks)) != 0)
		return e;
	e = yn_keyset_card_key(&ks, YN_KEY_READ, info.uid, key);
	yn_keyset_free(&ks);
	if (e != 0)
		return e;
	/* The tap reader lets go of the device: one process at a time on the line. */
	path_close(p);
	p->server = spawn_serve(b->yinian, p->card, "--pn532", conn + strlen("pn532_uart:"));
	for (i = 0; i < 250 && access(conn + strlen("pn532_uart:"), F_OK) != 0; i++)
		yn_sleep_ms(20);
	if (p->server < 0) {
		e = YN_EIO;
		goto out;
	}
	pr.ratio = calloc(pairs, sizeof(*pr.ratio));
	if (pr.ratio == NULL) {
		e = YN_ENOMEM;
		goto out;
	}
	for (i = 0; i < pairs; i++) {
		uint64_t t_ours = 0, t_theirs = 0;
		int a, c;

		a = run_ours(p->uri, key, mine, &t_ours, &pr.ours_apdus);
		c = run_theirs(conn, key, yours, &t_theirs);
		if (a != 0) {
			pr.ours_fail++;
			fprintf(stderr, "bench_tap: ours: %s\n", yn_strerror(a));
		}
		if (c != 0)
			pr.theirs_fail++;
		if (a == 0 && !have_want) {
			memcpy(want, mine, sizeof(want));
			have_want = 1;
		}
		if ((a == 0 && memcmp(mine, want, sizeof(want)) != 0) ||
		    (c == 0 && have_want && memcmp(yours, want, sizeof(want)) != 0))
			pr.mismatch++;
		if (a != 0 || c != 0)
			continue;
		if (series_add(&pr.ours, t_ours / 1000) != 0 ||
		    series_add(&pr.theirs, t_theirs / 1000) != 0) {
			e = YN_ENOMEM;
			goto out;
		}
		pr.ratio[pr.n_ratio++] = (double)t_ours / (double)t_theirs;
	}
	qsort(pr.ratio, pr.n_ratio, sizeof(*pr.ratio), cmp_double);
	*out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:f, s:f, s:f, s:s, s:s}",
			 "pairs", (json_int_t)pairs, "measured", (json_int_t)pr.n_ratio,
			 "ours_failed", (json_int_t)pr.ours_fail,
			 "theirs_failed", (json_int_t)pr.theirs_fail,
			 "mismatched_records", (json_int_t)pr.mismatch,
			 "ours_us", stats_json(&pr.ours, 1), "theirs_us", stats_json(&pr.theirs, 1),
			 "ratio_p50", pr.n_ratio ? pr.ratio[(pr.n_ratio + 1) / 2 - 1] : 0.0,
			 "ratio_p01", pr.n_ratio ? pr.ratio[(pr.n_ratio + 99) / 100 - 1] : 0.0,
			 "ratio_p99", pr.n_ratio ? pr.ratio[(pr.n_ratio * 99 + 99) / 100 - 1] : 0.0,
			 "ours", "yinian: SELECT + AuthenticateEV2First + ReadData Full 112 B",
			 "theirs", "libfreefare 0.4.0: SELECT + AuthenticateAES (EV1) + ReadData "
			 "enciphered 112 B");
	json_object_set_new(*out, "ours_apdus", json_integer(pr.ours_apdus));
	e = pr.ours_fail || pr.theirs_fail || pr.mismatch || pr.n_ratio == 0 ? YN_EPROTO : 0;
out:
	yn_cleanse(key, sizeof(key));
	if (p->server > 0)
		stop_child(p->server);
	p->server = 0;
	free(pr.ours.v);
	free(pr.theirs.v);
	free(pr.ratio);
	return e;
}

/* ---- soak: consecutive in-process gate taps ---- */

static int run_soak(const char *yinian, size_t taps, json_t **out)
{
	struct bench b;
	struct path p;
	struct series lat = { 0 }, sync = { 0 };
	int64_t start = 0, now;
	long rss_start, rss_warm = -1, rss_end;
	size_t i, warm = taps / 100 > 1000 ? 1000 : taps / 100;
	unsigned grants = 0, refused = 0;
	uint64_t t0, wall;
	json_t *marks = json_array();
	int e;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&p, 0, sizeof(p));
	b.yinian = yinian;
	p.id = "emu";
	p.name = "in-process (emu:)";
	yn_time_parse_iso8601("2026-12-02T06:00", &start);
	if ((e = bench_up(&b, start, 1)) != 0)
		goto out;
	if ((e = path_open(&b, &p, 0x51, 1)) != 0) {
		fprintf(stderr, "bench_tap: soak: %s\n", p.err);
		goto out;
	}
	if ((e = series_reserve(&lat, taps)) != 0 || (e = series_reserve(&sync, taps)) != 0 ||
	    (e = bench_prepare_denylists(&b, start + (int64_t)taps * 601)) != 0)
		goto out;
	rss_start = vmrss_kib();
	t0 = yn_now_ns();
	for (i = 0; i < taps; i++) {
		struct yn_outcome o;
		uint64_t c0;

		/* 601 s apart: just past the 10-minute anti-passback window. */
		now = start + (int64_t)i * 601;
		if ((e = bench_refresh_denylist(&b, now, 1)) != 0)
			goto out;
		if ((e = yn_reader_wait_card(p.rd, yn_deadline_in_ms(5000))) != 0)
			goto out;
		c0 = yn_now_ns();
		e = yn_tap_run(&p.side[ROLE_GATE].ctx, c0, now, &o);
		yn_reader_release(p.rd, YN_RELEASE_RESET);
		if (e != 0)
			goto out;
		if (o.verdict == YN_VERDICT_GRANT)
			grants++;
		else
			refused++;
		if (series_add(&lat, o.latency_us) != 0 || series_add(&sync, o.sync_us) != 0) {
			e = YN_ENOMEM;
			goto out;
		}
		if (i + 1 == warm)
			rss_warm = vmrss_kib();
		if ((i + 1) % (taps / 10 ? taps / 10 : 1) == 0)
			json_array_append_new(marks, json_pack("{s:I, s:I}", "taps",
							       (json_int_t)(i + 1), "rss_kib",
							       (json_int_t)vmrss_kib()));
	}
	wall = yn_now_ns() - t0;
	rss_end = vmrss_kib();
	*out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:o, s:I}",
			 "taps", (json_int_t)taps, "grants", (json_int_t)grants,
			 "refused", (json_int_t)refused, "rss_start_kib", (json_int_t)rss_start,
			 "rss_after_warmup_kib", (json_int_t)rss_warm,
			 "warmup_taps", (json_int_t)warm, "rss_end_kib", (json_int_t)rss_end,
			 "wall_s", (double)wall / 1e9, "decision_us", stats_json(&lat, 1),
			 "sync_us", stats_json(&sync, 1),
			 "denylist_swaps", (json_int_t)(b.dl_seq - 1));
	json_object_set_new(*out, "rss_marks", marks);
	marks = NULL;
	/* Growth after the warm-up beyond a few pages of allocator slack is a leak. */
	e = refused != 0 || rss_end > rss_warm + 256 ? YN_EPROTO : 0;
	printf("soak: %zu gate taps in %.1f s: %u grants, %u refused; VmRSS %ld kB at start, "
	       "%ld kB after %zu taps, %ld kB at the end\n", taps, (double)wall / 1e9, grants,
	       refused, rss_start, rss_warm, warm, rss_end);
out:
	if (e != 0 && *out == NULL)
		fprintf(stderr, "bench_tap: soak failed: %s\n", yn_strerror(e));
	json_decref(marks);
	path_close(&p);
	path_free(&p);
	free(lat.v);
	free(sync.v);
	bench_down(&b);
	return e;
}

/* ---- main ---- */

static void print_side(struct path *p, int role)
{
	struct side *s = &p->side[role];
	struct stats l = series_stats(&s->lat, 1), y = series_stats(&s->sync, 1);

	printf("%-22s %-8s %5zu %5u/%-3u %8.0f %8.0f %8.0f %8.0f %8.0f %8.0f %5.1f %6.0f %6.0f\n",
	       p->name, role_name(role), s->lat.n, s->grants, s->denials + s->again, l.p50, l.p99,
	       l.max, y.p50, y.p99, y.max, (double)s->apdus_sum / (double)(s->lat.n ? s->lat.n : 1),
	       (double)s->out_sum / (double)(s->lat.n ? s->lat.n : 1),
	       (double)s->in_sum / (double)(s->lat.n ? s->lat.n : 1));
}

static int parse_paths(const char *s, struct path *paths, size_t *n)
{
	static const struct {
		const char *id, *name;
	} known[] = {
		{ "emu", "in-process (emu:)" },
		{ "pcsc", "pcscd + vpcd" },
		{ "nfc", "libnfc + PN532 emu" },
	};
	char buf[64], *tok, *save = NULL;
	size_t i, j;

	*n = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf))
		return YN_EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(tok, known[i].id) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0]) || *n == MAX_PATHS)
			return YN_EINVAL;
		for (j = 0; j < *n; j++)
			if (paths[j].id == known[i].id)
				return YN_EINVAL;	/* named twice */
		memset(&paths[*n], 0, sizeof(paths[*n]));
		paths[*n].id = known[i].id;
		paths[*n].name = known[i].name;
		(*n)++;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_tap [--paths emu,pcsc,nfc|none] [--rounds N] [--warmup N]\n"
		   "                 [--pairs N] [--soak N] [--json FILE] [--yinian PATH]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "paths", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "pairs", required_argument, NULL, 'f' },
		{ "soak", required_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "yinian", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct path paths[MAX_PATHS];
	struct bench b;
	const char *json_path = NULL, *paths_arg = "emu,nfc";
	unsigned long rounds = 300, warmup = 20, pairs = 100, soak = 0;
	char yinian[512];
	json_t *root, *taps, *work;
	size_t n_paths = 0, i;
	int64_t start = 0;
	int c, e = 0, fail = 0;
	unsigned k;

	snprintf(yinian, sizeof(yinian), "%s/yinian", getenv("YN_BUILD") ? getenv("YN_BUILD") :
		 "build");
	while ((c = getopt_long(argc, argv, "p:r:w:f:s:j:y:h", opts, NULL)) != -1) {
		char *end = NULL;
		unsigned long v = 0;

		if (c == 'r' || c == 'w' || c == 'f' || c == 's') {
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0' || v > 10000000) {
				fprintf(stderr, "bench_tap: --%s takes a number up to 10000000\n",
					c == 'r' ? "rounds" : c == 'w' ? "warmup" : c == 'f' ? "pairs" :
					"soak");
				return 2;
			}
		}
		switch (c) {
		case 'p': paths_arg = optarg; break;
		case 'r': rounds = v; break;
		case 'w': warmup = v; break;
		case 'f': pairs = v; break;
		case 's': soak = v; break;
		case 'j': json_path = optarg; break;
		case 'y': snprintf(yinian, sizeof(yinian), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || parse_paths(paths_arg, paths, &n_paths) != 0 || rounds == 0) {
		usage(stderr);
		return 2;
	}
	for (i = 0, c = 0; i < n_paths; i++)
		c |= strcmp(paths[i].id, "emu") != 0;	/* a card server is needed */
	if (c && access(yinian, X_OK) != 0) {
		fprintf(stderr, "bench_tap: %s not found (build it, or give --yinian)\n", yinian);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	/* The tap logs one line per refusal; the figures say it all. */
	if (getenv("YN_LOG_LEVEL") == NULL)
		yn_log_set_level(YN_LOG_WARN);
	setenv("LIBNFC_AUTO_SCAN", "false", 0);

	root = json_pack("{s:s}", "bench", "tap");
	taps = json_array();
	work = json_array();
	json_object_set_new(root, "taps", taps);
	json_object_set_new(root, "work", work);
	memset(&b, 0, sizeof(b));
	b.yinian = yinian;

	if (n_paths > 0) {
		/* A Wednesday in December 2026; rounds walk the working days. */
		yn_time_parse_iso8601("2026-12-02T12:00", &start);
		if ((e = bench_up(&b, start, 2)) != 0)
			goto done;
		json_object_set_new(root, "card_state_on_tmpfs", json_boolean(b.carddir_tmpfs));
		json_object_set_new(root, "rounds", json_integer((json_int_t)rounds));
		json_object_set_new(root, "warmup_rounds", json_integer((json_int_t)warmup));
		for (i = 0; i < n_paths; i++) {
			if (path_open(&b, &paths[i], (uint8_t)(0x41 + i), 2) != 0) {
				fprintf(stderr, "bench_tap: %s: %s\n", paths[i].name, paths[i].err);
				paths[i].failed = 1;
				fail = 1;
			}
		}
		for (k = 0; k < warmup + rounds; k++) {
			int64_t tg = workday(start, k, 12 * 3600), tc = workday(start, k, 12 * 3600 + 600);
			int measure = k >= warmup;

			if ((e = bench_refresh_denylist(&b, tg, 2)) != 0)
				goto done;
			for (i = 0; i < n_paths; i++) {
				/* rotate the order: no path always goes first */
				struct path *p = &paths[(i + k) % n_paths];

				if (p->failed)
					continue;
				if (tap_once(p, ROLE_GATE, tg, measure) != 0 ||
				    tap_once(p, ROLE_CANTEEN, tc, measure) != 0) {
					fprintf(stderr, "bench_tap: %s: %s\n", p->name, p->err);
					p->failed = 1;
					fail = 1;
				}
			}
		}
		printf("%-22s %-8s %5s %9s %8s %8s %8s %8s %8s %8s %5s %6s %6s\n", "tap path", "role",
		       "taps", "grant/no", "dec p50", "dec p99", "dec max", "sync p50", "sync p99",
		       "sync max", "APDUs", "B out", "B in");
		for (i = 0; i < n_paths; i++) {
			int role;

			for (role = 0; role < 2; role++) {
				json_t *o = side_json(&paths[i], role);

				if (paths[i].failed)
					json_object_set_new(o, "error", json_string(paths[i].err));
				json_array_append_new(taps, o);
				print_side(&paths[i], role);
				if (paths[i].side[role].grants != paths[i].side[role].lat.n)
					fail = 1;
			}
		}
		printf("(microseconds; decision = card present to decision without the journal sync;"
		       " %lu rounds after %lu warm-up)\n", rounds, warmup);
		/* Work per tap, on the in-process path, with a recording reader. */
		for (i = 0; i < n_paths; i++) {
			if (strcmp(paths[i].id, "emu") != 0 || paths[i].failed)
				continue;
			if (record_work(&b, &paths[i], workday(start, warmup + rounds, 12 * 3600),
					workday(start, warmup + rounds, 12 * 3600 + 600), work) != 0) {
				fprintf(stderr, "bench_tap: work per tap not recorded\n");
				fail = 1;
			}
		}
		/* ours against libfreefare on the nfc path */
		for (i = 0; i < n_paths && pairs > 0; i++) {
			json_t *pj = NULL;

			if (strcmp(paths[i].id, "nfc") != 0 || paths[i].failed)
				continue;
			if ((e = run_peer(&b, &paths[i], pairs, &pj)) != 0) {
				fprintf(stderr, "bench_tap: peer comparison failed: %s\n",
					yn_strerror(e));
				e = 0;
				fail = 1;
			}
			if (pj != NULL) {
				json_t *o = json_object_get(pj, "ours_us"), *t = json_object_get(pj,
										  "theirs_us");

				printf("peer (libnfc + PN532 emu, %lu alternating pairs): ours p50 %.0f us,"
				       " libfreefare p50 %.0f us, ratio ours/theirs p50 %.2f\n", pairs,
				       json_real_value(json_object_get(o, "p50")),
				       json_real_value(json_object_get(t, "p50")),
				       json_real_value(json_object_get(pj, "ratio_p50")));
				json_object_set_new(root, "peer", pj);
			}
		}
	}
	if (soak > 0) {
		json_t *sj = NULL;

		if (run_soak(yinian, soak, &sj) != 0)
			fail = 1;
		if (sj != NULL)
			json_object_set_new(root, "soak", sj);
	}
done:
	for (i = 0; i < n_paths; i++) {
		path_close(&paths[i]);
		path_free(&paths[i]);
	}
	stop_children();
	if (n_paths > 0)
		bench_down(&b);
	if (e != 0)
		fail = 1;
	json_object_set_new(root, "ok", json_boolean(!fail));
	if (json_path != NULL && json_dump_file(root, json_path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "bench_tap: cannot write %s\n", json_path);
		fail = 1;
	}
	json_decref(root);
	return fail ? 1 : 0;
}
