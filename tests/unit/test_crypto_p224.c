/*
 * crypto/: ECDSA secp224r1 over a raw message (NXP originality signatures,
 * desfire.md §8).  Published vectors:
 *   - AN12196 §8.2 [NXP], as quoted in icedevml/nfc-ev2-crypto README.md;
 *   - real-tag UID/signature pairs under the same key, and their one-nibble
 *     alterations, from lucianox777/nfc-ev2-crypto test_ecc.py.
 * Key files for the sign/verify tests are made by the real `openssl`
 * command, as an operator would, and `openssl pkeyutl` (raw input, no
 * digest) cross-checks that the message is not hashed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/ec.h>

#include "base/err.h"
#include "crypto/crypto.h"
#include "tests/lib/testlib.h"

/* AN12196 §8.2 */
static const char *an12196_pub =
	"048A9B380AF2EE1B98DC417FECC263F8449C7625CECE82D9B916C992DA209D6842"
	"2B81EC20B65A66B5102A61596AF3379200599316A00A1410";
static const char *an12196_uid = "04518DFAA96180";
static const char *an12196_sig =
	"D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF"
	"9A83F883CAFE0FE95D1939B1B7E47113993324473B785D21";

/* lucianox777/nfc-ev2-crypto test_ecc.py, test_original (same key). */
static const struct {
	const char *uid, *sig;
} tags[] = {
	{ "047728824D6580", "9C7068636A285FEBA1E2406654009DCE6E8A9C9CE318BE0262ED1625"
			    "19B970B32FB802858420D667D12CEBCD32BB4BC8AFE21C753A5A6C26" },
	{ "041D3C8A2D6B80", "A438FEB368DC45F9B8899C2926A985BE5D08E342CE016E9F08F3FDAE"
			    "388BB4D6B3DFD7DEA2E1977CCD2E4C9F82F245D4DE08FB7FCB8043E3" },
	{ "041C3C8A2D6B80", "B46D0539F65330E0D3C262FD6971C2E1DE1B609E68E2D003903FAAFC"
			    "C0A4AC6DB78C638A85247FE5AD2AD535105B5CF0422143BF2817B862" },
	{ "042428824D6580", "7DC7EDA4552D23DF3D90E36E4ABCB8C116D971D7162596C00B5D1F6A"
			    "4EFF0FBE562D19B7C95D6582F0DA74B43EFD2DB36CD4A1451CE88330" },
	{ "041B3C8A2D6B80", "B45769ECEBA64DFE6E72F1228AE05CC362A06216DAA8313A57CCE995"
			    "135F423AFCDEAECFEE935B89EA8F4DDEA9F669A19C575AD8F7EA7432" },
	{ "047D28824D6580", "B5CEC77F9CAD333EBE8CE58CE6D71E56B1A46E4A6BD3F6A4D244B9F2"
			    "688AB823892F79088600568CA9E30F4393728B3573B6D98D4121EC4D" },
};

/* The order n of secp224r1. */
static const char *p224_n = "FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D";

static char *dir;
static char path_buf[4][600];

