/*
 * The decision journal: format, chain, rotation, recovery after a crash at
 * every write/sync boundary and after SIGKILL, flipped bytes, the tools.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/err.h"
#include "base/log.h"
#include "tests/lib/testlib.h"
#include "validator/journal.h"
#include "validator/wio.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	yn_wio_fault_set(YN_WIO_NONE, 0);
	dir = yn_test_tmpdir();
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	yn_wio_fault_set(YN_WIO_NONE, 0);
	yn_test_rmtree(dir);
	free(dir);
	dir = NULL;
	return 0;
}

static struct yn_journal_opts small_opts(void)
{
	struct yn_journal_opts o = { .terminal = "GATE-0042", .prealloc_bytes = 512 };

	return o;
}

static struct yn_journal_rec outcome(uint64_t serial, uint8_t decision)
{
	struct yn_journal_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = YN_JKIND_OUTCOME;
	r.decision = decision;
	r.grants = decision == YN_JDEC_GRANT ? YN_JGRANT_RIDE : 0;
	r.reason = 7;
	r.time_us = 1795000000000000ll + (int64_t)serial;
	r.mono_ns = 123456789 + serial;
	r.card_serial = serial;
	r.uid_len = 7;
	memcpy(r.uid, "\x04\x11\x22\x33\x44\x55\x66", 7);
	r.apdu_count = 9;
	r.latency_us = 41000;
	return r;
}

static struct yn_journal *open_ok(const struct yn_journal_opts *o, struct yn_journal_report *rep)
{
	struct yn_journal *j = NULL;
	int e = yn_journal_open(dir, o, &j, rep);

	assert_int_equal(e, 0);
	assert_non_null(j);
	return j;
}

struct collect {
	uint64_t seqs[4096];
	struct yn_journal_rec last;
	size_t n;
};

static int collect_fn(void *ctx, const struct yn_journal_rec *rec, const char *file, uint64_t off)
{
	struct collect *c = ctx;

	(void)file;
	(void)off;
	if (c->n < 4096)
		c->seqs[c->n] = rec->seq;
	c->n++;
	c->last = *rec;
	return 0;
}

static size_t count_files(const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, sl = strlen(suffix);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > sl && strcmp(de->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Bit by bit, straight from the definition, to check the fast paths. */
static uint32_t crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

