/*
 * ECDSA P-256 over SHA-256 with the fixed 64-byte r || s encoding used in
 * holder records and denylists, public key handles and key ids, and P-256
 * key generation.  The software private key backend lives here; keys.c
 * chooses a backend from the URI.
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "base/err.h"
#include "base/log.h"

/* The order n of the P-256 group (SEC 2 secp256r1), big-endian. */
static const uint8_t p256_n[32] = {
	0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84,
	0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
};

int yn_p256_check(EVP_PKEY *pkey, const char *what)
{
	char group[64];
	size_t len = 0;

	if (!EVP_PKEY_is_a(pkey, "EC")) {
		yn_err("crypto: %s: not an EC key (%s)", what, EVP_PKEY_get0_type_name(pkey));
		return YN_EBADKEY;
	}
	if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) != 1) {
		ERR_clear_error();
		yn_err("crypto: %s: EC key without a named curve", what);
		return YN_EBADKEY;
	}
	if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0) {
		yn_err("crypto: %s: curve %s, expected P-256 (prime256v1)", what, group);
		return YN_EBADKEY;
	}
	return 0;
}

/* Export points uncompressed from now on, whatever the file had.  Done once
 * at load: handles are read-only afterwards, so threads may share them. */
static int set_uncompressed(EVP_PKEY *pkey)
{
	if (EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
					   OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1)
		return yn_ossl_fail("EC point format", YN_EBADKEY);
	return 0;
}

/* The public point of an EC key as 04 || X || Y. */
static int evp_pub_raw(EVP_PKEY *pkey, uint8_t raw[65])
{
	size_t len = 0;

	memset(raw, 0, 65);
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, raw, 65,
					    &len) != 1)
		return yn_ossl_fail("export EC public key", YN_EBADKEY);
	if (len != 65 || raw[0] != 0x04) {
		memset(raw, 0, 65);
		yn_err("crypto: EC public key is not a 65-byte uncompressed point");
		return YN_EBADKEY;
	}
	return 0;
}

/* --- public keys --- */

int yn_pubkey_from_evp(EVP_PKEY *pkey, struct yn_pubkey **out)
{
	EVP_PKEY_CTX *chk = NULL;
	struct yn_pubkey *k;
	uint8_t d[32];
	int r;

	*out = NULL;
	if ((r = yn_p256_check(pkey, "public key")) != 0)
		return r;
	/* Point on the curve and not at infinity. */
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1) {
		EVP_PKEY_CTX_free(chk);
		return yn_ossl_fail("public key check", YN_EBADKEY);
	}
	EVP_PKEY_CTX_free(chk);
	if ((r = set_uncompressed(pkey)) != 0)
		return r;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return YN_ENOMEM;
	if ((r = evp_pub_raw(pkey, k->raw)) != 0 || (r = yn_sha256(k->raw, 65, d)) != 0) {
		free(k);
		return r;
	}
	memcpy(k->id, d, YN_KEYID_LEN);
	k->pkey = pkey;
	*out = k;
	return 0;
}

int yn_pubkey_from_raw(const uint8_t raw[YN_P256_PUB_LEN], struct yn_pubkey **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[3];
	uint8_t pt[65];
	int r;

	*out = NULL;
	if ((r = yn_crypto_init()) != 0)
		return r;
	if (raw[0] != 0x04) {
		yn_err("crypto: public key is not an uncompressed point (first byte %02X)", raw[0]);
		return YN_EBADKEY;
	}
	memcpy(pt, raw, sizeof(pt));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		r = yn_ossl_fail("public key from 65 bytes (not a P-256 point?)", YN_EBADKEY);
		goto out;
	}
	if ((r = yn_pubkey_from_evp(pkey, out)) == 0)
		pkey = NULL;	/* transferred */
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return r;
}

