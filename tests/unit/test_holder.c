/*
 * The holder record (card/holder.h) and the application's key
 * diversification (card/yinian_app.h): the worked example of
 * docs/card-format.md §8 reproduced byte for byte, every decode refusal,
 * and forgery detection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/holder.h"
#include "card/holder_date.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "tests/lib/testlib.h"

/* ---- docs/card-format.md §8, the worked example ---- */

static const char ex_uid[] = "041A2B3C4D5E80";
static const char ex_sysid_ascii[] = "SZ-YINIAN-DEMO01";
static const char ex_divinput[] = "041A2B3C4D5E80314E59535A2D59494E49414E2D44454D4F3031";
static const char *const ex_master[YN_APP_NKEYS] = {
	"A0A1A2A3A4A5A6A7A8A9AAABACADAEAF", "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF",
	"C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF",
	"E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF",
};
static const char *const ex_cardkey[YN_APP_NKEYS] = {
	"32F5B26B5BD3035A8D8CAF78F98B28FF", "DB71B7816400F4FBB5D62DF80C2E52F3",
	"B6DBCCDB36AAF5EDB54513B264D75328", "4AACC4CC5C8BA77F5E894E8FFAC063DC",
	"F9B5C2263DD706C4FDB9EB9B9882F82D",
};
static const char ex_issuer_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJg/qyet4n68ciUEv\n"
	"DneR9KYFgZcl/o3wpv061g6/ga2hRANCAATgH4yA9xKEXpM27eTV3YwzoeAGbsYS\n"
	"ez2dnCSZBejF8RmAwT2ZOtl7cW2db0Vj8QdyxPcIyf5L6K/MSLQNuZFq\n"
	"-----END PRIVATE KEY-----\n";
static const char ex_issuer_pub[] =
	"04E01F8C80F712845E9336EDE4D5DD8C33A1E0066EC6127B3D9D9C249905E8C5F1"
	"1980C13D993AD97B716D9D6F4563F10772C4F708C9FE4BE8AFCC48B40DB9916A";
static const char ex_keyid[] = "BC292971B46BB215";
static const char ex_record[] =
	"010000000000BC614E041A2B3C4D5E8019560314010100222026120120311130"
	"BC292971B46BB215000000006B0B8720";
static const char ex_siginput[] =
	"041A2B3C4D5E80"
	"010000000000BC614E041A2B3C4D5E8019560314010100222026120120311130"
	"BC292971B46BB215000000006B0B8720";
static const char ex_sig[] =
	"6876F98BF76D2FB745DF631FCF83CA184656C024D3B04EF2A5B313F4D32A848E"
	"F2973FDF74BE46FD3F312C96702D5BEA4CFFE0ABF2570CE026735040321C99FE";

struct fx {
	char *dir;
	struct yn_privkey *issuer;
	struct yn_holder_trust trust;
	uint8_t file[YN_HOLDER_LEN];	/* the example record || example signature */
	uint8_t uid[YN_UID_LEN];
};

static struct yn_holder example_holder(void)
{
	struct yn_holder h;

	memset(&h, 0, sizeof(h));
	h.serial = 12345678;
	yn_test_hex(ex_uid, h.uid, sizeof(h.uid));
	h.birth = 19560314;
	h.residency = YN_HRES_HUKOU;
	h.district = YN_HDIST_FUTIAN;
	h.categories = YN_HCAT_DIBAO | YN_HCAT_DISABILITY;
	h.not_before = 20261201;
	h.not_after = 20311130;
	yn_test_hex(ex_keyid, h.issuer_key_id, sizeof(h.issuer_key_id));
	h.issued_at = 1795917600;	/* 2026-11-29T10:00:00+08:00 */
	yn_test_hex(ex_sig, h.sig, sizeof(h.sig));
	return h;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct yn_pubkey *pub = NULL;
	uint8_t raw[YN_P256_PUB_LEN];
	char path[512];
	size_t n;

