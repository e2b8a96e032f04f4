/*
 * Denylist files: trust set, signature check, strict parsing, the in-memory
 * index and lookups, and signing full lists.  Layout:
 * docs/denylist-format.md.
 */
#include "validator/denylist.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/denylist_int.h"

#define DL_MAGIC "YNDL"
#define DL_VERSION 1

struct yn_denylist {
	struct yn_dl_header hdr;
	uint8_t digest[YN_SHA256_LEN];
	size_t n;
	uint64_t *serial;	/* sorted, unique */
	uint16_t *day;
	uint8_t *reason;
	/* Bucket b holds the serials s with ((s - min) >> shift) == b, at
	 * indices [bucket[b], bucket[b + 1]). */
	uint32_t *bucket;
	size_t nb;
	unsigned shift;
	uint64_t min, max;
};

static const char *const reason_words[YN_DL_REASON_MAX + 1] = {
	NULL, "lost", "stolen", "deceased", "replaced", "fraud", "suspended", "other",
};

const char *yn_dl_reason_name(unsigned reason)
{
	return reason >= 1 && reason <= YN_DL_REASON_MAX ? reason_words[reason] : NULL;
}

int yn_dl_reason_parse(const char *word, uint8_t *reason)
{
	unsigned i;

	*reason = 0;
	for (i = 1; i <= YN_DL_REASON_MAX; i++) {
		if (strcmp(word, reason_words[i]) == 0) {
			*reason = (uint8_t)i;
			return 0;
		}
	}
	return YN_EFORMAT;
}

/* Days from civil date, after H. Hinnant's public-domain algorithm
 * description (era of 400 years, March-based year). */
int64_t yn_dl_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned yoe = (unsigned)(yy - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

void yn_dl_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* --- trust set --- */

struct trusted {
	uint8_t id[YN_KEYID_LEN];
	struct yn_pubkey *key;
};

struct yn_dl_trust {
	struct trusted *v;
	size_t n, cap;
};

int yn_dl_trust_new(struct yn_dl_trust **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : YN_ENOMEM;
}

int yn_dl_trust_add_key(struct yn_dl_trust *t, struct yn_pubkey *k)
{
	struct trusted *nv;
	uint8_t id[YN_KEYID_LEN];
	int r;

	if ((r = yn_pubkey_id(k, id)) != 0)
		goto fail;
	if (yn_dl_trust_has(t, id)) {
		r = YN_EEXIST;
		goto fail;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 4;

		if ((nv = realloc(t->v, nc * sizeof(*nv))) == NULL) {
			r = YN_ENOMEM;
			goto fail;
		}
		t->v = nv;
		t->cap = nc;
	}
	memcpy(t->v[t->n].id, id, YN_KEYID_LEN);
	t->v[t->n].key = k;
	t->n++;
	return 0;
fail:
	yn_pubkey_free(k);
	return r;
}

int yn_dl_trust_add(struct yn_dl_trust *t, const char *uri)
{
	struct yn_pubkey *k = NULL;
	int r;

	if ((r = yn_pubkey_load(uri, &k)) != 0) {
		yn_err("denylist: cannot load public key %s: %s", uri, yn_strerror(r));
		return r;
	}
	return yn_dl_trust_add_key(t, k);
}

const struct yn_pubkey *yn_dl_trust_find(const struct yn_dl_trust *t,
					 const uint8_t id[YN_KEYID_LEN])
{
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++)
		if (memcmp(t->v[i].id, id, YN_KEYID_LEN) == 0)
			return t->v[i].key;
	return NULL;
}

int yn_dl_trust_has(const struct yn_dl_trust *t, const uint8_t id[YN_KEYID_LEN])
{
	return yn_dl_trust_find(t, id) != NULL;
}

void yn_dl_trust_free(struct yn_dl_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		yn_pubkey_free(t->v[i].key);
	free(t->v);
	free(t);
}

/* --- signature --- */

static void hex_id(const uint8_t id[YN_KEYID_LEN], char out[2 * YN_KEYID_LEN + 1])
{
	(void)yn_hex_encode(id, YN_KEYID_LEN, out, 2 * YN_KEYID_LEN + 1);
}

