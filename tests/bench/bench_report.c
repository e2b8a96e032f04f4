/*
 * bench_report: merge the benchmark programs' JSON into one document and
 * print the one table (Markdown, readable as plain text).
 *
 *   bench_report --out FILE [--mode NAME] [--note TEXT]... NAME=FILE...
 *
 * NAME is tap, soak, denylist, journal or crypto; FILE the JSON that
 * bench_tap, bench_denylist, bench_journal or bench_crypto wrote.  A missing
 * or unreadable FILE becomes a "not measured" line (with the notes given),
 * never a number.  The merged document (with the date, the machine and
 * every input under its NAME) goes to --out; the table to stdout.
 * Run by scripts/bench.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* Published anchors for a whole transaction at the card (issue 9). */
static const struct {
	const char *what;
	double ms;
} anchors[] = {
	{ "Suica (JR East), card read/write", 100 },
	{ "Calypso", 200 },
	{ "Shanghai DB31/T 239, with the record", 400 },
};

/* NXP MF3DX2 (DESFire EV2) short data sheet: "fast programming cycles
 * (erase/write) 1 ms".  One cycle per committed write is the least a
 * commit costs; the number of cycles per commit is not published. */
#define NVM_CYCLE_MS 1.0

static json_t *get(json_t *o, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
		o = json_object_get(o, tok);
	return o;
}

static double num(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	return v ? json_number_value(v) : -1;
}

/* A number for the table, "–" when absent (negative).  Returns one of 32
 * rotating buffers, enough for every number of one printf. */
static const char *fmt(double v, int decimals)
{
	static char buf[32][32];
	static unsigned next;
	char *p = buf[next++ % 32];

	if (v < 0)
		snprintf(p, sizeof(buf[0]), "–");
	else
		snprintf(p, sizeof(buf[0]), "%.*f", decimals, v);
	return p;
}

#define F0(v) fmt((v), 0)
#define F1(v) fmt((v), 1)
#define F2(v) fmt((v), 2)
#define F3(v) fmt((v), 3)

/* The "value" of a row of bench_denylist/bench_journal (names hold dots). */
static double val(json_t *o, const char *row)
{
	json_t *v = json_object_get(json_object_get(o, row), "value");

	return v ? json_number_value(v) : -1;
}

static void cpu_model(char *out, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, cap, "unknown CPU");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = '\0';
			snprintf(out, cap, "%s", c);
			break;
		}
	}
	fclose(f);
}

static void print_notes(json_t *notes)
{
	size_t i;
	json_t *v;

	json_array_foreach(notes, i, v)
		printf("\n> %s\n", json_string_value(v));
}

static void not_measured(const char *what)
{
	printf("\n%s: **not measured** (see the notes at the top and the log above).\n", what);
}

