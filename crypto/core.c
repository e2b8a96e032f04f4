/*
 * crypto/ core: algorithm fetching, per-thread contexts, OpenSSL error
 * mapping, and the small utilities (constant-time compare, cleansing,
 * randomness, SHA-256, DESFire CRC32).
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "base/err.h"
#include "base/log.h"

struct yn_algs yn_algs;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = YN_EINTERNAL;
static pthread_key_t tctx_key;
static _Thread_local struct yn_tctx *tctx_cur;

int yn_ossl_fail(const char *what, int code)
{
	unsigned long e;
	char buf[256];
	int logged = 0;

	while ((e = ERR_get_error()) != 0) {
		/* The first (innermost) reason is the useful one; the rest are
		 * the call chain above it. */
		if (!logged) {
			ERR_error_string_n(e, buf, sizeof(buf));
			yn_err("crypto: %s: %s", what, buf);
			logged = 1;
		}
	}
	if (!logged)
		yn_err("crypto: %s: failed (no OpenSSL reason given)", what);
	return code;
}

static void tctx_free(void *p)
{
	struct yn_tctx *t = p;

	if (t == NULL)
		return;
	EVP_CIPHER_CTX_free(t->ecb);
	EVP_CIPHER_CTX_free(t->cbc);
	EVP_MD_CTX_free(t->md);
	free(t);
	if (tctx_cur == t)
		tctx_cur = NULL;
}

static void do_init(void)
{
	if (pthread_key_create(&tctx_key, tctx_free) != 0) {
		yn_err("crypto: cannot create the thread context key");
		init_status = YN_ENOMEM;
		return;
	}
	yn_algs.aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	yn_algs.aes_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	yn_algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (yn_algs.aes_ecb == NULL || yn_algs.aes_cbc == NULL || yn_algs.sha256 == NULL) {
		init_status = yn_ossl_fail("fetch AES-128/SHA-256", YN_ECRYPTO);
		return;
	}
	init_status = 0;
}

int yn_crypto_init(void)
{
	if (pthread_once(&init_once, do_init) != 0)
		return YN_EINTERNAL;
	return init_status;
}

static EVP_CIPHER_CTX *new_cipher_ctx(const EVP_CIPHER *c)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx == NULL)
		return NULL;
	/* Bind the cipher once; later calls pass NULL and keep it. */
	if (EVP_CipherInit_ex2(ctx, c, NULL, NULL, 1, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct yn_tctx *yn_tctx(void)
{
	struct yn_tctx *t;

	if (tctx_cur != NULL)
		return tctx_cur;
	if (yn_crypto_init() != 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		yn_err("crypto: out of memory for thread contexts");
		return NULL;
	}
	t->ecb = new_cipher_ctx(yn_algs.aes_ecb);
	t->cbc = new_cipher_ctx(yn_algs.aes_cbc);
	t->md = EVP_MD_CTX_new();
	if (t->ecb == NULL || t->cbc == NULL || t->md == NULL) {
		yn_ossl_fail("create thread contexts", YN_ECRYPTO);
		tctx_free(t);
		return NULL;
	}
	if (pthread_setspecific(tctx_key, t) != 0) {
		yn_err("crypto: cannot register thread contexts");
		tctx_free(t);
		return NULL;
	}
	tctx_cur = t;
	return t;
}

int yn_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void yn_cleanse(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

int yn_random(void *p, size_t n)
{
	int r;

	if (p == NULL && n > 0)
		return YN_EINVAL;
	if ((r = yn_crypto_init()) != 0)
		return r;
	while (n > 0) {
		int chunk = n > 1u << 20 ? 1 << 20 : (int)n;

		if (RAND_bytes(p, chunk) != 1) {
			yn_cleanse(p, n);
			return yn_ossl_fail("RAND_bytes", YN_ECRYPTO);
		}
		p = (uint8_t *)p + chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

int yn_sha256(const void *p, size_t n, uint8_t out[YN_SHA256_LEN])
{
	struct yn_tctx *t;
	unsigned int len = 0;

	memset(out, 0, YN_SHA256_LEN);
	if (p == NULL && n > 0)
		return YN_EINVAL;
	if ((t = yn_tctx()) == NULL)
		return YN_ECRYPTO;
	if (EVP_DigestInit_ex2(t->md, yn_algs.sha256, NULL) != 1 ||
	    EVP_DigestUpdate(t->md, p, n) != 1 ||
	    EVP_DigestFinal_ex(t->md, out, &len) != 1 || len != YN_SHA256_LEN) {
		memset(out, 0, YN_SHA256_LEN);
		return yn_ossl_fail("SHA-256", YN_ECRYPTO);
	}
	return 0;
}

uint32_t yn_desfire_crc32_update(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc;
}

uint32_t yn_desfire_crc32(const void *p, size_t n)
{
	return yn_desfire_crc32_update(YN_DESFIRE_CRC32_INIT, p, n);
}

uint16_t yn_iso14443a_crc(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint16_t crc = 0x6363;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (uint16_t)((crc >> 1) ^ (0x8408u & (0u - (crc & 1u))));
	}
	return crc;
}
