/*
 * record_corpus DIR: write the fuzz harnesses' seed corpora into DIR/<name>/
 * (tests/fuzz/corpus/ in the tree; `make fuzz-corpus`).
 *
 * The card seeds are real exchanges with the software card: a blank card
 * personalised with the Yinian application (card/yinian_app.h) through
 * card/desfire.h, then terminal sessions (read, debit, write, commit),
 * each command and response captured.  Card and terminal randomness are
 * fixed (fuzzlib.c), so a recorded command stream replays exactly in
 * fuzz_emu and a recorded response stream exactly in fuzz_desfire.  The
 * file seeds are made by the modules' own encoders (signed with the test
 * key), the text seeds are the shipped examples.  Every seed is also run
 * through its harness here, so a seed that crashes is caught at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "card/emu/pn532_frame.h"
#include "card/holder.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "reader/reader.h"
#include "tests/fuzz/fuzz.h"
#include "validator/denylist.h"
#include "validator/journal.h"
#include "validator/policy.h"

static const char *outdir;
static unsigned n_files;
static size_t n_bytes;

/* A growing byte buffer for one seed. */
struct seed {
	uint8_t b[65536];
	size_t n;
};

static void put(struct seed *s, const void *p, size_t n)
{
	if (n > sizeof(s->b) - s->n) {
		fprintf(stderr, "record_corpus: seed too large\n");
		exit(1);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void put8(struct seed *s, uint8_t v)
{
	put(s, &v, 1);
}

static void put16(struct seed *s, size_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(s, b, 2);
}

static void save(const char *harness, const char *name, const uint8_t *p, size_t n,
		 int (*fn)(const uint8_t *, size_t))
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, harness);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	(void)fn(p, n);
	n_files++;
	n_bytes += n;
}

/* --- card exchanges --- */

struct capture {
	struct seed cmds;	/* fuzz_emu records: op 0, len, APDU */
	struct seed resps;	/* fuzz_desfire records: kind 0, len, response */
	uint8_t apdus[64][300];	/* distinct command APDUs, for fuzz_apdu */
	size_t apdu_len[64], n_apdus;
};

static void tap(void *ctx, const uint8_t *cmd, size_t cmd_len, const uint8_t *resp,
		size_t resp_len)
{
	struct capture *c = ctx;
	size_t i;

	put8(&c->cmds, 0);
	put16(&c->cmds, cmd_len);
	put(&c->cmds, cmd, cmd_len);
	put8(&c->resps, 0);
	put16(&c->resps, resp_len);
	put(&c->resps, resp, resp_len);
	if (cmd_len > sizeof(c->apdus[0]))
		return;
	for (i = 0; i < c->n_apdus; i++)
		if (c->apdu_len[i] == cmd_len && memcmp(c->apdus[i], cmd, cmd_len) == 0)
			return;
	if (c->n_apdus < 64) {
		memcpy(c->apdus[c->n_apdus], cmd, cmd_len);
		c->apdu_len[c->n_apdus++] = cmd_len;
	}
}

static struct capture cap;

static void record_personalisation(void)
{
	static struct yn_desfire df;
	struct yn_emu *card = yn_fuzz_emu_card(0);
	struct yn_reader *rd;
	int r;

	memset(&cap, 0, sizeof(cap));
	put8(&cap.cmds, 0);	/* fuzz_emu opts: blank card */
	if (card == NULL || (rd = yn_fuzz_emu_reader(card, tap, &cap)) == NULL)
		exit(1);
	yn_desfire_init(&df, rd);
	yn_desfire_set_rng(&df, yn_fuzz_rnda, NULL);
	if ((r = yn_fuzz_personalise(&df)) != 0) {
		fprintf(stderr, "record_corpus: personalisation: %s\n", yn_strerror(r));
		exit(1);
	}
	yn_desfire_reset(&df);
	yn_reader_close(rd);
	yn_emu_free(card);
	save("emu", "personalise-blank-card", cap.cmds.b, cap.cmds.n, yn_fuzz_emu);
}

