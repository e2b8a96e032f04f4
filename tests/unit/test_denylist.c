/*
 * The denylist: format and signature, strict parsing, lookups against a
 * naive reference, deltas, the rollback floor across restarts, swapping
 * under concurrent readers, the CSV builder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "tests/lib/testlib.h"
#include "validator/denylist.h"
#include "validator/denylist_store.h"
#include "validator/wio.h"

static char *dir;
static char priv_a[600], pub_a[600], priv_b[600], pub_b[600];
static struct yn_privkey *ka, *kb;
static struct yn_dl_trust *trust_a;	/* trusts key A only */

static int group_setup(void **state)
{
	(void)state;
	if ((dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(priv_a, sizeof(priv_a), "%s/a.pem", dir);
	snprintf(pub_a, sizeof(pub_a), "%s/a.pub", dir);
	snprintf(priv_b, sizeof(priv_b), "%s/b.pem", dir);
	snprintf(pub_b, sizeof(pub_b), "%s/b.pub", dir);
	if (yn_keygen_p256(priv_a, pub_a) != 0 || yn_keygen_p256(priv_b, pub_b) != 0 ||
	    yn_privkey_load(priv_a, &ka) != 0 || yn_privkey_load(priv_b, &kb) != 0 ||
	    yn_dl_trust_new(&trust_a) != 0 || yn_dl_trust_add(trust_a, pub_a) != 0)
		return -1;
	srand(12345);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	yn_dl_trust_free(trust_a);
	yn_privkey_free(ka);
	yn_privkey_free(kb);
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

static uint64_t rnd64(void)
{
	return ((uint64_t)(unsigned)rand() << 62) ^ ((uint64_t)(unsigned)rand() << 31) ^
	       (uint64_t)(unsigned)rand();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n random unique sorted entries; spread 0 = full 64-bit range, else
 * serials in [base, base + spread). */
static struct yn_dl_entry *rand_entries(size_t n, uint64_t base, uint64_t spread, size_t *out_n)
{
	uint64_t *s = malloc((n ? n : 1) * sizeof(*s));
	struct yn_dl_entry *e = malloc((n ? n : 1) * sizeof(*e));
	size_t i, k = 0;

	assert_non_null(s);
	assert_non_null(e);
	for (i = 0; i < n; i++)
		s[i] = spread ? base + rnd64() % spread : rnd64();
	qsort(s, n, sizeof(*s), cmp_u64);
	for (i = 0; i < n; i++) {
		if (k > 0 && e[k - 1].serial == s[i])
			continue;
		e[k].serial = s[i];
		e[k].listed_day = (uint16_t)(19000 + rand() % 1000);
		e[k].reason = (uint8_t)(1 + rand() % YN_DL_REASON_MAX);
		k++;
	}
	free(s);
	*out_n = k;
	return e;
}

static void make_list(const struct yn_dl_entry *e, size_t n, uint64_t seq, struct yn_privkey *k,
		      uint8_t **buf, size_t *len)
{
	struct yn_dl_header h;

	memset(&h, 0, sizeof(h));
	h.seq = seq;
	h.issued_at = 1790000000;
	h.not_after = 1790000000 + 30 * 86400;
	assert_int_equal(yn_dl_encode_full(&h, e, n, k, buf, len), 0);
}

/* Re-sign buf in place with k (for structurally bad but validly signed files). */
static void resign(uint8_t *buf, size_t len, struct yn_privkey *k)
{
	assert_int_equal(yn_ecdsa_sign(k, buf, len - YN_P256_SIG_LEN, buf + len - YN_P256_SIG_LEN), 0);
}

static void write_file(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static int naive_lookup(const struct yn_dl_entry *e, size_t n, uint64_t s, struct yn_dl_entry *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].serial == s) {
			*out = e[i];
			return 1;
		}
	return 0;
}

static void check_against_naive(const struct yn_dl_entry *e, size_t n)
{
	struct yn_denylist *l = NULL;
	struct yn_dl_entry got, want;
	uint8_t *buf;
	size_t len, i;
	uint64_t probes[8];
	int k;

	make_list(e, n, 1, ka, &buf, &len);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), 0);
	assert_int_equal(yn_denylist_count(l), n);
	for (i = 0; i < n + 200; i++) {
		uint64_t s = i < n ? e[i].serial : rnd64();

		probes[0] = s;
		probes[1] = s + 1;
		probes[2] = s - 1;
		probes[3] = 0;
		probes[4] = UINT64_MAX;
		probes[5] = n ? e[0].serial - 1 : 7;
		probes[6] = n ? e[n - 1].serial + 1 : 9;
		probes[7] = rnd64() % 4096;
		for (k = 0; k < 8; k++) {
			int a = yn_denylist_lookup(l, probes[k], &got);
			int b = naive_lookup(e, n, probes[k], &want);

			if (a != b)
				fail_msg("serial %" PRIu64 ": lookup says %d, reference %d (n=%zu)",
					 probes[k], a, b, n);
			if (a) {
				assert_int_equal(got.listed_day, want.listed_day);
				assert_int_equal(got.reason, want.reason);
			}
		}
	}
	yn_denylist_free(l);
	free(buf);
}

static void test_dl_lookup_agrees_with_naive_reference(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 17, 1000, 5000 };
	struct yn_dl_entry edge[3] = { { 0, 1, 1 }, { 1, 2, 2 }, { UINT64_MAX, 3, 3 } };
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct yn_dl_entry *e;

		e = rand_entries(sizes[i], 0, 0, &n);	/* the whole 64-bit range */
		check_against_naive(e, n);
		free(e);
		e = rand_entries(sizes[i], 4400000000000ull, sizes[i] * 3 + 1, &n);	/* dense */
		check_against_naive(e, n);
		free(e);
		e = rand_entries(sizes[i], 1, 100, &n);	/* clustered low */
		check_against_naive(e, n);
		free(e);
	}
	check_against_naive(edge, 3);
}

