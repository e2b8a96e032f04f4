/*
 * Denylist benchmark: prints a table (and with --json FILE writes it).
 *
 *   bench_denylist [--entries N] [--dir DIR] [--json FILE]
 *
 * Build and sign from CSV (the `yinian denylist build` command, timed as a
 * user runs it), load and verify, lookup latency, resident memory per
 * entry, the size of a delta with 10,000 changes, and how long a reader is
 * held up while another thread swaps lists.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/denylist.h"
#include "validator/denylist_store.h"

static json_t *results;

static void row(const char *name, double value, const char *unit, const char *target)
{
	printf("  %-44s %14.3f %-8s %s\n", name, value, unit, target ? target : "");
	json_object_set_new(results, name, json_pack("{s:f,s:s}", "value", value, "unit", unit));
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
	/* xorshift64*: repeatable across runs. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static int die(const char *what, int r)
{
	fprintf(stderr, "bench_denylist: %s: %s\n", what, yn_strerror(r));
	exit(1);
}

struct swap_ctx {
	struct yn_dl_holder *h;
	atomic_int stop;
	uint64_t max_ns, n, retries;
	uint32_t *lat;
	size_t n_lat, cap_lat;
};

/* A tap's view: enter, look up, leave; the worst latency while lists swap. */
static void *swap_reader(void *arg)
{
	struct swap_ctx *c = arg;
	struct yn_dl_reader *r;

	if (yn_dl_reader_new(c->h, &r) != 0)
		return NULL;
	while (!atomic_load(&c->stop)) {
		uint64_t t0 = yn_now_ns(), d;
		const struct yn_denylist *l = yn_dl_reader_enter(r);

		(void)yn_denylist_lookup(l, next_rand(), NULL);
		yn_dl_reader_leave(r);
		d = yn_now_ns() - t0;
		if (d > c->max_ns)
			c->max_ns = d;
		if (c->n_lat < c->cap_lat)
			c->lat[c->n_lat++] = (uint32_t)(d > UINT32_MAX ? UINT32_MAX : d);
		c->n++;
	}
	c->retries = yn_dl_reader_retries(r);
	yn_dl_reader_free(r);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entries", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t n = 1000000, i, k, n_lookups = 1000000, nd, nl;
	const char *base_dir = "/var/tmp", *json_path = NULL, *b = getenv("YN_BUILD");
	char dir[512], csv[600], priv[600], pub[600], list[600], state[600], cmd[4096];
	struct yn_dl_trust *t = NULL;
	struct yn_denylist *l = NULL;
	struct yn_privkey *key = NULL;
	struct yn_dl_entry *e, *e2;
	struct yn_dl_header hdr;
	uint64_t *serials, t0, t1;
	uint32_t *lat;
	uint8_t *la, *lb, *d, *res;
	size_t lena, lenb, lend, lenr;
	long rss0, rss1;
	FILE *f;
	int c, r, status;

	while ((c = getopt_long(argc, argv, "n:d:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'd': base_dir = optarg; break;
		case 'j': json_path = optarg; break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: bench_denylist [--entries N] [--dir DIR] [--json FILE]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (n < 20000 || n > YN_DL_MAX_ENTRIES) {
		fprintf(stderr, "bench_denylist: --entries from 20000 to %u\n", YN_DL_MAX_ENTRIES);
		return 2;
	}
	yn_log_set_level(YN_LOG_WARN);
	results = json_object();
	snprintf(dir, sizeof(dir), "%s/yn-bench-dl.XXXXXX", base_dir);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench_denylist: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(csv, sizeof(csv), "%s/list.csv", dir);
	snprintf(priv, sizeof(priv), "%s/sign.pem", dir);
	snprintf(pub, sizeof(pub), "%s/sign.pub", dir);
	snprintf(list, sizeof(list), "%s/list.dl", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	if ((r = yn_keygen_p256(priv, pub)) != 0)
		die("keygen", r);

	/* Serials as an issuer hands them out: rising, with gaps, shuffled in
	 * the CSV (the builder sorts). */
	serials = malloc(n * sizeof(*serials));
	for (i = 0; i < n; i++)
		serials[i] = 440300000000ull + i * 4 + next_rand() % 4;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)(next_rand() % (i + 1));
		uint64_t x = serials[i];

		serials[i] = serials[j];
		serials[j] = x;
	}
	f = fopen(csv, "w");
	fprintf(f, "serial,listed,reason\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%" PRIu64 ",2025-%02u-%02u,%s\n", serials[i], (unsigned)(i % 12 + 1),
			(unsigned)(i % 28 + 1), yn_dl_reason_name((unsigned)(i % 7 + 1)));
	fclose(f);

	printf("denylist benchmark: %zu entries (%s)\n", n, dir);
	printf("  %-44s %14s %-8s %s\n", "measure", "value", "unit", "target");
	snprintf(cmd, sizeof(cmd),
		 "%s/yinian denylist build --in %s --key %s --seq 1 --valid-for 30d --out %s "
		 ">/dev/null", b ? b : "build", csv, priv, list);
	t0 = yn_now_ns();
	status = system(cmd);
	t1 = yn_now_ns();
	if (status != 0) {
		fprintf(stderr, "bench_denylist: %s failed\n", cmd);
		return 1;
	}
	row("build+sign from CSV (yinian denylist build)", secs(t1 - t0), "s", NULL);

	if ((r = yn_dl_trust_new(&t)) != 0 || (r = yn_dl_trust_add(t, pub)) != 0)
		die("trust", r);
	rss0 = rss_kib();
	t0 = yn_now_ns();
	if ((r = yn_denylist_load(list, t, &l)) != 0)
		die("load", r);
	t1 = yn_now_ns();
	rss1 = rss_kib();
	row("load+verify", secs(t1 - t0), "s", NULL);
	row("file size per entry", (double)(YN_DL_HDR_LEN + n * YN_DL_ENTRY_LEN + 64) / (double)n,
	    "bytes", NULL);
	row("resident memory per entry (RSS growth)", (double)(rss1 - rss0) * 1024.0 / (double)n,
	    "bytes", "<= 16");
	row("heap held per entry (yn_denylist_mem_bytes)",
	    (double)yn_denylist_mem_bytes(l) / (double)n, "bytes", "<= 16");

	/* Lookups: half listed serials, half near misses, each timed alone. */
	lat = malloc(n_lookups * sizeof(*lat));
	for (i = 0; i < n_lookups; i++) {
		uint64_t s = serials[next_rand() % n] + (i & 1);
		uint64_t a = yn_now_ns();

		(void)yn_denylist_lookup(l, s, NULL);
		lat[i] = (uint32_t)(yn_now_ns() - a);
	}
	qsort(lat, n_lookups, sizeof(*lat), cmp_u32);
	row("lookup p50 (incl. clock read)", lat[n_lookups / 2] / 1000.0, "us", NULL);
	row("lookup p99 (incl. clock read)", lat[n_lookups * 99 / 100] / 1000.0, "us", "< 1");
	row("lookup max", lat[n_lookups - 1] / 1000.0, "us", NULL);
	t0 = yn_now_ns();
	for (i = 0, k = 0; i < n_lookups; i++)
		k += (size_t)yn_denylist_lookup(l, serials[next_rand() % n] + (i & 1), NULL);
	t1 = yn_now_ns();
	row("lookup mean, back to back", (double)(t1 - t0) / (double)n_lookups / 1000.0, "us",
	    NULL);

	/* A delta with 10,000 changes: 5,000 removed, 5,000 added. */
	nl = yn_denylist_count(l);
	e = malloc(nl * sizeof(*e));
	e2 = malloc((nl + 5000) * sizeof(*e2));
	for (i = 0; i < nl; i++)
		yn_denylist_entry(l, i, &e[i]);
	for (i = 0, nd = 0; i < nl; i++)
		if (i % (nl / 5000) != 0 || i / (nl / 5000) >= 5000)
			e2[nd++] = e[i];
	for (i = 0; i < 5000; i++) {
		e2[nd].serial = e[nl - 1].serial + 1 + i;
		e2[nd].listed_day = 20786;
		e2[nd].reason = YN_DL_LOST;
		nd++;
	}
	if ((r = yn_privkey_load(priv, &key)) != 0)
		die("key", r);
	memset(&hdr, 0, sizeof(hdr));
	hdr.seq = 1;
	hdr.issued_at = 1790000000;
	hdr.not_after = hdr.issued_at + 86400 * 30;
	if ((r = yn_dl_encode_full(&hdr, e, nl, key, &la, &lena)) != 0)
		die("encode a", r);
	hdr.seq = 2;
	if ((r = yn_dl_encode_full(&hdr, e2, nd, key, &lb, &lenb)) != 0)
		die("encode b", r);
	t0 = yn_now_ns();
	if ((r = yn_dl_encode_delta(la, lena, lb, lenb, key, &d, &lend)) != 0)
		die("delta", r);
	t1 = yn_now_ns();
	row("delta size, 10,000 changes", (double)lend / 1024.0, "KiB", NULL);
	row("delta make", secs(t1 - t0), "s", NULL);
	t0 = yn_now_ns();
	if ((r = yn_dl_apply(la, lena, d, lend, t, &res, &lenr)) != 0)
		die("apply", r);
	t1 = yn_now_ns();
	row("delta apply (verify both, rebuild, verify)", secs(t1 - t0), "s", NULL);
	free(res);
	free(la);
	free(lb);
	free(d);
	free(e);
	free(e2);

	/* Swaps against a reader: the full list in force first, then 200 swaps
	 * of small lists (each install also writes the floor with fsync). */
	{
		struct yn_dl_holder *h;
		struct swap_ctx sc;
		pthread_t th;
		struct yn_denylist *small[200];
		struct yn_dl_entry one;
		uint64_t base_max, base_p999;

		for (i = 0; i < 200; i++) {
			one.serial = 1000 + i;
			one.listed_day = 20000;
			one.reason = YN_DL_LOST;
			hdr.seq = 10 + i;
			if ((r = yn_dl_encode_full(&hdr, &one, 1, key, &la, &lena)) != 0 ||
			    (r = yn_denylist_parse(la, lena, t, &small[i])) != 0)
				die("small list", r);
			free(la);
		}
		if ((r = yn_dl_holder_new(state, t, &h)) != 0)
			die("holder", r);
		if ((r = yn_dl_holder_install(h, l)) != 0)
			die("install", r);
		l = NULL; /* the holder owns it */
		memset(&sc, 0, sizeof(sc));
		sc.h = h;
		sc.cap_lat = 20000000;
		sc.lat = malloc(sc.cap_lat * sizeof(*sc.lat));
		/* Baseline: the same reader for 0.5 s with no swaps. */
		pthread_create(&th, NULL, swap_reader, &sc);
		usleep(500000);
		atomic_store(&sc.stop, 1);
		pthread_join(th, NULL);
		qsort(sc.lat, sc.n_lat, sizeof(*sc.lat), cmp_u32);
		base_max = sc.max_ns;
		base_p999 = sc.n_lat ? sc.lat[sc.n_lat * 999 / 1000] : 0;
		atomic_store(&sc.stop, 0);
		sc.max_ns = sc.n = sc.n_lat = 0;
		pthread_create(&th, NULL, swap_reader, &sc);
		t0 = yn_now_ns();
		for (i = 0; i < 200; i++)
			if ((r = yn_dl_holder_install(h, small[i])) != 0)
				die("swap", r);
		t1 = yn_now_ns();
		atomic_store(&sc.stop, 1);
		pthread_join(th, NULL);
		qsort(sc.lat, sc.n_lat, sizeof(*sc.lat), cmp_u32);
		row("swap: install incl. floor fsync, mean", secs(t1 - t0) / 200 * 1000, "ms", NULL);
		row("reader during swaps: lookups", (double)sc.n, "count", NULL);
		row("reader during swaps: enters that re-read", (double)sc.retries, "count",
		    "(one extra load each)");
		row("reader during swaps: p99.9 latency",
		    sc.n_lat ? sc.lat[sc.n_lat * 999 / 1000] / 1000.0 : 0, "us", NULL);
		row("reader during swaps: max latency", sc.max_ns / 1000.0, "us", "never blocked");
		row("reader without swaps: p99.9 latency", base_p999 / 1000.0, "us", NULL);
		row("reader without swaps: max latency", base_max / 1000.0, "us",
		    "(scheduler noise)");
		free(sc.lat);
		yn_dl_holder_free(h);
	}
	yn_denylist_free(l);
	yn_privkey_free(key);
	yn_dl_trust_free(t);
	free(lat);
	free(serials);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_denylist: could not remove %s\n", dir);
	json_object_set_new(results, "entries", json_integer((json_int_t)n));
	if (json_path != NULL && json_dump_file(results, json_path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "bench_denylist: cannot write %s\n", json_path);
		return 1;
	}
	json_decref(results);
	return 0;
}
