/*
 * Journal benchmark: prints a table (and with --json FILE writes it).
 *
 *   bench_journal [--appends M] [--records N] [--dir DIR] [--json FILE]
 *
 * Append + fdatasync latency on DIR's disk (default /var/tmp), appends per
 * second with one writer, and the time to recover (open after a crash) a
 * journal of N records.  The N-record journal is written on tmpfs, where
 * the syncs cost nothing, then copied to DIR, synced and dropped from the
 * page cache, with a torn half-record and an open intent at its end so
 * that recovery has work to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/journal.h"

static json_t *results;

static void row(const char *name, double value, const char *unit)
{
	printf("  %-44s %14.3f %s\n", name, value, unit);
	json_object_set_new(results, name, json_pack("{s:f,s:s}", "value", value, "unit", unit));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void fail(const char *what, int r)
{
	fprintf(stderr, "bench_journal: %s: %s\n", what, yn_strerror(r));
	exit(1);
}

static struct yn_journal_rec sample(uint64_t i)
{
	struct yn_journal_rec r;

	memset(&r, 0, sizeof(r));
	r.kind = YN_JKIND_OUTCOME;
	r.decision = YN_JDEC_GRANT;
	r.grants = YN_JGRANT_RIDE;
	r.time_us = 1795000000000000ll + (int64_t)i * 1000;
	r.mono_ns = i * 1000;
	r.card_serial = 440300000000ull + i;
	r.uid_len = 7;
	memcpy(r.uid, "\x04\x11\x22\x33\x44\x55\x66", 7);
	r.apdu_count = 9;
	r.latency_us = 40000;
	return r;
}

struct where {
	char file[64];
	uint64_t off;
};

/* Remember where the last record is. */
static int find_end(void *ctx, const struct yn_journal_rec *rec, const char *file, uint64_t off)
{
	struct where *w = ctx;

	(void)rec;
	snprintf(w->file, sizeof(w->file), "%s", file);
	w->off = off;
	return 0;
}

/* Copy each journal file from src to dst, fsync it and drop it from the
 * page cache, so that recovery reads from the disk. */
static void copy_cold(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *de;
	static char buf[1 << 20];
	char a[1024], b[1024];

	if (d == NULL)
		fail("opendir", YN_EIO);
	while ((de = readdir(d)) != NULL) {
		int in, out;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(a, sizeof(a), "%s/%s", src, de->d_name);
		snprintf(b, sizeof(b), "%s/%s", dst, de->d_name);
		in = open(a, O_RDONLY);
		out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0640);
		if (in < 0 || out < 0)
			fail("copy", YN_EIO);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				fail("copy", YN_EIO);
		if (fsync(out) != 0)
			fail("fsync", YN_EIO);
		(void)posix_fadvise(out, 0, 0, POSIX_FADV_DONTNEED);
		close(in);
		close(out);
		unlink(a);
	}
	closedir(d);
}