static void test_dl_forged_byte_refused(void **state)
{
	struct yn_dl_entry *e;
	struct yn_denylist *l = (struct yn_denylist *)1;
	uint8_t *buf;
	size_t n, len, i;

	(void)state;
	e = rand_entries(20, 0, 0, &n);
	make_list(e, n, 3, ka, &buf, &len);
	/* Flip each byte after the key id in turn: nothing passes. */
	for (i = 16; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EBADSIG);
		assert_null(l);
		buf[i] ^= 0x01;
	}
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), 0);
	yn_denylist_free(l);
	free(buf);
	free(e);
}

static void test_dl_truncated_refused(void **state)
{
	struct yn_dl_entry *e;
	struct yn_denylist *l = NULL;
	uint8_t *buf;
	size_t n, len, i;

	(void)state;
	e = rand_entries(10, 0, 0, &n);
	make_list(e, n, 3, ka, &buf, &len);
	for (i = 0; i < len; i++) {
		int r = yn_denylist_parse(buf, i, trust_a, &l);

		assert_true(r == YN_ETRUNC || r == YN_EBADSIG || r == YN_EFORMAT);
		assert_null(l);
	}
	free(buf);
	free(e);
}

static void test_dl_reordered_or_repeated_refused_even_when_signed(void **state)
{
	struct yn_dl_entry *e;
	struct yn_denylist *l = NULL;
	uint8_t *buf, tmp[YN_DL_ENTRY_LEN];
	size_t n, len;

	(void)state;
	e = rand_entries(10, 0, 0, &n);
	make_list(e, n, 3, ka, &buf, &len);
	/* Swap entries 3 and 4, sign again: order is checked after the signature. */
	memcpy(tmp, buf + YN_DL_HDR_LEN + 3 * YN_DL_ENTRY_LEN, YN_DL_ENTRY_LEN);
	memcpy(buf + YN_DL_HDR_LEN + 3 * YN_DL_ENTRY_LEN, buf + YN_DL_HDR_LEN + 4 * YN_DL_ENTRY_LEN,
	       YN_DL_ENTRY_LEN);
	memcpy(buf + YN_DL_HDR_LEN + 4 * YN_DL_ENTRY_LEN, tmp, YN_DL_ENTRY_LEN);
	resign(buf, len, ka);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EFORMAT);
	/* Entry 4 a copy of entry 3. */
	memcpy(buf + YN_DL_HDR_LEN + 3 * YN_DL_ENTRY_LEN, buf + YN_DL_HDR_LEN + 4 * YN_DL_ENTRY_LEN,
	       YN_DL_ENTRY_LEN);
	resign(buf, len, ka);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EFORMAT);
	free(buf);
	/* A reason code of 0, a reserved byte set, a count one too high. */
	make_list(e, n, 3, ka, &buf, &len);
	buf[YN_DL_HDR_LEN + 10] = 0;
	resign(buf, len, ka);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EFORMAT);
	free(buf);
	make_list(e, n, 3, ka, &buf, &len);
	buf[45] = 1;
	resign(buf, len, ka);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EFORMAT);
	free(buf);
	make_list(e, n, 3, ka, &buf, &len);
	buf[43]++;
	resign(buf, len, ka);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_ETRUNC);
	buf[43] -= 2;
	resign(buf, len, ka);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_ETRAILING);
	assert_null(l);
	free(buf);
	free(e);
}

