/*
 * The decision journal.  Layout: docs/journal-format.md.
 */
#include "validator/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/wio.h"

#define REC_MAGIC0 0x59	/* 'Y' */
#define REC_MAGIC1 0x52	/* 'R' */
#define FORMAT_VERSION 1
#define FILE_MAGIC "YNJOURNL"
#define NAME_PREFIX "journal-"
#define NAME_SUFFIX ".ynj"
#define NAME_LEN (8 + 20 + 4)	/* journal-<20 digits>.ynj */
#define DEFAULT_MAX_FILE (64ull << 20)
#define DEFAULT_PREALLOC (1u << 20)

struct hdr {
	uint64_t first_seq;
	int64_t created_us;
	char terminal[YN_JOURNAL_TERMINAL_LEN + 1];
	uint8_t prev_hash[YN_SHA256_LEN];
};

struct yn_journal {
	char dir[PATH_MAX];
	int dirfd;			/* holds the flock */
	int fd;				/* current (last) file */
	char file[NAME_LEN + 1];
	int64_t file_day;		/* local day the current file was created */
	uint64_t file_records;
	uint64_t end;			/* where the next record goes */
	uint64_t alloc_end;		/* file size (preallocated) */
	uint64_t next_seq;
	uint8_t last_hash[YN_SHA256_LEN];
	struct yn_journal_opts opts;
	char terminal[YN_JOURNAL_TERMINAL_LEN + 1];
	struct yn_journal_intent *open;	/* intents without outcome */
	size_t n_open, cap_open;
	int failed;
};

const char *yn_journal_kind_name(unsigned kind)
{
	switch (kind) {
	case YN_JKIND_INTENT: return "intent";
	case YN_JKIND_OUTCOME: return "outcome";
	default: return "?";
	}
}

const char *yn_journal_decision_name(unsigned decision)
{
	switch (decision) {
	case YN_JDEC_GRANT: return "grant";
	case YN_JDEC_DENY: return "deny";
	case YN_JDEC_TAP_AGAIN: return "tap_again";
	case YN_JDEC_UNCERTAIN: return "uncertain";
	default: return "?";
	}
}

