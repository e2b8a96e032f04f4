/*
 * crypto/ keys, ECDSA P-256 and the self test.  Key files are made by the
 * real `openssl` command in a temporary directory, as an operator would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "base/bytes.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "tests/lib/testlib.h"

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

static void write_text(const char *p, const char *text, mode_t mode)
{
	FILE *f;

	unlink(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	(void)state;
	umask(022);
	dir = yn_test_tmpdir();
	if (dir == NULL)
		return -1;
	/* The operator's commands: genpkey, then pkey -pubout. */
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s/issuer.pem "
	   "2>/dev/null && chmod 600 %s/issuer.pem", dir, dir);
	sh("openssl pkey -in %s/issuer.pem -pubout -out %s/issuer.pub 2>/dev/null", dir, dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

static void test_openssl_genpkey_pem_loads_and_signs(void **state)
{
	struct yn_privkey *sk = NULL;
	struct yn_pubkey *pk = NULL, *pk2 = NULL;
	uint8_t sig[64], id1[8], id2[8];
	static const char msg[] = "holder record";

	(void)state;
	assert_int_equal(yn_privkey_load(path(0, "issuer.pem"), &sk), 0);
	assert_int_equal(yn_pubkey_load(path(1, "issuer.pub"), &pk), 0);
	assert_int_equal(yn_privkey_public(sk, &pk2), 0);
	assert_int_equal(yn_pubkey_id(pk, id1), 0);
	assert_int_equal(yn_pubkey_id(pk2, id2), 0);
	assert_memory_equal(id1, id2, 8);
	assert_int_equal(yn_ecdsa_sign(sk, msg, sizeof(msg), sig), 0);
	assert_int_equal(yn_ecdsa_verify(pk, msg, sizeof(msg), sig), 0);
	assert_int_equal(yn_ecdsa_verify(pk2, msg, sizeof(msg), sig), 0);
	/* The signature also verifies with openssl itself (r||s -> DER is
	 * ours, so check the other way: openssl's signature verifies here). */
	yn_pubkey_free(pk2);
	yn_pubkey_free(pk);
	yn_privkey_free(sk);
}

/* A signature made by `openssl dgst -sha256 -sign` (DER) verifies once
 * converted to r || s, so our encoding and digest match the tool's. */
static void test_openssl_dgst_signature_verifies(void **state)
{
	struct yn_pubkey *pk = NULL;
	uint8_t der[128], sig[64] = { 0 };
	const uint8_t *p;
	size_t n, rl, sl;
	FILE *f;

	(void)state;
	write_text(path(0, "msg.bin"), "denylist v7", 0644);
	sh("openssl dgst -sha256 -sign %s -out %s %s", path(1, "issuer.pem"), path(2, "msg.sig"),
	   path(3, "msg.bin"));
	f = fopen(path(0, "msg.sig"), "rb");
	assert_non_null(f);
	n = fread(der, 1, sizeof(der), f);
	fclose(f);
	/* SEQUENCE { INTEGER r, INTEGER s }, short lengths for P-256. */
	assert_true(n > 8 && der[0] == 0x30 && der[2] == 0x02);
	p = der + 3;
	rl = *p++;
	assert_true(rl <= 33);
	memcpy(sig + 32 - (rl > 32 ? 32 : rl), p + (rl > 32 ? 1 : 0), rl > 32 ? 32 : rl);
	p += rl;
	assert_int_equal(*p++, 0x02);
	sl = *p++;
	assert_true(sl <= 33);
	memcpy(sig + 64 - (sl > 32 ? 32 : sl), p + (sl > 32 ? 1 : 0), sl > 32 ? 32 : sl);
	assert_int_equal(yn_pubkey_load(path(0, "issuer.pub"), &pk), 0);
	assert_int_equal(yn_ecdsa_verify(pk, "denylist v7", 11, sig), 0);
	assert_int_equal(yn_ecdsa_verify(pk, "denylist v8", 11, sig), YN_EBADSIG);
	yn_pubkey_free(pk);
}

static void test_privkey_mode_0644_refused(void **state)
{
	struct yn_privkey *sk = (struct yn_privkey *)1;

	(void)state;
	sh("cp %s %s && chmod 644 %s", path(0, "issuer.pem"), path(1, "open.pem"),
	   path(2, "open.pem"));
	assert_int_equal(yn_privkey_load(path(0, "open.pem"), &sk), YN_EKEYPERM);
	assert_null(sk);
	/* Group read alone is enough to refuse. */
	assert_int_equal(chmod(path(0, "open.pem"), 0640), 0);
	assert_int_equal(yn_privkey_load(path(0, "open.pem"), &sk), YN_EKEYPERM);
	assert_int_equal(chmod(path(0, "open.pem"), 0400), 0);
	assert_int_equal(yn_privkey_load(path(0, "open.pem"), &sk), 0);
	yn_privkey_free(sk);
}

static void test_privkey_traditional_ec_pem_loads(void **state)
{
	struct yn_privkey *sk = NULL;

	(void)state;
	sh("openssl ecparam -name prime256v1 -genkey -noout -out %s 2>/dev/null && chmod 600 %s",
	   path(0, "trad.pem"), path(1, "trad.pem"));
	assert_int_equal(yn_privkey_load(path(0, "trad.pem"), &sk), 0);
	yn_privkey_free(sk);
}

static void test_privkey_wrong_curve_refused(void **state)
{
	struct yn_privkey *sk = NULL;
	struct yn_pubkey *pk = NULL;

	(void)state;
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out %s 2>/dev/null "
	   "&& chmod 600 %s && openssl pkey -in %s -pubout -out %s 2>/dev/null",
	   path(0, "p384.pem"), path(1, "p384.pem"), path(2, "p384.pem"), path(3, "p384.pub"));
	assert_int_equal(yn_privkey_load(path(0, "p384.pem"), &sk), YN_EBADKEY);
	assert_null(sk);
	assert_int_equal(yn_pubkey_load(path(0, "p384.pub"), &pk), YN_EBADKEY);
	assert_null(pk);
}