static void test_dl_wrong_key_refused(void **state)
{
	struct yn_dl_entry *e;
	struct yn_denylist *l = NULL;
	struct yn_dl_trust *both;
	uint8_t *buf, *bufa;
	size_t n, len, lena;

	(void)state;
	e = rand_entries(5, 0, 0, &n);
	make_list(e, n, 3, kb, &buf, &len);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EUNKNOWNKEY);
	/* Key B's signature under key A's id. */
	make_list(e, n, 3, ka, &bufa, &lena);
	memcpy(buf + 8, bufa + 8, YN_KEYID_LEN);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), YN_EBADSIG);
	/* A terminal that trusts both keys takes B's list. */
	free(buf);
	make_list(e, n, 3, kb, &buf, &len);
	assert_int_equal(yn_dl_trust_new(&both), 0);
	assert_int_equal(yn_dl_trust_add(both, pub_a), 0);
	assert_int_equal(yn_dl_trust_add(both, pub_b), 0);
	assert_int_equal(yn_dl_trust_add(both, pub_b), YN_EEXIST);
	assert_int_equal(yn_denylist_parse(buf, len, both, &l), 0);
	yn_denylist_free(l);
	yn_dl_trust_free(both);
	free(buf);
	free(bufa);
	free(e);
}

static void test_dl_stale_at_not_after(void **state)
{
	struct yn_dl_entry e = { 42, 19000, YN_DL_LOST };
	struct yn_denylist *l = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_list(&e, 1, 1, ka, &buf, &len);
	assert_int_equal(yn_denylist_parse(buf, len, trust_a, &l), 0);
	assert_false(yn_denylist_is_stale(l, yn_denylist_header(l)->not_after - 1));
	assert_true(yn_denylist_is_stale(l, yn_denylist_header(l)->not_after));
	assert_true(yn_denylist_is_stale(NULL, 0));	/* no list at all: stale */
	yn_denylist_free(l);
	free(buf);
}

/* `show` parses files whose signature it has not checked: random damage must
 * give an error or a list, never a crash (run under ASan by make asan). */
static void test_dl_unverified_parsers_survive_mutations(void **state)
{
	struct yn_dl_entry a[4] = { { 10, 1, 1 }, { 20, 1, 1 }, { 30, 1, 1 }, { 40, 2, 7 } };
	struct yn_dl_entry b[3] = { { 10, 1, 1 }, { 25, 1, 1 }, { 40, 2, 6 } };
	uint8_t *la, *lb, *d, *m;
	size_t lena, lenb, lend;
	int round, k;

	(void)state;
	make_list(a, 4, 5, ka, &la, &lena);
	make_list(b, 3, 6, ka, &lb, &lenb);
	assert_int_equal(yn_dl_encode_delta(la, lena, lb, lenb, ka, &d, &lend), 0);
	m = malloc(lend > lena ? lend : lena);
	assert_non_null(m);
	for (round = 0; round < 20000; round++) {
		const uint8_t *src = round & 1 ? d : la;
		size_t len = round & 1 ? lend : lena, cut;
		struct yn_denylist *l = NULL;
		struct yn_dl_delta dd;
		struct yn_dl_header h;

		memcpy(m, src, len);
		for (k = 0; k < 1 + rand() % 4; k++)
			m[(size_t)rand() % len] = (uint8_t)rand();
		cut = rand() % 4 == 0 ? (size_t)rand() % len : len;
		(void)yn_dl_parse_header(m, cut, &h);
		if (yn_denylist_parse_unverified(m, cut, &l) == 0) {
			assert_true(yn_denylist_count(l) <= 4);
			yn_denylist_free(l);
		}
		if (yn_dl_delta_parse(m, cut, &dd) == 0)
			assert_true(dd.hdr.n_add + dd.hdr.n_remove <= 8);
		if (cut == len && memcmp(m, src, len) != 0)	/* damaged: never verifies */
			assert_int_not_equal(yn_dl_verify(m, cut, trust_a, NULL), 0);
	}
	free(m);
	free(la);
	free(lb);
	free(d);
}

