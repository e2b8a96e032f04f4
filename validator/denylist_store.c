/*
 * The list in force: floor file, install, hazard-pointer swap.
 */
#include "validator/denylist_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/wio.h"

#define STATE_LEN 64
#define STATE_MAGIC "YNDS"

struct retired {
	struct yn_denylist *l;
	struct retired *next;
};

struct yn_dl_reader {
	struct yn_dl_holder *h;
	unsigned slot;
	uint64_t retries;	/* written only by the reader's own thread */
};

struct yn_dl_holder {
	_Atomic(struct yn_denylist *) cur;
	/* Hazard pointers, one per reader slot. */
	_Atomic(const struct yn_denylist *) hazard[YN_DL_MAX_READERS];
	atomic_int used[YN_DL_MAX_READERS];
	struct yn_dl_reader readers[YN_DL_MAX_READERS];
	pthread_mutex_t lock;		/* installers only */
	struct retired *retired;
	const struct yn_dl_trust *trust;
	char state_path[PATH_MAX];
	uint64_t floor;
	uint8_t floor_digest[YN_SHA256_LEN];
	uint8_t floor_key[YN_KEYID_LEN];
};

/*
 * State file (docs/denylist-format.md §5), 64 bytes, big-endian:
 *    0 4 magic "YNDS"       16 32 SHA-256 of that list file
 *    4 1 version (1)        48  8 its key id
 *    5 3 reserved (0)       56  4 reserved (0)
 *    8 8 floor sequence     60  4 CRC-32C of bytes 0..59
 */