static void table_taps(json_t *tap)
{
	static const struct {
		const char *id, *name;
	} paths[] = {
		{ "emu", "in-process (emu:)" },
		{ "pcsc", "pcscd + vpcd" },
		{ "nfc", "libnfc + PN532 emu" },
	};
	json_t *rows = get(tap, "taps"), *r;
	size_t i, k;

	printf("\n## 1. Tap to decision (µs)\n\n");
	printf("Each tap is the daemon's own code (terminal + tap: keys, policy, signed denylist, "
	       "journal) on an issued card: SELECT, EV2 authentication, holder record (Full), "
	       "role files, policy, write, CommitTransaction. Decision = card present to decision "
	       "without the journal sync; sync = the journal's two durable appends (intent, "
	       "outcome); decision+sync = what the gate or till waits for. %s rounds after %s warm-up; the paths interleaved in the same run.\n\n",
	       F0(num(tap, "rounds")), F0(num(tap, "warmup_rounds")));
	printf("| path | role | taps | grant / deny / again | decision p50 | p99 | max | sync p50 | "
	       "p99 | max | decision+sync p99 | target (decision p99) |\n");
	printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
	json_array_foreach(rows, i, r) {
		const char *path = json_string_value(get(r, "path"));
		double p99 = num(r, "decision_us.p99");
		char target[64] = "–";

		if (path && strcmp(path, "emu") == 0)
			snprintf(target, sizeof(target), "< 1000: %s", p99 < 1000 ? "met" : "MISSED");
		else if (path && strcmp(path, "pcsc") == 0)
			snprintf(target, sizeof(target), "< 5000: %s", p99 < 5000 ? "met" : "MISSED");
		printf("| %s | %s | %s | %s / %s / %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		       json_string_value(get(r, "name")), json_string_value(get(r, "role")),
		       F0(num(r, "taps")), F0(num(r, "grants")), F0(num(r, "denials")),
		       F0(num(r, "tap_again")), F0(num(r, "decision_us.p50")), F0(p99),
		       F0(num(r, "decision_us.max")), F0(num(r, "sync_us.p50")),
		       F0(num(r, "sync_us.p99")), F0(num(r, "sync_us.max")),
		       F0(num(r, "total_us.p99")), target);
		if (get(r, "error"))
			printf("| ↳ %s failed: %s |||||||||||\n", json_string_value(get(r, "name")),
			       json_string_value(get(r, "error")));
	}
	/* Every path a transit engineer expects, measured or not. */
	for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		int seen = 0;

		json_array_foreach(rows, i, r)
			if (json_string_value(get(r, "path")) &&
			    strcmp(json_string_value(get(r, "path")), paths[k].id) == 0)
				seen = 1;
		if (!seen)
			printf("| %s | gate, canteen | **not measured** (see the notes) ||||||||||\n",
			       paths[k].name);
	}
}

static void table_work(json_t *tap)
{
	json_t *rows = get(tap, "work"), *r, *rt;
	size_t i, j;

	printf("\n## 2. Work per tap and the air-time floor (ISO 14443-A)\n\n");
	printf("APDUs and bytes as the tap counted them (command / response APDU bytes, SW "
	       "included), recorded on the in-process path. Air time is a floor: 9 bits a byte "
	       "(parity), 128/fc a bit (9.44 µs at 106 kbit/s), PCB + CRC_A per block, FSC 64 "
	       "(command blocks ≤ 61 bytes) and FSD 256 (response blocks ≤ 253) with R(ACK) per "
	       "chained block, 86 µs frame delay per exchange; no card processing, no reader "
	       "turnaround, no activation (docs/benchmarks.md).\n\n");
	printf("| role | APDUs | APDU bytes out / in | frames | air @106 kbit/s (ms) | @212 | @424 "
	       "| @848 |\n|---|--:|--:|--:|--:|--:|--:|--:|\n");
	json_array_foreach(rows, i, r)
		printf("| %s | %s | %s / %s | %s | %s | %s | %s | %s |\n",
		       json_string_value(get(r, "role")), F0(num(r, "apdus")),
		       F0(num(r, "apdu_bytes_out")), F0(num(r, "apdu_bytes_in")),
		       F0(num(r, "frames")), F1(num(r, "air_us_106") / 1000),
		       F1(num(r, "air_us_212") / 1000), F1(num(r, "air_us_424") / 1000),
		       F1(num(r, "air_us_848") / 1000));
	printf("\nOn a real card at 106 kbit/s (estimate = air-time floor + our terminal's "
	       "decision p50 in-process + journal sync p50 + ≥ %.0f ms for the card's "
	       "non-volatile commit (one 1 ms erase/write cycle, NXP MF3DX2 short data sheet); the "
	       "card's own command and crypto time is not published and not included):\n\n",
	       NVM_CYCLE_MS);
	printf("| role | estimate (ms) |");
	for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
		printf(" %s: %.0f ms |", anchors[i].what, anchors[i].ms);
	printf("\n|---|--:|");
	for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++)
		printf("---|");
	printf("\n");
	json_array_foreach(rows, i, r) {
		const char *role = json_string_value(get(r, "role"));
		double dec = -1, syn = -1, est;

		json_array_foreach(get(tap, "taps"), j, rt)
			if (strcmp(json_string_value(get(rt, "path")), "emu") == 0 &&
			    strcmp(json_string_value(get(rt, "role")), role) == 0) {
				dec = num(rt, "decision_us.p50");
				syn = num(rt, "sync_us.p50");
			}
		if (dec < 0 || syn < 0)
			continue;
		est = (num(r, "air_us_106") + dec + syn) / 1000 + NVM_CYCLE_MS;
		printf("| %s | %s |", role, F1(est));
		for (j = 0; j < sizeof(anchors) / sizeof(anchors[0]); j++)
			printf(" %s (%.0f%% of it) |", est < anchors[j].ms ? "within" : "OVER",
			       100 * est / anchors[j].ms);
		printf("\n");
	}
}