/* --- deltas --- */

static void test_dl_delta_apply_rebuilds_signed_list(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 20; round++) {
		struct yn_dl_entry *a, *b;
		uint8_t *la, *lb, *d, *res;
		size_t na, nb, lena, lenb, lend, lenr, i;

		a = rand_entries((size_t)(rand() % 300), 1000, 2000, &na);
		/* b: a with some removed, some changed, some added */
		b = malloc((na + 200) * sizeof(*b));
		assert_non_null(b);
		for (i = 0, nb = 0; i < na; i++) {
			if (rand() % 5 == 0)
				continue;
			b[nb] = a[i];
			if (rand() % 7 == 0)
				b[nb].reason = (uint8_t)(b[nb].reason % YN_DL_REASON_MAX + 1);
			nb++;
		}
		for (i = 0; i < 100; i++) {
			b[nb].serial = 3000 + (uint64_t)i * 3 + (uint64_t)(rand() % 3);
			b[nb].listed_day = 20000;
			b[nb].reason = YN_DL_REPLACED;
			nb++;
		}
		make_list(a, na, 10, ka, &la, &lena);
		make_list(b, nb, 11 + (uint64_t)round, ka, &lb, &lenb);
		assert_int_equal(yn_dl_encode_delta(la, lena, lb, lenb, ka, &d, &lend), 0);
		assert_int_equal(yn_dl_apply(la, lena, d, lend, trust_a, &res, &lenr), 0);
		assert_int_equal(lenr, lenb);
		assert_memory_equal(res, lb, lenb);
		free(res);
		/* The delta is refused on the new list (wrong base). */
		assert_int_equal(yn_dl_apply(lb, lenb, d, lend, trust_a, &res, &lenr),
				 YN_EWRONGBASE);
		assert_null(res);
		free(la);
		free(lb);
		free(d);
		free(a);
		free(b);
	}
}

static void test_dl_delta_wrong_base_or_forged_refused(void **state)
{
	struct yn_dl_entry a[3] = { { 10, 1, 1 }, { 20, 1, 1 }, { 30, 1, 1 } };
	struct yn_dl_entry a2[3] = { { 10, 1, 1 }, { 20, 1, 2 }, { 30, 1, 1 } };
	struct yn_dl_entry b[3] = { { 10, 1, 1 }, { 25, 1, 1 }, { 30, 1, 1 } };
	uint8_t *la, *la2, *lb, *d, *res = NULL;
	size_t lena, lena2, lenb, lend, lenr, i;

	(void)state;
	make_list(a, 3, 5, ka, &la, &lena);
	make_list(a2, 3, 5, ka, &la2, &lena2);	/* same sequence, other content */
	make_list(b, 3, 6, ka, &lb, &lenb);
	assert_int_equal(yn_dl_encode_delta(la, lena, lb, lenb, ka, &d, &lend), 0);
	assert_int_equal(yn_dl_apply(la2, lena2, d, lend, trust_a, &res, &lenr), YN_EWRONGBASE);
	/* Every flipped byte of the delta is refused. */
	for (i = 0; i < lend; i++) {
		d[i] ^= 0x20;
		assert_int_not_equal(yn_dl_apply(la, lena, d, lend, trust_a, &res, &lenr), 0);
		assert_null(res);
		d[i] ^= 0x20;
	}
	/* Going backwards is refused when making a delta. */
	free(d);
	assert_int_equal(yn_dl_encode_delta(lb, lenb, la, lena, ka, &d, &lend), YN_EROLLBACK);
	/* A full list given where the delta goes. */
	assert_int_equal(yn_dl_apply(la, lena, la, lena, trust_a, &res, &lenr), YN_EFORMAT);
	free(la);
	free(la2);
	free(lb);
}

/* --- the store --- */

