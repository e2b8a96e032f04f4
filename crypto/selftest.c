/*
 * Power-on self test: known-answer tests of every primitive, run by the
 * daemon before it opens a reader and by `yinian selftest`.  Vectors are
 * the published ones of ../shared/reference/desfire.md (section given),
 * FIPS 197, SP 800-38A, FIPS 180-2, RFC 6979 and AN12196.
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"

/* 1 if p[0..len(hex)/2) equals the hex string. */
static int eq(const uint8_t *p, const char *hex)
{
	uint8_t want[128];
	size_t n = 0;

	if (yn_hex_decode(hex, want, sizeof(want), &n) != 0)
		return 0;
	return memcmp(p, want, n) == 0;
}

/* Decode a vector; the strings below are all well-formed and sized. */
static size_t hx(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (yn_hex_decode(hex, out, cap, &n) != 0)
		return 0;
	return n;
}

static int kat_aes_ecb(void)
{
	uint8_t k[16], p[16], c[16], d[16];

	hx("000102030405060708090A0B0C0D0E0F", k, 16);
	hx("00112233445566778899AABBCCDDEEFF", p, 16);
	return yn_aes128_ecb_encrypt(k, p, c) == 0 && eq(c, "69C4E0D86A7B0430D8CDB78070B4C55A") &&
	       yn_aes128_ecb_decrypt(k, c, d) == 0 && memcmp(d, p, 16) == 0 ? 0 : -1;
}

static int kat_aes_cbc(void)
{
	uint8_t k[16], iv[16], p[32], c[32];

	hx("2B7E151628AED2A6ABF7158809CF4F3C", k, 16);
	hx("000102030405060708090A0B0C0D0E0F", iv, 16);
	hx("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51", p, 32);
	if (yn_aes128_cbc_encrypt(k, iv, p, c, 32) != 0 ||
	    !eq(c, "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2") ||
	    !eq(iv, "5086CB9B507219EE95DB113A917678B2"))
		return -1;
	hx("000102030405060708090A0B0C0D0E0F", iv, 16);
	return yn_aes128_cbc_decrypt(k, iv, c, c, 32) == 0 && memcmp(c, p, 32) == 0 ? 0 : -1;
}

static int kat_cmac(void)
{
	uint8_t k[16], m[64], mac[16];

	hx("2B7E151628AED2A6ABF7158809CF4F3C", k, 16);
	hx("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
	   "30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710", m, 64);
	return yn_aes_cmac(k, m, 0, mac) == 0 && eq(mac, "BB1D6929E95937287FA37D129B756746") &&
	       yn_aes_cmac(k, m, 16, mac) == 0 && eq(mac, "070A16B46B4D4144F79BDD9DD04A287C") &&
	       yn_aes_cmac(k, m, 40, mac) == 0 && eq(mac, "DFA66747DE9AE63030CA32611497C827") &&
	       yn_aes_cmac(k, m, 64, mac) == 0 && eq(mac, "51F0BEBF7E3B9D92FC49741779363CFE") ?
	       0 : -1;
}

static int kat_ev1_cmac(void)
{
	uint8_t sk[16], iv[16] = { 0 }, tx[8], rx[1] = { 0x00 }, mac[8];

	hx("40E7D271626FFBD49C530E3D304F5B17", sk, 16);
	hx("CD05001100500000", tx, 8);
	return yn_ev1_cmac(sk, iv, tx, 8, mac, NULL) == 0 &&
	       yn_ev1_cmac(sk, iv, rx, 1, mac, NULL) == 0 && eq(mac, "A75316AD1596B953") ? 0 : -1;
}

static int kat_an10922(void)
{
	uint8_t mk[16], m[17], out[16];

	hx("00112233445566778899AABBCCDDEEFF", mk, 16);
	hx("04782E21801D803042F54E585020416275", m, 17);
	return yn_an10922_aes128(mk, m, 17, out) == 0 &&
	       eq(out, "A8DD63A3B89D54B37CA802473FDA9175") ? 0 : -1;
}

static int kat_ev2_session(void)
{
	uint8_t k[16] = { 0 }, a[16], b[16];
	struct yn_ev2_keys s;
	int r;

	hx("B04D0787C93EE0CC8CACC8E86F16C6FE", a, 16);
	hx("FA659AD0DCA738DD65DC7DC38612AD81", b, 16);
	r = yn_ev2_session_keys(k, a, b, &s) == 0 &&
	    eq(s.enc, "63DC07286289A7A6C0334CA31C314A04") &&
	    eq(s.mac, "774F26743ECE6AF5033B6AE8522946F6") ? 0 : -1;
	yn_cleanse(&s, sizeof(s));
	return r;
}