static const char *path(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
	return path_buf[slot];
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static int setup(void **state)
{
	(void)state;
	umask(022);
	dir = yn_test_tmpdir();
	if (dir == NULL)
		return -1;
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp224r1 -out %s/orig.pem "
	   "2>/dev/null && chmod 600 %s/orig.pem", dir, dir);
	sh("openssl pkey -in %s/orig.pem -pubout -out %s/orig.pub 2>/dev/null", dir, dir);
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s/p256.pem "
	   "2>/dev/null && chmod 600 %s/p256.pem", dir, dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

static struct yn_p224_pubkey *an12196_key(void)
{
	struct yn_p224_pubkey *pk = NULL;
	uint8_t raw[YN_P224_PUB_LEN];

	assert_int_equal(yn_test_hex(an12196_pub, raw, sizeof(raw)), YN_P224_PUB_LEN);
	assert_int_equal(yn_p224_pubkey_from_raw(raw, &pk), 0);
	return pk;
}

static int verify_hex(const struct yn_p224_pubkey *pk, const char *uid_hex, const char *sig_hex)
{
	uint8_t uid[16], sig[YN_P224_SIG_LEN];
	size_t n;

	n = yn_test_hex(uid_hex, uid, sizeof(uid));
	assert_int_equal(yn_test_hex(sig_hex, sig, sizeof(sig)), YN_P224_SIG_LEN);
	return yn_p224_verify_raw(pk, uid, n, sig);
}

static void test_p224_an12196_vector_verifies(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();

	(void)state;
	assert_int_equal(verify_hex(pk, an12196_uid, an12196_sig), 0);
	yn_p224_pubkey_free(pk);
}

static void test_p224_real_tag_pairs_verify(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		assert_int_equal(verify_hex(pk, tags[i].uid, tags[i].sig), 0);
	yn_p224_pubkey_free(pk);
}

/* test_ecc.py test_invalid_flip: the last nibble changed. */
static void test_p224_altered_last_nibble_refused(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();

	(void)state;
	assert_int_equal(verify_hex(pk, "047728824D6580",
				    "9C7068636A285FEBA1E2406654009DCE6E8A9C9CE318BE0262ED1625"
				    "19B970B32FB802858420D667D12CEBCD32BB4BC8AFE21C753A5A6C25"),
			 YN_EBADSIG);
	assert_int_equal(verify_hex(pk, "041D3C8A2D6B80",
				    "A438FEB368DC45F9B8899C2926A985BE5D08E342CE016E9F08F3FDAE"
				    "388BB4D6B3DFD7DEA2E1977CCD2E4C9F82F245D4DE08FB7FCB8043E2"),
			 YN_EBADSIG);
	yn_p224_pubkey_free(pk);
}

/* test_ecc.py test_invalid_random: made-up UIDs and signatures. */
static void test_p224_random_pairs_refused(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();

	(void)state;
	assert_int_equal(verify_hex(pk, "21A6D8FD5528D3",
				    "8172EFBA10E1884E49536FC21EAD1AE55AF08A1423DBE43C8364C456"
				    "534694BCEF0BF85BF329A0FF8B221013AF860976AB029155BD95BBCE"),
			 YN_EBADSIG);
	assert_int_equal(verify_hex(pk, "88CF1A5F920205",
				    "254BD696E570AD75781415F95C5C3ECDC8A79B8184BA9D82251B19CF"
				    "C4D0DFAFA9662F78A3E965F6424A19D419837C241CB5B559784CD154"),
			 YN_EBADSIG);
	yn_p224_pubkey_free(pk);
}

/* One bit changed anywhere in the signature or the UID, or a signature of
 * another UID: refused. */
static void test_p224_any_flipped_bit_refused(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();
	uint8_t uid[7], sig[YN_P224_SIG_LEN];
	size_t i;

	(void)state;
	yn_test_hex(an12196_uid, uid, sizeof(uid));
	yn_test_hex(an12196_sig, sig, sizeof(sig));
	for (i = 0; i < sizeof(sig) * 8; i += 5) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < sizeof(uid) * 8; i++) {
		uid[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
		uid[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), 0);
	assert_int_equal(verify_hex(pk, tags[0].uid, an12196_sig), YN_EBADSIG);
	yn_p224_pubkey_free(pk);
}

/* The UID is the message as is: not padded, not hashed.  The same bytes
 * with a leading zero are the same integer, so they verify too; with a
 * trailing zero they are another integer and do not. */
static void test_p224_message_is_the_uid_as_an_integer(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();
	uint8_t m[YN_P224_MSG_MAX], sig[YN_P224_SIG_LEN];

	(void)state;
	yn_test_hex(an12196_sig, sig, sizeof(sig));
	memset(m, 0, sizeof(m));
	yn_test_hex(an12196_uid, m + sizeof(m) - 7, 7);
	assert_int_equal(yn_p224_verify_raw(pk, m, sizeof(m), sig), 0);
	yn_test_hex(an12196_uid, m, 7);
	m[7] = 0;
	assert_int_equal(yn_p224_verify_raw(pk, m, 8, sig), YN_EBADSIG);
	yn_p224_pubkey_free(pk);
}

static void test_p224_r_or_s_zero_or_not_below_n_refused(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();
	uint8_t uid[7], sig[YN_P224_SIG_LEN], good[YN_P224_SIG_LEN], n[28];

	(void)state;
	yn_test_hex(an12196_uid, uid, sizeof(uid));
	yn_test_hex(an12196_sig, good, sizeof(good));
	yn_test_hex(p224_n, n, sizeof(n));
	memcpy(sig, good, sizeof(sig));
	memset(sig, 0, 28);
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
	memcpy(sig, good, sizeof(sig));
	memset(sig + 28, 0, 28);
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
	memcpy(sig, good, sizeof(sig));
	memcpy(sig + 28, n, 28);
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
	memcpy(sig, n, 28);
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
	memset(sig, 0xFF, sizeof(sig));
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), YN_EBADSIG);
	yn_p224_pubkey_free(pk);
}

