/*
 * Harness: denylist files (validator/denylist.c, denylist_delta.c): full
 * lists, deltas, and applying a delta to a list.
 *
 * Input:  flags (1), base length (u16 BE), base list, then the delta (the
 * rest).  Every input runs through yn_dl_parse_header (both),
 * yn_denylist_parse_unverified (base), yn_denylist_parse with a trust set
 * (base; its ECDSA check refuses nearly every input), yn_dl_delta_parse
 * (delta).  With flags bit 0 the harness signs both files with the trusted
 * test key first (key id and signature rewritten; bit 1 also writes the
 * base's SHA-256 into the delta), so the signature gate opens and
 * yn_denylist_parse and yn_dl_apply run their post-verification parsing.
 * Checks: a signed list parses exactly when its unverified parse does;
 * a parsed list holds its header's count of strictly increasing serials
 * and finds each of them; a delta applies only to a list that then parses.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "validator/denylist.h"

static struct yn_dl_trust *trust;
static uint8_t key_id[YN_KEYID_LEN];

static void init(void)
{
	struct yn_pubkey *k = NULL;

	if (trust != NULL)
		return;
	YN_FUZZ_CHECK(yn_pubkey_from_raw(yn_fuzz_test_pub, &k) == 0);
	YN_FUZZ_CHECK(yn_pubkey_id(k, key_id) == 0);
	YN_FUZZ_CHECK(yn_dl_trust_new(&trust) == 0);
	YN_FUZZ_CHECK(yn_dl_trust_add_key(trust, k) == 0);
}

static void check_list(const struct yn_denylist *l)
{
	const struct yn_dl_header *h = yn_denylist_header(l);
	struct yn_dl_entry e, f;
	size_t i, n = yn_denylist_count(l);

	YN_FUZZ_CHECK(h != NULL && h->kind == YN_DL_FULL && h->count == n);
	for (i = 0; i < n; i++) {
		yn_denylist_entry(l, i, &e);
		YN_FUZZ_CHECK(e.reason >= 1 && e.reason <= YN_DL_REASON_MAX);
		if (i > 0) {
			yn_denylist_entry(l, i - 1, &f);
			YN_FUZZ_CHECK(f.serial < e.serial);
		}
		YN_FUZZ_CHECK(yn_denylist_lookup(l, e.serial, &f) == 1);
		YN_FUZZ_CHECK(f.serial == e.serial && f.reason == e.reason &&
			      f.listed_day == e.listed_day);
		if (i + 1 < n) {
			yn_denylist_entry(l, i + 1, &f);
			if (f.serial != e.serial + 1)
				YN_FUZZ_CHECK(yn_denylist_lookup(l, e.serial + 1, NULL) == 0);
		}
	}
	if (n == 0)
		YN_FUZZ_CHECK(yn_denylist_lookup(l, 1, NULL) == 0);
}

/* Rewrite key id and signature so that buf verifies with the test key. */
static int resign(uint8_t *buf, size_t len)
{
	if (len < YN_DL_HDR_LEN + YN_P256_SIG_LEN)
		return -1;
	memcpy(buf + 8, key_id, YN_KEYID_LEN);
	return yn_ecdsa_sign(yn_fuzz_test_privkey(), buf, len - YN_P256_SIG_LEN,
			     buf + len - YN_P256_SIG_LEN);
}

int yn_fuzz_denylist(const uint8_t *data, size_t size)
{
	struct yn_denylist *l = NULL, *l2 = NULL;
	struct yn_dl_header h;
	struct yn_dl_delta d;
	struct yn_dl_entry e;
	uint8_t *base = NULL, *delta = NULL, *out = NULL, flags;
	size_t base_len, delta_len, out_len = 0, i;
	int ru, rv;

	yn_fuzz_quiet();
	init();
	if (size < 3)
		return 0;
	flags = data[0];
	base_len = yn_get_u16be(data + 1);
	if (base_len > size - 3)
		base_len = size - 3;
	delta_len = size - 3 - base_len;
	/* Private copies: the parsers must not need more than len bytes. */
	base = malloc(base_len + 1);
	delta = malloc(delta_len + 1);
	if (base == NULL || delta == NULL)
		goto out;
	memcpy(base, data + 3, base_len);
	memcpy(delta, data + 3 + base_len, delta_len);

	(void)yn_dl_parse_header(base, base_len, &h);
	(void)yn_dl_parse_header(delta, delta_len, &h);
	if (yn_dl_delta_parse(delta, delta_len, &d) == 0) {
		YN_FUZZ_CHECK(d.hdr.kind == YN_DL_DELTA);
		for (i = 0; i < d.hdr.n_add; i++)
			yn_dl_delta_add(&d, i, &e);
		for (i = 0; i < d.hdr.n_remove; i++)
			(void)yn_dl_delta_removal(&d, i);
	}

	if (flags & 1) {
		if (resign(base, base_len) != 0)
			goto out;
		if (delta_len >= YN_DL_DELTA_HDR_LEN && (flags & 2))
			YN_FUZZ_CHECK(yn_sha256(base, base_len, delta + 64) == 0);
		if (delta_len >= YN_DL_DELTA_HDR_LEN + 2 * YN_P256_SIG_LEN)
			(void)resign(delta, delta_len);
	}
	ru = yn_denylist_parse_unverified(base, base_len, &l);
	if (ru == 0)
		check_list(l);
	rv = yn_denylist_parse(base, base_len, trust, &l2);
	if (flags & 1) {
		/* Signed by a trusted key: the verdict is the parser's alone. */
		YN_FUZZ_CHECK((ru == 0) == (rv == 0));
		if (rv == 0)
			YN_FUZZ_CHECK(memcmp(yn_denylist_digest(l), yn_denylist_digest(l2),
					     YN_SHA256_LEN) == 0);
	} else {
		YN_FUZZ_CHECK(rv != 0 || ru == 0);
	}
	if (yn_dl_apply(base, base_len, delta, delta_len, trust, &out, &out_len) == 0) {
		struct yn_denylist *r = NULL;

		YN_FUZZ_CHECK(yn_denylist_parse(out, out_len, trust, &r) == 0);
		YN_FUZZ_CHECK(yn_dl_delta_parse(delta, delta_len, &d) == 0);
		YN_FUZZ_CHECK(yn_denylist_count(r) == d.hdr.count);
		YN_FUZZ_CHECK(yn_denylist_header(r)->seq == d.hdr.seq);
		check_list(r);
		yn_denylist_free(r);
		free(out);
	}
out:
	yn_denylist_free(l);
	yn_denylist_free(l2);
	free(base);
	free(delta);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_denylist(data, size);
}
#endif