	if (fx == NULL || yn_crypto_init() != 0 || (fx->dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/issuer.key", fx->dir);
	if (write_file(path, ex_issuer_pem, 0600) != 0 || yn_privkey_load(path, &fx->issuer) != 0)
		return -1;
	yn_holder_trust_init(&fx->trust);
	yn_test_hex(ex_issuer_pub, raw, sizeof(raw));
	if (yn_pubkey_from_raw(raw, &pub) != 0 || yn_holder_trust_add(&fx->trust, pub) != 0)
		return -1;
	n = yn_test_hex(ex_record, fx->file, sizeof(fx->file));
	yn_test_hex(ex_sig, fx->file + n, sizeof(fx->file) - n);
	yn_test_hex(ex_uid, fx->uid, sizeof(fx->uid));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	yn_privkey_free(fx->issuer);
	yn_holder_trust_free(&fx->trust);
	yn_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static void assert_holder_equal(const struct yn_holder *a, const struct yn_holder *b)
{
	assert_true(a->serial == b->serial);
	assert_memory_equal(a->uid, b->uid, YN_UID_LEN);
	assert_int_equal(a->birth, b->birth);
	assert_int_equal(a->residency, b->residency);
	assert_int_equal(a->district, b->district);
	assert_int_equal(a->categories, b->categories);
	assert_int_equal(a->not_before, b->not_before);
	assert_int_equal(a->not_after, b->not_after);
	assert_memory_equal(a->issuer_key_id, b->issuer_key_id, YN_KEYID_LEN);
	assert_true(a->issued_at == b->issued_at);
	assert_memory_equal(a->sig, b->sig, YN_P256_SIG_LEN);
}

/* ---- the worked example ---- */

static void test_example_divinput_and_card_keys(void **state)
{
	uint8_t uid[YN_UID_LEN], m[YN_DIVINPUT_LEN], want[YN_DIVINPUT_LEN];
	uint8_t master[16], key[16], wantkey[16];
	struct yn_aeskey *mk = NULL;
	unsigned i;

	(void)state;
	yn_test_hex(ex_uid, uid, sizeof(uid));
	assert_int_equal(yn_test_hex(ex_divinput, want, sizeof(want)), YN_DIVINPUT_LEN);
	yn_app_divinput(uid, (const uint8_t *)ex_sysid_ascii, m);
	assert_memory_equal(m, want, sizeof(m));
	assert_true(YN_DIVINPUT_LEN <= 31);	/* AN10922 input limit */
	for (i = 0; i < YN_APP_NKEYS; i++) {
		yn_test_hex(ex_master[i], master, sizeof(master));
		yn_test_hex(ex_cardkey[i], wantkey, sizeof(wantkey));
		assert_int_equal(yn_aeskey_from_bytes(master, &mk), 0);
		assert_int_equal(yn_app_diversify(mk, uid, (const uint8_t *)ex_sysid_ascii, key), 0);
		assert_memory_equal(key, wantkey, 16);
		yn_aeskey_free(mk);
		mk = NULL;
	}
}

static void test_example_issuer_key_id(void **state)
{
	struct fx *fx = *state;
	struct yn_pubkey *pub = NULL;
	uint8_t raw[YN_P256_PUB_LEN], want[YN_P256_PUB_LEN], id[YN_KEYID_LEN], wantid[8];

	assert_int_equal(yn_privkey_public(fx->issuer, &pub), 0);
	assert_int_equal(yn_pubkey_raw(pub, raw), 0);
	yn_test_hex(ex_issuer_pub, want, sizeof(want));
	assert_memory_equal(raw, want, sizeof(raw));
	assert_int_equal(yn_pubkey_id(pub, id), 0);
	yn_test_hex(ex_keyid, wantid, sizeof(wantid));
	assert_memory_equal(id, wantid, sizeof(id));
	yn_pubkey_free(pub);
}

static void test_example_record_bytes_and_sig_input(void **state)
{
	struct fx *fx = *state;
	struct yn_holder h = example_holder();
	uint8_t rec[YN_HOLDER_REC_LEN], want[YN_HOLDER_SIGIN_LEN], in[YN_HOLDER_SIGIN_LEN];
	uint8_t file[YN_HOLDER_LEN + 8];
	size_t n = 0;

	assert_int_equal(yn_holder_encode_record(&h, rec, sizeof(rec), &n, NULL), 0);
	assert_int_equal(n, YN_HOLDER_REC_LEN);
	assert_int_equal(yn_test_hex(ex_record, want, sizeof(want)), YN_HOLDER_REC_LEN);
	assert_memory_equal(rec, want, YN_HOLDER_REC_LEN);
	assert_int_equal(yn_holder_sig_input(&h, fx->uid, in, NULL), 0);
	assert_int_equal(yn_test_hex(ex_siginput, want, sizeof(want)), YN_HOLDER_SIGIN_LEN);
	assert_memory_equal(in, want, YN_HOLDER_SIGIN_LEN);
	assert_int_equal(yn_holder_encode(&h, file, sizeof(file), &n, NULL), 0);
	assert_int_equal(n, YN_HOLDER_LEN);
	assert_int_equal(YN_HOLDER_LEN, YN_HOLDER_FILE_SIZE);
	assert_memory_equal(file, fx->file, YN_HOLDER_LEN);
}

static void test_example_signature_verifies(void **state)
{
	struct fx *fx = *state;
	struct yn_holder h, want = example_holder();
	const char *why = "unset";

	assert_int_equal(yn_holder_decode(fx->file, sizeof(fx->file), &h, &why), 0);
	assert_null(why);
	assert_holder_equal(&h, &want);
	assert_int_equal(yn_holder_verify(&h, fx->uid, &fx->trust, &why), 0);
}

static void test_sign_then_verify_round_trip(void **state)
{
	struct fx *fx = *state;
	struct yn_holder h = example_holder(), back;
	uint8_t file[YN_HOLDER_LEN];
	size_t n = 0;

	memset(h.sig, 0, sizeof(h.sig));
	memset(h.issuer_key_id, 0, sizeof(h.issuer_key_id));
	assert_int_equal(yn_holder_sign(&h, fx->issuer, NULL), 0);
	/* The signer fills in its own key id. */
	assert_memory_equal(h.issuer_key_id, example_holder().issuer_key_id, YN_KEYID_LEN);
	assert_int_equal(yn_holder_encode(&h, file, sizeof(file), &n, NULL), 0);
	/* Same record bytes as the example; the signature itself is randomised. */
	assert_memory_equal(file, fx->file, YN_HOLDER_REC_LEN);
	assert_int_equal(yn_holder_decode(file, n, &back, NULL), 0);
	assert_holder_equal(&back, &h);
	assert_int_equal(yn_holder_verify(&back, fx->uid, &fx->trust, NULL), 0);
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static uint32_t random_date(uint64_t *x, uint32_t lo_days, uint32_t span)
{
	return yn_ymd_from_days((int32_t)(lo_days + next(x) % span) - 25567);
}

static void test_round_trip_random_records(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	uint8_t file[YN_HOLDER_LEN];
	struct yn_holder h, back;
	size_t n, i, j;

	(void)state;
	for (i = 0; i < 2000; i++) {
		memset(&h, 0, sizeof(h));
		h.serial = next(&x) | 1;
		for (j = 0; j < YN_UID_LEN; j++)
			h.uid[j] = (uint8_t)next(&x);
		/* days counted from 1900-01-01 (day -25567) */
		h.birth = random_date(&x, 0, 36500);
		h.not_before = random_date(&x, 40000, 30000);
		if (h.not_before < h.birth)
			h.not_before = h.birth;
		h.not_after = yn_ymd_from_days(yn_ymd_to_days(h.not_before) +
					       (int32_t)(next(&x) % 3000));
		if (h.not_after == 0)
			h.not_after = h.not_before;
		h.residency = (uint8_t)(1 + next(&x) % YN_HRES_MAX);
		h.district = h.residency == YN_HRES_HUKOU ?
			(uint8_t)(1 + next(&x) % YN_HDIST_MAX) : YN_HDIST_NONE;
		h.categories = (uint16_t)(next(&x) & YN_HCAT_ALL);
		for (j = 0; j < YN_KEYID_LEN; j++)
			h.issuer_key_id[j] = (uint8_t)next(&x);
		h.issued_at = YN_HOLDER_ISSUED_MIN +
			      next(&x) % (YN_HOLDER_ISSUED_MAX - YN_HOLDER_ISSUED_MIN);
		for (j = 0; j < YN_P256_SIG_LEN; j++)
			h.sig[j] = (uint8_t)next(&x);
		assert_int_equal(yn_holder_encode(&h, file, sizeof(file), &n, NULL), 0);
		assert_int_equal(yn_holder_decode(file, n, &back, NULL), 0);
		assert_holder_equal(&back, &h);
	}
}

static void test_sign_refuses_invalid_record(void **state)
{
	struct fx *fx = *state;
	struct yn_holder h = example_holder();
	const char *why = NULL;

	h.district = 40;
	assert_int_equal(yn_holder_sign(&h, fx->issuer, &why), YN_ERANGE);
	assert_non_null(strstr(why, "district"));
	assert_true(h.sig[0] == 0 && h.sig[63] == 0 && h.issuer_key_id[0] == 0);
}

/* ---- decode refusals ---- */

static void test_decode_truncated_at_every_byte(void **state)
{
	struct fx *fx = *state;
	struct yn_holder h;
	const char *why;
	size_t i;

	for (i = 0; i < YN_HOLDER_LEN; i++) {
		why = NULL;
		assert_int_equal(yn_holder_decode(fx->file, i, &h, &why), YN_ETRUNC);
		assert_non_null(why);
		assert_non_null(strstr(why, "truncated"));
		assert_true(h.serial == 0);
	}
}

static void test_decode_trailing_byte_refused(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[YN_HOLDER_LEN + 1];
	struct yn_holder h;
	const char *why = NULL;

	memcpy(buf, fx->file, YN_HOLDER_LEN);
	buf[YN_HOLDER_LEN] = 0x00;
	assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, &why), YN_ETRAILING);
	assert_non_null(strstr(why, "after the signature"));
	assert_true(h.serial == 0);
}

static void test_decode_unknown_version_refused(void **state)
{
	struct fx *fx = *state;
	static const uint8_t versions[] = { 0x00, 0x02, 0x7F, 0xFF };
	uint8_t buf[YN_HOLDER_LEN];
	struct yn_holder h;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(versions); i++) {
		memcpy(buf, fx->file, sizeof(buf));
		buf[0] = versions[i];
		why = NULL;
		assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, &why), YN_EVERSION);
		assert_non_null(strstr(why, "version"));
		/* Even a one-byte record of an unknown version says "version". */
		assert_int_equal(yn_holder_decode(buf, 1, &h, &why), YN_EVERSION);
	}
}

