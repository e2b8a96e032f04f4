/*
 * Set-up shared by the fuzz harnesses and the corpus recorder: quiet logs,
 * a private temp directory, the committed test signing key, and the
 * software card with the Yinian application personalised (fixed keys, fixed
 * randomness, so that a recorded exchange replays byte for byte).
 */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "card/emu/emu_test.h"
#include "card/holder.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "reader/reader.h"

void yn_fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
	abort();
}

void yn_fuzz_quiet(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	/* Below YN_LOG_ERR: every message is dropped.  YN_FUZZ_LOG=1 keeps
	 * them, for reading what a crashing input does. */
	if (getenv("YN_FUZZ_LOG") == NULL)
		yn_log_set_level(0);
	(void)yn_crypto_init();
}

static char tmpdir[64];

static void rm_tmpdir(void)
{
	char cmd[128];

	if (tmpdir[0] == '\0')
		return;
	/* The directory name is ours (mkdtemp), without shell characters. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", tmpdir);
}

/* Remove the directories of earlier runs whose process is gone: libFuzzer
 * leaves with _Exit after -max_total_time or a crash, past atexit. */
static void sweep(const char *base)
{
	char cmd[600];
	struct dirent *de;
	long pid;
	DIR *d;

	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "yn-fuzz-", 8) != 0)
			continue;
		pid = strtol(de->d_name + 8, NULL, 10);
		if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		/* The name is "yn-fuzz-<pid>-<mkdtemp letters>": no shell
		 * characters. */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", base, de->d_name);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz: could not remove %s/%s\n", base, de->d_name);
	}
	closedir(d);
}

const char *yn_fuzz_tmpdir(void)
{
	const char *base;

	if (tmpdir[0] != '\0')
		return tmpdir;
	/* tmpfs when there is one: the journal harness writes every run. */
	base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	sweep(base);
	snprintf(tmpdir, sizeof(tmpdir), "%s/yn-fuzz-%ld-XXXXXX", base, (long)getpid());
	if (mkdtemp(tmpdir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(rm_tmpdir);
	return tmpdir;
}

/* A P-256 key made for these tests and used for nothing else. */
static const char test_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkpoJ4NCAozxRTSQO\n"
	"qjVcoOS0AhWeniZD73j1qQS4icahRANCAART+9YlCdGsLQ+MMMKFsLvyQ9cOQuKj\n"
	"ergl7qn/4pp3oDUoXnzQqo5nubonv77mXRwqelwMTUux+8LS9ySZhugL\n"
	"-----END PRIVATE KEY-----\n";

const uint8_t yn_fuzz_test_pub[65] = {
	0x04, 0x53, 0xfb, 0xd6, 0x25, 0x09, 0xd1, 0xac, 0x2d, 0x0f, 0x8c, 0x30,
	0xc2, 0x85, 0xb0, 0xbb, 0xf2, 0x43, 0xd7, 0x0e, 0x42, 0xe2, 0xa3, 0x7a,
	0xb8, 0x25, 0xee, 0xa9, 0xff, 0xe2, 0x9a, 0x77, 0xa0, 0x35, 0x28, 0x5e,
	0x7c, 0xd0, 0xaa, 0x8e, 0x67, 0xb9, 0xba, 0x27, 0xbf, 0xbe, 0xe6, 0x5d,
	0x1c, 0x2a, 0x7a, 0x5c, 0x0c, 0x4d, 0x4b, 0xb1, 0xfb, 0xc2, 0xd2, 0xf7,
	0x24, 0x99, 0x86, 0xe8, 0x0b,
};

const struct yn_privkey *yn_fuzz_test_privkey(void)
{
	static struct yn_privkey *key;
	char path[128];
	FILE *f;
	int fd;

	if (key != NULL)
		return key;
	snprintf(path, sizeof(path), "%s/test-signer.pem", yn_fuzz_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		perror("fuzz: test key");
		abort();
	}
	fputs(test_key_pem, f);
	if (fclose(f) != 0 || yn_privkey_load(path, &key) != 0) {
		fprintf(stderr, "fuzz: cannot load the test key\n");
		abort();
	}
	unlink(path);
	return key;
}

const uint8_t yn_fuzz_app_key[5][16] = {
	{ 0xA0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F },
	{ 0xA1, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F },
	{ 0xA2, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F },
	{ 0xA3, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F },
	{ 0xA4, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F },
};

const uint8_t yn_fuzz_uid[7] = { 0x04, 0x59, 0x4E, 0x46, 0x55, 0x5A, 0x5A };

int yn_fuzz_rnda(void *ctx, uint8_t *p, size_t n)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(0x5A ^ (i * 7));
	return 0;
}

/* The card's random bytes (RndB, TI), the same before every command. */
static const uint8_t card_rng[32] = {
	0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF,
	0x7E, 0x11, 0x0A, 0x55, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB,
};

static void trace(const char *dir, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stderr, "%s", dir);
	for (i = 0; i < n && i < 64; i++)
		fprintf(stderr, "%02X", p[i]);
	fprintf(stderr, "%s\n", n > 64 ? "..." : "");
}