static void record_session(uint8_t opts, const char *name)
{
	static struct yn_desfire df;
	struct yn_emu *card = yn_fuzz_emu_card(1);
	struct yn_reader *rd;
	char fname[64];

	memset(&cap.cmds, 0, sizeof(cap.cmds));
	memset(&cap.resps, 0, sizeof(cap.resps));
	put8(&cap.cmds, 1);	/* fuzz_emu opts: personalised card */
	put8(&cap.resps, opts);
	if (card == NULL || (rd = yn_fuzz_emu_reader(card, tap, &cap)) == NULL)
		exit(1);
	yn_desfire_init(&df, rd);
	yn_fuzz_desfire_session(&df, opts);
	yn_reader_close(rd);
	yn_emu_free(card);
	snprintf(fname, sizeof(fname), "session-%s", name);
	save("emu", fname, cap.cmds.b, cap.cmds.n, yn_fuzz_emu);
	save("desfire", fname, cap.resps.b, cap.resps.n, yn_fuzz_desfire);
}

/* fuzz_emu with the harness's own secure messaging (ops 1-3). */
static void emu_secured_seed(void)
{
	static const uint8_t select[] = { 0x90, 0x5A, 0x00, 0x00, 0x03, 0x31, 0x4E, 0x59, 0x00 };
	struct seed s;

	memset(&s, 0, sizeof(s));
	put8(&s, 1);
	put8(&s, 0), put16(&s, sizeof(select)), put(&s, select, sizeof(select));
	/* key 1: Full ReadData of the holder record, MAC ReadRecords */
	put8(&s, 1), put16(&s, 1), put8(&s, YN_KEY_READ);
	put8(&s, 3), put16(&s, 9), put(&s, "\xBD\x07\x01\x00\x00\x00\x70\x00\x00", 9);
	put8(&s, 0), put16(&s, 5), put(&s, "\x90\xAF\x00\x00\x00", 5);	/* rest of it */
	put8(&s, 0), put16(&s, 5), put(&s, "\x90\xAF\x00\x00\x00", 5);
	put8(&s, 2), put16(&s, 9), put(&s, "\xBB\x07\x02\x00\x00\x00\x00\x00\x00", 9);
	put8(&s, 2), put16(&s, 3), put(&s, "\xF5\x01\x03", 3);
	/* key 3: GetValue, Debit 1, commit */
	put8(&s, 1), put16(&s, 1), put8(&s, YN_KEY_DEBIT);
	put8(&s, 2), put16(&s, 3), put(&s, "\x6C\x01\x04", 3);
	put8(&s, 2), put16(&s, 7), put(&s, "\xDC\x01\x04\x01\x00\x00\x00", 7);
	put8(&s, 2), put16(&s, 2), put(&s, "\xC7\x00", 2);
	/* key 4: Full WriteData into the holder record, then a power cycle */
	put8(&s, 1), put16(&s, 1), put8(&s, YN_KEY_CREDIT);
	put8(&s, 3), put16(&s, 25),
		put(&s, "\x3D\x07\x01\x10\x00\x00\x10\x00\x00"
			"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10", 25);
	put8(&s, 5), put16(&s, 0);
	save("emu", "harness-secured-commands", s.b, s.n, yn_fuzz_emu);
}