/* AN12343 Table 25: IVc, Full-mode encryption and MACt (§5.4). */
static int kat_ev2_full_write(void)
{
	uint8_t enc[16], mk[16], ti[4], hdr[7], data[25], iv[16], ct[32], t[8];
	size_t n;

	hx("FFBCFE1F41840A09C9A88D0A4B10DF05", enc, 16);
	hx("37E7234B11BEBEFDE41A8F290090EF80", mk, 16);
	hx("CD73D8E5", ti, 4);
	hx("00000000190000", hdr, 7);
	memset(data, 0x22, sizeof(data));
	return yn_ev2_iv_cmd(enc, ti, 0, iv) == 0 && eq(iv, "871747AF36D72164A418BBFECCECD911") &&
	       yn_ev2_encrypt(enc, iv, data, 25, ct, sizeof(ct), &n) == 0 && n == 32 &&
	       eq(ct, "D7446FBC912580C0A65E738D28B609E43ADBB8FB2B4CA68744D1BBEBB37EBD32") &&
	       yn_ev2_mac_cmd(mk, 0x8D, 0, ti, hdr, 7, ct, n, t) == 0 &&
	       eq(t, "700ADF7BB9F62A6C") ? 0 : -1;
}

/* AN12343 Table 26: IVr, response MACt and decryption (§5.4). */
static int kat_ev2_full_read(void)
{
	uint8_t enc[16], mk[16], ti[4], ct[64], iv[16], t[8], p[64];
	size_t n = 0, i;
	int ok;

	hx("FFBCFE1F41840A09C9A88D0A4B10DF05", enc, 16);
	hx("37E7234B11BEBEFDE41A8F290090EF80", mk, 16);
	hx("CD73D8E5", ti, 4);
	hx("8848D0F9B9FD4495770C89925B2A85C7274D350FA9029C484D43804886662DC4"
	   "2D7F40A6D7A415E4A71EFF79EB8E5721AC3BF1CAAFE8EB2CAA2DC162E67A97A3", ct, 64);
	ok = yn_ev2_mac_resp(mk, 0x00, 2, ti, ct, 64, t) == 0 && eq(t, "8ED7888F22B3A587") &&
	     yn_ev2_iv_resp(enc, ti, 2, iv) == 0 &&
	     yn_ev2_decrypt(enc, iv, ct, 64, p, sizeof(p), &n) == 0 && n == 48;
	for (i = 0; ok && i < 48; i++)
		ok = p[i] == (i < 25 ? 0x22 : 0x00);
	return ok ? 0 : -1;
}

static int kat_crc32(void)
{
	return yn_desfire_crc32("123456789", 9) == 0x340BC6D9u ? 0 : -1;
}

static int kat_sha256(void)
{
	uint8_t d[32];

	return yn_sha256("abc", 3, d) == 0 &&
	       eq(d, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD") ? 0 : -1;
}

/* RFC 6979 A.2.5, P-256 with SHA-256, message "sample": a deterministic
 * signature that must verify, and must not once a byte changes. */
static int kat_ecdsa_verify(void)
{
	struct yn_pubkey *pk = NULL;
	uint8_t raw[65], sig[64];
	int ok;

	hx("0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
	   "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299", raw, 65);
	hx("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
	   "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8", sig, 64);
	if (yn_pubkey_from_raw(raw, &pk) != 0)
		return -1;
	ok = yn_ecdsa_verify(pk, "sample", 6, sig) == 0;
	sig[40] ^= 0x01;
	ok = ok && yn_ecdsa_verify(pk, "sample", 6, sig) == YN_EBADSIG;
	yn_pubkey_free(pk);
	return ok ? 0 : -1;
}

/* Pairwise consistency: a fresh key signs, its public half verifies. */
static int kat_ecdsa_sign(void)
{
	struct yn_privkey *sk = NULL;
	struct yn_pubkey *pk = NULL;
	EVP_PKEY *pkey;
	uint8_t sig[64];
	static const char msg[] = "yinian self test";
	int ok = 0;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		yn_ossl_fail("self test key", YN_ECRYPTO);
		return -1;
	}
	if (yn_privkey_from_evp(pkey, &sk) != 0) {
		EVP_PKEY_free(pkey);
		return -1;
	}
	if (yn_privkey_public(sk, &pk) == 0 && yn_ecdsa_sign(sk, msg, sizeof(msg), sig) == 0 &&
	    yn_ecdsa_verify(pk, msg, sizeof(msg), sig) == 0) {
		sig[0] ^= 0x80;
		ok = yn_ecdsa_verify(pk, msg, sizeof(msg), sig) == YN_EBADSIG;
	}
	yn_pubkey_free(pk);
	yn_privkey_free(sk);
	return ok ? 0 : -1;
}