/* 1..16 printable ASCII characters. */
static int terminal_ok(const char *t)
{
	size_t i, n = t ? strlen(t) : 0;

	if (n == 0 || n > YN_JOURNAL_TERMINAL_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (t[i] < 0x20 || t[i] > 0x7E)
			return 0;
	return 1;
}

/* Read a NUL-padded terminal id field: printable ASCII, then only NULs. */
static int rd_terminal(struct yn_rd *r, char out[YN_JOURNAL_TERMINAL_LEN + 1])
{
	const uint8_t *p;
	size_t i, n = 0;
	int e;

	if ((e = yn_rd_ptr(r, &p, YN_JOURNAL_TERMINAL_LEN)) != 0)
		return e;
	while (n < YN_JOURNAL_TERMINAL_LEN && p[n] != 0)
		n++;
	for (i = n; i < YN_JOURNAL_TERMINAL_LEN; i++)
		if (p[i] != 0)
			return YN_EFORMAT;
	memcpy(out, p, n);
	out[n] = '\0';
	return terminal_ok(out) ? 0 : YN_EFORMAT;
}

static int wr_terminal(struct yn_wr *w, const char *t)
{
	uint8_t b[YN_JOURNAL_TERMINAL_LEN] = { 0 };

	if (!terminal_ok(t))
		return YN_EINVAL;
	memcpy(b, t, strlen(t));
	return yn_wr_bytes(w, b, sizeof(b));
}

static int rd_zero(struct yn_rd *r, size_t n)
{
	const uint8_t *p;
	size_t i;
	int e;

	if ((e = yn_rd_ptr(r, &p, n)) != 0)
		return e;
	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return YN_EFORMAT;
	return 0;
}

/* The rules a record obeys beyond its layout (docs/journal-format.md §3). */
static int rec_valid(const struct yn_journal_rec *rec)
{
	if (rec->kind != YN_JKIND_INTENT && rec->kind != YN_JKIND_OUTCOME)
		return 0;
	if (rec->decision < YN_JDEC_GRANT || rec->decision > YN_JDEC_UNCERTAIN)
		return 0;
	if (rec->kind == YN_JKIND_INTENT && (rec->decision != YN_JDEC_GRANT || rec->intent_seq != 0))
		return 0;
	if (rec->decision == YN_JDEC_UNCERTAIN && rec->intent_seq == 0)
		return 0;
	if ((rec->grants & ~(YN_JGRANT_RIDE | YN_JGRANT_SUBSIDY | YN_JGRANT_VOUCHER)) != 0 ||
	    rec->uid_len > YN_JOURNAL_UID_MAX || rec->seq == 0 || rec->intent_seq >= rec->seq)
		return 0;
	/* Amounts only with their grant bit; a deny or tap_again grants nothing. */
	if ((rec->subsidy_fen != 0 && !(rec->grants & YN_JGRANT_SUBSIDY)) ||
	    (rec->voucher_units != 0 && !(rec->grants & YN_JGRANT_VOUCHER)) ||
	    ((rec->decision == YN_JDEC_DENY || rec->decision == YN_JDEC_TAP_AGAIN) &&
	     rec->grants != 0))
		return 0;
	return terminal_ok(rec->terminal);
}

/*
 * Record, format version 1 (docs/journal-format.md §3), big-endian:
 *    0  2  magic 'Y' 'R'           57 10  card UID, zero-padded
 *    2  1  format version (1)      67  1  reserved (0)
 *    3  1  kind                    68  4  subsidy, fen
 *    4  1  decision                72  4  voucher units
 *    5  1  grants (bits)           76  2  APDU count
 *    6  2  reason code             78  2  reserved (0)
 *    8  8  sequence                80  4  latency, microseconds
 *   16  8  UTC time, microseconds  84  8  intent sequence (0: none)
 *   24  8  monotonic time, ns      92 32  SHA-256 of the previous record
 *   32 16  terminal id            124  4  CRC-32C of bytes 0..123
 *   48  8  card serial
 *   56  1  UID length (0..10)
 */
int yn_journal_encode(const struct yn_journal_rec *rec, uint8_t out[YN_JOURNAL_REC_LEN])
{
	uint8_t uid[YN_JOURNAL_UID_MAX] = { 0 };
	struct yn_wr w;
	int e = 0;

	memset(out, 0, YN_JOURNAL_REC_LEN);
	if (!rec_valid(rec))
		return YN_EINVAL;
	memcpy(uid, rec->uid, rec->uid_len);
	yn_wr_init(&w, out, YN_JOURNAL_REC_LEN);
	e |= yn_wr_u8(&w, REC_MAGIC0);
	e |= yn_wr_u8(&w, REC_MAGIC1);
	e |= yn_wr_u8(&w, FORMAT_VERSION);
	e |= yn_wr_u8(&w, rec->kind);
	e |= yn_wr_u8(&w, rec->decision);
	e |= yn_wr_u8(&w, rec->grants);
	e |= yn_wr_u16be(&w, rec->reason);
	e |= yn_wr_u64be(&w, rec->seq);
	e |= yn_wr_u64be(&w, (uint64_t)rec->time_us);
	e |= yn_wr_u64be(&w, rec->mono_ns);
	if (wr_terminal(&w, rec->terminal) != 0) {
		memset(out, 0, YN_JOURNAL_REC_LEN);
		return YN_EINVAL;
	}
	e |= yn_wr_u64be(&w, rec->card_serial);
	e |= yn_wr_u8(&w, rec->uid_len);
	e |= yn_wr_bytes(&w, uid, sizeof(uid));
	e |= yn_wr_u8(&w, 0);
	e |= yn_wr_u32be(&w, rec->subsidy_fen);
	e |= yn_wr_u32be(&w, rec->voucher_units);
	e |= yn_wr_u16be(&w, rec->apdu_count);
	e |= yn_wr_u16be(&w, 0);
	e |= yn_wr_u32be(&w, rec->latency_us);
	e |= yn_wr_u64be(&w, rec->intent_seq);
	e |= yn_wr_bytes(&w, rec->prev_hash, YN_SHA256_LEN);
	e |= yn_wr_u32be(&w, yn_crc32c(0, out, YN_JOURNAL_REC_LEN - 4));
	if (e != 0 || w.len != YN_JOURNAL_REC_LEN) {
		memset(out, 0, YN_JOURNAL_REC_LEN);
		return YN_EINTERNAL;
	}
	return 0;
}

/* The layout is yn_journal_encode's. */
int yn_journal_decode(const uint8_t in[YN_JOURNAL_REC_LEN], struct yn_journal_rec *rec)
{
	struct yn_journal_rec t;
	struct yn_rd r;
	uint8_t m0, m1, ver, uid[YN_JOURNAL_UID_MAX];
	uint16_t res16;
	uint32_t crc;
	uint64_t tu;
	size_t i;
	int e = 0;

	memset(rec, 0, sizeof(*rec));
	memset(&t, 0, sizeof(t));
	if (yn_crc32c(0, in, YN_JOURNAL_REC_LEN - 4) != yn_get_u32be(in + YN_JOURNAL_REC_LEN - 4))
		return YN_ECORRUPT;
	yn_rd_init(&r, in, YN_JOURNAL_REC_LEN);
	e |= yn_rd_u8(&r, &m0);
	e |= yn_rd_u8(&r, &m1);
	e |= yn_rd_u8(&r, &ver);
	e |= yn_rd_u8(&r, &t.kind);
	e |= yn_rd_u8(&r, &t.decision);
	e |= yn_rd_u8(&r, &t.grants);
	e |= yn_rd_u16be(&r, &t.reason);
	e |= yn_rd_u64be(&r, &t.seq);
	e |= yn_rd_u64be(&r, &tu);
	e |= yn_rd_u64be(&r, &t.mono_ns);
	if (e != 0)
		return YN_EFORMAT;
	if ((e = rd_terminal(&r, t.terminal)) != 0)
		return e;
	e |= yn_rd_u64be(&r, &t.card_serial);
	e |= yn_rd_u8(&r, &t.uid_len);
	e |= yn_rd_bytes(&r, uid, sizeof(uid));
	e |= rd_zero(&r, 1);
	e |= yn_rd_u32be(&r, &t.subsidy_fen);
	e |= yn_rd_u32be(&r, &t.voucher_units);
	e |= yn_rd_u16be(&r, &t.apdu_count);
	e |= yn_rd_u16be(&r, &res16);
	e |= yn_rd_u32be(&r, &t.latency_us);
	e |= yn_rd_u64be(&r, &t.intent_seq);
	e |= yn_rd_bytes(&r, t.prev_hash, YN_SHA256_LEN);
	e |= yn_rd_u32be(&r, &crc);
	if (e != 0 || yn_rd_end(&r) != 0)
		return YN_EFORMAT;
	t.time_us = (int64_t)tu;
	if (m0 != REC_MAGIC0 || m1 != REC_MAGIC1 || ver != FORMAT_VERSION || res16 != 0)
		return YN_EFORMAT;
	if (t.uid_len > YN_JOURNAL_UID_MAX)
		return YN_EFORMAT;
	for (i = t.uid_len; i < sizeof(uid); i++)
		if (uid[i] != 0)
			return YN_EFORMAT;
	memcpy(t.uid, uid, t.uid_len);
	if (!rec_valid(&t))
		return YN_EFORMAT;
	*rec = t;
	return 0;
}

/*
 * File header (docs/journal-format.md §2), big-endian:
 *    0  8  magic "YNJOURNL"        32 16  terminal id
 *    8  2  format version (1)      48 32  SHA-256 of the record before
 *   10  2  header length (96)             first_seq (zero for seq 1)
 *   12  2  record length (128)     80 12  reserved (0)
 *   14  2  reserved (0)            92  4  CRC-32C of bytes 0..91
 *   16  8  first sequence in file
 *   24  8  created, UTC microseconds
 */
static int hdr_encode(const struct hdr *h, uint8_t out[YN_JOURNAL_HDR_LEN])
{
	struct yn_wr w;
	int e = 0;

	yn_wr_init(&w, out, YN_JOURNAL_HDR_LEN);
	e |= yn_wr_bytes(&w, FILE_MAGIC, 8);
	e |= yn_wr_u16be(&w, FORMAT_VERSION);
	e |= yn_wr_u16be(&w, YN_JOURNAL_HDR_LEN);
	e |= yn_wr_u16be(&w, YN_JOURNAL_REC_LEN);
	e |= yn_wr_u16be(&w, 0);
	e |= yn_wr_u64be(&w, h->first_seq);
	e |= yn_wr_u64be(&w, (uint64_t)h->created_us);
	e |= wr_terminal(&w, h->terminal);
	e |= yn_wr_bytes(&w, h->prev_hash, YN_SHA256_LEN);
	e |= yn_wr_zero(&w, 12);
	e |= yn_wr_u32be(&w, yn_crc32c(0, out, YN_JOURNAL_HDR_LEN - 4));
	return e != 0 || w.len != YN_JOURNAL_HDR_LEN ? YN_EINTERNAL : 0;
}

static int hdr_decode(const uint8_t *in, size_t len, struct hdr *h, const char **why)
{
	struct yn_rd r;
	uint8_t magic[8];
	uint16_t ver, hl, rl, res;
	uint64_t cu;
	uint32_t crc;
	int e = 0;

	memset(h, 0, sizeof(*h));
	if (len < YN_JOURNAL_HDR_LEN) {
		*why = "file shorter than its header";
		return YN_ECORRUPT;
	}
	if (yn_crc32c(0, in, YN_JOURNAL_HDR_LEN - 4) != yn_get_u32be(in + YN_JOURNAL_HDR_LEN - 4)) {
		*why = "header CRC mismatch";
		return YN_ECORRUPT;
	}
	yn_rd_init(&r, in, YN_JOURNAL_HDR_LEN);
	e |= yn_rd_bytes(&r, magic, 8);
	e |= yn_rd_u16be(&r, &ver);
	e |= yn_rd_u16be(&r, &hl);
	e |= yn_rd_u16be(&r, &rl);
	e |= yn_rd_u16be(&r, &res);
	e |= yn_rd_u64be(&r, &h->first_seq);
	e |= yn_rd_u64be(&r, &cu);
	e |= rd_terminal(&r, h->terminal);
	e |= yn_rd_bytes(&r, h->prev_hash, YN_SHA256_LEN);
	e |= rd_zero(&r, 12);
	e |= yn_rd_u32be(&r, &crc);
	h->created_us = (int64_t)cu;
	if (e != 0 || yn_rd_end(&r) != 0 || memcmp(magic, FILE_MAGIC, 8) != 0 ||
	    ver != FORMAT_VERSION || hl != YN_JOURNAL_HDR_LEN || rl != YN_JOURNAL_REC_LEN ||
	    res != 0 || h->first_seq == 0) {
		*why = "header malformed (magic, version, lengths or reserved bytes)";
		return YN_ECORRUPT;
	}
	return 0;
}

static int is_journal_name(const char *n)
{
	size_t i;

	if (strlen(n) != NAME_LEN || strncmp(n, NAME_PREFIX, 8) != 0 ||
	    strcmp(n + 28, NAME_SUFFIX) != 0)
		return 0;
	for (i = 8; i < 28; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

static int is_tmp_name(const char *n)
{
	char base[NAME_LEN + 1];

	if (strlen(n) != NAME_LEN + 4 || strcmp(n + NAME_LEN, ".tmp") != 0)
		return 0;
	memcpy(base, n, NAME_LEN);
	base[NAME_LEN] = '\0';
	return is_journal_name(base);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Journal file names in dir, sorted (numerically, as the digits are fixed
 * width); *n_tmp counts leftover rotation files. */
static int list_files(const char *dir, char ***names, size_t *n, size_t *n_tmp)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cap = 0, k = 0, t = 0;
	int r = 0;

	*names = NULL;
	*n = 0;
	if (n_tmp)
		*n_tmp = 0;
	if ((d = opendir(dir)) == NULL) {
		yn_err("journal: cannot open directory %s: %s", dir, strerror(errno));
		return errno == ENOENT ? YN_ENOENT : YN_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		if (is_tmp_name(de->d_name))
			t++;
		if (!is_journal_name(de->d_name))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = YN_ENOMEM;
				goto out;
			}
			v = nv;
		}
		if ((v[k] = strdup(de->d_name)) == NULL) {
			r = YN_ENOMEM;
			goto out;
		}
		k++;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), cmp_names);
	*names = v;
	*n = k;
	v = NULL; /* transferred */
	if (n_tmp)
		*n_tmp = t;
out:
	if (v) {
		while (k > 0)
			free(v[--k]);
		free(v);
	}
	closedir(d);
	return r;
}