/* Only the fixed prefix is looked at before the signature is checked:
 *   0 4 magic "YNDL"   4 1 version   5 1 kind   8 8 key id
 * and the file must be long enough for its kind's header and signature(s). */
int yn_dl_verify(const uint8_t *buf, size_t len, const struct yn_dl_trust *t, uint8_t *kind)
{
	const struct yn_pubkey *k;
	char idhex[2 * YN_KEYID_LEN + 1];
	size_t min;
	int r;

	if (kind)
		*kind = 0;
	if (buf == NULL || len < 8 + YN_KEYID_LEN)
		return YN_ETRUNC;
	if (memcmp(buf, DL_MAGIC, 4) != 0 || buf[4] != DL_VERSION ||
	    (buf[5] != YN_DL_FULL && buf[5] != YN_DL_DELTA))
		return YN_EFORMAT;
	min = buf[5] == YN_DL_FULL ? YN_DL_HDR_LEN + YN_P256_SIG_LEN
				   : YN_DL_DELTA_HDR_LEN + 2 * YN_P256_SIG_LEN;
	if (len < min)
		return YN_ETRUNC;
	if ((k = yn_dl_trust_find(t, buf + 8)) == NULL) {
		hex_id(buf + 8, idhex);
		yn_err("denylist: signed by key %s, which is not a trusted list-signing key", idhex);
		return YN_EUNKNOWNKEY;
	}
	r = yn_ecdsa_verify(k, buf, len - YN_P256_SIG_LEN, buf + len - YN_P256_SIG_LEN);
	if (r != 0)
		return r == YN_EBADSIG ? YN_EBADSIG : r;
	if (kind)
		*kind = buf[5];
	return 0;
}

/* --- headers --- */

/*
 * Full list header (docs/denylist-format.md §2), big-endian:
 *    0 4 magic "YNDL"       16 8 sequence          40 4 entry count
 *    4 1 version (1)        24 8 issued_at (s)     44 4 reserved (0)
 *    5 1 kind (1)           32 8 not_after (s)
 *    6 2 reserved (0)
 *    8 8 key id
 * then count entries, then the 64-byte signature.
 * Delta header (§4): the same to byte 40, then
 *   40 4 count of the resulting list   56 8 base sequence
 *   44 4 additions                     64 32 SHA-256 of the base file
 *   48 4 removals
 *   52 4 reserved (0)
 * then additions, removals, the list signature and the delta signature.
 */
int yn_dl_parse_header(const uint8_t *buf, size_t len, struct yn_dl_header *h)
{
	struct yn_rd r;
	uint8_t magic[4], ver;
	uint16_t res16;
	uint32_t res32 = 0;
	uint64_t ia, na;
	size_t body;
	int e = 0;

	memset(h, 0, sizeof(*h));
	yn_rd_init(&r, buf, len);
	e |= yn_rd_bytes(&r, magic, 4);
	e |= yn_rd_u8(&r, &ver);
	e |= yn_rd_u8(&r, &h->kind);
	e |= yn_rd_u16be(&r, &res16);
	e |= yn_rd_bytes(&r, h->key_id, YN_KEYID_LEN);
	e |= yn_rd_u64be(&r, &h->seq);
	e |= yn_rd_u64be(&r, &ia);
	e |= yn_rd_u64be(&r, &na);
	e |= yn_rd_u32be(&r, &h->count);
	if (e != 0)
		goto trunc;
	h->issued_at = (int64_t)ia;
	h->not_after = (int64_t)na;
	if (memcmp(magic, DL_MAGIC, 4) != 0 || ver != DL_VERSION || res16 != 0)
		goto bad;
	if (h->kind == YN_DL_FULL) {
		if (yn_rd_u32be(&r, &res32) != 0)
			goto trunc;
		body = (size_t)h->count * YN_DL_ENTRY_LEN + YN_P256_SIG_LEN;
	} else if (h->kind == YN_DL_DELTA) {
		e |= yn_rd_u32be(&r, &h->n_add);
		e |= yn_rd_u32be(&r, &h->n_remove);
		e |= yn_rd_u32be(&r, &res32);
		e |= yn_rd_u64be(&r, &h->base_seq);
		e |= yn_rd_bytes(&r, h->base_digest, YN_SHA256_LEN);
		if (e != 0)
			goto trunc;
		if (h->n_add > YN_DL_MAX_ENTRIES || h->n_remove > YN_DL_MAX_ENTRIES ||
		    h->base_seq >= h->seq)
			goto bad;
		body = (size_t)h->n_add * YN_DL_ENTRY_LEN +
		       (size_t)h->n_remove * YN_DL_REMOVAL_LEN + 2 * YN_P256_SIG_LEN;
	} else {
		goto bad;
	}
	if (res32 != 0 || h->count > YN_DL_MAX_ENTRIES || h->seq == 0 ||
	    h->not_after <= h->issued_at)
		goto bad;
	if (yn_rd_left(&r) < body)
		goto trunc;
	if (yn_rd_left(&r) > body) {
		memset(h, 0, sizeof(*h));
		return YN_ETRAILING;
	}
	return 0;
trunc:
	memset(h, 0, sizeof(*h));
	return YN_ETRUNC;
bad:
	memset(h, 0, sizeof(*h));
	return YN_EFORMAT;
}

