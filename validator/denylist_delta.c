/*
 * Denylist deltas: made by the back office from two signed full lists,
 * applied by terminals that hold no private key.  The delta carries the
 * signature of the full list it produces, so the result of applying it is
 * byte for byte the list the back office signed (docs/denylist-format.md §4).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/denylist.h"
#include "validator/denylist_int.h"

/* Layout: yn_dl_parse_header's comment; after the 96-byte header,
 * n_add x 11-byte entries (serials strictly increasing), n_remove x u64
 * serials (strictly increasing), the list signature and the delta
 * signature. */
int yn_dl_delta_parse(const uint8_t *buf, size_t len, struct yn_dl_delta *d)
{
	struct yn_dl_entry e;
	struct yn_rd r;
	uint64_t prev = 0, s;
	size_t i;
	int x;

	memset(d, 0, sizeof(*d));
	if ((x = yn_dl_parse_header(buf, len, &d->hdr)) != 0)
		return x;
	if (d->hdr.kind != YN_DL_DELTA)
		goto bad;
	yn_rd_init(&r, buf, len);
	if ((x = yn_rd_skip(&r, YN_DL_DELTA_HDR_LEN)) != 0)
		goto fail;
	d->add = yn_rd_cur(&r);
	for (i = 0; i < d->hdr.n_add; i++) {
		if ((x = yn_rd_u64be(&r, &e.serial)) != 0 || (x = yn_rd_u16be(&r, &e.listed_day)) != 0 ||
		    (x = yn_rd_u8(&r, &e.reason)) != 0)
			goto fail;
		if (e.reason < 1 || e.reason > YN_DL_REASON_MAX || (i > 0 && e.serial <= prev)) {
			yn_err("denylist delta: addition %zu (serial %" PRIu64 ") is out of order, "
			       "repeated or has a bad reason", i, e.serial);
			goto bad;
		}
		prev = e.serial;
	}
	d->remove = yn_rd_cur(&r);
	for (i = 0; i < d->hdr.n_remove; i++) {
		if ((x = yn_rd_u64be(&r, &s)) != 0)
			goto fail;
		if (i > 0 && s <= prev) {
			yn_err("denylist delta: removal %zu (serial %" PRIu64 ") is out of order or "
			       "repeated", i, s);
			goto bad;
		}
		prev = s;
	}
	if ((x = yn_rd_ptr(&r, &d->list_sig, YN_P256_SIG_LEN)) != 0 ||
	    (x = yn_rd_skip(&r, YN_P256_SIG_LEN)) != 0 || (x = yn_rd_end(&r)) != 0)
		goto fail;
	return 0;
bad:
	x = YN_EFORMAT;
fail:
	memset(d, 0, sizeof(*d));
	return x;
}

void yn_dl_delta_add(const struct yn_dl_delta *d, size_t i, struct yn_dl_entry *e)
{
	const uint8_t *p = d->add + i * YN_DL_ENTRY_LEN;

	e->serial = ((uint64_t)yn_get_u32be(p) << 32) | yn_get_u32be(p + 4);
	e->listed_day = yn_get_u16be(p + 8);
	e->reason = p[10];
}

uint64_t yn_dl_delta_removal(const struct yn_dl_delta *d, size_t i)
{
	const uint8_t *p = d->remove + i * YN_DL_REMOVAL_LEN;

	return ((uint64_t)yn_get_u32be(p) << 32) | yn_get_u32be(p + 4);
}

static int same_entry(const struct yn_dl_entry *a, const struct yn_dl_entry *b)
{
	return a->serial == b->serial && a->listed_day == b->listed_day && a->reason == b->reason;
}