static void rmdir_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[1024];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "appends", required_argument, NULL, 'a' },
		{ "records", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct yn_journal_opts o = { .terminal = "BENCH-01" };
	struct yn_journal_report rep;
	struct yn_journal *j = NULL;
	const char *base = "/var/tmp", *json_path = NULL;
	char dir[512], shm[512], last[1024];
	size_t appends = 2000, records = 1000000, i;
	uint64_t *lat, t0, t1, seq, intent;
	int c, r;

	while ((c = getopt_long(argc, argv, "a:n:d:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': appends = strtoul(optarg, NULL, 10); break;
		case 'n': records = strtoul(optarg, NULL, 10); break;
		case 'd': base = optarg; break;
		case 'j': json_path = optarg; break;
		default:
			fprintf(c == 'h' ? stdout : stderr, "usage: bench_journal [--appends M] "
				"[--records N] [--dir DIR] [--json FILE]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (appends < 100 || records < 1000) {
		fprintf(stderr, "bench_journal: --appends from 100, --records from 1000\n");
		return 2;
	}
	yn_log_set_level(YN_LOG_ERR);
	results = json_object();
	snprintf(dir, sizeof(dir), "%s/yn-bench-journal.XXXXXX", base);
	snprintf(shm, sizeof(shm), "/dev/shm/yn-bench-journal.XXXXXX");
	if (mkdtemp(dir) == NULL || mkdtemp(shm) == NULL) {
		fprintf(stderr, "bench_journal: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	printf("journal benchmark: %zu synced appends in %s, recovery of %zu records\n", appends,
	       dir, records);

	/* 1. Append + fdatasync latency on the disk. */
	if ((r = yn_journal_open(dir, &o, &j, NULL)) != 0)
		fail("open", r);
	lat = malloc(appends * sizeof(*lat));
	t0 = yn_now_ns();
	for (i = 0; i < appends; i++) {
		struct yn_journal_rec rec = sample(i);
		uint64_t a = yn_now_ns();

		if ((r = yn_journal_append(j, &rec, &seq)) != 0)
			fail("append", r);
		lat[i] = yn_now_ns() - a;
	}
	t1 = yn_now_ns();
	yn_journal_close(j);
	qsort(lat, appends, sizeof(*lat), cmp_u64);
	row("append+fdatasync p50", lat[appends / 2] / 1000.0, "us");
	row("append+fdatasync p99", lat[appends * 99 / 100] / 1000.0, "us");
	row("append+fdatasync max", lat[appends - 1] / 1000.0, "us");
	row("appends per second, one writer", (double)appends / ((double)(t1 - t0) / 1e9), "1/s");
	rmdir_files(dir);
	if (mkdir(dir, 0750) != 0)
		fail("mkdir", YN_EIO);

	/* 2. Recovery of a big journal. */
	if ((r = yn_journal_open(shm, &o, &j, NULL)) != 0)
		fail("open shm", r);
	for (i = 0; i + 1 < records; i++) {
		struct yn_journal_rec rec = sample(i);

		if ((r = yn_journal_append(j, &rec, NULL)) != 0)
			fail("append shm", r);
	}
	{
		struct yn_journal_rec rec = sample(records);

		rec.kind = YN_JKIND_INTENT;	/* the crash comes before its outcome */
		if ((r = yn_journal_append(j, &rec, &intent)) != 0)
			fail("append intent", r);
	}
	/* Half of the next record, torn by the "power cut", after the last. */
	{
		struct yn_journal_rec rec = sample(records + 1);
		struct where w = { "", 0 };
		uint8_t buf[YN_JOURNAL_REC_LEN];
		int fd;

		rec.seq = yn_journal_next_seq(j);
		snprintf(rec.terminal, sizeof(rec.terminal), "%s", o.terminal);
		yn_journal_close(j);
		if ((r = yn_journal_encode(&rec, buf)) != 0 ||
		    (r = yn_journal_read(shm, find_end, &w, NULL)) != 0)
			fail("find the end", r);
		snprintf(last, sizeof(last), "%s/%s", shm, w.file);
		fd = open(last, O_RDWR);
		if (fd < 0 || pwrite(fd, buf, YN_JOURNAL_REC_LEN / 2,
				     (off_t)(w.off + YN_JOURNAL_REC_LEN)) != YN_JOURNAL_REC_LEN / 2)
			fail("torn write", YN_EIO);
		close(fd);
	}
	copy_cold(shm, dir);
	rmdir(shm);
	t0 = yn_now_ns();
	if ((r = yn_journal_open(dir, &o, &j, &rep)) != 0)
		fail("recover", r);
	t1 = yn_now_ns();
	if (!rep.torn || rep.n_uncertain != 1 || rep.uncertain[0].seq != intent ||
	    rep.records != records) {
		fprintf(stderr, "bench_journal: recovery did not find the torn tail and the intent\n");
		return 1;
	}
	row("recovery (cold cache): files", (double)rep.files, "");
	row("recovery (cold cache): records checked", (double)rep.records, "");
	row("recovery (cold cache): time", (double)(t1 - t0) / 1e9, "s");
	yn_journal_report_free(&rep);
	yn_journal_close(j);
	t0 = yn_now_ns();
	if ((r = yn_journal_open(dir, &o, &j, &rep)) != 0)
		fail("reopen", r);
	t1 = yn_now_ns();
	row("reopen (warm cache, CRC + chain of all)", (double)(t1 - t0) / 1e9, "s");
	yn_journal_report_free(&rep);
	yn_journal_close(j);
	rmdir_files(dir);
	free(lat);
	json_object_set_new(results, "records", json_integer((json_int_t)records));
	json_object_set_new(results, "appends", json_integer((json_int_t)appends));
	if (json_path != NULL && json_dump_file(results, json_path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "bench_journal: cannot write %s\n", json_path);
		return 1;
	}
	json_decref(results);
	return 0;
}