static void table_peer(json_t *tap)
{
	json_t *p = get(tap, "peer");

	printf("\n## 3. The same work done by a peer: libfreefare\n\n");
	if (p == NULL) {
		printf("Not measured (needs the nfc path).\n");
		return;
	}
	printf("Same card, same key (the card's read key), same path (Debian's libnfc, "
	       "pn532_uart, the emulated PN532 in `yinian card serve --pn532`); only SELECT + "
	       "authenticate + read of the 112-byte holder record is timed (reader open and card "
	       "activation are not); runs alternate ours, theirs, ours, theirs. libfreefare has "
	       "no EV2: it authenticates with EV1 AES (AA).\n\n");
	printf("| work | pairs | p50 (µs) | p99 | max | failed |\n|---|--:|--:|--:|--:|--:|\n");
	printf("| ours: AuthenticateEV2First + ReadData Full (%s APDUs) | %s | %s | %s | %s | %s |\n",
	       F0(num(p, "ours_apdus")), F0(num(p, "measured")), F0(num(p, "ours_us.p50")),
	       F0(num(p, "ours_us.p99")), F0(num(p, "ours_us.max")), F0(num(p, "ours_failed")));
	printf("| libfreefare 0.4.0: AuthenticateAES (EV1) + ReadData enciphered | %s | %s | %s | "
	       "%s | %s |\n", F0(num(p, "measured")), F0(num(p, "theirs_us.p50")),
	       F0(num(p, "theirs_us.p99")), F0(num(p, "theirs_us.max")),
	       F0(num(p, "theirs_failed")));
	printf("\nRatio ours / theirs per pair: median %s (1st percentile %s, 99th %s); records "
	       "read that differ: %s.\n", F2(num(p, "ratio_p50")), F2(num(p, "ratio_p01")),
	       F2(num(p, "ratio_p99")), F0(num(p, "mismatched_records")));
}

static void table_denylist(json_t *d)
{
	printf("\n## 4. Denylist at %s entries\n\n", F0(num(d, "entries")));
	printf("| load + verify (s) | lookup p50 (µs) | p99 | max | memory per entry (RSS, bytes) "
	       "| swap install, mean (ms) | reader during swaps p99.9 (µs) | max (µs) | "
	       "reader without swaps max (µs) |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
	       F3(val(d, "load+verify")), F3(val(d, "lookup p50 (incl. clock read)")),
	       F3(val(d, "lookup p99 (incl. clock read)")), F0(val(d, "lookup max")),
	       F1(val(d, "resident memory per entry (RSS growth)")),
	       F2(val(d, "swap: install incl. floor fsync, mean")),
	       F3(val(d, "reader during swaps: p99.9 latency")),
	       F0(val(d, "reader during swaps: max latency")),
	       F0(val(d, "reader without swaps: max latency")));
	printf("\nLookups include a clock read; readers never wait for a swap (they keep the "
	       "list they entered with), so the max during swaps is scheduler noise of the same "
	       "order as without swaps.\n");
}

