/*
 * ECDSA on secp224r1 over a raw message, as NXP's originality signature
 * (ReadSig, desfire.md §8): the UID itself, not a hash of it, is the value
 * ECDSA signs.  OpenSSL does exactly that when no digest is set on the
 * signing context: the bytes given are taken as the "hash", i.e. as a
 * big-endian integer (cut to the order's 224 bits, which a message of at
 * most 28 bytes never is).
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "base/log.h"

#define HALF 28

/* The order n of secp224r1 (SEC 2 §2.6.2), big-endian. */
static const uint8_t p224_n[HALF] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0x16, 0xA2, 0xE0, 0xB8, 0xF0, 0x3E, 0x13, 0xDD, 0x29, 0x45, 0x5C, 0x5C, 0x2A, 0x3D,
};

struct yn_p224_pubkey {
	EVP_PKEY *pkey;
	uint8_t raw[YN_P224_PUB_LEN];
};

struct yn_p224_privkey {
	EVP_PKEY *pkey;
};

static int p224_check(EVP_PKEY *pkey, const char *what)
{
	return yn_ec_check(pkey, what, "secp224r1", "P-224");
}

/* --- public keys --- */

int yn_p224_pubkey_from_evp(EVP_PKEY *pkey, struct yn_p224_pubkey **out)
{
	struct yn_p224_pubkey *k;
	int r;

	*out = NULL;
	if ((r = p224_check(pkey, "public key")) != 0 || (r = yn_ec_pub_check(pkey)) != 0 ||
	    (r = yn_ec_uncompressed(pkey)) != 0)
		return r;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return YN_ENOMEM;
	if ((r = yn_ec_pub_raw(pkey, k->raw, sizeof(k->raw))) != 0) {
		free(k);
		return r;
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

int yn_p224_pubkey_from_raw(const uint8_t raw[YN_P224_PUB_LEN], struct yn_p224_pubkey **out)
{
	EVP_PKEY *pkey = NULL;
	int r;

	*out = NULL;
	if (raw == NULL)
		return YN_EINVAL;
	if ((r = yn_crypto_init()) != 0 ||
	    (r = yn_ec_from_point("secp224r1", raw, YN_P224_PUB_LEN, &pkey)) != 0)
		return r;
	if ((r = yn_p224_pubkey_from_evp(pkey, out)) != 0)
		EVP_PKEY_free(pkey);
	return r;
}

void yn_p224_pubkey_free(struct yn_p224_pubkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

int yn_p224_pubkey_raw(const struct yn_p224_pubkey *k, uint8_t raw[YN_P224_PUB_LEN])
{
	if (k == NULL) {
		memset(raw, 0, YN_P224_PUB_LEN);
		return YN_EINVAL;
	}
	memcpy(raw, k->raw, YN_P224_PUB_LEN);
	return 0;
}

/* 1 if 0 < x < n for a 28-byte big-endian x (public values: memcmp). */
static int in_range(const uint8_t x[HALF])
{
	static const uint8_t zero[HALF];

	return memcmp(x, zero, HALF) != 0 && memcmp(x, p224_n, HALF) < 0;
}

int yn_p224_verify_raw(const struct yn_p224_pubkey *k, const uint8_t *msg, size_t len,
		       const uint8_t sig[YN_P224_SIG_LEN])
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if (k == NULL || sig == NULL || msg == NULL || len == 0 || len > YN_P224_MSG_MAX)
		return YN_EINVAL;
	if (!in_range(sig) || !in_range(sig + HALF))
		return YN_EBADSIG;
	if ((r = yn_ecdsa_der_from_rs(sig, HALF, &der, &der_len)) != 0)
		return r;
	r = yn_ecdsa_verify_der(k->pkey, der, der_len, msg, len);
	OPENSSL_free(der);
	return r;
}

/* --- private keys (software only: originality keys are test keys here) --- */

int yn_p224_privkey_from_evp(EVP_PKEY *pkey, struct yn_p224_privkey **out)
{
	struct yn_p224_privkey *k;
	int r;

	*out = NULL;
	if ((r = p224_check(pkey, "private key")) != 0 || (r = yn_ec_uncompressed(pkey)) != 0)
		return r;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return YN_ENOMEM;
	k->pkey = pkey;
	*out = k;
	return 0;
}

int yn_p224_privkey_from_pem(const char *pem, size_t len, struct yn_p224_privkey **out)
{
	EVP_PKEY *pkey = NULL;
	int r;

	*out = NULL;
	if (pem == NULL || len == 0)
		return YN_EINVAL;
	if ((r = yn_crypto_init()) != 0 ||
	    (r = yn_pem_read_private(pem, len, "built-in key", &pkey)) != 0)
		return r;
	if ((r = yn_p224_privkey_from_evp(pkey, out)) != 0)
		EVP_PKEY_free(pkey);
	return r;
}

void yn_p224_privkey_free(struct yn_p224_privkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears the private scalar */
	free(k);
}

int yn_p224_privkey_public(const struct yn_p224_privkey *k, uint8_t raw[YN_P224_PUB_LEN])
{
	if (k == NULL) {
		memset(raw, 0, YN_P224_PUB_LEN);
		return YN_EINVAL;
	}
	return yn_ec_pub_raw(k->pkey, raw, YN_P224_PUB_LEN);
}

int yn_p224_sign_raw(const struct yn_p224_privkey *k, const uint8_t *msg, size_t len,
		     uint8_t sig[YN_P224_SIG_LEN])
{
	memset(sig, 0, YN_P224_SIG_LEN);
	if (k == NULL || msg == NULL || len == 0 || len > YN_P224_MSG_MAX)
		return YN_EINVAL;
	return yn_ecdsa_sign_der(k->pkey, msg, len, sig, HALF);
}