static void test_privkey_encrypted_refused_without_prompt(void **state)
{
	struct yn_privkey *sk = NULL;

	(void)state;
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-128-cbc "
	   "-pass pass:secret -out %s 2>/dev/null && chmod 600 %s",
	   path(0, "enc.pem"), path(1, "enc.pem"));
	assert_int_equal(yn_privkey_load(path(0, "enc.pem"), &sk), YN_EBADKEY);
	assert_null(sk);
}

static void test_key_files_missing_or_wrong_kind(void **state)
{
	struct yn_privkey *sk = NULL;
	struct yn_pubkey *pk = NULL;

	(void)state;
	assert_int_equal(yn_privkey_load(path(0, "nonexistent.pem"), &sk), YN_ENOENT);
	/* A public key file is not a private key, and the other way round. */
	assert_int_equal(chmod(path(0, "issuer.pub"), 0600), 0);
	assert_int_equal(yn_privkey_load(path(0, "issuer.pub"), &sk), YN_EBADKEY);
	assert_int_equal(chmod(path(0, "issuer.pub"), 0644), 0);
	assert_int_equal(yn_pubkey_load(path(0, "issuer.pem"), &pk), YN_EBADKEY);
	write_text(path(0, "garbage.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n"
		   "-----END PUBLIC KEY-----\n", 0644);
	assert_int_equal(yn_pubkey_load(path(0, "garbage.pem"), &pk), YN_EBADKEY);
	write_text(path(0, "empty.pem"), "", 0600);
	assert_int_equal(yn_privkey_load(path(0, "empty.pem"), &sk), YN_EBADKEY);
	assert_int_equal(yn_pubkey_load(dir, &pk), YN_EBADKEY);	/* a directory */
	assert_null(sk);
	assert_null(pk);
}

static void test_key_uri_schemes(void **state)
{
	struct yn_privkey *sk = NULL;
	struct yn_pubkey *pk = NULL;
	struct yn_aeskey *ak = NULL;
	char uri[700];

	(void)state;
	assert_int_equal(yn_privkey_load("pkcs11:token=yinian;object=issuer", &sk), YN_ENOTSUP);
	assert_int_equal(yn_pubkey_load("pkcs11:object=issuer", &pk), YN_ENOTSUP);
	assert_int_equal(yn_aeskey_load("pkcs11:object=read-master", &ak), YN_ENOTSUP);
	assert_int_equal(yn_privkey_load("https://example.org/k.pem", &sk), YN_ENOTSUP);
	assert_int_equal(yn_privkey_load("", &sk), YN_EINVAL);
	assert_int_equal(yn_privkey_load("file:", &sk), YN_EINVAL);
	snprintf(uri, sizeof(uri), "file:%s", path(0, "issuer.pem"));
	assert_int_equal(yn_privkey_load(uri, &sk), 0);
	yn_privkey_free(sk);
	snprintf(uri, sizeof(uri), "file://%s", path(0, "issuer.pub"));
	assert_int_equal(yn_pubkey_load(uri, &pk), 0);
	yn_pubkey_free(pk);
	assert_null(ak);
}

/* ------------------------------------------------------------------ */
/* ECDSA */

/* RFC 6979 A.2.5: P-256 key and two SHA-256 signatures. */
static const char *rfc6979_pub =
	"0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
	"7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
static const char *rfc6979_sample =
	"EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
	"F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
static const char *rfc6979_test =
	"F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
	"019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083";

static struct yn_pubkey *rfc6979_key(void)
{
	uint8_t raw[65];
	struct yn_pubkey *pk = NULL;

	yn_test_hex(rfc6979_pub, raw, sizeof(raw));
	assert_int_equal(yn_pubkey_from_raw(raw, &pk), 0);
	return pk;
}

static void test_ecdsa_rfc6979_vectors_verify(void **state)
{
	struct yn_pubkey *pk = rfc6979_key();
	uint8_t sig[64];

	(void)state;
	yn_test_hex(rfc6979_sample, sig, 64);
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), 0);
	assert_int_equal(yn_ecdsa_verify(pk, "test", 4, sig), YN_EBADSIG);
	yn_test_hex(rfc6979_test, sig, 64);
	assert_int_equal(yn_ecdsa_verify(pk, "test", 4, sig), 0);
	yn_pubkey_free(pk);
}