int yn_fuzz_emu_transmit(struct yn_emu *card, const uint8_t *cmd, size_t cmd_len,
			 uint8_t *resp, size_t cap, size_t *resp_len)
{
	static int tracing = -1;
	int r;

	/* YN_FUZZ_TRACE=1 prints every APDU pair (reading what an input does). */
	if (tracing < 0)
		tracing = getenv("YN_FUZZ_TRACE") != NULL;
	yn_emu_set_test_rng(card, card_rng, sizeof(card_rng));
	r = yn_emu_transmit(card, cmd, cmd_len, resp, cap, resp_len);
	if (tracing) {
		trace("> ", cmd, cmd_len);
		if (r == 0)
			trace("< ", resp, *resp_len);
		else
			fprintf(stderr, "< %s\n", yn_strerror(r));
	}
	return r;
}

/* --- a reader over a software card --- */

struct emu_reader {
	struct yn_reader base;	/* first */
	struct yn_emu *card;	/* borrowed */
	void (*tap)(void *ctx, const uint8_t *cmd, size_t cmd_len, const uint8_t *resp,
		    size_t resp_len);
	void *ctx;
};

static int er_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		       size_t resp_cap, size_t *resp_len, uint64_t deadline_ns)
{
	struct emu_reader *er = (struct emu_reader *)r;
	int e;

	(void)deadline_ns;
	e = yn_fuzz_emu_transmit(er->card, cmd, cmd_len, resp, resp_cap, resp_len);
	if (e == 0 && er->tap != NULL)
		er->tap(er->ctx, cmd, cmd_len, resp, *resp_len);
	return e;
}

static void er_close(struct yn_reader *r)
{
	free(r);
}

static const struct yn_reader_ops emu_reader_ops = {
	.scheme = "fuzz-emu",
	.transmit = er_transmit,
	.close = er_close,
};

struct yn_reader *yn_fuzz_emu_reader(struct yn_emu *card,
				     void (*tap)(void *ctx, const uint8_t *cmd, size_t cmd_len,
						 const uint8_t *resp, size_t resp_len),
				     void *ctx)
{
	struct emu_reader *er = calloc(1, sizeof(*er));

	if (er == NULL)
		return NULL;
	er->base.ops = &emu_reader_ops;
	snprintf(er->base.uri, sizeof(er->base.uri), "fuzz-emu:");
	er->card = card;
	er->tap = tap;
	er->ctx = ctx;
	return &er->base;
}

/* --- personalisation (the issuance steps of docs/card-format.md) --- */