static void test_p224_message_length_limits(void **state)
{
	struct yn_p224_pubkey *pk = an12196_key();
	struct yn_p224_privkey *sk = NULL;
	uint8_t m[YN_P224_MSG_MAX + 1], sig[YN_P224_SIG_LEN];

	(void)state;
	memset(m, 0xA5, sizeof(m));
	yn_test_hex(an12196_sig, sig, sizeof(sig));
	assert_int_equal(yn_p224_verify_raw(pk, m, 0, sig), YN_EINVAL);
	assert_int_equal(yn_p224_verify_raw(pk, NULL, 7, sig), YN_EINVAL);
	assert_int_equal(yn_p224_verify_raw(pk, m, YN_P224_MSG_MAX + 1, sig), YN_EINVAL);
	assert_int_equal(yn_p224_verify_raw(NULL, m, 7, sig), YN_EINVAL);
	assert_int_equal(yn_p224_privkey_load(path(0, "orig.pem"), &sk), 0);
	assert_int_equal(yn_p224_sign_raw(sk, m, YN_P224_MSG_MAX + 1, sig), YN_EINVAL);
	assert_memory_equal(sig, (uint8_t[YN_P224_SIG_LEN]){ 0 }, YN_P224_SIG_LEN);
	assert_int_equal(yn_p224_sign_raw(sk, m, 0, sig), YN_EINVAL);
	/* 28 bytes of FF are above n: ECDSA uses the integer as it is */
	memset(m, 0xFF, sizeof(m));
	assert_int_equal(yn_p224_sign_raw(sk, m, YN_P224_MSG_MAX, sig), 0);
	yn_p224_pubkey_free(pk);
	assert_int_equal(yn_p224_pubkey_load(path(1, "orig.pub"), &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, m, YN_P224_MSG_MAX, sig), 0);
	yn_p224_pubkey_free(pk);
	yn_p224_privkey_free(sk);
}

/* A key made by `openssl genpkey` signs a UID; the public key read from
 * `openssl pkey -pubout` and the one derived from the private key are the
 * same point, and both verify; a fresh nonce each time. */
static void test_p224_openssl_key_signs_and_verifies(void **state)
{
	struct yn_p224_privkey *sk = NULL;
	struct yn_p224_pubkey *pk = NULL;
	uint8_t raw1[YN_P224_PUB_LEN], raw2[YN_P224_PUB_LEN];
	uint8_t uid[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	uint8_t s1[YN_P224_SIG_LEN], s2[YN_P224_SIG_LEN];

	(void)state;
	assert_int_equal(yn_p224_privkey_load(path(0, "orig.pem"), &sk), 0);
	assert_int_equal(yn_p224_pubkey_load(path(1, "orig.pub"), &pk), 0);
	assert_int_equal(yn_p224_privkey_public(sk, raw1), 0);
	assert_int_equal(yn_p224_pubkey_raw(pk, raw2), 0);
	assert_memory_equal(raw1, raw2, sizeof(raw1));
	assert_int_equal(raw1[0], 0x04);
	assert_int_equal(yn_p224_sign_raw(sk, uid, 7, s1), 0);
	assert_int_equal(yn_p224_sign_raw(sk, uid, 7, s2), 0);
	assert_memory_not_equal(s1, s2, sizeof(s1));
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, s1), 0);
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, s2), 0);
	uid[0] ^= 1;
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, s1), YN_EBADSIG);
	yn_p224_pubkey_free(pk);
	assert_int_equal(yn_p224_pubkey_from_raw(raw1, &pk), 0);
	uid[0] ^= 1;
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, s1), 0);
	yn_p224_pubkey_free(pk);
	yn_p224_privkey_free(sk);
}

/* `openssl pkeyutl -sign` without a digest signs the raw bytes: our
 * verifier accepts its signature, and `openssl pkeyutl -verify` accepts
 * ours.  Two implementations agree that nothing is hashed. */