static void test_ecdsa_flipped_byte_anywhere_refused(void **state)
{
	struct yn_pubkey *pk = rfc6979_key();
	uint8_t sig[64];
	int i;

	(void)state;
	yn_test_hex(rfc6979_sample, sig, 64);
	for (i = 0; i < 64; i++) {
		sig[i] ^= 0x01;
		assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
		sig[i] ^= 0x01;
	}
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), 0);
	yn_pubkey_free(pk);
}

static void test_ecdsa_wrong_key_refused(void **state)
{
	struct yn_pubkey *pk = NULL;
	uint8_t sig[64];

	(void)state;
	yn_test_hex(rfc6979_sample, sig, 64);
	assert_int_equal(yn_pubkey_load(path(0, "issuer.pub"), &pk), 0);
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	yn_pubkey_free(pk);
}

static void test_ecdsa_r_zero_and_s_out_of_range_refused(void **state)
{
	static const char *n_hex =
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
	struct yn_pubkey *pk = rfc6979_key();
	uint8_t sig[64], good[64];

	(void)state;
	yn_test_hex(rfc6979_sample, good, 64);
	memcpy(sig, good, 64);
	memset(sig, 0, 32);	/* r = 0 */
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	memcpy(sig, good, 64);
	memset(sig + 32, 0, 32);	/* s = 0 */
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	memcpy(sig, good, 64);
	yn_test_hex(n_hex, sig + 32, 32);	/* s = n */
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	sig[63] = 0x52;	/* s = n + 1 */
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	memset(sig + 32, 0xFF, 32);	/* s = 2^256 - 1 */
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	memcpy(sig, good, 64);
	yn_test_hex(n_hex, sig, 32);	/* r = n */
	assert_int_equal(yn_ecdsa_verify(pk, "sample", 6, sig), YN_EBADSIG);
	/* s' = n - s is the other valid signature of the same message;
	 * ECDSA accepts it (no low-s rule), and we document that. */
	yn_pubkey_free(pk);
}