static int state_read(struct yn_dl_holder *h)
{
	uint8_t buf[STATE_LEN + 1], magic[4], ver;
	struct yn_rd r;
	uint32_t res32, crc, res4;
	ssize_t n;
	int fd, e = 0;

	if ((fd = open(h->state_path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		yn_err("denylist: cannot open state %s: %s", h->state_path, strerror(errno));
		return YN_EIO;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n != STATE_LEN || yn_crc32c(0, buf, STATE_LEN - 4) != yn_get_u32be(buf + STATE_LEN - 4))
		goto corrupt;
	yn_rd_init(&r, buf, STATE_LEN);
	e |= yn_rd_bytes(&r, magic, 4);
	e |= yn_rd_u8(&r, &ver);
	e |= yn_rd_u24be(&r, &res32);
	e |= yn_rd_u64be(&r, &h->floor);
	e |= yn_rd_bytes(&r, h->floor_digest, YN_SHA256_LEN);
	e |= yn_rd_bytes(&r, h->floor_key, YN_KEYID_LEN);
	e |= yn_rd_u32be(&r, &res4);
	e |= yn_rd_u32be(&r, &crc);
	if (e != 0 || yn_rd_end(&r) != 0 || memcmp(magic, STATE_MAGIC, 4) != 0 || ver != 1 ||
	    res32 != 0 || res4 != 0)
		goto corrupt;
	return 0;
corrupt:
	yn_err("denylist: state file %s is damaged; refusing to guess the rollback floor",
	       h->state_path);
	h->floor = UINT64_MAX;
	return YN_ECORRUPT;
}

static int state_write(const struct yn_dl_holder *h, uint64_t seq, const uint8_t *digest,
		       const uint8_t *key)
{
	uint8_t buf[STATE_LEN];
	struct yn_wr w;
	int e = 0;

	yn_wr_init(&w, buf, sizeof(buf));
	e |= yn_wr_bytes(&w, STATE_MAGIC, 4);
	e |= yn_wr_u8(&w, 1);
	e |= yn_wr_u24be(&w, 0);
	e |= yn_wr_u64be(&w, seq);
	e |= yn_wr_bytes(&w, digest, YN_SHA256_LEN);
	e |= yn_wr_bytes(&w, key, YN_KEYID_LEN);
	e |= yn_wr_u32be(&w, 0);
	e |= yn_wr_u32be(&w, yn_crc32c(0, buf, STATE_LEN - 4));
	if (e != 0 || w.len != STATE_LEN)
		return YN_EINTERNAL;
	return yn_wio_write_file(h->state_path, buf, sizeof(buf), 0640);
}

int yn_dl_holder_new(const char *state_path, const struct yn_dl_trust *t,
		     struct yn_dl_holder **out)
{
	struct yn_dl_holder *h;
	unsigned i;
	int r;

	*out = NULL;
	if (state_path == NULL || t == NULL || strlen(state_path) >= PATH_MAX - 8)
		return YN_EINVAL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return YN_ENOMEM;
	atomic_init(&h->cur, NULL);
	for (i = 0; i < YN_DL_MAX_READERS; i++) {
		atomic_init(&h->hazard[i], NULL);
		atomic_init(&h->used[i], 0);
		h->readers[i].h = h;
		h->readers[i].slot = i;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->trust = t;
	snprintf(h->state_path, sizeof(h->state_path), "%s", state_path);
	if ((r = state_read(h)) != 0) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

static int held(struct yn_dl_holder *h, const struct yn_denylist *l)
{
	unsigned i;

	for (i = 0; i < YN_DL_MAX_READERS; i++)
		if (atomic_load(&h->hazard[i]) == l)
			return 1;
	return 0;
}

static size_t reclaim_locked(struct yn_dl_holder *h)
{
	struct retired **pp = &h->retired, *x;
	size_t left = 0;

	while ((x = *pp) != NULL) {
		if (held(h, x->l)) {
			left++;
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		yn_denylist_free(x->l);
		free(x);
	}
	return left;
}

size_t yn_dl_holder_reclaim(struct yn_dl_holder *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = reclaim_locked(h);
	pthread_mutex_unlock(&h->lock);
	return n;
}

int yn_dl_holder_install(struct yn_dl_holder *h, struct yn_denylist *l)
{
	const struct yn_dl_header *hd;
	struct yn_denylist *old;
	struct retired *ret = NULL;
	char idhex[2 * YN_KEYID_LEN + 1];
	uint64_t cur_seq;
	int r;

	if (h == NULL || l == NULL) {
		yn_denylist_free(l);
		return YN_EINVAL;
	}
	hd = yn_denylist_header(l);
	pthread_mutex_lock(&h->lock);
	old = atomic_load(&h->cur);
	cur_seq = old ? yn_denylist_header(old)->seq : 0;
	if (!yn_dl_trust_has(h->trust, hd->key_id)) {
		yn_hex_encode(hd->key_id, YN_KEYID_LEN, idhex, sizeof(idhex));
		yn_err("denylist %" PRIu64 " refused: key %s is not trusted", hd->seq, idhex);
		r = YN_EUNKNOWNKEY;
		goto refuse;
	}
	if (old != NULL && hd->seq <= cur_seq) {
		yn_err("denylist %" PRIu64 " refused: rollback (list %" PRIu64 " is in force)",
		       hd->seq, cur_seq);
		r = YN_EROLLBACK;
		goto refuse;
	}
	if (hd->seq < h->floor ||
	    (hd->seq == h->floor &&
	     memcmp(yn_denylist_digest(l), h->floor_digest, YN_SHA256_LEN) != 0)) {
		yn_err("denylist %" PRIu64 " refused: rollback (list %" PRIu64
		       " was accepted before%s)", hd->seq, h->floor,
		       hd->seq == h->floor ? " with different content" : "");
		r = YN_EROLLBACK;
		goto refuse;
	}
	if ((ret = calloc(1, sizeof(*ret))) == NULL) {
		r = YN_ENOMEM;
		goto refuse;
	}
	if (hd->seq > h->floor) {
		/* Durable before anyone can rely on it. */
		if ((r = state_write(h, hd->seq, yn_denylist_digest(l), hd->key_id)) != 0) {
			yn_err("denylist %" PRIu64 " refused: cannot record the rollback floor "
			       "in %s: %s", hd->seq, h->state_path, yn_strerror(r));
			goto refuse;
		}
		h->floor = hd->seq;
		memcpy(h->floor_digest, yn_denylist_digest(l), YN_SHA256_LEN);
		memcpy(h->floor_key, hd->key_id, YN_KEYID_LEN);
	}
	old = atomic_exchange(&h->cur, l);
	if (old != NULL) {
		ret->l = old;
		ret->next = h->retired;
		h->retired = ret;
		ret = NULL;
	}
	free(ret);
	(void)reclaim_locked(h);
	pthread_mutex_unlock(&h->lock);
	yn_info("denylist %" PRIu64 " in force (%zu entries)", hd->seq, yn_denylist_count(l));
	return 0;
refuse:
	pthread_mutex_unlock(&h->lock);
	free(ret);
	yn_denylist_free(l);
	return r;
}

int yn_dl_holder_install_file(struct yn_dl_holder *h, const char *path)
{
	struct yn_denylist *l = NULL;
	int r;

	if ((r = yn_denylist_load(path, h->trust, &l)) != 0) {
		yn_err("denylist %s refused: %s; the list in force stays", path, yn_strerror(r));
		return r;
	}
	return yn_dl_holder_install(h, l);
}

uint64_t yn_dl_holder_floor(const struct yn_dl_holder *h)
{
	return h->floor;
}

uint64_t yn_dl_holder_seq(const struct yn_dl_holder *h)
{
	struct yn_denylist *l = atomic_load(&((struct yn_dl_holder *)h)->cur);

	return l ? yn_denylist_header(l)->seq : 0;
}

void yn_dl_holder_free(struct yn_dl_holder *h)
{
	struct retired *x;

	if (h == NULL)
		return;
	while ((x = h->retired) != NULL) {
		h->retired = x->next;
		yn_denylist_free(x->l);
		free(x);
	}
	yn_denylist_free(atomic_load(&h->cur));
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int yn_dl_reader_new(struct yn_dl_holder *h, struct yn_dl_reader **out)
{
	unsigned i;
	int expect;

	*out = NULL;
	for (i = 0; i < YN_DL_MAX_READERS; i++) {
		expect = 0;
		if (atomic_compare_exchange_strong(&h->used[i], &expect, 1)) {
			atomic_store(&h->hazard[i], NULL);
			h->readers[i].retries = 0;
			*out = &h->readers[i];
			return 0;
		}
	}
	return YN_EBUSY;
}

void yn_dl_reader_free(struct yn_dl_reader *r)
{
	if (r == NULL)
		return;
	atomic_store(&r->h->hazard[r->slot], NULL);
	atomic_store(&r->h->used[r->slot], 0);
}

const struct yn_denylist *yn_dl_reader_enter(struct yn_dl_reader *r)
{
	struct yn_dl_holder *h = r->h;
	struct yn_denylist *l, *again;

	/* Publish the hazard, then check the list is still the one in force:
	 * if it is, an installer that swaps after this point sees the hazard
	 * (both sides use sequentially consistent operations) and keeps it. */
	l = atomic_load(&h->cur);
	for (;;) {
		atomic_store(&h->hazard[r->slot], l);
		again = atomic_load(&h->cur);
		if (again == l)
			return l;
		l = again;
		r->retries++;
	}
}

uint64_t yn_dl_reader_retries(const struct yn_dl_reader *r)
{
	return r->retries;
}

void yn_dl_reader_leave(struct yn_dl_reader *r)
{
	atomic_store_explicit(&r->h->hazard[r->slot], NULL, memory_order_release);
}