/* --- the loaded list --- */

/* Arrays of a big list go on 2 MiB-aligned memory with transparent huge
 * pages requested: a lookup touches two random cache lines of a 100 MB
 * array, and with 4 KiB pages each would also miss the TLB. */
static void *big_alloc(size_t n)
{
	const size_t huge = 2u << 20;
	void *p = NULL;

	if (n == 0)
		n = 1;
	if (n < 2 * huge)
		return malloc(n);
	if (posix_memalign(&p, huge, n) != 0)
		return NULL;
	(void)madvise(p, n, MADV_HUGEPAGE);
	return p;
}

static int build_index(struct yn_denylist *l)
{
	uint64_t range;
	size_t i, b;

	/* At least 2 buckets, so that the shift stays below 64. */
	l->nb = 2;
	while (l->nb < l->n / 4)
		l->nb <<= 1;
	l->min = l->n ? l->serial[0] : 0;
	l->max = l->n ? l->serial[l->n - 1] : 0;
	range = l->max - l->min;
	l->shift = 0;
	while (l->shift < 64 && (range >> l->shift) >= l->nb)
		l->shift++;
	if ((l->bucket = big_alloc((l->nb + 1) * sizeof(*l->bucket))) == NULL)
		return YN_ENOMEM;
	for (i = 0, b = 0; b <= l->nb; b++) {
		while (i < l->n && ((l->serial[i] - l->min) >> l->shift) < b)
			i++;
		l->bucket[b] = (uint32_t)i;
	}
	l->bucket[l->nb] = (uint32_t)l->n;
	return 0;
}

static int parse_entry(struct yn_rd *r, struct yn_dl_entry *e)
{
	int x = 0;

	x |= yn_rd_u64be(r, &e->serial);
	x |= yn_rd_u16be(r, &e->listed_day);
	x |= yn_rd_u8(r, &e->reason);
	if (x != 0)
		return YN_ETRUNC;
	return e->reason >= 1 && e->reason <= YN_DL_REASON_MAX ? 0 : YN_EFORMAT;
}

/* Entries (§3): count x { serial u64, listed day u16, reason u8 }, serials
 * strictly increasing, then the signature; nothing after it. */
static int parse_full(const uint8_t *buf, size_t len, struct yn_denylist **out)
{
	struct yn_denylist *l;
	struct yn_dl_entry e;
	struct yn_rd r;
	size_t i;
	int x;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return YN_ENOMEM;
	if ((x = yn_dl_parse_header(buf, len, &l->hdr)) != 0)
		goto fail;
	if (l->hdr.kind != YN_DL_FULL) {
		x = YN_EFORMAT;
		goto fail;
	}
	l->n = l->hdr.count;
	l->serial = big_alloc(l->n * sizeof(*l->serial));
	l->day = big_alloc(l->n * sizeof(*l->day));
	l->reason = big_alloc(l->n);
	if (l->serial == NULL || l->day == NULL || l->reason == NULL) {
		x = YN_ENOMEM;
		goto fail;
	}
	yn_rd_init(&r, buf, len);
	if ((x = yn_rd_skip(&r, YN_DL_HDR_LEN)) != 0)
		goto fail;
	for (i = 0; i < l->n; i++) {
		if ((x = parse_entry(&r, &e)) != 0) {
			yn_err("denylist: entry %zu: %s", i, yn_strerror(x));
			goto fail;
		}
		if (i > 0 && e.serial <= l->serial[i - 1]) {
			yn_err("denylist: entry %zu (serial %" PRIu64 ") is out of order or repeated",
			       i, e.serial);
			x = YN_EFORMAT;
			goto fail;
		}
		l->serial[i] = e.serial;
		l->day[i] = e.listed_day;
		l->reason[i] = e.reason;
	}
	if ((x = yn_rd_skip(&r, YN_P256_SIG_LEN)) != 0 || (x = yn_rd_end(&r)) != 0)
		goto fail;
	if ((x = yn_sha256(buf, len, l->digest)) != 0 || (x = build_index(l)) != 0)
		goto fail;
	*out = l;
	return 0;
fail:
	yn_denylist_free(l);
	return x;
}