int yn_dl_encode_delta(const uint8_t *old, size_t old_len, const uint8_t *new_, size_t new_len,
		       const struct yn_privkey *k, uint8_t **out, size_t *out_len)
{
	struct yn_denylist *a = NULL, *b = NULL;
	const struct yn_dl_header *ha, *hb;
	struct yn_dl_entry ea, eb;
	struct yn_pubkey *pub = NULL;
	uint8_t id[YN_KEYID_LEN], *buf = NULL, *sp;
	size_t i, j, na, nb, n_add = 0, n_rem = 0, len = 0, pass;
	struct yn_wr w;
	int r, x;

	*out = NULL;
	*out_len = 0;
	if ((r = yn_denylist_parse_unverified(old, old_len, &a)) != 0) {
		yn_err("denylist delta: the old list is not a valid full list: %s", yn_strerror(r));
		goto out;
	}
	if ((r = yn_denylist_parse_unverified(new_, new_len, &b)) != 0) {
		yn_err("denylist delta: the new list is not a valid full list: %s", yn_strerror(r));
		goto out;
	}
	ha = yn_denylist_header(a);
	hb = yn_denylist_header(b);
	if ((r = yn_privkey_public(k, &pub)) != 0 || (r = yn_pubkey_id(pub, id)) != 0)
		goto out;
	if (memcmp(id, hb->key_id, YN_KEYID_LEN) != 0) {
		yn_err("denylist delta: the new list is not signed by this key");
		r = YN_EUNKNOWNKEY;
		goto out;
	}
	if ((r = yn_ecdsa_verify(pub, new_, new_len - YN_P256_SIG_LEN,
				 new_ + new_len - YN_P256_SIG_LEN)) != 0) {
		yn_err("denylist delta: the new list's signature does not verify");
		goto out;
	}
	if (hb->seq <= ha->seq) {
		yn_err("denylist delta: new sequence %" PRIu64 " is not above old %" PRIu64,
		       hb->seq, ha->seq);
		r = YN_EROLLBACK;
		goto out;
	}
	na = yn_denylist_count(a);
	nb = yn_denylist_count(b);
	/* Pass 0 counts, pass 1 writes; the same merge walk both times. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			len = YN_DL_DELTA_HDR_LEN + n_add * YN_DL_ENTRY_LEN +
			      n_rem * YN_DL_REMOVAL_LEN + 2 * YN_P256_SIG_LEN;
			if ((buf = malloc(len)) == NULL) {
				r = YN_ENOMEM;
				goto out;
			}
			yn_wr_init(&w, buf, len);
			x = 0;
			x |= yn_wr_bytes(&w, "YNDL", 4);
			x |= yn_wr_u8(&w, 1);
			x |= yn_wr_u8(&w, YN_DL_DELTA);
			x |= yn_wr_u16be(&w, 0);
			x |= yn_wr_bytes(&w, id, YN_KEYID_LEN);
			x |= yn_wr_u64be(&w, hb->seq);
			x |= yn_wr_u64be(&w, (uint64_t)hb->issued_at);
			x |= yn_wr_u64be(&w, (uint64_t)hb->not_after);
			x |= yn_wr_u32be(&w, hb->count);
			x |= yn_wr_u32be(&w, (uint32_t)n_add);
			x |= yn_wr_u32be(&w, (uint32_t)n_rem);
			x |= yn_wr_u32be(&w, 0);
			x |= yn_wr_u64be(&w, ha->seq);
			x |= yn_wr_bytes(&w, yn_denylist_digest(a), YN_SHA256_LEN);
			if (x != 0) {
				r = YN_EINTERNAL;
				goto out;
			}
		}
		/* Additions: in b, and not in a with the same content. */
		for (i = 0, j = 0; j < nb; j++) {
			yn_denylist_entry(b, j, &eb);
			while (i < na) {
				yn_denylist_entry(a, i, &ea);
				if (ea.serial >= eb.serial)
					break;
				i++;
			}
			if (i < na && same_entry(&ea, &eb))
				continue;
			if (pass == 0)
				n_add++;
			else if (yn_wr_u64be(&w, eb.serial) || yn_wr_u16be(&w, eb.listed_day) ||
				 yn_wr_u8(&w, eb.reason))
				goto internal;
		}
		/* Removals: in a, and not in b with the same content. */
		for (i = 0, j = 0; i < na; i++) {
			yn_denylist_entry(a, i, &ea);
			while (j < nb) {
				yn_denylist_entry(b, j, &eb);
				if (eb.serial >= ea.serial)
					break;
				j++;
			}
			if (j < nb && same_entry(&ea, &eb))
				continue;
			if (pass == 0)
				n_rem++;
			else if (yn_wr_u64be(&w, ea.serial))
				goto internal;
		}
	}
	if (yn_wr_bytes(&w, new_ + new_len - YN_P256_SIG_LEN, YN_P256_SIG_LEN) != 0 ||
	    yn_wr_reserve(&w, YN_P256_SIG_LEN, &sp) != 0 || w.len != len)
		goto internal;
	if ((r = yn_ecdsa_sign(k, buf, len - YN_P256_SIG_LEN, sp)) != 0)
		goto out;
	*out = buf;
	*out_len = len;
	buf = NULL; /* transferred */
	r = 0;
	goto out;