void yn_pubkey_free(struct yn_pubkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

int yn_pubkey_raw(const struct yn_pubkey *k, uint8_t raw[YN_P256_PUB_LEN])
{
	if (k == NULL) {
		memset(raw, 0, YN_P256_PUB_LEN);
		return YN_EINVAL;
	}
	memcpy(raw, k->raw, YN_P256_PUB_LEN);
	return 0;
}

int yn_pubkey_id(const struct yn_pubkey *k, uint8_t id[YN_KEYID_LEN])
{
	if (k == NULL) {
		memset(id, 0, YN_KEYID_LEN);
		return YN_EINVAL;
	}
	memcpy(id, k->id, YN_KEYID_LEN);
	return 0;
}

/* 1 if 0 < x < n, for a 32-byte big-endian x (public values: memcmp). */
static int in_range(const uint8_t x[32])
{
	static const uint8_t zero[32];

	return memcmp(x, zero, 32) != 0 && memcmp(x, p256_n, 32) < 0;
}

int yn_ecdsa_verify(const struct yn_pubkey *k, const void *msg, size_t len,
		    const uint8_t sig[YN_P256_SIG_LEN])
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	uint8_t dgst[32], *der = NULL;
	int der_len, v, r;

	if (k == NULL || sig == NULL || (msg == NULL && len > 0))
		return YN_EINVAL;
	/* Out-of-range r or s is a bad signature, not a library error. */
	if (!in_range(sig) || !in_range(sig + 32))
		return YN_EBADSIG;
	if ((r = yn_sha256(msg, len, dgst)) != 0)
		return r;
	if ((es = ECDSA_SIG_new()) == NULL || (br = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (bs = BN_bin2bn(sig + 32, 32, NULL)) == NULL) {
		r = yn_ossl_fail("ECDSA signature decode", YN_ECRYPTO);
		goto out;
	}
	if (ECDSA_SIG_set0(es, br, bs) != 1) {
		r = yn_ossl_fail("ECDSA signature decode", YN_ECRYPTO);
		goto out;
	}
	br = bs = NULL;	/* transferred */
	if ((der_len = i2d_ECDSA_SIG(es, &der)) <= 0) {
		r = yn_ossl_fail("ECDSA signature encode", YN_ECRYPTO);
		goto out;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) != 1) {
		r = yn_ossl_fail("ECDSA verify init", YN_ECRYPTO);
		goto out;
	}
	v = EVP_PKEY_verify(ctx, der, (size_t)der_len, dgst, sizeof(dgst));
	if (v == 1) {
		r = 0;
	} else if (v == 0) {
		ERR_clear_error();
		r = YN_EBADSIG;
	} else {
		r = yn_ossl_fail("ECDSA verify", YN_ECRYPTO);
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(br);
	BN_free(bs);
	return r;
}

/* --- software private keys --- */

static int soft_sign(const struct yn_privkey *k, const uint8_t dgst[32], uint8_t sig[64])
{
	EVP_PKEY_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	const uint8_t *p;
	uint8_t der[80];
	size_t der_len = sizeof(der);
	int r = 0;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_sign(ctx, der, &der_len, dgst, 32) != 1) {
		r = yn_ossl_fail("ECDSA sign", YN_ECRYPTO);
		goto out;
	}
	p = der;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL || p != der + der_len) {
		r = yn_ossl_fail("ECDSA signature from OpenSSL", YN_ECRYPTO);
		goto out;
	}
	ECDSA_SIG_get0(es, &br, &bs);
	if (BN_bn2binpad(br, sig, 32) != 32 || BN_bn2binpad(bs, sig + 32, 32) != 32) {
		r = yn_ossl_fail("ECDSA signature encode", YN_ECRYPTO);
		goto out;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	ECDSA_SIG_free(es);
	if (r != 0)
		memset(sig, 0, 64);
	return r;
}

static int soft_public_raw(const struct yn_privkey *k, uint8_t raw[65])
{
	return evp_pub_raw(k->pkey, raw);
}

static void soft_free(struct yn_privkey *k)
{
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears the private scalar */
	free(k);
}

static const struct yn_privkey_ops soft_privkey_ops = {
	.name = "file",
	.sign_digest = soft_sign,
	.public_raw = soft_public_raw,
	.free = soft_free,
};

int yn_privkey_from_evp(EVP_PKEY *pkey, struct yn_privkey **out)
{
	struct yn_privkey *k;
	int r;

	*out = NULL;
	if ((r = yn_p256_check(pkey, "private key")) != 0 || (r = set_uncompressed(pkey)) != 0)
		return r;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return YN_ENOMEM;
	k->ops = &soft_privkey_ops;
	k->pkey = pkey;
	*out = k;
	return 0;
}

void yn_privkey_free(struct yn_privkey *k)
{
	if (k != NULL)
		k->ops->free(k);
}

int yn_privkey_public(const struct yn_privkey *k, struct yn_pubkey **out)
{
	uint8_t raw[65];
	int r;

	*out = NULL;
	if (k == NULL)
		return YN_EINVAL;
	if ((r = k->ops->public_raw(k, raw)) != 0)
		return r;
	return yn_pubkey_from_raw(raw, out);
}

int yn_ecdsa_sign(const struct yn_privkey *k, const void *msg, size_t len,
		  uint8_t sig[YN_P256_SIG_LEN])
{
	uint8_t dgst[32];
	int r;

	memset(sig, 0, YN_P256_SIG_LEN);
	if (k == NULL || (msg == NULL && len > 0))
		return YN_EINVAL;
	if ((r = yn_sha256(msg, len, dgst)) != 0)
		return r;
	return k->ops->sign_digest(k, dgst, sig);
}