struct patch {
	size_t off;
	const char *hex;	/* bytes written at off */
	int code;
	const char *field;	/* must appear in the reason */
};

static void test_decode_bad_field_values_refused(void **state)
{
	struct fx *fx = *state;
	/* Offsets: docs/card-format.md §5.2. */
	static const struct patch cases[] = {
		{ 1, "0000000000000000", YN_ERANGE, "serial" },
		{ 16, "1956031A", YN_EFORMAT, "birth_date" },	/* not BCD */
		{ 16, "19560230", YN_EFORMAT, "birth_date" },	/* no such day */
		{ 16, "18991231", YN_EFORMAT, "birth_date" },	/* before 1900 */
		{ 16, "20261202", YN_ERANGE, "birth_date" },	/* after not_before */
		{ 20, "00", YN_ERANGE, "residency" },
		{ 20, "06", YN_ERANGE, "residency" },
		{ 21, "0C", YN_ERANGE, "district" },
		{ 21, "FF", YN_ERANGE, "district" },
		{ 21, "00", YN_ERANGE, "district" },		/* hukou without district */
		{ 20, "03", YN_ERANGE, "district" },		/* Hong Kong with a district */
		{ 22, "0040", YN_EFORMAT, "categories" },
		{ 22, "8000", YN_EFORMAT, "categories" },
		{ 24, "20261301", YN_EFORMAT, "not_before" },
		{ 24, "2026120F", YN_EFORMAT, "not_before" },
		{ 28, "20310229", YN_EFORMAT, "not_after" },
		{ 28, "20261130", YN_ERANGE, "not_after" },	/* before not_before */
		{ 40, "0000000000000000", YN_ERANGE, "issued_at" },
		{ 40, "00000000F4865700", YN_ERANGE, "issued_at" },	/* 2100-01-01 */
	};
	uint8_t buf[YN_HOLDER_LEN], patch[16];
	struct yn_holder h;
	const char *why;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, fx->file, sizeof(buf));
		n = yn_test_hex(cases[i].hex, patch, sizeof(patch));
		memcpy(buf + cases[i].off, patch, n);
		why = NULL;
		assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, &why), cases[i].code);
		assert_non_null(why);
		assert_non_null(strstr(why, cases[i].field));
		assert_true(h.serial == 0 && h.birth == 0);
	}
}