/* fuzz_desfire with fixed-up answers (kinds 1-3) for the whole session. */
static void desfire_fixup_seed(void)
{
	static const uint8_t encrndb[16] = { 0x3C, 0x01, 0x55, 0xA7, 0x10, 0x20, 0x30, 0x40,
					     0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0, 0xC0 };
	static const uint8_t ti_caps[16] = { 0x7E, 0x11, 0x0A, 0x55 };
	static const uint8_t fs_holder[] = { 0x00, 0x03, 0x40, 0x14, 0x70, 0x00, 0x00 };
	uint8_t holder[YN_HOLDER_LEN], rec[32] = { 0 }, benefit[32] = { YN_BENEFITREC_VERSION };
	struct seed s;
	int i;

	memset(&s, 0, sizeof(s));
	if (yn_fuzz_holder_file(holder) != 0)
		exit(1);
	put8(&s, 0x00);
	put8(&s, 0), put16(&s, 2), put(&s, "\x91\x00", 2);		/* select */
	for (i = 0; i < 4; i++) {
		/* authentication: E(K, RndB), then the proof (kind 3) */
		put8(&s, 0), put16(&s, 18), put(&s, encrndb, 16), put(&s, "\x91\xAF", 2);
		put8(&s, 3), put(&s, ti_caps, 16);
		switch (i) {
		case 0:
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, sizeof(fs_holder)),
				put(&s, fs_holder, sizeof(fs_holder));
			put8(&s, 2), put8(&s, 0), put8(&s, 0), put16(&s, sizeof(holder)),
				put(&s, holder, sizeof(holder));
			rec[0] = YN_TRIPREC_VERSION;
			put8(&s, 1), put8(&s, 0), put8(&s, 20), put16(&s, sizeof(rec)),
				put(&s, rec, sizeof(rec));
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, sizeof(benefit)),
				put(&s, benefit, sizeof(benefit));
			break;
		case 1:
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 4),
				put(&s, "\x14\x00\x00\x00", 4);			/* 20 units */
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 0);	/* debit */
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 0);	/* write */
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 0);	/* commit */
			break;
		case 2:
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 0);	/* record */
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 0);	/* commit */
			break;
		default:
			put8(&s, 1), put8(&s, 0), put8(&s, 0), put16(&s, 4),
				put(&s, "\x01\x02\x03\x04", 4);			/* file ids */
			break;
		}
	}
	save("desfire", "fixup-session", s.b, s.n, yn_fuzz_desfire);
}

static void apdu_seeds(void)
{
	static const char *const extra[] = {
		/* extended Lc, extended Le, Le 65536, case 2 short Le 256 */
		"\x90\xBD\x00\x00\x00\x00\x07\x01\x00\x00\x00\x70\x00\x00\x00\x00",
		"\x00\xB0\x00\x00\x00\x01\x00",
		"\x00\xB0\x00\x00\x00\x00\x00",
		"\x00\xCA\x00\x00\x00",
	};
	static const size_t extra_len[] = { 16, 7, 7, 5 };
	char name[32];
	size_t i, k = 0;

	for (i = 0; i < cap.n_apdus && k < 16; i += 2, k++) {
		snprintf(name, sizeof(name), "session-apdu-%02zu", k);
		save("apdu", name, cap.apdus[i], cap.apdu_len[i], yn_fuzz_apdu);
	}
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "form-%zu", i);
		save("apdu", name, (const uint8_t *)extra[i], extra_len[i], yn_fuzz_apdu);
	}
}

/* --- file seeds --- */

static void holder_seeds(void)
{
	static const char json[] =
		"{\"serial\": 880002, \"uid\": \"04594E46555A5A\", \"birth_date\": \"1950-02-28\","
		" \"residency\": \"shenzhen_hukou\", \"district\": \"nanshan\","
		" \"categories\": [\"dibao\", \"tekun\"], \"valid_from\": \"2026-12-01\","
		" \"valid_until\": \"2031-11-30\", \"issued_at\": \"2026-11-29T10:00:00+08:00\"}";
	uint8_t b[1 + 2 * YN_TRIPREC_LEN + YN_HOLDER_LEN];
	struct yn_triprec t;
	struct yn_benefitrec br;
	char *text = NULL;
	size_t n = 0, m = 0;
	FILE *f;

	b[0] = 0;
	if (yn_fuzz_holder_file(b + 1) != 0)
		exit(1);
	save("holder", "holder-record", b, 1 + YN_HOLDER_LEN, yn_fuzz_holder);
	memset(&t, 0, sizeof(t));
	t.kind = YN_TRIPREC_BUS_BOARD;
	t.time = 1796011200;
	t.line = 42;
	t.station = 7;
	t.terminal = 0xB0501;
	t.direction = YN_TRIPREC_DIR_UP;
	b[0] = 1;
	if (yn_triprec_encode(&t, b + 1, YN_TRIPREC_LEN, &n, NULL) != 0)
		exit(1);
	t.kind = YN_TRIPREC_METRO_EXIT;
	t.direction = YN_TRIPREC_DIR_NONE;
	if (yn_triprec_encode(&t, b + 1 + YN_TRIPREC_LEN, YN_TRIPREC_LEN, &n, NULL) != 0)
		exit(1);
	save("holder", "trip-records", b, 1 + 2 * YN_TRIPREC_LEN, yn_fuzz_holder);
	memset(&br, 0, sizeof(br));
	br.last_meal = 20261130;
	br.meals_on_last = 1;
	br.meal_count = 12;
	br.subsidy_total = 18000;
	br.last_service = 20261128;
	br.service_count = 3;
	br.updated_at = 1796011200;
	br.updated_by = 0xC0001;
	b[0] = 2;
	if (yn_benefitrec_encode(&br, b + 1, YN_BENEFITREC_LEN, &n, NULL) != 0)
		exit(1);
	save("holder", "benefit-state", b, 1 + YN_BENEFITREC_LEN, yn_fuzz_holder);
	/* The desk's example, if the tree has it, else a small one. */
	if ((f = fopen("docs/examples/holder.json", "rb")) != NULL) {
		text = malloc(8192);
		if (text != NULL) {
			text[0] = 3;
			m = fread(text + 1, 1, 8190, f);
		}
		fclose(f);
	}
	if (text != NULL && m > 0) {
		save("holder", "holder-json-example", (uint8_t *)text, m + 1, yn_fuzz_holder);
	}
	free(text);
	{
		struct seed s;

		memset(&s, 0, sizeof(s));
		put8(&s, 3);
		put(&s, json, sizeof(json) - 1);
		save("holder", "holder-json", s.b, s.n, yn_fuzz_holder);
	}
}