int yn_fuzz_holder_file(uint8_t out[YN_HOLDER_LEN])
{
	struct yn_holder h;
	size_t n = 0;
	int r;

	memset(&h, 0, sizeof(h));
	h.serial = 880001;
	memcpy(h.uid, yn_fuzz_uid, sizeof(h.uid));
	h.birth = 19560314;
	h.residency = YN_HRES_HUKOU;
	h.district = YN_HDIST_FUTIAN;
	h.categories = YN_HCAT_DIBAO;
	h.not_before = 20260101;
	h.not_after = 20301231;
	h.issued_at = 1767225600;	/* 2026-01-01T00:00:00Z */
	if ((r = yn_holder_sign(&h, yn_fuzz_test_privkey(), NULL)) != 0)
		return r;
	return yn_holder_encode(&h, out, YN_HOLDER_LEN, &n, NULL);
}

int yn_fuzz_personalise(struct yn_desfire *df)
{
	static const uint8_t zero[16];
	uint64_t dl = yn_deadline_in_ms(60000);
	const struct yn_app_file *f;
	uint8_t holder[YN_HOLDER_LEN], benefit[YN_BENEFITREC_LEN], trip[YN_TRIPREC_LEN];
	struct yn_benefitrec b;
	struct yn_triprec t;
	size_t i, n;
	int r;

	if ((r = yn_fuzz_holder_file(holder)) != 0)
		return r;
	memset(&b, 0, sizeof(b));
	if ((r = yn_benefitrec_encode(&b, benefit, sizeof(benefit), &n, NULL)) != 0)
		return r;
	if ((r = yn_desfire_select_application(df, 0, dl)) != 0 ||
	    (r = yn_desfire_auth_ev2_first(df, 0, zero, dl)) != 0 ||
	    (r = yn_desfire_create_application(df, YN_DESFIRE_MAC, YN_APP_AID, YN_APP_KS1,
					       YN_APP_KS2, dl)) != 0 ||
	    (r = yn_desfire_select_application(df, YN_APP_AID, dl)) != 0 ||
	    (r = yn_desfire_auth_ev2_first(df, 0, zero, dl)) != 0)
		return r;
	for (i = 1; i < YN_APP_NKEYS; i++)
		if ((r = yn_desfire_change_key(df, (uint8_t)i, yn_fuzz_app_key[i],
					       YN_APP_KEY_VERSION, zero, dl)) != 0)
			return r;
	if ((r = yn_desfire_change_key(df, 0, yn_fuzz_app_key[0], YN_APP_KEY_VERSION, NULL,
				       dl)) != 0 ||
	    (r = yn_desfire_auth_ev2_first(df, 0, yn_fuzz_app_key[0], dl)) != 0)
		return r;
	for (i = 0; i < YN_APP_NFILES; i++) {
		f = &yn_app_files[i];
		switch (f->type) {
		case YN_FTYPE_STD:
			r = yn_desfire_create_std_file(df, YN_DESFIRE_MAC, f->no, f->comm, f->ar,
						       f->size, dl);
			break;
		case YN_FTYPE_BACKUP:
			r = yn_desfire_create_backup_file(df, YN_DESFIRE_MAC, f->no, f->comm,
							  f->ar, f->size, dl);
			break;
		case YN_FTYPE_VALUE:
			r = yn_desfire_create_value_file(df, YN_DESFIRE_MAC, f->no, f->comm,
							 f->ar, f->lower, f->upper, f->value,
							 f->lc_flags, dl);
			break;
		default:
			r = yn_desfire_create_cyclic_file(df, YN_DESFIRE_MAC, f->no, f->comm,
							  f->ar, f->size, f->max_records, dl);
			break;
		}
		if (r != 0)
			return r;
	}
	/* The desk (key 4): holder record, vouchers. */
	if ((r = yn_desfire_auth_ev2_first(df, YN_KEY_CREDIT, yn_fuzz_app_key[YN_KEY_CREDIT],
					   dl)) != 0 ||
	    (r = yn_desfire_write_data(df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, holder,
				       sizeof(holder), dl)) != 0 ||
	    (r = yn_desfire_credit(df, YN_DESFIRE_MAC, YN_FILE_PURSE, 20, dl)) != 0 ||
	    (r = yn_desfire_commit(df, YN_DESFIRE_MAC, dl)) != 0)
		return r;
	/* Key 3: the benefit state. */
	if ((r = yn_desfire_auth_ev2_first(df, YN_KEY_DEBIT, yn_fuzz_app_key[YN_KEY_DEBIT],
					   dl)) != 0 ||
	    (r = yn_desfire_write_data(df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, benefit,
				       sizeof(benefit), dl)) != 0 ||
	    (r = yn_desfire_commit(df, YN_DESFIRE_MAC, dl)) != 0)
		return r;
	/* Key 2: two trips. */
	if ((r = yn_desfire_auth_ev2_first(df, YN_KEY_TRIP, yn_fuzz_app_key[YN_KEY_TRIP],
					   dl)) != 0)
		return r;
	for (i = 0; i < 2; i++) {
		memset(&t, 0, sizeof(t));
		t.kind = (uint8_t)(i == 0 ? YN_TRIPREC_METRO_ENTRY : YN_TRIPREC_METRO_EXIT);
		t.time = (uint32_t)(1767430000 + 1800 * i);
		t.line = 1;
		t.station = (uint16_t)(101 + 7 * i);
		t.terminal = 0x5A0001;
		if ((r = yn_triprec_encode(&t, trip, sizeof(trip), &n, NULL)) != 0 ||
		    (r = yn_desfire_write_record(df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, trip,
						 sizeof(trip), dl)) != 0 ||
		    (r = yn_desfire_commit(df, YN_DESFIRE_MAC, dl)) != 0)
			return r;
	}
	return yn_desfire_select_application(df, 0, dl);
}