static void table_journal(json_t *j)
{
	printf("\n## 5. Journal\n\n");
	printf("| appends | append + fdatasync p50 (µs) | p99 | max | appends/s (one writer) | "
	       "recovery of %s records, cold cache (s) | reopen, warm (s) |\n"
	       "|--:|--:|--:|--:|--:|--:|--:|\n", F0(num(j, "records")));
	printf("| %s | %s | %s | %s | %s | %s | %s |\n", F0(num(j, "appends")),
	       F0(val(j, "append+fdatasync p50")), F0(val(j, "append+fdatasync p99")),
	       F0(val(j, "append+fdatasync max")),
	       F0(val(j, "appends per second, one writer")),
	       F3(val(j, "recovery (cold cache): time")),
	       F3(val(j, "reopen (warm cache, CRC + chain of all)")));
}

static void table_crypto(json_t *c)
{
	json_t *r;
	size_t i;

	printf("\n## 6. Crypto (OpenSSL 3, ns per operation, median of %s runs)\n\n",
	       F0(num(c, "runs")));
	printf("| operation | ns/op | fastest run | slowest run |\n|---|--:|--:|--:|\n");
	json_array_foreach(get(c, "results"), i, r)
		printf("| %s | %s | %s | %s |\n", json_string_value(get(r, "what")),
		       F0(num(r, "ns_per_op")), F0(num(r, "ns_min")), F0(num(r, "ns_max")));
}

static void table_soak(json_t *s)
{
	double grow = num(s, "rss_end_kib") - num(s, "rss_after_warmup_kib");

	printf("\n## 7. Soak: consecutive in-process gate taps\n\n");
	printf("One card, 601 s of simulated time between taps (just past anti-passback), the "
	       "denylist swapped every 20 simulated days (%s swaps, the daemon's reload path), "
	       "the journal on disk (2 records per grant).\n\n", F0(num(s, "denylist_swaps")));
	printf("| taps | grants | refused | wall (s) | decision p50 / p99 / max (µs) | sync p50 / "
	       "p99 / max (µs) | VmRSS start (kB) | after %s taps | end | growth after warm-up |\n"
	       "|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n", F0(num(s, "warmup_taps")));
	printf("| %s | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s | %s | %s | %s kB: %s |\n",
	       F0(num(s, "taps")), F0(num(s, "grants")), F0(num(s, "refused")),
	       F1(num(s, "wall_s")), F0(num(s, "decision_us.p50")), F0(num(s, "decision_us.p99")),
	       F0(num(s, "decision_us.max")), F0(num(s, "sync_us.p50")), F0(num(s, "sync_us.p99")),
	       F0(num(s, "sync_us.max")), F0(num(s, "rss_start_kib")),
	       F0(num(s, "rss_after_warmup_kib")), F0(num(s, "rss_end_kib")),
	       grow < 0 ? "0" : F0(grow), grow <= 0 ? "none" : "GREW");
}

#define NIN 8	/* inputs: tap soak denylist journal crypto policy emu nfc */