static void denylist_seeds(void)
{
	struct yn_dl_entry e[4] = {
		{ 1001, 20400, YN_DL_LOST }, { 1002, 20401, YN_DL_STOLEN },
		{ 880001, 20410, YN_DL_REPLACED }, { 9000000001ull, 20412, YN_DL_FRAUD },
	};
	struct yn_dl_header h;
	uint8_t *a = NULL, *b = NULL, *d = NULL;
	size_t an = 0, bn = 0, dn = 0;
	struct seed s;

	memset(&h, 0, sizeof(h));
	h.seq = 7;
	h.issued_at = 1796000000;
	h.not_after = 1796600000;
	if (yn_dl_encode_full(&h, e, 3, yn_fuzz_test_privkey(), &a, &an) != 0)
		exit(1);
	e[1].reason = YN_DL_SUSPENDED;
	h.seq = 8;
	h.issued_at += 3600;
	h.not_after += 3600;
	if (yn_dl_encode_full(&h, e, 4, yn_fuzz_test_privkey(), &b, &bn) != 0 ||
	    yn_dl_encode_delta(a, an, b, bn, yn_fuzz_test_privkey(), &d, &dn) != 0)
		exit(1);
	memset(&s, 0, sizeof(s));
	put8(&s, 0), put16(&s, an), put(&s, a, an), put(&s, d, dn);
	save("denylist", "list-and-delta", s.b, s.n, yn_fuzz_denylist);
	s.b[0] = 3;
	save("denylist", "list-and-delta-resign", s.b, s.n, yn_fuzz_denylist);
	memset(&s, 0, sizeof(s));
	put8(&s, 1), put16(&s, bn), put(&s, b, bn);
	save("denylist", "list-only", s.b, s.n, yn_fuzz_denylist);
	free(a);
	free(b);
	free(d);
}