int yn_denylist_parse_unverified(const uint8_t *buf, size_t len, struct yn_denylist **out)
{
	return parse_full(buf, len, out);
}

int yn_denylist_parse(const uint8_t *buf, size_t len, const struct yn_dl_trust *t,
		      struct yn_denylist **out)
{
	uint8_t kind;
	int r;

	*out = NULL;
	if ((r = yn_dl_verify(buf, len, t, &kind)) != 0)
		return r;
	if (kind != YN_DL_FULL) {
		yn_err("denylist: this is a delta, not a full list");
		return YN_EFORMAT;
	}
	return parse_full(buf, len, out);
}

/* Read a whole regular file into a malloc'd buffer. */
static int read_file(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t got = 0;
	int fd, r = 0;

	*out = NULL;
	*out_len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		yn_err("denylist: cannot open %s: %s", path, strerror(errno));
		return errno == ENOENT ? YN_ENOENT : YN_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = YN_EIO;
		goto out;
	}
	if ((b = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			yn_err("denylist: reading %s: %s", path, n < 0 ? strerror(errno) : "short");
			r = YN_EIO;
			goto out;
		}
		got += (size_t)n;
	}
	*out = b;
	*out_len = got;
	b = NULL; /* transferred */
out:
	free(b);
	close(fd);
	return r;
}

int yn_denylist_load(const char *path, const struct yn_dl_trust *t, struct yn_denylist **out)
{
	uint8_t *b;
	size_t n;
	int r;

	*out = NULL;
	if ((r = read_file(path, &b, &n)) != 0)
		return r;
	r = yn_denylist_parse(b, n, t, out);
	free(b);
	return r;
}

void yn_denylist_free(struct yn_denylist *l)
{
	if (l == NULL)
		return;
	free(l->serial);
	free(l->day);
	free(l->reason);
	free(l->bucket);
	free(l);
}

int yn_denylist_lookup(const struct yn_denylist *l, uint64_t serial, struct yn_dl_entry *e)
{
	size_t lo, hi, mid, b;

	if (l == NULL || l->n == 0 || serial < l->min || serial > l->max)
		return 0;
	b = (size_t)((serial - l->min) >> l->shift);
	lo = l->bucket[b];
	hi = l->bucket[b + 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->serial[mid] < serial)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= l->n || l->serial[lo] != serial)
		return 0;
	if (e != NULL) {
		e->serial = serial;
		e->listed_day = l->day[lo];
		e->reason = l->reason[lo];
	}
	return 1;
}

size_t yn_denylist_count(const struct yn_denylist *l)
{
	return l->n;
}

void yn_denylist_entry(const struct yn_denylist *l, size_t i, struct yn_dl_entry *e)
{
	e->serial = l->serial[i];
	e->listed_day = l->day[i];
	e->reason = l->reason[i];
}

const struct yn_dl_header *yn_denylist_header(const struct yn_denylist *l)
{
	return &l->hdr;
}

const uint8_t *yn_denylist_digest(const struct yn_denylist *l)
{
	return l->digest;
}

int yn_denylist_is_stale(const struct yn_denylist *l, int64_t now)
{
	return l == NULL || now >= l->hdr.not_after;
}