/* Make the state file of a card (blank or personalised) at path. */
static int make_state(const char *path, int personalise_it)
{
	struct yn_emu *card = NULL;
	struct yn_reader *rd;
	struct yn_desfire df;
	int r;

	(void)unlink(path);
	if ((r = yn_emu_create_file(path, yn_fuzz_uid, sizeof(yn_fuzz_uid))) != 0 ||
	    !personalise_it)
		return r;
	if ((r = yn_emu_load(path, &card)) != 0)
		return r;
	yn_emu_power_on(card);
	if ((rd = yn_fuzz_emu_reader(card, NULL, NULL)) == NULL) {
		yn_emu_free(card);
		return YN_ENOMEM;
	}
	yn_desfire_init(&df, rd);
	yn_desfire_set_rng(&df, yn_fuzz_rnda, NULL);
	r = yn_fuzz_personalise(&df);
	yn_desfire_reset(&df);
	yn_reader_close(rd);
	yn_emu_power_off(card);
	yn_emu_free(card);
	if (r != 0)
		fprintf(stderr, "fuzz: personalising the software card failed: %s\n",
			yn_strerror(r));
	return r;
}

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (f == NULL)
		return YN_EIO;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*buf = malloc((size_t)n + 1)) == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return YN_EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/*
 * Making a card signs its UID (ReadSig) and personalising it runs a dozen
 * authentications: too slow for every run.  Each kind of card is made once
 * as a state file; every run copies those bytes to a work file (on tmpfs)
 * and loads it, so the card's own state loading and saving run too.
 */
struct yn_emu *yn_fuzz_emu_card(int personalise_it)
{
	static uint8_t *pristine[2];
	static size_t pristine_len[2];
	char path[160];
	struct yn_emu *card = NULL;
	int k = personalise_it ? 1 : 0, fd;

	yn_fuzz_quiet();
	if (pristine[k] == NULL) {
		snprintf(path, sizeof(path), "%s/card-%d.state", yn_fuzz_tmpdir(), k);
		if (make_state(path, k) != 0 || read_all(path, &pristine[k], &pristine_len[k]) != 0) {
			fprintf(stderr, "fuzz: cannot make the software card\n");
			abort();
		}
		(void)unlink(path);
	}
	snprintf(path, sizeof(path), "%s/card-run.state", yn_fuzz_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, pristine[k], pristine_len[k]) != (ssize_t)pristine_len[k]) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	if (yn_emu_load(path, &card) != 0)
		return NULL;
	yn_emu_power_on(card);
	return card;
}