static void test_decode_accepts_each_enum_value(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[YN_HOLDER_LEN];
	struct yn_holder h;
	unsigned v;

	for (v = YN_HDIST_FUTIAN; v <= YN_HDIST_MAX; v++) {
		memcpy(buf, fx->file, sizeof(buf));
		buf[21] = (uint8_t)v;
		assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, NULL), 0);
		assert_int_equal(h.district, v);
	}
	for (v = YN_HRES_RESIDENT; v <= YN_HRES_MAX; v++) {
		memcpy(buf, fx->file, sizeof(buf));
		buf[20] = (uint8_t)v;
		buf[21] = 0;
		assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, NULL), 0);
		assert_int_equal(h.residency, v);
	}
	memcpy(buf, fx->file, sizeof(buf));
	buf[22] = 0x00;
	buf[23] = 0x3F;
	assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, NULL), 0);
	assert_int_equal(h.categories, YN_HCAT_ALL);
}

static void test_encode_refuses_small_buffer(void **state)
{
	struct yn_holder h = example_holder();
	uint8_t out[YN_HOLDER_LEN];
	size_t n = 5;

	(void)state;
	assert_int_equal(yn_holder_encode(&h, out, YN_HOLDER_LEN - 1, &n, NULL), YN_ENOSPC);
	assert_int_equal(n, 0);
	assert_int_equal(yn_holder_encode_record(&h, out, YN_HOLDER_REC_LEN - 1, &n, NULL),
			 YN_ENOSPC);
	/* An invalid record leaves no stale bytes behind. */
	memset(out, 0xAA, sizeof(out));
	h.residency = 9;
	assert_int_equal(yn_holder_encode(&h, out, sizeof(out), &n, NULL), YN_ERANGE);
	for (n = 0; n < sizeof(out); n++)
		assert_int_equal(out[n], 0);
}