static void table_components(json_t *pol, json_t *emu, json_t *nfc)
{
	json_t *r;
	size_t i;

	printf("\n## 8. Components\n\n");
	printf("| program | measure | value |\n|---|---|--:|\n");
	if (pol == NULL)
		printf("| bench_policy | **not measured** | |\n");
	json_array_foreach(get(pol, "results"), i, r)
		printf("| bench_policy | %s | %s %s |\n", json_string_value(get(r, "what")),
		       F1(num(r, "value")), json_string_value(get(r, "unit")));
	if (emu == NULL)
		printf("| bench_emu | **not measured** | |\n");
	json_array_foreach(get(emu, "results"), i, r)
		printf("| bench_emu | %s (10 APDUs, %s taps) | %s %s |\n",
		       json_string_value(get(r, "what")), F0(num(r, "taps")), F1(num(r, "value")),
		       json_string_value(get(r, "unit")));
	if (nfc == NULL)
		printf("| bench_nfc | **not measured** | |\n");
	json_array_foreach(get(nfc, "results"), i, r)
		printf("| bench_nfc | %s: APDU round trip p50 / p99 / max (N=%s); reader open | "
		       "%s / %s / %s µs; %s ms |\n", json_string_value(get(r, "what")),
		       F0(num(r, "n")), F0(num(r, "transmit_p50_us")), F0(num(r, "transmit_p99_us")),
		       F0(num(r, "transmit_max_us")), F1(num(r, "open_ms")));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "mode", required_argument, NULL, 'm' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "tap", "soak", "denylist", "journal", "crypto",
					     "policy", "emu", "nfc" };
	const char *out = NULL, *mode = "make bench";
	json_t *root, *notes = json_array(), *in[NIN] = { NULL };
	char cpu[256], date[64];
	struct utsname un;
	time_t now = time(NULL);
	struct tm tm;
	int c, i, rc = 0;

	while ((c = getopt_long(argc, argv, "o:m:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'm': mode = optarg; break;
		case 'n': json_array_append_new(notes, json_string(optarg)); break;
		case 'h':
			printf("usage: bench_report --out FILE [--mode NAME] [--note TEXT]... "
			       "NAME=FILE...\n");
			return 0;
		default:
			fprintf(stderr, "usage: bench_report --out FILE [--mode NAME] [--note TEXT]... "
				"NAME=FILE...\n");
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr, "bench_report: --out FILE is required\n");
		return 2;
	}
	for (; optind < argc; optind++) {
		const char *eq = strchr(argv[optind], '=');
		json_error_t jerr;

		for (i = 0; i < NIN && eq; i++)
			if (strlen(names[i]) == (size_t)(eq - argv[optind]) &&
			    strncmp(argv[optind], names[i], strlen(names[i])) == 0)
				break;
		if (eq == NULL || i == NIN) {
			fprintf(stderr, "bench_report: %s: want tap|soak|denylist|journal|crypto|"
				"policy|emu|nfc=FILE\n", argv[optind]);
			return 2;
		}
		json_decref(in[i]);
		in[i] = json_load_file(eq + 1, 0, &jerr);
		if (in[i] == NULL && access(eq + 1, F_OK) == 0) {
			fprintf(stderr, "bench_report: %s: %s (line %d)\n", eq + 1, jerr.text,
				jerr.line);
			rc = 1;
		}
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	cpu_model(cpu, sizeof(cpu));
	if (uname(&un) != 0)
		snprintf(un.release, sizeof(un.release), "?");
	root = json_pack("{s:s, s:s, s:{s:I, s:s, s:s}, s:O}", "date", date, "mode", mode,
			 "machine", "cores", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "cpu", cpu,
			 "kernel", un.release, "notes", notes);
	for (i = 0; i < NIN; i++)
		if (in[i])
			json_object_set(root, names[i], in[i]);

	printf("# yinian benchmarks (%s)\n\n", mode);
	printf("%s; machine: %ld cores, %s, Linux %s.\n", date, sysconf(_SC_NPROCESSORS_ONLN), cpu,
	       un.release);
	print_notes(notes);
	if (in[0]) {
		table_taps(in[0]);
		table_work(in[0]);
		table_peer(in[0]);
	} else {
		not_measured("Tap paths (bench_tap)");
	}
	if (in[2])
		table_denylist(in[2]);
	else
		not_measured("Denylist (bench_denylist)");
	if (in[3])
		table_journal(in[3]);
	else
		not_measured("Journal (bench_journal)");
	if (in[4])
		table_crypto(in[4]);
	else
		not_measured("Crypto (bench_crypto)");
	if (in[1] && get(in[1], "soak"))
		table_soak(get(in[1], "soak"));
	else
		not_measured("Soak (bench_tap --soak)");
	table_components(in[5], in[6], in[7]);
	printf("\nFull results: %s\n", out);

	if (json_dump_file(root, out, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "bench_report: cannot write %s\n", out);
		rc = 1;
	}
	for (i = 0; i < NIN; i++)
		json_decref(in[i]);
	json_decref(notes);
	json_decref(root);
	return rc;
}