static void journal_seeds(void)
{
	struct yn_journal_opts opts = { .terminal = "FUZZ-T1", .prealloc_bytes = 4096 };
	struct yn_journal *j = NULL;
	struct yn_journal_rec rec;
	struct seed s;
	char dir[256], path[512];
	uint64_t seq = 0;
	size_t n;
	FILE *f;
	int i;

	snprintf(dir, sizeof(dir), "%s/journal-seed", yn_fuzz_tmpdir());
	if (mkdir(dir, 0700) != 0 || yn_journal_open(dir, &opts, &j, NULL) != 0)
		exit(1);
	for (i = 0; i < 4; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.kind = (uint8_t)(i % 2 == 0 ? YN_JKIND_INTENT : YN_JKIND_OUTCOME);
		rec.decision = YN_JDEC_GRANT;
		rec.grants = YN_JGRANT_RIDE;
		rec.intent_seq = i % 2 == 1 ? seq : 0;
		rec.time_us = 1796011200000000 + i * 1000000;
		rec.card_serial = 880001;
		rec.uid_len = 7;
		memcpy(rec.uid, yn_fuzz_uid, 7);
		rec.apdu_count = 14;
		if (yn_journal_append(j, &rec, &seq) != 0)
			exit(1);
	}
	yn_journal_close(j);
	/* Intents 1 and 3, each with its outcome. */
	snprintf(path, sizeof(path), "%s/journal-%020d.ynj", dir, 1);
	memset(&s, 0, sizeof(s));
	put8(&s, 0);
	if ((f = fopen(path, "rb")) == NULL)
		exit(1);
	n = fread(s.b + 1, 1, YN_JOURNAL_HDR_LEN + 4 * YN_JOURNAL_REC_LEN + 256, f);
	fclose(f);
	s.n = 1 + n;
	save("journal", "four-records", s.b, s.n, yn_fuzz_journal);
	s.b[0] = 7;
	save("journal", "four-records-fixup", s.b, s.n, yn_fuzz_journal);
	/* Torn in the middle of record 4. */
	s.b[0] = 0;
	memset(s.b + 1 + YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN + 60, 0, 68 + 256);
	save("journal", "torn-tail", s.b, s.n, yn_fuzz_journal);
	/* An intent without its outcome (records 1-3). */
	s.n = 1 + YN_JOURNAL_HDR_LEN + 3 * YN_JOURNAL_REC_LEN;
	save("journal", "open-intent", s.b, s.n, yn_fuzz_journal);
	unlink(path);
	rmdir(dir);
}

static void text_seed(const char *harness, const char *name, const char *text,
		      int (*fn)(const uint8_t *, size_t))
{
	save(harness, name, (const uint8_t *)text, strlen(text), fn);
}

static void policy_config_seeds(void)
{
	static const char gate[] =
		"[terminal]\nid = GATE-01\nrole = gate\nstation = 1010\nbudget_ms = 250\n"
		"[readers]\nreader = pcsc:Virtual PCD 00 00\nreader = emu:/tmp/x.card\n"
		"[keys]\ndir = /etc/yinian/keys\n"
		"[denylist]\nfile = /var/lib/yinian/denylist.bin\n"
		"trusted_key = /etc/yinian/keys/denylist.pub\n"
		"[journal]\ndir = /var/lib/yinian/journal\n"
		"[output]\nsocket = /run/yinian/yiniand.sock\njson_stdout = no\n";
	static const char canteen[] =
		"# canteen till\n[terminal]\nid = CANTEEN-7\nrole = canteen\ndistrict = futian\n"
		"price_fen = 1800\n[readers]\nreader = nfc:pn532_uart:/dev/ttyUSB0\n"
		"[keys]\ndir = /etc/yinian/keys\n[policy]\nfile = /etc/yinian/policy.ini\n"
		"[denylist]\nfile = /var/lib/yinian/dl.bin\nstate = /var/lib/yinian/dl.state\n"
		"trusted_key = /etc/yinian/keys/a.pub\ntrusted_key = /etc/yinian/keys/b.pub\n"
		"[journal]\ndir = /var/lib/yinian/journal\nrotate_bytes = 1048576\n"
		"[output]\nhook = /usr/local/bin/open-till\nhook_timeout_ms = 500\n"
		"json_stdout = yes\n";
	const char *def = yn_policy_default_text();
	char *small;
	size_t n;

	text_seed("config", "gate.conf", gate, yn_fuzz_config);
	text_seed("config", "canteen.conf", canteen, yn_fuzz_config);
	text_seed("policy", "policy-shenzhen.ini", def, yn_fuzz_policy);
	/* The default without its comment lines: a denser seed. */
	n = strlen(def);
	if ((small = malloc(n + 1)) != NULL) {
		const char *p = def;
		size_t k = 0;

		while (*p != '\0') {
			const char *e = strchr(p, '\n');
			size_t len = e ? (size_t)(e - p) + 1 : strlen(p);

			if (*p != '#' && *p != ';' && *p != '\n') {
				memcpy(small + k, p, len);
				k += len;
			}
			p += len;
		}
		small[k] = '\0';
		text_seed("policy", "policy-dense.ini", small, yn_fuzz_policy);
		free(small);
	}
}