static void test_pubkey_raw_and_id(void **state)
{
	struct yn_pubkey *pk = rfc6979_key();
	uint8_t raw[65], want[65], id[8], d[32];
	unsigned int dl = 0;

	(void)state;
	yn_test_hex(rfc6979_pub, want, sizeof(want));
	assert_int_equal(yn_pubkey_raw(pk, raw), 0);
	assert_memory_equal(raw, want, 65);
	/* Key id = SHA-256(04 || X || Y)[0..8), computed here with OpenSSL. */
	assert_int_equal(EVP_Digest(want, 65, d, &dl, EVP_sha256(), NULL), 1);
	assert_int_equal(yn_pubkey_id(pk, id), 0);
	assert_memory_equal(id, d, 8);
	yn_pubkey_free(pk);
}

static void test_pubkey_from_raw_off_curve_or_compressed_refused(void **state)
{
	struct yn_pubkey *pk = NULL;
	uint8_t raw[65];

	(void)state;
	yn_test_hex(rfc6979_pub, raw, sizeof(raw));
	raw[64] ^= 0x01;	/* Y no longer matches X */
	assert_int_equal(yn_pubkey_from_raw(raw, &pk), YN_EBADKEY);
	assert_null(pk);
	yn_test_hex(rfc6979_pub, raw, sizeof(raw));
	raw[0] = 0x02;
	assert_int_equal(yn_pubkey_from_raw(raw, &pk), YN_EBADKEY);
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x04;	/* (0, 0) is not on P-256 */
	assert_int_equal(yn_pubkey_from_raw(raw, &pk), YN_EBADKEY);
	assert_null(pk);
}