static void test_p224_agrees_with_openssl_pkeyutl_raw(void **state)
{
	struct yn_p224_privkey *sk = NULL;
	struct yn_p224_pubkey *pk = NULL;
	static const uint8_t uid[7] = { 0x04, 0x51, 0x8D, 0xFA, 0xA9, 0x61, 0x80 };
	uint8_t der[128], sig[YN_P224_SIG_LEN], *dp;
	const uint8_t *cp;
	ECDSA_SIG *es;
	const BIGNUM *r, *s;
	FILE *f;
	size_t n;
	int len;

	(void)state;
	f = fopen(path(0, "uid.bin"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(uid, 1, 7, f), 7);
	fclose(f);
	sh("openssl pkeyutl -sign -inkey %s -in %s -out %s 2>/dev/null", path(1, "orig.pem"),
	   path(0, "uid.bin"), path(2, "ossl.der"));
	f = fopen(path(2, "ossl.der"), "rb");
	assert_non_null(f);
	n = fread(der, 1, sizeof(der), f);
	fclose(f);
	cp = der;
	es = d2i_ECDSA_SIG(NULL, &cp, (long)n);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, sig, 28), 28);
	assert_int_equal(BN_bn2binpad(s, sig + 28, 28), 28);
	ECDSA_SIG_free(es);
	assert_int_equal(yn_p224_pubkey_load(path(1, "orig.pub"), &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, uid, 7, sig), 0);

	assert_int_equal(yn_p224_privkey_load(path(1, "orig.pem"), &sk), 0);
	assert_int_equal(yn_p224_sign_raw(sk, uid, 7, sig), 0);
	es = ECDSA_SIG_new();
	assert_non_null(es);
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 28, NULL), BN_bin2bn(sig + 28, 28, NULL)),
			 1);
	dp = der;
	len = i2d_ECDSA_SIG(es, &dp);
	assert_true(len > 0);
	ECDSA_SIG_free(es);
	f = fopen(path(2, "ours.der"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(der, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	sh("openssl pkeyutl -verify -pubin -inkey %s -in %s -sigfile %s >/dev/null 2>&1",
	   path(1, "orig.pub"), path(0, "uid.bin"), path(2, "ours.der"));
	yn_p224_pubkey_free(pk);
	yn_p224_privkey_free(sk);
}

/* Handle types do not mix: a P-256 key file is not an originality key and
 * a secp224r1 file is not an issuer key. */
static void test_p224_and_p256_keys_do_not_mix(void **state)
{
	struct yn_p224_privkey *sk = NULL;
	struct yn_p224_pubkey *pk = NULL;
	struct yn_privkey *k256 = NULL;
	struct yn_pubkey *p256 = NULL;

	(void)state;
	assert_int_equal(yn_p224_privkey_load(path(0, "p256.pem"), &sk), YN_EBADKEY);
	assert_null(sk);
	assert_int_equal(yn_privkey_load(path(0, "orig.pem"), &k256), YN_EBADKEY);
	assert_null(k256);
	assert_int_equal(yn_pubkey_load(path(0, "orig.pub"), &p256), YN_EBADKEY);
	assert_null(p256);
	assert_int_equal(yn_p224_pubkey_load(path(0, "orig.pem"), &pk), YN_EBADKEY);
	assert_null(pk);
}

static void test_p224_privkey_mode_and_uri_rules(void **state)
{
	struct yn_p224_privkey *sk = NULL;
	char uri[700];

	(void)state;
	assert_int_equal(chmod(path(0, "orig.pem"), 0640), 0);
	assert_int_equal(yn_p224_privkey_load(path(0, "orig.pem"), &sk), YN_EKEYPERM);
	assert_null(sk);
	assert_int_equal(chmod(path(0, "orig.pem"), 0600), 0);
	snprintf(uri, sizeof(uri), "file:%s", path(0, "orig.pem"));
	assert_int_equal(yn_p224_privkey_load(uri, &sk), 0);
	yn_p224_privkey_free(sk);
	assert_int_equal(yn_p224_privkey_load("pkcs11:object=orig", &sk), YN_ENOTSUP);
	assert_int_equal(yn_p224_privkey_load(path(0, "absent.pem"), &sk), YN_ENOENT);
	/* a public key file (made private) is not a private key */
	sh("cp %s %s && chmod 600 %s", path(0, "orig.pub"), path(1, "pub-as-priv.pem"),
	   path(1, "pub-as-priv.pem"));
	assert_int_equal(yn_p224_privkey_load(path(1, "pub-as-priv.pem"), &sk), YN_EBADKEY);
	assert_null(sk);
}

static void test_p224_privkey_from_pem_in_memory(void **state)
{
	struct yn_p224_privkey *sk = NULL;
	uint8_t raw[YN_P224_PUB_LEN];
	char pem[4096];
	FILE *f;
	size_t n;

	(void)state;
	f = fopen(path(0, "orig.pem"), "r");
	assert_non_null(f);
	n = fread(pem, 1, sizeof(pem), f);
	fclose(f);
	assert_int_equal(yn_p224_privkey_from_pem(pem, n, &sk), 0);
	assert_int_equal(yn_p224_privkey_public(sk, raw), 0);
	yn_p224_privkey_free(sk);
	assert_int_equal(yn_p224_privkey_from_pem(pem, n / 2, &sk), YN_EBADKEY);
	assert_null(sk);
	assert_int_equal(yn_p224_privkey_from_pem(pem, 0, &sk), YN_EINVAL);
	assert_int_equal(yn_p224_privkey_public(NULL, raw), YN_EINVAL);
	assert_memory_equal(raw, (uint8_t[YN_P224_PUB_LEN]){ 0 }, YN_P224_PUB_LEN);
}

/* A point off the curve, a compressed point, a P-256 point cut short: no
 * handle. */
static void test_p224_pubkey_from_raw_refuses_non_points(void **state)
{
	struct yn_p224_pubkey *pk = NULL;
	uint8_t raw[YN_P224_PUB_LEN];

	(void)state;
	yn_test_hex(an12196_pub, raw, sizeof(raw));
	raw[56] ^= 0x01;
	assert_int_equal(yn_p224_pubkey_from_raw(raw, &pk), YN_EBADKEY);
	assert_null(pk);
	raw[56] ^= 0x01;
	raw[0] = 0x02;
	assert_int_equal(yn_p224_pubkey_from_raw(raw, &pk), YN_EBADKEY);
	assert_null(pk);
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x04;
	assert_int_equal(yn_p224_pubkey_from_raw(raw, &pk), YN_EBADKEY);
	assert_null(pk);
	assert_int_equal(yn_p224_pubkey_from_raw(NULL, &pk), YN_EINVAL);
	assert_int_equal(yn_p224_pubkey_raw(NULL, raw), YN_EINVAL);
}

static void test_keygen_p224_writes_pair_and_refuses_overwrite(void **state)
{
	struct yn_p224_privkey *sk = NULL;
	struct yn_p224_pubkey *pk = NULL;
	uint8_t a[YN_P224_PUB_LEN], b[YN_P224_PUB_LEN];
	struct stat st;

	(void)state;
	assert_int_equal(yn_keygen_p224(path(0, "gen.pem"), path(1, "gen.pub")), 0);
	assert_int_equal(stat(path(0, "gen.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(yn_p224_privkey_load(path(0, "gen.pem"), &sk), 0);
	assert_int_equal(yn_p224_pubkey_load(path(1, "gen.pub"), &pk), 0);
	assert_int_equal(yn_p224_privkey_public(sk, a), 0);
	assert_int_equal(yn_p224_pubkey_raw(pk, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(yn_keygen_p224(path(0, "gen.pem"), path(2, "gen2.pub")), YN_EEXIST);
	assert_int_equal(access(path(2, "gen2.pub"), F_OK), -1);
	yn_p224_pubkey_free(pk);
	yn_p224_privkey_free(sk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p224_an12196_vector_verifies),
		cmocka_unit_test(test_p224_real_tag_pairs_verify),
		cmocka_unit_test(test_p224_altered_last_nibble_refused),
		cmocka_unit_test(test_p224_random_pairs_refused),
		cmocka_unit_test(test_p224_any_flipped_bit_refused),
		cmocka_unit_test(test_p224_message_is_the_uid_as_an_integer),
		cmocka_unit_test(test_p224_r_or_s_zero_or_not_below_n_refused),
		cmocka_unit_test(test_p224_message_length_limits),
		cmocka_unit_test(test_p224_openssl_key_signs_and_verifies),
		cmocka_unit_test(test_p224_agrees_with_openssl_pkeyutl_raw),
		cmocka_unit_test(test_p224_and_p256_keys_do_not_mix),
		cmocka_unit_test(test_p224_privkey_mode_and_uri_rules),
		cmocka_unit_test(test_p224_privkey_from_pem_in_memory),
		cmocka_unit_test(test_p224_pubkey_from_raw_refuses_non_points),
		cmocka_unit_test(test_keygen_p224_writes_pair_and_refuses_overwrite),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