/* ---- forgeries ---- */

static void test_forged_one_byte_changed_anywhere_fails(void **state)
{
	struct fx *fx = *state;
	static const uint8_t flips[] = { 0x01, 0x10, 0x80, 0xFF };
	uint8_t buf[YN_HOLDER_LEN];
	struct yn_holder h;
	size_t i, j, decoded = 0;
	int r;

	for (i = 0; i < YN_HOLDER_LEN; i++) {
		for (j = 0; j < sizeof(flips); j++) {
			memcpy(buf, fx->file, sizeof(buf));
			buf[i] ^= flips[j];
			if (yn_holder_decode(buf, sizeof(buf), &h, NULL) != 0)
				continue;	/* refused already: fine */
			decoded++;
			r = yn_holder_verify(&h, fx->uid, &fx->trust, NULL);
			if (r != YN_EBADSIG && r != YN_EWRONGCARD && r != YN_EUNKNOWNKEY)
				fail_msg("byte %zu ^ %02x: verify gave %d", i, flips[j], r);
		}
	}
	/* Most changes decode (serial, UID, key id, time, signature); each of
	 * those must have been caught by verify. */
	assert_true(decoded > YN_HOLDER_LEN);
}

static void test_forged_signature_byte_gives_badsig(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[YN_HOLDER_LEN];
	struct yn_holder h;
	const char *why = NULL;

	memcpy(buf, fx->file, sizeof(buf));
	buf[YN_HOLDER_LEN - 1] ^= 0x01;
	assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, NULL), 0);
	assert_int_equal(yn_holder_verify(&h, fx->uid, &fx->trust, &why), YN_EBADSIG);
	assert_non_null(strstr(why, "signature"));
	/* A raised birth year (younger holder) with the old signature. */
	memcpy(buf, fx->file, sizeof(buf));
	buf[17] = 0x66;		/* 1966-03-14 */
	assert_int_equal(yn_holder_decode(buf, sizeof(buf), &h, NULL), 0);
	assert_int_equal(yn_holder_verify(&h, fx->uid, &fx->trust, NULL), YN_EBADSIG);
}