internal:
	r = YN_EINTERNAL;
out:
	free(buf);
	yn_pubkey_free(pub);
	yn_denylist_free(a);
	yn_denylist_free(b);
	return r;
}

int yn_dl_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t delta_len,
		const struct yn_dl_trust *t, uint8_t **out, size_t *out_len)
{
	struct yn_denylist *a = NULL, *check = NULL;
	struct yn_dl_delta d;
	struct yn_dl_entry *res = NULL, ea, ed;
	struct yn_dl_header h;
	size_t i = 0, k = 0, m = 0, n = 0, na;
	uint8_t kind;
	uint64_t rm;
	int r;

	*out = NULL;
	*out_len = 0;
	if ((r = yn_dl_verify(delta, delta_len, t, &kind)) != 0) {
		yn_err("denylist apply: the delta does not verify: %s", yn_strerror(r));
		return r;
	}
	if (kind != YN_DL_DELTA) {
		yn_err("denylist apply: the delta file is a full list");
		return YN_EFORMAT;
	}
	if ((r = yn_dl_delta_parse(delta, delta_len, &d)) != 0) {
		yn_err("denylist apply: the delta is malformed: %s", yn_strerror(r));
		return r;
	}
	if ((r = yn_denylist_parse(base, base_len, t, &a)) != 0) {
		yn_err("denylist apply: the base list is refused: %s", yn_strerror(r));
		return r;
	}
	if (yn_denylist_header(a)->seq != d.hdr.base_seq ||
	    memcmp(yn_denylist_digest(a), d.hdr.base_digest, YN_SHA256_LEN) != 0) {
		yn_err("denylist apply: the delta is for base list %" PRIu64 " (digest differs or "
		       "sequence), this base is %" PRIu64, d.hdr.base_seq, yn_denylist_header(a)->seq);
		r = YN_EWRONGBASE;
		goto out;
	}
	na = yn_denylist_count(a);
	if ((size_t)d.hdr.count > na + d.hdr.n_add) {
		r = YN_EWRONGBASE;
		goto out;
	}
	if ((res = malloc((d.hdr.count ? d.hdr.count : 1) * sizeof(*res))) == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	/* Merge: base minus removals (each must be there), plus additions
	 * (none may be there after the removals). */
	while (i < na || k < d.hdr.n_add) {
		int take_add;

		if (i < na) {
			yn_denylist_entry(a, i, &ea);
			if (m < d.hdr.n_remove && (rm = yn_dl_delta_removal(&d, m)) <= ea.serial) {
				if (rm != ea.serial)
					goto wrong;	/* removal of a serial not listed */
				m++;
				i++;
				continue;
			}
		}
		if (k < d.hdr.n_add)
			yn_dl_delta_add(&d, k, &ed);
		take_add = k < d.hdr.n_add && (i >= na || ed.serial < ea.serial);
		if (!take_add && k < d.hdr.n_add && i < na && ed.serial == ea.serial)
			goto wrong;	/* addition already listed */
		if (n >= d.hdr.count)
			goto wrong;
		res[n++] = take_add ? ed : ea;
		if (take_add)
			k++;
		else
			i++;
	}
	if (m != d.hdr.n_remove || n != d.hdr.count)
		goto wrong;
	memset(&h, 0, sizeof(h));
	h.kind = YN_DL_FULL;
	memcpy(h.key_id, d.hdr.key_id, YN_KEYID_LEN);
	h.seq = d.hdr.seq;
	h.issued_at = d.hdr.issued_at;
	h.not_after = d.hdr.not_after;
	h.count = d.hdr.count;
	if ((r = yn_dl_write_full(&h, res, n, d.list_sig, NULL, out, out_len)) != 0)
		goto out;
	/* The carried signature must make it the list the back office signed. */
	if ((r = yn_denylist_parse(*out, *out_len, t, &check)) != 0) {
		yn_err("denylist apply: the rebuilt list does not verify: %s", yn_strerror(r));
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
	goto out;
wrong:
	yn_err("denylist apply: the delta does not fit base list %" PRIu64
	       " (a removal not listed, an addition already listed, or a count mismatch)",
	       yn_denylist_header(a)->seq);
	r = YN_EWRONGBASE;
out:
	yn_denylist_free(check);
	yn_denylist_free(a);
	free(res);
	return r;
}