static struct yn_denylist *list_with(uint64_t seq, uint64_t serial, struct yn_privkey *k)
{
	struct yn_dl_entry e = { serial, 19000, YN_DL_STOLEN };
	struct yn_denylist *l = NULL;
	struct yn_dl_trust *t;
	uint8_t *buf;
	size_t len;

	make_list(&e, 1, seq, k, &buf, &len);
	assert_int_equal(yn_dl_trust_new(&t), 0);
	assert_int_equal(yn_dl_trust_add(t, k == ka ? pub_a : pub_b), 0);
	assert_int_equal(yn_denylist_parse(buf, len, t, &l), 0);
	yn_dl_trust_free(t);
	free(buf);
	return l;
}

static void state_path(char *out, size_t cap)
{
	snprintf(out, cap, "%s/dl.state", dir);
	unlink(out);
}

static void test_dl_rollback_refused_old_stays(void **state)
{
	struct yn_dl_holder *h;
	struct yn_dl_reader *r;
	const struct yn_denylist *cur;
	char sp[700];

	(void)state;
	state_path(sp, sizeof(sp));
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_reader_new(h, &r), 0);
	assert_null(yn_dl_reader_enter(r));
	yn_dl_reader_leave(r);
	assert_int_equal(yn_dl_holder_install(h, list_with(5, 500, ka)), 0);
	assert_int_equal(yn_dl_holder_install(h, list_with(4, 400, ka)), YN_EROLLBACK);
	assert_int_equal(yn_dl_holder_install(h, list_with(5, 501, ka)), YN_EROLLBACK);
	assert_int_equal(yn_dl_holder_install(h, list_with(9, 900, kb)), YN_EUNKNOWNKEY);
	cur = yn_dl_reader_enter(r);
	assert_non_null(cur);
	assert_int_equal(yn_denylist_header(cur)->seq, 5);
	assert_true(yn_denylist_lookup(cur, 500, NULL));
	yn_dl_reader_leave(r);
	assert_int_equal(yn_dl_holder_floor(h), 5);
	yn_dl_reader_free(r);
	yn_dl_holder_free(h);
}

static void test_dl_rollback_floor_survives_restart(void **state)
{
	struct yn_dl_holder *h;
	struct yn_dl_entry e = { 700, 19000, YN_DL_LOST };
	uint8_t *buf;
	size_t len;
	char sp[700], lp[700];

	(void)state;
	state_path(sp, sizeof(sp));
	snprintf(lp, sizeof(lp), "%s/seven.dl", dir);
	make_list(&e, 1, 7, ka, &buf, &len);
	write_file(lp, buf, len);
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_holder_floor(h), 0);
	assert_int_equal(yn_dl_holder_install_file(h, lp), 0);
	yn_dl_holder_free(h);
	/* Restart. */
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_holder_floor(h), 7);
	assert_int_equal(yn_dl_holder_install(h, list_with(6, 1, ka)), YN_EROLLBACK);
	assert_int_equal(yn_dl_holder_install(h, list_with(7, 2, ka)), YN_EROLLBACK);
	assert_int_equal(yn_dl_holder_seq(h), 0);
	/* The same list as before the restart is taken again. */
	assert_int_equal(yn_dl_holder_install_file(h, lp), 0);
	assert_int_equal(yn_dl_holder_seq(h), 7);
	assert_int_equal(yn_dl_holder_install(h, list_with(8, 3, ka)), 0);
	yn_dl_holder_free(h);
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_holder_floor(h), 8);
	yn_dl_holder_free(h);
	free(buf);
}

static void test_dl_damaged_state_file_fails_closed(void **state)
{
	struct yn_dl_holder *h = NULL;
	char sp[700];
	uint8_t b;
	int fd;

	(void)state;
	state_path(sp, sizeof(sp));
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_holder_install(h, list_with(3, 1, ka)), 0);
	yn_dl_holder_free(h);
	fd = open(sp, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, 15), 1);
	b ^= 1;
	assert_int_equal(pwrite(fd, &b, 1, 15), 1);
	close(fd);
	h = NULL;
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), YN_ECORRUPT);
	assert_null(h);
}