static void free_names(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/* Where a scan ended: what an appender needs to continue. */
struct tail {
	char file[NAME_LEN + 1];
	struct hdr hdr;
	uint64_t end;		/* offset after the last valid record */
	uint64_t size;		/* file size */
	uint64_t records;	/* in the last file */
	uint64_t next_seq;
	uint8_t last_hash[YN_SHA256_LEN];
};

static int add_intent(struct yn_journal_intent **v, size_t *n, size_t *cap,
		      const struct yn_journal_rec *rec)
{
	struct yn_journal_intent *nv, *x;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;

		if ((nv = realloc(*v, nc * sizeof(**v))) == NULL)
			return YN_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	x = &(*v)[*n];
	memset(x, 0, sizeof(*x));
	x->seq = rec->seq;
	x->card_serial = rec->card_serial;
	x->time_us = rec->time_us;
	x->grants = rec->grants;
	x->subsidy_fen = rec->subsidy_fen;
	x->voucher_units = rec->voucher_units;
	x->uid_len = rec->uid_len;
	memcpy(x->uid, rec->uid, sizeof(x->uid));
	(*n)++;
	return 0;
}

/* Remove intent seq from the open list; 0 if found, YN_ENOENT if not. */
static int resolve_intent(struct yn_journal_intent *v, size_t *n, uint64_t seq)
{
	size_t i;

	for (i = *n; i > 0; i--) {
		if (v[i - 1].seq == seq) {
			memmove(&v[i - 1], &v[i], (*n - i) * sizeof(*v));
			(*n)--;
			return 0;
		}
	}
	return YN_ENOENT;
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static size_t count_nonzero(const uint8_t *p, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += p[i] != 0;
	return c;
}

/* A slot whose first bytes are a record's magic and whose last bytes (the
 * CRC) are written.  A slot is written once, over zeros, by one pwrite of a
 * whole record; a power cut lands some of its sectors and not others, so a
 * torn record lacks its head or its tail.  A record with both that fails
 * its checks was damaged after it was written: it may have been
 * acknowledged, and recovery must not cut it. */
static int whole_record(const uint8_t *p)
{
	return p[0] == REC_MAGIC0 && p[1] == REC_MAGIC1 &&
	       !all_zero(p + YN_JOURNAL_REC_LEN - 8, 8);
}

static void set_bad(struct yn_journal_report *rep, const char *file, uint64_t off, uint64_t seq,
		    const char *why)
{
	rep->corrupt = 1;
	snprintf(rep->bad_file, sizeof(rep->bad_file), "%s", file);
	rep->bad_offset = off;
	rep->bad_seq = seq;
	snprintf(rep->bad_why, sizeof(rep->bad_why), "%s", why);
}

typedef int (*rec_fn)(void *ctx, const struct yn_journal_rec *rec, const char *file,
		      uint64_t offset);

/* Scan one mapped file.  Returns 0, fn's non-zero value, or YN_ECORRUPT. */
static int scan_file(const char *name, const uint8_t *m, uint64_t size, int last,
		     struct tail *t, struct yn_journal_report *rep, rec_fn fn, void *ctx,
		     struct yn_journal_intent **open, size_t *n_open, size_t *cap_open)
{
	struct yn_journal_rec rec;
	const char *why = NULL;
	uint64_t off = YN_JOURNAL_HDR_LEN, o2;
	int e;

	if ((e = hdr_decode(m, size, &t->hdr, &why)) != 0) {
		set_bad(rep, name, 0, t->next_seq, why);
		return YN_ECORRUPT;
	}
	if (strtoull(name + 8, NULL, 10) != t->hdr.first_seq) {
		set_bad(rep, name, 16, t->next_seq,
			"header's first sequence is not the one in the file name");
		return YN_ECORRUPT;
	}
	if (t->hdr.first_seq != t->next_seq && rep->files > 1) {
		set_bad(rep, name, 16, t->next_seq,
			"header's first sequence does not follow the previous file");
		return YN_ECORRUPT;
	}
	if (rep->files > 1 && memcmp(t->hdr.prev_hash, t->last_hash, YN_SHA256_LEN) != 0) {
		set_bad(rep, name, 48, t->next_seq,
			"header's chain hash is not the hash of the previous file's last record");
		return YN_ECORRUPT;
	}
	if (rep->files == 1) {
		t->next_seq = t->hdr.first_seq;
		memcpy(t->last_hash, t->hdr.prev_hash, YN_SHA256_LEN);
	}
	snprintf(t->file, sizeof(t->file), "%s", name);
	t->size = size;
	t->records = 0;
	while (size - off >= YN_JOURNAL_REC_LEN) {
		const uint8_t *p = m + off;

		if (all_zero(p, YN_JOURNAL_REC_LEN))
			break;
		e = yn_journal_decode(p, &rec);
		if (e == 0 && rec.seq != t->next_seq)
			why = "sequence out of order";
		else if (e == 0 && memcmp(rec.prev_hash, t->last_hash, YN_SHA256_LEN) != 0)
			why = "chain broken: previous-record hash does not match";
		else if (e == YN_ECORRUPT)
			why = "record CRC mismatch";
		else if (e != 0)
			why = "record malformed";
		else
			why = NULL;
		if (why != NULL) {
			/* A crash tears at most the record being written, the
			 * last one; a valid record after a bad one means the bad
			 * one is damage, not a tear. */
			int later_valid = 0;

			for (o2 = off + YN_JOURNAL_REC_LEN; size - o2 >= YN_JOURNAL_REC_LEN;
			     o2 += YN_JOURNAL_REC_LEN)
				if (yn_journal_decode(m + o2, &rec) == 0) {
					later_valid = 1;
					break;
				}
			if (!last || later_valid || whole_record(p)) {
				set_bad(rep, name, off, t->next_seq, why);
				return YN_ECORRUPT;
			}
			break;
		}
		if (rec.kind == YN_JKIND_INTENT) {
			if ((e = add_intent(open, n_open, cap_open, &rec)) != 0)
				return e;
		} else if (rec.intent_seq != 0) {
			/* An intent in a file already pruned is not an error. */
			(void)resolve_intent(*open, n_open, rec.intent_seq);
		}
		if ((e = yn_sha256(p, YN_JOURNAL_REC_LEN, t->last_hash)) != 0)
			return e;
		if (rep->records == 0)
			rep->first_seq = rec.seq;
		rep->records++;
		rep->last_seq = rec.seq;
		t->next_seq = rec.seq + 1;
		t->records++;
		if (fn != NULL && (e = fn(ctx, &rec, name, off)) != 0)
			return e;
		off += YN_JOURNAL_REC_LEN;
	}
	t->end = off;
	if (!all_zero(m + off, (size_t)(size - off))) {
		if (!last) {
			set_bad(rep, name, off, t->next_seq, "bytes after the last record");
			return YN_ECORRUPT;
		}
		rep->torn = 1;
		snprintf(rep->torn_file, sizeof(rep->torn_file), "%s", name);
		rep->torn_offset = off;
		rep->torn_bytes = count_nonzero(m + off, (size_t)(size - off));
	}
	return 0;
}

static int scan_dir(const char *dir, rec_fn fn, void *ctx, struct yn_journal_report *rep,
		    struct tail *t)
{
	char **names = NULL, path[PATH_MAX + 64];
	size_t n = 0, i, cap_open = 0;
	int r, fd = -1;
	struct stat st;
	uint8_t *m = NULL;
	uint64_t msize = 0;

	memset(rep, 0, sizeof(*rep));
	memset(t, 0, sizeof(*t));
	t->next_seq = 1;
	if ((r = list_files(dir, &names, &n, &rep->tmp_removed)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((r = yn_wio_open(path, O_RDONLY, 0, &fd)) != 0)
			goto out;
		if (fstat(fd, &st) != 0) {
			r = YN_EIO;
			goto out;
		}
		msize = (uint64_t)st.st_size;
		if (msize > 0) {
			m = mmap(NULL, (size_t)msize, PROT_READ, MAP_PRIVATE, fd, 0);
			if (m == MAP_FAILED) {
				m = NULL;
				yn_err("journal: cannot map %s: %s", path, strerror(errno));
				r = YN_EIO;
				goto out;
			}
			(void)madvise(m, (size_t)msize, MADV_SEQUENTIAL);
		}
		close(fd);
		fd = -1;
		rep->files++;
		r = scan_file(names[i], m ? m : (const uint8_t *)"", msize, i + 1 == n, t, rep,
			      fn, ctx, &rep->uncertain, &rep->n_uncertain, &cap_open);
		if (m)
			munmap(m, (size_t)msize);
		m = NULL;
		if (r != 0)
			goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	free_names(names, n);
	return r;
}

int yn_journal_read(const char *dir, rec_fn fn, void *ctx, struct yn_journal_report *report)
{
	struct yn_journal_report local;
	struct tail t;
	int r;

	if (report == NULL)
		report = &local;
	r = scan_dir(dir, fn, ctx, report, &t);
	if (report == &local)
		yn_journal_report_free(&local);
	return r;
}

void yn_journal_report_free(struct yn_journal_report *report)
{
	if (report == NULL)
		return;
	free(report->uncertain);
	report->uncertain = NULL;
	report->n_uncertain = 0;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t local_day(const struct yn_journal *j, int64_t t_us)
{
	int64_t s = t_us / 1000000 + j->opts.utc_offset_s;

	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

/* Start a new file for first sequence j->next_seq, created at created_us
 * (the file's local day for daily rotation): written under a .tmp name,
 * synced, renamed into place, directory synced. */
static int new_file(struct yn_journal *j, int64_t created_us)
{
	struct hdr h;
	uint8_t buf[YN_JOURNAL_HDR_LEN];
	char name[NAME_LEN + 1], path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	int fd = -1, r;

	memset(&h, 0, sizeof(h));
	h.first_seq = j->next_seq;
	h.created_us = created_us;
	snprintf(h.terminal, sizeof(h.terminal), "%s", j->terminal);
	memcpy(h.prev_hash, j->last_hash, YN_SHA256_LEN);
	if ((r = hdr_encode(&h, buf)) != 0)
		return r;
	snprintf(name, sizeof(name), NAME_PREFIX "%020" PRIu64 NAME_SUFFIX, h.first_seq);
	snprintf(path, sizeof(path), "%s/%s", j->dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	if ((r = yn_wio_open(tmp, O_RDWR | O_CREAT | O_EXCL, 0640, &fd)) != 0)
		return r;
	if ((r = yn_wio_pwrite(fd, buf, sizeof(buf), 0)) != 0)
		goto fail;
	r = yn_wio_allocate(fd, YN_JOURNAL_HDR_LEN, j->opts.prealloc_bytes);
	if (r != 0 && r != YN_ENOTSUP)
		goto fail;
	j->alloc_end = r == 0 ? YN_JOURNAL_HDR_LEN + (uint64_t)j->opts.prealloc_bytes
			      : YN_JOURNAL_HDR_LEN;
	if ((r = yn_wio_sync(fd)) != 0 || (r = yn_wio_rename(tmp, path)) != 0 ||
	    (r = yn_wio_sync_dir(j->dir)) != 0)
		goto fail;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	snprintf(j->file, sizeof(j->file), "%s", name);
	j->file_day = local_day(j, h.created_us);
	j->file_records = 0;
	j->end = YN_JOURNAL_HDR_LEN;
	return 0;
fail:
	close(fd);
	return r;
}

/* Close the current file at its last record and start the next, dated by
 * the record that starts it (so that a clock fixed for a test or an audit
 * rotates once per day of its own, not on every record). */
static int rotate(struct yn_journal *j, int64_t time_us)
{
	int r;

	if ((r = yn_wio_truncate(j->fd, (off_t)j->end)) != 0 || (r = yn_wio_sync(j->fd)) != 0)
		return r;
	return new_file(j, time_us);
}

static int check_rec(const struct yn_journal *j, const struct yn_journal_rec *rec)
{
	size_t i;

	if (rec->kind == YN_JKIND_OUTCOME && rec->intent_seq != 0) {
		for (i = 0; i < j->n_open; i++)
			if (j->open[i].seq == rec->intent_seq)
				return 0;
		yn_err("journal: outcome names intent %" PRIu64 ", which is not open",
		       rec->intent_seq);
		return YN_EINVAL;
	}
	return 0;
}

int yn_journal_append(struct yn_journal *j, const struct yn_journal_rec *rec, uint64_t *seq)
{
	struct yn_journal_rec t;
	uint8_t buf[YN_JOURNAL_REC_LEN];
	uint8_t hash[YN_SHA256_LEN];
	int r;

	if (seq)
		*seq = 0;
	if (j == NULL || rec == NULL)
		return YN_EINVAL;
	if (j->failed)
		return YN_EIO;
	t = *rec;
	t.seq = j->next_seq;
	snprintf(t.terminal, sizeof(t.terminal), "%s", j->terminal);
	memcpy(t.prev_hash, j->last_hash, YN_SHA256_LEN);
	if ((r = check_rec(j, &t)) != 0 || (r = yn_journal_encode(&t, buf)) != 0)
		return r;
	if ((r = yn_sha256(buf, sizeof(buf), hash)) != 0)
		return r;
	/* Room to remember the intent, before anything is written: nothing can
	 * fail between the sync and the acknowledgement. */
	if (t.kind == YN_JKIND_INTENT && j->n_open == j->cap_open) {
		struct yn_journal_intent *nv;
		size_t nc = j->cap_open ? j->cap_open * 2 : 16;

		if ((nv = realloc(j->open, nc * sizeof(*nv))) == NULL)
			return YN_ENOMEM;
		j->open = nv;
		j->cap_open = nc;
	}
	if (j->file_records > 0 &&
	    (j->end + YN_JOURNAL_REC_LEN > j->opts.max_file_bytes ||
	     (j->opts.rotate_daily && local_day(j, t.time_us) > j->file_day))) {
		if ((r = rotate(j, t.time_us)) != 0)
			goto fail;
	}
	if (j->end + YN_JOURNAL_REC_LEN > j->alloc_end) {
		r = yn_wio_allocate(j->fd, (off_t)j->alloc_end, j->opts.prealloc_bytes);
		if (r == 0)
			j->alloc_end += j->opts.prealloc_bytes;
		else if (r != YN_ENOTSUP)
			goto fail;
	}
	if ((r = yn_wio_pwrite(j->fd, buf, sizeof(buf), (off_t)j->end)) != 0 ||
	    (r = yn_wio_datasync(j->fd)) != 0)
		goto fail;
	if (t.kind == YN_JKIND_INTENT)
		(void)add_intent(&j->open, &j->n_open, &j->cap_open, &t);
	if (t.kind == YN_JKIND_OUTCOME && t.intent_seq != 0)
		(void)resolve_intent(j->open, &j->n_open, t.intent_seq);
	j->end += YN_JOURNAL_REC_LEN;
	if (j->end > j->alloc_end)
		j->alloc_end = j->end;
	j->file_records++;
	j->next_seq++;
	memcpy(j->last_hash, hash, YN_SHA256_LEN);
	if (seq)
		*seq = t.seq;
	return 0;
fail:
	/* The record may or may not be on disk; only recovery can tell. */
	j->failed = 1;
	yn_err("journal %s: append of record %" PRIu64 " failed: %s; the journal must be reopened",
	       j->dir, t.seq, yn_strerror(r));
	return r;
}

uint64_t yn_journal_next_seq(const struct yn_journal *j)
{
	return j->next_seq;
}

void yn_journal_close(struct yn_journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd); /* releases the flock */
	free(j->open);
	free(j);
}

static int remove_tmp_files(const char *dir)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_MAX + 64];
	int any = 0;

	if ((d = opendir(dir)) == NULL)
		return YN_EIO;
	while ((de = readdir(d)) != NULL) {
		if (!is_tmp_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			any = 1;
	}
	closedir(d);
	return any ? yn_wio_sync_dir(dir) : 0;
}

int yn_journal_open(const char *dir, const struct yn_journal_opts *opts,
		    struct yn_journal **out, struct yn_journal_report *report)
{
	struct yn_journal_report local;
	struct yn_journal *j = NULL;
	struct tail t;
	char path[PATH_MAX + 64];
	size_t i;
	int r;

	*out = NULL;
	if (report == NULL)
		report = &local;
	memset(report, 0, sizeof(*report));
	if (dir == NULL || opts == NULL || !terminal_ok(opts->terminal) ||
	    strlen(dir) >= sizeof(j->dir) - NAME_LEN - 8) {
		r = YN_EINVAL;
		goto out;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	j->fd = -1;
	j->dirfd = -1;
	snprintf(j->dir, sizeof(j->dir), "%s", dir);
	snprintf(j->terminal, sizeof(j->terminal), "%s", opts->terminal);
	j->opts = *opts;
	if (j->opts.max_file_bytes == 0)
		j->opts.max_file_bytes = DEFAULT_MAX_FILE;
	if (j->opts.prealloc_bytes == 0)
		j->opts.prealloc_bytes = DEFAULT_PREALLOC;
	if (j->opts.max_file_bytes < YN_JOURNAL_HDR_LEN + YN_JOURNAL_REC_LEN) {
		r = YN_EINVAL;
		goto out;
	}
	if (mkdir(dir, 0750) == 0) {
		/* The new directory's entry in its parent must be durable too. */
		char parent[PATH_MAX];
		const char *slash = strrchr(dir, '/');

		if (slash == NULL)
			snprintf(parent, sizeof(parent), ".");
		else
			snprintf(parent, sizeof(parent), "%.*s", slash == dir ? 1 : (int)(slash - dir),
				 dir);
		if ((r = yn_wio_sync_dir(parent)) != 0)
			goto out;
	} else if (errno != EEXIST) {
		yn_err("journal: cannot create %s: %s", dir, strerror(errno));
		r = YN_EIO;
		goto out;
	}
	if ((r = yn_wio_open(dir, O_RDONLY | O_DIRECTORY, 0, &j->dirfd)) != 0)
		goto out;
	if (flock(j->dirfd, LOCK_EX | LOCK_NB) != 0) {
		yn_err("journal: %s is open in another process", dir);
		r = YN_EBUSY;
		goto out;
	}
	if ((r = scan_dir(dir, NULL, NULL, report, &t)) != 0) {
		if (report->corrupt)
			yn_err("journal %s: %s at %s offset %" PRIu64 " (record %" PRIu64
			       "); not opened for writing",
			       dir, report->bad_why, report->bad_file, report->bad_offset,
			       report->bad_seq);
		goto out;
	}
	if (report->tmp_removed > 0 && (r = remove_tmp_files(dir)) != 0)
		goto out;
	j->next_seq = t.next_seq;
	memcpy(j->last_hash, t.last_hash, YN_SHA256_LEN);
	if (report->files == 0) {
		if ((r = new_file(j, now_us())) != 0)
			goto out;
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, t.file);
		if ((r = yn_wio_open(path, O_RDWR, 0, &j->fd)) != 0)
			goto out;
		snprintf(j->file, sizeof(j->file), "%s", t.file);
		j->file_day = local_day(j, t.hdr.created_us);
		j->file_records = t.records;
		j->end = t.end;
		j->alloc_end = t.size;
		if (report->torn) {
			yn_warn("journal %s: cutting a torn tail of %s at offset %" PRIu64
				" (%" PRIu64 " non-zero bytes of an unacknowledged record)",
				dir, t.file, t.end, report->torn_bytes);
			if ((r = yn_wio_truncate(j->fd, (off_t)t.end)) != 0 ||
			    (r = yn_wio_sync(j->fd)) != 0)
				goto out;
			j->alloc_end = t.end;
		}
	}
	/* Intents without outcome: make each one explicit.  The list of open
	 * intents starts with room, so that appends do not allocate. */
	j->open = report->uncertain;
	j->n_open = j->cap_open = report->n_uncertain;
	report->uncertain = NULL;
	if (j->cap_open < 16) {
		struct yn_journal_intent *nv = realloc(j->open, 16 * sizeof(*nv));

		if (nv == NULL) {
			r = YN_ENOMEM;
			goto out;
		}
		j->open = nv;
		j->cap_open = 16;
	}
	if (j->n_open > 0) {
		report->uncertain = calloc(j->n_open, sizeof(*report->uncertain));
		if (report->uncertain == NULL) {
			r = YN_ENOMEM;
			goto out;
		}
		memcpy(report->uncertain, j->open, j->n_open * sizeof(*j->open));
	}
	for (i = 0; i < report->n_uncertain; i++) {
		struct yn_journal_rec u;

		memset(&u, 0, sizeof(u));
		u.kind = YN_JKIND_OUTCOME;
		u.decision = YN_JDEC_UNCERTAIN;
		u.reason = YN_JREASON_CRASH_RECOVERY;
		u.time_us = now_us();
		/* What the intent was about to grant, so that the record says
		 * what is at stake without looking the intent up. */
		u.card_serial = report->uncertain[i].card_serial;
		u.grants = report->uncertain[i].grants;
		u.subsidy_fen = report->uncertain[i].subsidy_fen;
		u.voucher_units = report->uncertain[i].voucher_units;
		u.uid_len = report->uncertain[i].uid_len;
		memcpy(u.uid, report->uncertain[i].uid, sizeof(u.uid));
		u.intent_seq = report->uncertain[i].seq;
		if ((r = yn_journal_append(j, &u, &report->uncertain[i].uncertain_seq)) != 0)
			goto out;
		yn_warn("journal %s: intent %" PRIu64 " (card %" PRIu64 ") had no outcome: "
			"recorded as uncertain (record %" PRIu64 ")",
			dir, report->uncertain[i].seq, report->uncertain[i].card_serial,
			report->uncertain[i].uncertain_seq);
	}
	*out = j;
	j = NULL; /* transferred */
	r = 0;
out:
	yn_journal_close(j);
	if (report == &local)
		yn_journal_report_free(&local);
	return r;
}