static void test_forged_by_untrusted_key_gives_unknownkey(void **state)
{
	struct fx *fx = *state;
	struct yn_privkey *other = NULL;
	struct yn_holder h = example_holder();
	char priv[512], pub[512];
	const char *why = NULL;

	snprintf(priv, sizeof(priv), "%s/other.key", fx->dir);
	snprintf(pub, sizeof(pub), "%s/other.pub", fx->dir);
	unlink(priv);
	unlink(pub);
	assert_int_equal(yn_keygen_p256(priv, pub), 0);
	assert_int_equal(yn_privkey_load(priv, &other), 0);
	assert_int_equal(yn_holder_sign(&h, other, NULL), 0);
	assert_int_equal(yn_holder_verify(&h, fx->uid, &fx->trust, &why), YN_EUNKNOWNKEY);
	assert_non_null(strstr(why, "issuer_key_id"));

	/* The same forger claiming the trusted key's id: the signature fails. */
	{
		uint8_t in[YN_HOLDER_SIGIN_LEN];

		yn_test_hex(ex_keyid, h.issuer_key_id, sizeof(h.issuer_key_id));
		assert_int_equal(yn_holder_sig_input(&h, h.uid, in, NULL), 0);
		assert_int_equal(yn_ecdsa_sign(other, in, sizeof(in), h.sig), 0);
		assert_int_equal(yn_holder_verify(&h, fx->uid, &fx->trust, &why), YN_EBADSIG);
	}
	yn_privkey_free(other);
}

static void test_record_moved_to_another_card_gives_wrongcard(void **state)
{
	struct fx *fx = *state;
	struct yn_holder h;
	uint8_t other[YN_UID_LEN];
	const char *why = NULL;

	yn_test_hex("04AABBCCDDEE80", other, sizeof(other));
	assert_int_equal(yn_holder_decode(fx->file, sizeof(fx->file), &h, NULL), 0);
	assert_int_equal(yn_holder_for_card(&h, fx->uid), 0);
	assert_int_equal(yn_holder_for_card(&h, other), YN_EWRONGCARD);
	/* Copied as is onto another card. */
	assert_int_equal(yn_holder_verify(&h, other, &fx->trust, &why), YN_EWRONGCARD);
	assert_non_null(strstr(why, "uid"));
	/* Copied with its UID field rewritten to match: the signature fails. */
	memcpy(h.uid, other, sizeof(other));
	assert_int_equal(yn_holder_verify(&h, other, &fx->trust, NULL), YN_EBADSIG);
}

static void test_trust_set_duplicate_and_lookup(void **state)
{
	struct fx *fx = *state;
	struct yn_pubkey *again = NULL;
	uint8_t raw[YN_P256_PUB_LEN], id[YN_KEYID_LEN];

	yn_test_hex(ex_issuer_pub, raw, sizeof(raw));
	assert_int_equal(yn_pubkey_from_raw(raw, &again), 0);
	assert_int_equal(yn_holder_trust_add(&fx->trust, again), YN_EEXIST);
	yn_pubkey_free(again);
	assert_int_equal(fx->trust.n, 1);
	yn_test_hex(ex_keyid, id, sizeof(id));
	assert_non_null(yn_holder_trust_find(&fx->trust, id));
	id[7] ^= 1;
	assert_null(yn_holder_trust_find(&fx->trust, id));
}