static void test_dl_refused_file_keeps_list_in_force(void **state)
{
	struct yn_dl_holder *h;
	struct yn_dl_reader *r;
	struct yn_dl_entry e = { 1234, 19000, YN_DL_FRAUD };
	const struct yn_denylist *before, *after;
	uint8_t *buf;
	size_t len;
	char sp[700], lp[700];

	(void)state;
	state_path(sp, sizeof(sp));
	snprintf(lp, sizeof(lp), "%s/forged.dl", dir);
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_reader_new(h, &r), 0);
	assert_int_equal(yn_dl_holder_install(h, list_with(2, 1, ka)), 0);
	before = yn_dl_reader_enter(r);
	yn_dl_reader_leave(r);
	make_list(&e, 1, 3, ka, &buf, &len);
	buf[YN_DL_HDR_LEN + 7] ^= 1;	/* forged entry */
	write_file(lp, buf, len);
	assert_int_equal(yn_dl_holder_install_file(h, lp), YN_EBADSIG);
	write_file(lp, buf, len / 2);	/* truncated */
	assert_int_not_equal(yn_dl_holder_install_file(h, lp), 0);
	snprintf(lp, sizeof(lp), "%s/missing.dl", dir);
	assert_int_equal(yn_dl_holder_install_file(h, lp), YN_ENOENT);
	after = yn_dl_reader_enter(r);
	assert_ptr_equal(before, after);
	assert_int_equal(yn_dl_holder_seq(h), 2);
	yn_dl_reader_leave(r);
	/* The floor cannot be written: refused, nothing changes. */
	yn_wio_fault_set(YN_WIO_FAIL, 1);
	assert_int_equal(yn_dl_holder_install(h, list_with(4, 1, ka)), YN_EIO);
	yn_wio_fault_set(YN_WIO_NONE, 0);
	assert_int_equal(yn_dl_holder_seq(h), 2);
	assert_int_equal(yn_dl_holder_floor(h), 2);
	yn_dl_reader_free(r);
	yn_dl_holder_free(h);
	free(buf);
}

static void test_dl_reader_keeps_old_list_across_swap(void **state)
{
	struct yn_dl_holder *h;
	struct yn_dl_reader *r;
	const struct yn_denylist *held, *now;
	char sp[700];

	(void)state;
	state_path(sp, sizeof(sp));
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &h), 0);
	assert_int_equal(yn_dl_reader_new(h, &r), 0);
	assert_int_equal(yn_dl_holder_install(h, list_with(1, 111, ka)), 0);
	held = yn_dl_reader_enter(r);	/* a tap in progress */
	assert_int_equal(yn_dl_holder_install(h, list_with(2, 222, ka)), 0);
	assert_int_equal(yn_dl_holder_reclaim(h), 1);	/* still held */
	assert_true(yn_denylist_lookup(held, 111, NULL));	/* and still whole */
	yn_dl_reader_leave(r);
	assert_int_equal(yn_dl_holder_reclaim(h), 0);
	now = yn_dl_reader_enter(r);
	assert_true(yn_denylist_lookup(now, 222, NULL));
	assert_false(yn_denylist_lookup(now, 111, NULL));
	yn_dl_reader_leave(r);
	yn_dl_reader_free(r);
	yn_dl_holder_free(h);
}

struct race {
	struct yn_dl_holder *h;
	atomic_int stop;
	atomic_ulong lookups;
	int bad;
};

/* List seq s lists exactly serial s: a reader that ever sees another
 * answer has read a list being freed or half-published. */
static void *race_reader(void *arg)
{
	struct race *rc = arg;
	struct yn_dl_reader *r;

	if (yn_dl_reader_new(rc->h, &r) != 0) {
		rc->bad = 1;
		return NULL;
	}
	while (!atomic_load(&rc->stop)) {
		const struct yn_denylist *l = yn_dl_reader_enter(r);
		uint64_t s = yn_denylist_header(l)->seq;

		if (!yn_denylist_lookup(l, s, NULL) || yn_denylist_lookup(l, s + 1, NULL))
			rc->bad = 1;
		yn_dl_reader_leave(r);
		atomic_fetch_add(&rc->lookups, 1);
	}
	yn_dl_reader_free(r);
	return NULL;
}