static void test_keygen_writes_pair_with_modes_and_refuses_overwrite(void **state)
{
	struct yn_privkey *sk = NULL;
	struct yn_pubkey *pk = NULL;
	uint8_t sig[64];
	struct stat st;

	(void)state;
	assert_int_equal(yn_keygen_p256(path(0, "gen.pem"), path(1, "gen.pub")), 0);
	assert_int_equal(stat(path(0, "gen.pem"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(path(0, "gen.pub"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* openssl reads both, and the public half matches. */
	sh("openssl pkey -in %s -pubout 2>/dev/null | cmp -s - %s", path(0, "gen.pem"),
	   path(1, "gen.pub"));
	sh("grep -q 'BEGIN PRIVATE KEY' %s", path(0, "gen.pem"));
	assert_int_equal(yn_privkey_load(path(0, "gen.pem"), &sk), 0);
	assert_int_equal(yn_pubkey_load(path(0, "gen.pub"), &pk), 0);
	assert_int_equal(yn_ecdsa_sign(sk, "x", 1, sig), 0);
	assert_int_equal(yn_ecdsa_verify(pk, "x", 1, sig), 0);
	assert_int_equal(yn_keygen_p256(path(0, "gen.pem"), path(1, "other.pub")), YN_EEXIST);
	/* Private written, public refused: the private file is removed. */
	assert_int_equal(yn_keygen_p256(path(0, "gen2.pem"), path(1, "gen.pub")), YN_EEXIST);
	assert_int_equal(access(path(0, "gen2.pem"), F_OK), -1);
	yn_pubkey_free(pk);
	yn_privkey_free(sk);
}

/* ------------------------------------------------------------------ */
/* AES key files */

static void test_aeskey_file_loads_with_or_without_newline(void **state)
{
	struct yn_aeskey *ak = NULL;
	uint8_t k[16], m[17], a[16], b[16];

	(void)state;
	write_text(path(0, "m.key"), "00112233445566778899aabbccddeeff\n", 0600);
	assert_int_equal(yn_aeskey_load(path(0, "m.key"), &ak), 0);
	assert_int_equal(yn_aeskey_bytes(ak, k), 0);
	yn_test_hex("00112233445566778899AABBCCDDEEFF", a, 16);
	assert_memory_equal(k, a, 16);
	/* The handle diversifies as AN10922 (desfire.md §7 vector). */
	yn_test_hex("04782E21801D803042F54E585020416275", m, 17);
	assert_int_equal(yn_aeskey_diversify(ak, m, 17, b), 0);
	yn_test_hex("A8DD63A3B89D54B37CA802473FDA9175", a, 16);
	assert_memory_equal(b, a, 16);
	yn_aeskey_free(ak);
	write_text(path(0, "m2.key"), "00112233445566778899AABBCCDDEEFF", 0400);
	assert_int_equal(yn_aeskey_load(path(0, "m2.key"), &ak), 0);
	yn_aeskey_free(ak);
}

static void test_aeskey_bad_hex_or_length_refused(void **state)
{
	static const char *bad[] = {
		"00112233445566778899AABBCCDDEEGG\n",	/* not hex */
		"00112233445566778899AABBCCDDEE\n",	/* 30 digits */
		"00112233445566778899AABBCCDDEEFF00\n",	/* 34 digits */
		"00112233445566778899AABBCCDDEEFF\n\n",	/* two newlines */
		" 00112233445566778899AABBCCDDEEFF",	/* leading space */
		"00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF",
	};
	struct yn_aeskey *ak = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path(0, "bad.key"), bad[i], 0600);
		assert_int_equal(yn_aeskey_load(path(0, "bad.key"), &ak), YN_EBADKEY);
		assert_null(ak);
	}
}

static void test_aeskey_mode_0644_refused(void **state)
{
	struct yn_aeskey *ak = NULL;

	(void)state;
	write_text(path(0, "open.key"), "00112233445566778899AABBCCDDEEFF\n", 0644);
	assert_int_equal(yn_aeskey_load(path(0, "open.key"), &ak), YN_EKEYPERM);
	assert_null(ak);
}

static void test_aeskey_generate_exclusive_0600(void **state)
{
	struct yn_aeskey *a = NULL, *b = NULL;
	uint8_t ka[16], kb[16];
	struct stat st;

	(void)state;
	assert_int_equal(yn_aeskey_generate(path(0, "g1.key")), 0);
	assert_int_equal(yn_aeskey_generate(path(0, "g2.key")), 0);
	assert_int_equal(stat(path(0, "g1.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 33);
	assert_int_equal(yn_aeskey_generate(path(0, "g1.key")), YN_EEXIST);
	assert_int_equal(yn_aeskey_load(path(0, "g1.key"), &a), 0);
	assert_int_equal(yn_aeskey_load(path(0, "g2.key"), &b), 0);
	assert_int_equal(yn_aeskey_bytes(a, ka), 0);
	assert_int_equal(yn_aeskey_bytes(b, kb), 0);
	assert_memory_not_equal(ka, kb, 16);
	yn_aeskey_free(a);
	yn_aeskey_free(b);
}

/* ------------------------------------------------------------------ */
/* Self test and threads */

static void test_selftest_passes_and_names_each_kat(void **state)
{
	const char *name;
	size_t i, n = yn_crypto_selftest_count();

	(void)state;
	assert_int_equal(yn_crypto_selftest(), 0);
	assert_true(n >= 10);
	for (i = 0; i < n; i++) {
		assert_int_equal(yn_crypto_selftest_run(i, &name), 0);
		assert_non_null(name);
	}
	assert_int_equal(yn_crypto_selftest_run(n, &name), YN_EINVAL);
	assert_null(name);
}

/* `yinian selftest` prints one "ok" line per KAT and exits 0. */
static void test_yinian_selftest_command_prints_each_kat(void **state)
{
	const char *b = getenv("YN_BUILD");
	char prog[600], cmd[700], line[256];
	size_t oks = 0;
	FILE *p;
	int st;

	(void)state;
	snprintf(prog, sizeof(prog), "%s/yinian", b ? b : "build");
	/* crypto/module.mk makes this test program depend on the tool, so a
	 * missing tool is a broken build: the test fails. */
	if (access(prog, X_OK) != 0)
		fail_msg("%s is missing: build it with `make` first", prog);
	snprintf(cmd, sizeof(cmd), "%s selftest", prog);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL)
		if (strncmp(line, "ok   ", 5) == 0)
			oks++;
	st = pclose(p);
	assert_int_equal(st, 0);
	assert_int_equal(oks, yn_crypto_selftest_count());
	snprintf(cmd, sizeof(cmd), "%s selftest --bogus >/dev/null 2>&1", prog);
	st = system(cmd);
	assert_int_equal(WEXITSTATUS(st), 2);
}

/* Each thread gets its own contexts: CMACs and verifications interleaved
 * on four threads all come out right. */
static void *worker(void *arg)
{
	struct yn_pubkey *pk = arg;
	uint8_t k[16], m[64], mac[16], want[16], sig[64];
	int i;

	yn_test_hex("2B7E151628AED2A6ABF7158809CF4F3C", k, 16);
	yn_test_hex("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
		    "30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710", m, 64);
	yn_test_hex("51F0BEBF7E3B9D92FC49741779363CFE", want, 16);
	yn_test_hex(rfc6979_sample, sig, 64);
	for (i = 0; i < 2000; i++) {
		if (yn_aes_cmac(k, m, 64, mac) != 0 || memcmp(mac, want, 16) != 0)
			return (void *)1;
		if (i % 100 == 0 && yn_ecdsa_verify(pk, "sample", 6, sig) != 0)
			return (void *)2;
	}
	return NULL;
}

static void test_threads_use_their_own_contexts(void **state)
{
	struct yn_pubkey *pk = rfc6979_key();
	pthread_t t[4];
	void *res;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, pk), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	yn_pubkey_free(pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_genpkey_pem_loads_and_signs),
		cmocka_unit_test(test_openssl_dgst_signature_verifies),
		cmocka_unit_test(test_privkey_mode_0644_refused),
		cmocka_unit_test(test_privkey_traditional_ec_pem_loads),
		cmocka_unit_test(test_privkey_wrong_curve_refused),
		cmocka_unit_test(test_privkey_encrypted_refused_without_prompt),
		cmocka_unit_test(test_key_files_missing_or_wrong_kind),
		cmocka_unit_test(test_key_uri_schemes),
		cmocka_unit_test(test_ecdsa_rfc6979_vectors_verify),
		cmocka_unit_test(test_ecdsa_flipped_byte_anywhere_refused),
		cmocka_unit_test(test_ecdsa_wrong_key_refused),
		cmocka_unit_test(test_ecdsa_r_zero_and_s_out_of_range_refused),
		cmocka_unit_test(test_pubkey_raw_and_id),
		cmocka_unit_test(test_pubkey_from_raw_off_curve_or_compressed_refused),
		cmocka_unit_test(test_keygen_writes_pair_with_modes_and_refuses_overwrite),
		cmocka_unit_test(test_aeskey_file_loads_with_or_without_newline),
		cmocka_unit_test(test_aeskey_bad_hex_or_length_refused),
		cmocka_unit_test(test_aeskey_mode_0644_refused),
		cmocka_unit_test(test_aeskey_generate_exclusive_0600),
		cmocka_unit_test(test_selftest_passes_and_names_each_kat),
		cmocka_unit_test(test_yinian_selftest_command_prints_each_kat),
		cmocka_unit_test(test_threads_use_their_own_contexts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