/* AN12196 §8.2 (desfire.md §8): NXP's originality signature of UID
 * 04518DFAA96180, secp224r1 over the raw UID; it must verify, and must not
 * once a byte changes. */
static int kat_p224_verify(void)
{
	struct yn_p224_pubkey *pk = NULL;
	uint8_t raw[57], uid[7], sig[56];
	int ok;

	hx("048A9B380AF2EE1B98DC417FECC263F8449C7625CECE82D9B916C992DA209D6842"
	   "2B81EC20B65A66B5102A61596AF3379200599316A00A1410", raw, 57);
	hx("04518DFAA96180", uid, 7);
	hx("D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF"
	   "9A83F883CAFE0FE95D1939B1B7E47113993324473B785D21", sig, 56);
	if (yn_p224_pubkey_from_raw(raw, &pk) != 0)
		return -1;
	ok = yn_p224_verify_raw(pk, uid, 7, sig) == 0;
	uid[6] ^= 0x01;
	ok = ok && yn_p224_verify_raw(pk, uid, 7, sig) == YN_EBADSIG;
	yn_p224_pubkey_free(pk);
	return ok ? 0 : -1;
}

static int kat_random(void)
{
	uint8_t a[32], b[32];

	return yn_random(a, sizeof(a)) == 0 && yn_random(b, sizeof(b)) == 0 &&
	       memcmp(a, b, sizeof(a)) != 0 ? 0 : -1;
}

static const struct {
	const char *name;
	int (*run)(void);
} kats[] = {
	{ "AES-128 ECB (FIPS 197 C.1)", kat_aes_ecb },
	{ "AES-128 CBC (SP 800-38A F.2.1/F.2.2)", kat_aes_cbc },
	{ "AES-CMAC (RFC 4493 examples 1-4)", kat_cmac },
	{ "EV1 chained-IV CMAC (desfire.md 3.3)", kat_ev1_cmac },
	{ "AN10922 AES-128 diversification (AN10922 2.2.1)", kat_an10922 },
	{ "EV2 session keys (AN12343 Table 16)", kat_ev2_session },
	{ "EV2 Full-mode write: IVc, encrypt, MACt (AN12343 Table 25)", kat_ev2_full_write },
	{ "EV2 Full-mode read: IVr, MACt, decrypt (AN12343 Table 26)", kat_ev2_full_read },
	{ "DESFire CRC32 (check value)", kat_crc32 },
	{ "SHA-256 (FIPS 180-2 B.1)", kat_sha256 },
	{ "ECDSA P-256 verify (RFC 6979 A.2.5)", kat_ecdsa_verify },
	{ "ECDSA P-256 sign/verify pairwise", kat_ecdsa_sign },
	{ "ECDSA secp224r1 raw-message verify (AN12196 8.2)", kat_p224_verify },
	{ "random bytes (RAND_bytes)", kat_random },
};

size_t yn_crypto_selftest_count(void)
{
	return sizeof(kats) / sizeof(kats[0]);
}

int yn_crypto_selftest_run(size_t i, const char **name)
{
	*name = NULL;
	if (i >= yn_crypto_selftest_count())
		return YN_EINVAL;
	*name = kats[i].name;
	if (yn_crypto_init() != 0 || kats[i].run() != 0) {
		yn_err("crypto: self test failed: %s", kats[i].name);
		return YN_ESELFTEST;
	}
	return 0;
}

int yn_crypto_selftest(void)
{
	const char *name;
	size_t i;
	int r = 0;

	for (i = 0; i < yn_crypto_selftest_count(); i++)
		if (yn_crypto_selftest_run(i, &name) != 0)
			r = YN_ESELFTEST;
	return r;
}