/* --- PN532 --- */

static void frame(struct seed *s, const uint8_t *cmd, size_t n)
{
	uint8_t w[YN_PN532_FRAME_WIRE_MAX];
	size_t wn = 0;

	if (yn_pn532_frame_build(YN_PN532_TFI_HOST, cmd, n, w, sizeof(w), &wn) != 0)
		exit(1);
	put(s, w, wn);
}

static void pn532_seeds(void)
{
	/* What libnfc's pn532_uart driver sends to list a DESFire card and talk
	 * to it: wake-up, SAMConfiguration, GetFirmwareVersion, RF settings,
	 * InListPassiveTarget, InDataExchange (GetVersion, SelectApplication),
	 * InRelease. */
	static const uint8_t wake[] = { 0x55, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	static const struct {
		uint8_t len;
		uint8_t b[16];
	} cmds[] = {
		{ 2, { 0x14, 0x01 } },
		{ 1, { 0x02 } },
		{ 3, { 0x32, 0x01, 0x01 } },
		{ 5, { 0x32, 0x05, 0xFF, 0x01, 0x02 } },
		{ 3, { 0x4A, 0x01, 0x00 } },
		{ 7, { 0x40, 0x01, 0x90, 0x60, 0x00, 0x00, 0x00 } },
		{ 11, { 0x40, 0x01, 0x90, 0x5A, 0x00, 0x00, 0x03, 0x31, 0x4E, 0x59, 0x00 } },
		{ 2, { 0x52, 0x00 } },
		{ 5, { 0x06, 0x63, 0x05, 0x63, 0x0D } },
		{ 4, { 0x00, 0x00, 0x41, 0x42 } },
	};
	struct seed s, c, fr;
	size_t i;

	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memset(&fr, 0, sizeof(fr));
	put8(&c, 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		put8(&c, cmds[i].len), put(&c, cmds[i].b, cmds[i].len);
		frame(&fr, cmds[i].b, cmds[i].len);
	}
	put8(&s, 0);
	put8(&s, sizeof(wake)), put(&s, wake, sizeof(wake));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct seed one;

		memset(&one, 0, sizeof(one));
		frame(&one, cmds[i].b, cmds[i].len);
		put8(&s, one.n), put(&s, one.b, one.n);
		if (i == 3) {
			put8(&s, sizeof(yn_pn532_nack)), put(&s, yn_pn532_nack, sizeof(yn_pn532_nack));
		}
	}
	put8(&s, 0);	/* hang-up */
	save("pn532", "libnfc-session-stream", s.b, s.n, yn_fuzz_pn532);
	save("pn532", "libnfc-session-commands", c.b, c.n, yn_fuzz_pn532);
	put(&fr, yn_pn532_ack, sizeof(yn_pn532_ack));
	put(&fr, yn_pn532_nack, sizeof(yn_pn532_nack));
	put(&fr, yn_pn532_error, sizeof(yn_pn532_error));
	save("pn532_frame", "libnfc-frames", fr.b, fr.n, yn_fuzz_pn532_frame);
	{
		uint8_t big[300];

		memset(&fr, 0, sizeof(fr));
		put(&fr, wake, sizeof(wake));
		big[0] = 0x40;
		big[1] = 0x01;
		for (i = 2; i < 262; i++)
			big[i] = (uint8_t)i;
		frame(&fr, big, 262);	/* an extended frame */
		save("pn532_frame", "extended-frame", fr.b, fr.n, yn_fuzz_pn532_frame);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: record_corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	yn_fuzz_quiet();
	record_personalisation();
	record_session(0x00, "native");
	record_session(0x01, "iso");
	record_session(0x02, "frames16");
	record_session(0x06, "frames5");
	emu_secured_seed();
	desfire_fixup_seed();
	apdu_seeds();
	holder_seeds();
	denylist_seeds();
	journal_seeds();
	policy_config_seeds();
	pn532_seeds();
	printf("record_corpus: %u files, %zu bytes in %s\n", n_files, n_bytes, outdir);
	return 0;
}