static void test_dl_concurrent_swaps_never_show_a_freed_list(void **state)
{
	struct race rc;
	struct yn_denylist *lists[150];
	pthread_t t[3];
	char sp[700];
	int i;

	(void)state;
	memset(&rc, 0, sizeof(rc));
	state_path(sp, sizeof(sp));
	for (i = 0; i < 150; i++)
		lists[i] = list_with((uint64_t)i + 1, (uint64_t)i + 1, ka);
	assert_int_equal(yn_dl_holder_new(sp, trust_a, &rc.h), 0);
	assert_int_equal(yn_dl_holder_install(rc.h, lists[0]), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_reader, &rc), 0);
	for (i = 1; i < 150; i++)
		assert_int_equal(yn_dl_holder_install(rc.h, lists[i]), 0);
	atomic_store(&rc.stop, 1);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_false(rc.bad);
	assert_true(atomic_load(&rc.lookups) > 0);
	assert_int_equal(yn_dl_holder_seq(rc.h), 150);
	assert_int_equal(yn_dl_holder_reclaim(rc.h), 0);
	yn_dl_holder_free(rc.h);
}

/* --- helpers and the tool --- */

static void test_dl_reason_words_and_dates(void **state)
{
	uint8_t r;
	int y;
	unsigned m, d, i;

	(void)state;
	for (i = 1; i <= YN_DL_REASON_MAX; i++) {
		assert_int_equal(yn_dl_reason_parse(yn_dl_reason_name(i), &r), 0);
		assert_int_equal(r, i);
	}
	assert_int_equal(yn_dl_reason_parse("Lost", &r), YN_EFORMAT);
	assert_null(yn_dl_reason_name(0));
	assert_int_equal(yn_dl_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(yn_dl_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(yn_dl_days_from_civil(2026, 11, 29), 20786);
	yn_dl_civil_from_days(11016, &y, &m, &d);
	assert_int_equal(y, 2000);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
}

static int run_tool(char *const argv[], char *out, size_t cap)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < cap && (n = read(p[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *tool(void)
{
	static char p[512];
	const char *b = getenv("YN_BUILD");

	snprintf(p, sizeof(p), "%s/yinian", b ? b : "build");
	return p;
}

static void csv_case(const char *csv, int want_rc, const char *want_text)
{
	char in[700], out[700], text[4096];
	char *argv[] = { (char *)tool(), (char *)"denylist", (char *)"build", (char *)"--in", in,
			 (char *)"--key", priv_a, (char *)"--seq", (char *)"4", (char *)"--valid-for",
			 (char *)"7d", (char *)"--issued-at", (char *)"2026-11-29T00:00:00Z",
			 (char *)"--out", out, NULL };

	snprintf(in, sizeof(in), "%s/in.csv", dir);
	snprintf(out, sizeof(out), "%s/out.dl", dir);
	write_file(in, (const uint8_t *)csv, strlen(csv));
	assert_int_equal(run_tool(argv, text, sizeof(text)), want_rc);
	if (strstr(text, want_text) == NULL)
		fail_msg("want '%s' in: %s", want_text, text);
}

static void test_dl_tool_csv_errors_name_line_and_field(void **state)
{
	(void)state;
	csv_case("serial,listed,reason\r\n1,2026-01-01,lost\r\n\"2\",2026-01-02,\"stolen\"\r\n",
		 0, "2 entries");
	csv_case("serial,listed,reason\n1,2026-01-01,lost\nx1,2026-01-01,lost\n", 1,
		 "in.csv:3: field 'serial'");
	csv_case("serial,listed,reason\n1,2026-13-01,lost\n", 1, "in.csv:2: field 'listed'");
	csv_case("serial,listed,reason\n1,2027-01-01,lost\n", 1, "after the list's issue date");
	csv_case("serial,listed,reason\n1,2026-01-01,misplaced\n", 1, "in.csv:2: field 'reason'");
	csv_case("serial,listed,reason\n9,2026-01-01,lost\n3,2026-01-01,lost\n9,2026-01-01,fraud\n",
		 1, "in.csv:4: field 'serial': 9 is already listed on line 2");
	csv_case("serial,date,reason\n1,2026-01-01,lost\n", 1, "in.csv:1: header");
	csv_case("serial,listed,reason\n1,2026-01-01\n", 1, "in.csv:2: too few fields");
	csv_case("", 1, "empty");
}

static void test_dl_tool_build_delta_apply_verify(void **state)
{
	char a[700], b[700], d[700], r[700], csv[700], text[4096];

	(void)state;
	snprintf(csv, sizeof(csv), "%s/t.csv", dir);
	snprintf(a, sizeof(a), "%s/a.dl", dir);
	snprintf(b, sizeof(b), "%s/b.dl", dir);
	snprintf(d, sizeof(d), "%s/ab.dd", dir);
	snprintf(r, sizeof(r), "%s/r.dl", dir);
	{
		char *argv[] = { (char *)tool(), (char *)"denylist", (char *)"build", (char *)"--in",
				 csv, (char *)"--key", priv_a, (char *)"--seq", (char *)"1",
				 (char *)"--valid-for", (char *)"30d", (char *)"--out", a, NULL };

		write_file(csv, (const uint8_t *)"serial,listed,reason\n5,2026-01-01,lost\n", 39);
		assert_int_equal(run_tool(argv, text, sizeof(text)), 0);
		write_file(csv, (const uint8_t *)"serial,listed,reason\n6,2026-01-01,lost\n", 39);
		argv[8] = (char *)"2";
		argv[12] = b;
		assert_int_equal(run_tool(argv, text, sizeof(text)), 0);
	}
	{
		char *argv[] = { (char *)tool(), (char *)"denylist", (char *)"delta", (char *)"--from",
				 a, (char *)"--to", b, (char *)"--key", priv_a, (char *)"--out", d, NULL };

		assert_int_equal(run_tool(argv, text, sizeof(text)), 0);
		assert_non_null(strstr(text, "1 additions, 1 removals"));
	}
	{
		char *argv[] = { (char *)tool(), (char *)"denylist", (char *)"apply", (char *)"--base",
				 a, (char *)"--delta", d, (char *)"--pub", pub_a, (char *)"--out", r, NULL };

		assert_int_equal(run_tool(argv, text, sizeof(text)), 0);
		argv[4] = b;	/* wrong base */
		assert_int_equal(run_tool(argv, text, sizeof(text)), 1);
		assert_non_null(strstr(text, "does not apply to this base"));
		argv[4] = a;
		argv[8] = pub_b;	/* wrong key */
		assert_int_equal(run_tool(argv, text, sizeof(text)), 1);
		assert_non_null(strstr(text, "not trusted"));
	}
	{
		char *argv[] = { (char *)tool(), (char *)"denylist", (char *)"verify", (char *)"--pub",
				 pub_a, r, NULL };

		assert_int_equal(run_tool(argv, text, sizeof(text)), 0);
		assert_non_null(strstr(text, "ok: full list 2, 1 entries"));
	}
	{
		char *argv[] = { (char *)tool(), (char *)"denylist", (char *)"show", r,
				 (char *)"--serial", (char *)"6", (char *)"--json", NULL };

		assert_int_equal(run_tool(argv, text, sizeof(text)), 0);
		assert_non_null(strstr(text, "\"listed\": true"));
		assert_non_null(strstr(text, "\"reason\": \"lost\""));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dl_lookup_agrees_with_naive_reference),
		cmocka_unit_test(test_dl_forged_byte_refused),
		cmocka_unit_test(test_dl_truncated_refused),
		cmocka_unit_test(test_dl_reordered_or_repeated_refused_even_when_signed),
		cmocka_unit_test(test_dl_wrong_key_refused),
		cmocka_unit_test(test_dl_stale_at_not_after),
		cmocka_unit_test(test_dl_unverified_parsers_survive_mutations),
		cmocka_unit_test(test_dl_delta_apply_rebuilds_signed_list),
		cmocka_unit_test(test_dl_delta_wrong_base_or_forged_refused),
		cmocka_unit_test(test_dl_rollback_refused_old_stays),
		cmocka_unit_test(test_dl_rollback_floor_survives_restart),
		cmocka_unit_test(test_dl_damaged_state_file_fails_closed),
		cmocka_unit_test(test_dl_refused_file_keeps_list_in_force),
		cmocka_unit_test(test_dl_reader_keeps_old_list_across_swap),
		cmocka_unit_test(test_dl_concurrent_swaps_never_show_a_freed_list),
		cmocka_unit_test(test_dl_reason_words_and_dates),
		cmocka_unit_test(test_dl_tool_csv_errors_name_line_and_field),
		cmocka_unit_test(test_dl_tool_build_delta_apply_verify),
	};

	yn_log_set_level(2);	/* refusals are the point here; keep the output short */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