size_t yn_denylist_mem_bytes(const struct yn_denylist *l)
{
	return sizeof(*l) + l->n * (sizeof(uint64_t) + sizeof(uint16_t) + 1) +
	       (l->nb + 1) * sizeof(uint32_t);
}

/* --- producing --- */

/* The 48-byte full-list header (layout above yn_dl_parse_header). */
static int wr_full_header(struct yn_wr *w, const struct yn_dl_header *h)
{
	int e = 0;

	e |= yn_wr_bytes(w, DL_MAGIC, 4);
	e |= yn_wr_u8(w, DL_VERSION);
	e |= yn_wr_u8(w, YN_DL_FULL);
	e |= yn_wr_u16be(w, 0);
	e |= yn_wr_bytes(w, h->key_id, YN_KEYID_LEN);
	e |= yn_wr_u64be(w, h->seq);
	e |= yn_wr_u64be(w, (uint64_t)h->issued_at);
	e |= yn_wr_u64be(w, (uint64_t)h->not_after);
	e |= yn_wr_u32be(w, h->count);
	e |= yn_wr_u32be(w, 0);
	return e ? YN_EINTERNAL : 0;
}

static int wr_entry(struct yn_wr *w, const struct yn_dl_entry *e)
{
	int x = 0;

	x |= yn_wr_u64be(w, e->serial);
	x |= yn_wr_u16be(w, e->listed_day);
	x |= yn_wr_u8(w, e->reason);
	return x ? YN_EINTERNAL : 0;
}

int yn_dl_key_id(const struct yn_privkey *k, uint8_t id[YN_KEYID_LEN])
{
	struct yn_pubkey *pub = NULL;
	int r;

	if ((r = yn_privkey_public(k, &pub)) == 0)
		r = yn_pubkey_id(pub, id);
	yn_pubkey_free(pub);
	return r;
}

int yn_dl_write_full(const struct yn_dl_header *h, const struct yn_dl_entry *e, size_t n,
		     const uint8_t *sig, const struct yn_privkey *k, uint8_t **out,
		     size_t *out_len)
{
	struct yn_wr w;
	uint8_t *b;
	size_t i, len;
	uint8_t *sp;
	int r;

	*out = NULL;
	*out_len = 0;
	if (n > YN_DL_MAX_ENTRIES || h->seq == 0 || h->not_after <= h->issued_at)
		return YN_EINVAL;
	for (i = 0; i < n; i++) {
		if (e[i].reason < 1 || e[i].reason > YN_DL_REASON_MAX ||
		    (i > 0 && e[i].serial <= e[i - 1].serial)) {
			yn_err("denylist: entry %zu (serial %" PRIu64 ") %s", i, e[i].serial,
			       i > 0 && e[i].serial <= e[i - 1].serial ? "out of order or repeated"
								       : "has no valid reason");
			return YN_EINVAL;
		}
	}
	len = YN_DL_HDR_LEN + n * YN_DL_ENTRY_LEN + YN_P256_SIG_LEN;
	if ((b = malloc(len)) == NULL)
		return YN_ENOMEM;
	yn_wr_init(&w, b, len);
	r = wr_full_header(&w, h);
	for (i = 0; r == 0 && i < n; i++)
		r = wr_entry(&w, &e[i]);
	if (r == 0)
		r = yn_wr_reserve(&w, YN_P256_SIG_LEN, &sp);
	if (r == 0 && sig != NULL)
		memcpy(sp, sig, YN_P256_SIG_LEN);
	else if (r == 0)
		r = yn_ecdsa_sign(k, b, len - YN_P256_SIG_LEN, sp);
	if (r != 0) {
		free(b);
		return r;
	}
	*out = b;
	*out_len = len;
	return 0;
}

int yn_dl_encode_full(const struct yn_dl_header *h, const struct yn_dl_entry *e, size_t n,
		      const struct yn_privkey *k, uint8_t **out, size_t *out_len)
{
	struct yn_dl_header hh = *h;
	int r;

	*out = NULL;
	*out_len = 0;
	hh.kind = YN_DL_FULL;
	hh.count = (uint32_t)n;
	if ((r = yn_dl_key_id(k, hh.key_id)) != 0)
		return r;
	return yn_dl_write_full(&hh, e, n, NULL, k, out, out_len);
}