static void test_names_and_codes(void **state)
{
	uint8_t c = 0;
	uint16_t bit = 0;

	(void)state;
	assert_string_equal(yn_holder_district_name(YN_HDIST_FUTIAN), "futian");
	assert_string_equal(yn_holder_district_zh(YN_HDIST_SHENSHAN), "深汕");
	assert_null(yn_holder_district_name(12));
	assert_int_equal(yn_holder_district_lookup("龙华", &c), 0);
	assert_int_equal(c, YN_HDIST_LONGHUA);
	assert_int_equal(yn_holder_district_lookup("Bao'an", &c), 0);
	assert_int_equal(c, YN_HDIST_BAOAN);
	assert_int_equal(yn_holder_district_lookup("dongguan", &c), YN_ENOENT);
	assert_int_equal(yn_holder_residency_lookup("macao", &c), 0);
	assert_int_equal(c, YN_HRES_MACAO);
	assert_int_equal(yn_holder_category_lookup("低保边缘", &bit), 0);
	assert_int_equal(bit, YN_HCAT_DIBAO_EDGE);
	assert_int_equal(yn_holder_category_lookup("rich", &bit), YN_ENOENT);
	assert_string_equal(yn_holder_category_name(0), "tekun");
}

static void test_app_layout_constants(void **state)
{
	const struct yn_app_file *f;

	(void)state;
	assert_memory_equal(yn_app_aid_wire, "\x31\x4E\x59", 3);
	assert_int_equal(YN_APP_KS2, 0x85);
	f = yn_app_file(YN_FILE_PURSE);
	assert_non_null(f);
	/* Credit needs the RW key: only the desk's key 4. */
	assert_int_equal((f->ar >> 4) & 0xF, YN_KEY_CREDIT);
	assert_int_equal(f->ar, 0x3340);
	assert_int_equal(yn_app_file(YN_FILE_HOLDER)->ar, 0x1440);
	assert_int_equal(yn_app_file(YN_FILE_HOLDER)->comm, YN_COMM_FULL);
	assert_int_equal(yn_app_file(YN_FILE_TRIPLOG)->ar, 0x1220);
	assert_int_equal(yn_app_file(YN_FILE_BENEFIT)->ar, 0x1330);
	assert_null(yn_app_file(0x05));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_divinput_and_card_keys),
		cmocka_unit_test(test_example_issuer_key_id),
		cmocka_unit_test(test_example_record_bytes_and_sig_input),
		cmocka_unit_test(test_example_signature_verifies),
		cmocka_unit_test(test_sign_then_verify_round_trip),
		cmocka_unit_test(test_round_trip_random_records),
		cmocka_unit_test(test_sign_refuses_invalid_record),
		cmocka_unit_test(test_decode_truncated_at_every_byte),
		cmocka_unit_test(test_decode_trailing_byte_refused),
		cmocka_unit_test(test_decode_unknown_version_refused),
		cmocka_unit_test(test_decode_bad_field_values_refused),
		cmocka_unit_test(test_decode_accepts_each_enum_value),
		cmocka_unit_test(test_encode_refuses_small_buffer),
		cmocka_unit_test(test_forged_one_byte_changed_anywhere_fails),
		cmocka_unit_test(test_forged_signature_byte_gives_badsig),
		cmocka_unit_test(test_forged_by_untrusted_key_gives_unknownkey),
		cmocka_unit_test(test_record_moved_to_another_card_gives_wrongcard),
		cmocka_unit_test(test_trust_set_duplicate_and_lookup),
		cmocka_unit_test(test_names_and_codes),
		cmocka_unit_test(test_app_layout_constants),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