static void test_crc32c_check_value(void **state)
{
	uint8_t buf[300];
	size_t i, n;

	(void)state;
	assert_int_equal(yn_crc32c(0, "123456789", 9), 0xE3069283u);
	/* Continuing over pieces gives the same value. */
	assert_int_equal(yn_crc32c(yn_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (n = 0; n < sizeof(buf); n++)
		assert_int_equal(yn_crc32c(0, buf + (n % 8), sizeof(buf) - n),
				 crc32c_ref(buf + (n % 8), sizeof(buf) - n));
}

static void test_record_roundtrip_and_field_checks(void **state)
{
	struct yn_journal_rec r = outcome(99, YN_JDEC_GRANT), back;
	uint8_t buf[YN_JOURNAL_REC_LEN];

	(void)state;
	r.seq = 5;
	r.subsidy_fen = 1500;
	r.grants |= YN_JGRANT_SUBSIDY;
	snprintf(r.terminal, sizeof(r.terminal), "CANTEEN-7");
	assert_int_equal(yn_journal_encode(&r, buf), 0);
	assert_int_equal(yn_journal_decode(buf, &back), 0);
	assert_int_equal(back.seq, 5);
	assert_int_equal(back.subsidy_fen, 1500);
	assert_int_equal(back.time_us, r.time_us);
	assert_string_equal(back.terminal, "CANTEEN-7");
	assert_memory_equal(back.uid, r.uid, 7);
	/* One flipped bit anywhere: the CRC catches it. */
	buf[40] ^= 0x01;
	assert_int_equal(yn_journal_decode(buf, &back), YN_ECORRUPT);
	/* Encoding refuses nonsense the decoder would also refuse. */
	r.kind = 9;
	assert_int_equal(yn_journal_encode(&r, buf), YN_EINVAL);
	r.kind = YN_JKIND_INTENT;
	r.decision = YN_JDEC_DENY;
	assert_int_equal(yn_journal_encode(&r, buf), YN_EINVAL);
	r = outcome(1, YN_JDEC_UNCERTAIN);
	r.seq = 3;
	assert_int_equal(yn_journal_encode(&r, buf), YN_EINVAL);	/* uncertain names no intent */
	r.intent_seq = 2;
	r.uid_len = 11;
	assert_int_equal(yn_journal_encode(&r, buf), YN_EINVAL);
	r = outcome(1, YN_JDEC_DENY);
	r.seq = 3;
	r.subsidy_fen = 500;	/* an amount without its grant bit */
	assert_int_equal(yn_journal_encode(&r, buf), YN_EINVAL);
	r.grants = YN_JGRANT_SUBSIDY;	/* a deny that grants */
	assert_int_equal(yn_journal_encode(&r, buf), YN_EINVAL);
}

static void test_append_reopen_continues_chain(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal *j;
	struct collect c;
	uint64_t seq;
	int i;

	(void)state;
	j = open_ok(&o, &rep);
	for (i = 0; i < 10; i++) {
		struct yn_journal_rec r = outcome((uint64_t)i + 1000, YN_JDEC_DENY);

		assert_int_equal(yn_journal_append(j, &r, &seq), 0);
		assert_int_equal(seq, (uint64_t)i + 1);
	}
	yn_journal_close(j);
	j = open_ok(&o, &rep);
	assert_int_equal(rep.records, 10);
	assert_int_equal(rep.torn, 0);
	assert_int_equal(yn_journal_next_seq(j), 11);
	for (i = 0; i < 5; i++) {
		struct yn_journal_rec r = outcome(7, YN_JDEC_GRANT);

		assert_int_equal(yn_journal_append(j, &r, &seq), 0);
	}
	yn_journal_close(j);
	yn_journal_report_free(&rep);
	memset(&c, 0, sizeof(c));
	assert_int_equal(yn_journal_read(dir, collect_fn, &c, &rep), 0);
	assert_int_equal(c.n, 15);
	for (i = 0; i < 15; i++)
		assert_int_equal(c.seqs[i], (uint64_t)i + 1);
	assert_string_equal(c.last.terminal, "GATE-0042");
	yn_journal_report_free(&rep);
}

static void test_rotation_by_size_carries_chain(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal *j;
	struct collect c;
	char path[512];
	uint8_t b;
	int fd, i;

	(void)state;
	o.max_file_bytes = YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN;
	j = open_ok(&o, &rep);
	for (i = 0; i < 10; i++) {
		struct yn_journal_rec r = outcome((uint64_t)i, YN_JDEC_GRANT);

		assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	}
	yn_journal_close(j);
	assert_int_equal(count_files(".ynj"), 4);	/* 3 + 3 + 3 + 1 */
	memset(&c, 0, sizeof(c));
	assert_int_equal(yn_journal_read(dir, collect_fn, &c, &rep), 0);
	assert_int_equal(c.n, 10);
	assert_int_equal(rep.files, 4);
	yn_journal_report_free(&rep);
	/* The second file's header names the chain hash: alter it (and fix
	 * nothing else) and the walk stops there. */
	snprintf(path, sizeof(path), "%s/journal-00000000000000000004.ynj", dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, 50), 1);
	b ^= 0x80;
	assert_int_equal(pwrite(fd, &b, 1, 50), 1);
	close(fd);
	assert_int_equal(yn_journal_read(dir, NULL, NULL, &rep), YN_ECORRUPT);
	assert_true(rep.corrupt);
	assert_string_equal(rep.bad_file, "journal-00000000000000000004.ynj");
	yn_journal_report_free(&rep);
	/* A missing middle file breaks the sequence. */
	snprintf(path, sizeof(path), "%s/journal-00000000000000000004.ynj", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(yn_journal_read(dir, NULL, NULL, &rep), YN_ECORRUPT);
	assert_string_equal(rep.bad_file, "journal-00000000000000000007.ynj");
	yn_journal_report_free(&rep);
	/* A file renamed to claim other sequences. */
	{
		char to[512];

		snprintf(path, sizeof(path), "%s/journal-00000000000000000007.ynj", dir);
		snprintf(to, sizeof(to), "%s/journal-00000000000000000004.ynj", dir);
		assert_int_equal(rename(path, to), 0);
		assert_int_equal(yn_journal_read(dir, NULL, NULL, &rep), YN_ECORRUPT);
		assert_non_null(strstr(rep.bad_why, "file name"));
		yn_journal_report_free(&rep);
	}
}

static void test_rotation_daily_uses_local_day(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal *j;
	struct yn_journal_rec r = outcome(1, YN_JDEC_GRANT);
	struct timespec ts;

	(void)state;
	o.rotate_daily = 1;
	o.utc_offset_s = 8 * 3600;
	j = open_ok(&o, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	r.time_us = (int64_t)ts.tv_sec * 1000000;
	assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	assert_int_equal(count_files(".ynj"), 1);
	r.time_us += 86400ll * 1000000;	/* the next local day */
	assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	assert_int_equal(count_files(".ynj"), 2);
	r.time_us += 1000000;	/* the same day, a second later: same file */
	assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	assert_int_equal(count_files(".ynj"), 2);
	yn_journal_close(j);
	assert_int_equal(yn_journal_read(dir, NULL, NULL, NULL), 0);
}

static void test_intent_without_outcome_becomes_uncertain(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal_rec in = outcome(555, YN_JDEC_GRANT), out;
	struct yn_journal *j;
	struct collect c;
	uint64_t s1, s2, s3;

	(void)state;
	j = open_ok(&o, NULL);
	in.kind = YN_JKIND_INTENT;
	assert_int_equal(yn_journal_append(j, &in, &s1), 0);
	out = outcome(555, YN_JDEC_GRANT);
	out.intent_seq = s1;
	assert_int_equal(yn_journal_append(j, &out, &s2), 0);
	in.card_serial = 556;
	in.grants = YN_JGRANT_SUBSIDY;
	in.subsidy_fen = 1500;
	assert_int_equal(yn_journal_append(j, &in, &s3), 0);
	yn_journal_close(j);	/* "crash" before the outcome of s3 */
	j = open_ok(&o, &rep);
	assert_int_equal(rep.n_uncertain, 1);
	assert_int_equal(rep.uncertain[0].seq, s3);
	assert_int_equal(rep.uncertain[0].card_serial, 556);
	assert_int_equal(rep.uncertain[0].uncertain_seq, s3 + 1);
	yn_journal_report_free(&rep);
	/* An outcome for an intent already resolved is a caller bug. */
	out.intent_seq = s1;
	assert_int_equal(yn_journal_append(j, &out, NULL), YN_EINVAL);
	yn_journal_close(j);
	memset(&c, 0, sizeof(c));
	assert_int_equal(yn_journal_read(dir, collect_fn, &c, &rep), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.last.decision, YN_JDEC_UNCERTAIN);
	assert_int_equal(c.last.intent_seq, s3);
	assert_int_equal(c.last.card_serial, 556);
	assert_int_equal(c.last.grants, YN_JGRANT_SUBSIDY);	/* what was at stake */
	assert_int_equal(c.last.subsidy_fen, 1500);
	assert_int_equal(c.last.uid_len, 7);
	assert_int_equal(c.last.reason, YN_JREASON_CRASH_RECOVERY);
	assert_int_equal(rep.n_uncertain, 0);
	yn_journal_report_free(&rep);
	/* Settled once: a second open finds nothing open. */
	j = open_ok(&o, &rep);
	assert_int_equal(rep.n_uncertain, 0);
	yn_journal_report_free(&rep);
	yn_journal_close(j);
}

static void test_second_writer_is_busy(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal *j = open_ok(&o, NULL), *k = NULL;

	(void)state;
	assert_int_equal(yn_journal_open(dir, &o, &k, NULL), YN_EBUSY);
	assert_null(k);
	yn_journal_close(j);
}

static void test_bad_terminal_id_refused(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal *j = NULL;

	(void)state;
	o.terminal = "seventeen-chars-x";
	assert_int_equal(yn_journal_open(dir, &o, &j, NULL), YN_EINVAL);
	o.terminal = "tab\there";
	assert_int_equal(yn_journal_open(dir, &o, &j, NULL), YN_EINVAL);
	assert_null(j);
}

/*
 * Crash at every boundary.  Each round: a fresh journal with a few records,
 * then a fault armed at boundary n while appending (intents and outcomes,
 * across a rotation).  Every append that returned 0 must be there after
 * recovery, and the journal must read cleanly and take appends again.
 */
static void crash_round(enum yn_wio_fault kind, unsigned long n, int *fired)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal *j;
	struct collect c;
	uint64_t acked[64], seq, intent = 0;
	size_t n_acked = 0, i, k;
	int e = 0;

	o.max_file_bytes = YN_JOURNAL_HDR_LEN + 4 * YN_JOURNAL_REC_LEN;
	o.prealloc_bytes = 256;
	yn_test_rmtree(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	j = open_ok(&o, NULL);
	for (i = 0; i < 2; i++) {
		struct yn_journal_rec r = outcome(i, YN_JDEC_DENY);

		assert_int_equal(yn_journal_append(j, &r, &seq), 0);
		acked[n_acked++] = seq;
	}
	yn_wio_fault_set(kind, n);
	for (i = 0; i < 12 && e == 0; i++) {
		struct yn_journal_rec r = outcome(100 + i, YN_JDEC_GRANT);

		if (i % 2 == 0) {
			r.kind = YN_JKIND_INTENT;
		} else {
			r.intent_seq = intent;
		}
		e = yn_journal_append(j, &r, &seq);
		if (e == 0) {
			acked[n_acked++] = seq;
			if (i % 2 == 0)
				intent = seq;
		}
	}
	*fired = e != 0;
	if (e != 0) {
		/* A failed journal takes nothing more until reopened. */
		struct yn_journal_rec r = outcome(1, YN_JDEC_DENY);

		assert_int_equal(yn_journal_append(j, &r, NULL), YN_EIO);
	}
	yn_journal_close(j);
	yn_wio_fault_set(YN_WIO_NONE, 0);
	j = open_ok(&o, &rep);
	yn_journal_report_free(&rep);
	{
		struct yn_journal_rec r = outcome(2, YN_JDEC_DENY);

		assert_int_equal(yn_journal_append(j, &r, &seq), 0);
	}
	yn_journal_close(j);
	memset(&c, 0, sizeof(c));
	assert_int_equal(yn_journal_read(dir, collect_fn, &c, &rep), 0);
	assert_false(rep.torn);
	assert_int_equal(rep.n_uncertain, 0);	/* recovery settled every intent */
	yn_journal_report_free(&rep);
	for (i = 0; i < n_acked; i++) {
		for (k = 0; k < c.n && c.seqs[k] != acked[i]; k++)
			;
		if (k == c.n)
			fail_msg("fault %d at boundary %lu: acknowledged record %" PRIu64 " lost",
				 (int)kind, n, acked[i]);
	}
	for (k = 0; k < c.n; k++)
		assert_int_equal(c.seqs[k], k + 1);
}

static void test_crash_at_every_boundary_keeps_acked(void **state)
{
	unsigned long n;
	int fired = 1;

	(void)state;
	yn_log_set_level(2);	/* the expected I/O errors, hundreds of them */
	for (n = 1; fired; n++)
		crash_round(YN_WIO_CRASH, n, &fired);
	yn_log_set_level(YN_LOG_NOTICE);
	/* The rounds covered every boundary of twelve appends and a rotation. */
	assert_true(n > 30);
}

static void test_fail_at_every_boundary_keeps_acked(void **state)
{
	unsigned long n;
	int fired = 1;

	(void)state;
	yn_log_set_level(2);
	for (n = 1; fired; n++)
		crash_round(YN_WIO_FAIL, n, &fired);
	yn_log_set_level(YN_LOG_NOTICE);
	assert_true(n > 30);
}

/* Recovery itself writes (cuts the tail, appends uncertain records, syncs):
 * a crash at any of those boundaries must leave a journal that the next
 * recovery completes, with every acknowledged record. */
static void test_crash_during_recovery_is_recovered(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal_rec in = outcome(900, YN_JDEC_GRANT), d = outcome(901, YN_JDEC_DENY);
	struct yn_journal *j;
	struct collect c;
	uint8_t junk[40];
	char path[512];
	unsigned long n;
	int fd, done = 0;

	(void)state;
	in.kind = YN_JKIND_INTENT;
	memset(junk, 0x77, sizeof(junk));
	yn_log_set_level(2);
	for (n = 1; !done; n++) {
		yn_test_rmtree(dir);
		assert_int_equal(mkdir(dir, 0700), 0);
		j = open_ok(&o, NULL);
		assert_int_equal(yn_journal_append(j, &d, NULL), 0);
		assert_int_equal(yn_journal_append(j, &in, NULL), 0);	/* seq 2, open */
		assert_int_equal(yn_journal_append(j, &in, NULL), 0);	/* seq 3, open */
		yn_journal_close(j);
		snprintf(path, sizeof(path), "%s/journal-00000000000000000001.ynj", dir);
		fd = open(path, O_RDWR);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, junk, sizeof(junk),
					YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN), sizeof(junk));
		close(fd);
		yn_wio_fault_set(YN_WIO_CRASH, n);
		j = NULL;
		if (yn_journal_open(dir, &o, &j, &rep) == 0 && !yn_wio_crashed())
			done = 1;	/* n is past the last boundary recovery has */
		yn_journal_report_free(&rep);
		yn_journal_close(j);
		yn_wio_fault_set(YN_WIO_NONE, 0);
		j = open_ok(&o, &rep);
		yn_journal_report_free(&rep);
		yn_journal_close(j);
		memset(&c, 0, sizeof(c));
		assert_int_equal(yn_journal_read(dir, collect_fn, &c, &rep), 0);
		assert_false(rep.torn);
		assert_int_equal(rep.n_uncertain, 0);
		assert_true(c.n >= 5);	/* 3 acknowledged + 2 uncertain */
		assert_int_equal(c.seqs[0], 1);
		assert_int_equal(c.seqs[1], 2);
		assert_int_equal(c.seqs[2], 3);
		yn_journal_report_free(&rep);
	}
	yn_log_set_level(YN_LOG_NOTICE);
	assert_true(n > 4);
}

/* A child appends as fast as it can and reports each acknowledged sequence
 * on a pipe; it is SIGKILLed at a random moment; recovery in the parent
 * must hold every acknowledged record. */
static void test_sigkill_child_never_loses_acked(void **state)
{
	struct yn_journal_opts o = small_opts();
	int round;

	(void)state;
	o.max_file_bytes = YN_JOURNAL_HDR_LEN + 50 * YN_JOURNAL_REC_LEN;
	srand((unsigned)time(NULL));
	for (round = 0; round < 20; round++) {
		struct yn_journal_report rep;
		struct yn_journal *j;
		uint64_t seq, max_acked = 0, n_acked = 0;
		struct collect c;
		int p[2], status;
		pid_t pid;
		ssize_t got;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct yn_journal *cj = NULL;
			uint64_t s, intent = 0;
			int i;

			close(p[0]);
			if (yn_journal_open(dir, &o, &cj, NULL) != 0)
				_exit(3);
			for (i = 0;; i++) {
				struct yn_journal_rec r = outcome((uint64_t)i, YN_JDEC_GRANT);

				if (i % 2 == 0)
					r.kind = YN_JKIND_INTENT;
				else
					r.intent_seq = intent;
				if (yn_journal_append(cj, &r, &s) != 0)
					_exit(4);
				if (i % 2 == 0)
					intent = s;
				if (write(p[1], &s, sizeof(s)) != sizeof(s))
					_exit(5);
			}
		}
		close(p[1]);
		usleep((useconds_t)(1000 + rand() % 30000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		while ((got = read(p[0], &seq, sizeof(seq))) == sizeof(seq)) {
			n_acked++;
			if (seq > max_acked)
				max_acked = seq;
		}
		close(p[0]);
		j = open_ok(&o, &rep);
		assert_true(rep.last_seq >= max_acked);
		yn_journal_report_free(&rep);
		yn_journal_close(j);
		memset(&c, 0, sizeof(c));
		assert_int_equal(yn_journal_read(dir, collect_fn, &c, &rep), 0);
		assert_false(rep.torn);
		assert_int_equal(rep.n_uncertain, 0);
		/* Contiguous from 1 (empty if the child died before its first append). */
		assert_int_equal(rep.first_seq, c.n ? 1 : 0);
		assert_int_equal(rep.last_seq, c.n);
		yn_journal_report_free(&rep);
		(void)n_acked;
	}
}

/* Concatenate every journal file into one buffer with their names. */
static void flip_each_byte(const char *name)
{
	char path[512];
	struct stat st;
	uint8_t *orig;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	orig = malloc((size_t)st.st_size);
	assert_non_null(orig);
	assert_int_equal(pread(fd, orig, (size_t)st.st_size, 0), st.st_size);
	for (i = 0; i < (size_t)st.st_size; i++) {
		struct yn_journal_report rep;
		uint8_t b = orig[i] ^ 0x04;
		int e;

		assert_int_equal(pwrite(fd, &b, 1, (off_t)i), 1);
		e = yn_journal_read(dir, NULL, NULL, &rep);
		if (e == 0 && !rep.torn)
			fail_msg("flipped byte %zu of %s not detected", i, name);
		yn_journal_report_free(&rep);
		assert_int_equal(pwrite(fd, &orig[i], 1, (off_t)i), 1);
	}
	close(fd);
	free(orig);
}

static void test_verify_catches_every_flipped_byte(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal *j;
	struct yn_journal_rec r = outcome(1, YN_JDEC_GRANT);
	int i;

	(void)state;
	o.max_file_bytes = YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN;
	j = open_ok(&o, NULL);
	for (i = 0; i < 5; i++)
		assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	yn_journal_close(j);
	assert_int_equal(yn_journal_read(dir, NULL, NULL, NULL), 0);
	flip_each_byte("journal-00000000000000000001.ynj");	/* closed by rotation */
	flip_each_byte("journal-00000000000000000004.ynj");	/* the open one, preallocated */
	assert_int_equal(yn_journal_read(dir, NULL, NULL, NULL), 0);
}

static void flip_at(const char *name, off_t off)
{
	char path[512];
	uint8_t b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void test_corrupt_middle_record_refuses_open(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal *j;
	struct yn_journal_rec r = outcome(1, YN_JDEC_GRANT);
	struct stat before, after;
	char path[512];
	int i;

	(void)state;
	j = open_ok(&o, NULL);
	for (i = 0; i < 5; i++)
		assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	yn_journal_close(j);
	flip_at("journal-00000000000000000001.ynj", YN_JOURNAL_HDR_LEN + YN_JOURNAL_REC_LEN + 20);
	snprintf(path, sizeof(path), "%s/journal-00000000000000000001.ynj", dir);
	assert_int_equal(stat(path, &before), 0);
	j = NULL;
	assert_int_equal(yn_journal_open(dir, &o, &j, &rep), YN_ECORRUPT);
	assert_null(j);
	assert_true(rep.corrupt);
	assert_int_equal(rep.bad_offset, YN_JOURNAL_HDR_LEN + YN_JOURNAL_REC_LEN);
	assert_int_equal(rep.bad_seq, 2);
	yn_journal_report_free(&rep);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_size, after.st_size);	/* nothing cut */
}

/* A bit flipped in the last record after it was written is damage, not a
 * tear: the record may have been acknowledged, so recovery must not cut it. */
static void test_damaged_last_record_is_not_cut(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal *j;
	struct yn_journal_rec r = outcome(1, YN_JDEC_GRANT);
	int i;

	(void)state;
	j = open_ok(&o, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	yn_journal_close(j);
	flip_at("journal-00000000000000000001.ynj", YN_JOURNAL_HDR_LEN + 2 * YN_JOURNAL_REC_LEN + 60);
	j = NULL;
	assert_int_equal(yn_journal_open(dir, &o, &j, &rep), YN_ECORRUPT);
	assert_null(j);
	assert_int_equal(rep.bad_offset, YN_JOURNAL_HDR_LEN + 2 * YN_JOURNAL_REC_LEN);
	assert_int_equal(rep.bad_seq, 3);
	yn_journal_report_free(&rep);
}

static void test_torn_tail_is_cut_and_reported(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal_report rep;
	struct yn_journal *j;
	struct yn_journal_rec r = outcome(1, YN_JDEC_GRANT);
	uint8_t half[YN_JOURNAL_REC_LEN / 2];
	char path[512];
	int fd, i;

	(void)state;
	j = open_ok(&o, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	yn_journal_close(j);
	/* Half a record after the last one, as a power cut leaves it. */
	memset(half, 0x5A, sizeof(half));
	half[0] = 'Y';
	half[1] = 'R';
	snprintf(path, sizeof(path), "%s/journal-00000000000000000001.ynj", dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, half, sizeof(half), YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN),
			 sizeof(half));
	close(fd);
	assert_int_equal(yn_journal_read(dir, NULL, NULL, &rep), 0);
	assert_true(rep.torn);
	assert_int_equal(rep.torn_offset, YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN);
	yn_journal_report_free(&rep);
	j = open_ok(&o, &rep);
	assert_true(rep.torn);
	assert_int_equal(rep.records, 3);
	yn_journal_report_free(&rep);
	assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	yn_journal_close(j);
	assert_int_equal(yn_journal_read(dir, NULL, NULL, &rep), 0);
	assert_false(rep.torn);
	assert_int_equal(rep.records, 4);
	yn_journal_report_free(&rep);
}

/* --- the tool --- */

static int run_tool(char *const argv[], const char *out_path)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *tool(void)
{
	static char p[512];
	const char *b = getenv("YN_BUILD");

	snprintf(p, sizeof(p), "%s/yinian", b ? b : "build");
	return p;
}

static void test_tool_verify_export(void **state)
{
	struct yn_journal_opts o = small_opts();
	struct yn_journal *j;
	struct yn_journal_rec r = outcome(4242, YN_JDEC_GRANT);
	char out[600], *text, *line, *save = NULL;
	size_t lines = 0;
	int i;

	(void)state;
	snprintf(out, sizeof(out), "%s.out", dir);
	j = open_ok(&o, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(yn_journal_append(j, &r, NULL), 0);
	yn_journal_close(j);
	{
		char *argv[] = { (char *)tool(), (char *)"journal", (char *)"verify", dir, NULL };

		assert_int_equal(run_tool(argv, out), 0);
		assert_non_null(strstr(slurp(out), "3 records"));
	}
	{
		char *argv[] = { (char *)tool(), (char *)"journal", (char *)"export", dir,
				 (char *)"--format", (char *)"csv", (char *)"--since", (char *)"2", NULL };

		assert_int_equal(run_tool(argv, out), 0);
		text = slurp(out);
		assert_true(strncmp(text, "seq,time_utc,mono_ns,terminal,kind,decision,", 44) == 0);
		assert_non_null(strstr(text, "\r\n2,2026-"));
		assert_non_null(strstr(text, ",GATE-0042,outcome,grant,7,4242,04112233445566,true,"));
		assert_null(strstr(text, "\r\n1,"));
	}
	{
		char *argv[] = { (char *)tool(), (char *)"journal", (char *)"export", dir,
				 (char *)"--format", (char *)"jsonl", NULL };

		assert_int_equal(run_tool(argv, out), 0);
		text = slurp(out);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			json_error_t err;
			json_t *v = json_loads(line, 0, &err);

			assert_non_null(v);
			assert_string_equal(json_string_value(json_object_get(v, "card_serial")), "4242");
			assert_string_equal(json_string_value(json_object_get(v, "decision")), "grant");
			json_decref(v);
			lines++;
		}
		assert_int_equal(lines, 3);
	}
	flip_at("journal-00000000000000000001.ynj", YN_JOURNAL_HDR_LEN + 2 * YN_JOURNAL_REC_LEN + 3);
	{
		char *argv[] = { (char *)tool(), (char *)"journal", (char *)"verify", dir, NULL };
		char want[64];

		assert_int_equal(run_tool(argv, out), 1);
		snprintf(want, sizeof(want), "at offset %d", YN_JOURNAL_HDR_LEN + 2 * YN_JOURNAL_REC_LEN);
		assert_non_null(strstr(slurp(out), want));
	}
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crc32c_check_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_roundtrip_and_field_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_reopen_continues_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_by_size_carries_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_daily_uses_local_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intent_without_outcome_becomes_uncertain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_is_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_terminal_id_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_at_every_boundary_keeps_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_at_every_boundary_keeps_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_recovery_is_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_child_never_loses_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_catches_every_flipped_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_middle_record_refuses_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_last_record_is_not_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_is_cut_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tool_verify_export, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
