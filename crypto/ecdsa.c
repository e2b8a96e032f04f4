/*
 * ECDSA P-256 over SHA-256 with the fixed 64-byte r || s encoding used in
 * holder records and denylists, public key handles and key ids.  The
 * software private key backend lives here; keys.c chooses a backend from
 * the URI.  The EC helpers below (curve check, raw points, r || s <-> DER,
 * sign and verify without a digest) also serve p224.c.
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

int yn_ec_check(EVP_PKEY *pkey, const char *what, const char *curve, const char *alias)
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
	if (strcmp(group, curve) != 0 && strcmp(group, alias) != 0) {
		yn_err("crypto: %s: curve %s, expected %s (%s)", what, group, alias, curve);
		return YN_EBADKEY;
	}
	return 0;
}

int yn_p256_check(EVP_PKEY *pkey, const char *what)
{
	return yn_ec_check(pkey, what, "prime256v1", "P-256");
}

int yn_ec_uncompressed(EVP_PKEY *pkey)
{
	if (EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
					   OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1)
		return yn_ossl_fail("EC point format", YN_EBADKEY);
	return 0;
}

int yn_ec_pub_raw(EVP_PKEY *pkey, uint8_t *raw, size_t raw_len)
{
	size_t len = 0;

	memset(raw, 0, raw_len);
	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, raw, raw_len,
					    &len) != 1)
		return yn_ossl_fail("export EC public key", YN_EBADKEY);
	if (len != raw_len || raw[0] != 0x04) {
		memset(raw, 0, raw_len);
		yn_err("crypto: EC public key is not a %zu-byte uncompressed point", raw_len);
		return YN_EBADKEY;
	}
	return 0;
}

int yn_ec_pub_check(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *chk;
	int ok;

	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return yn_ossl_fail("public key check", YN_ECRYPTO);
	ok = EVP_PKEY_public_check(chk) == 1;
	EVP_PKEY_CTX_free(chk);
	return ok ? 0 : yn_ossl_fail("public key check", YN_EBADKEY);
}

int yn_ec_from_point(const char *curve, const uint8_t *raw, size_t raw_len, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[3];
	uint8_t pt[YN_P256_PUB_LEN];
	int r = 0;

	*out = NULL;
	if (raw_len > sizeof(pt))
		return YN_EINVAL;
	if (raw[0] != 0x04) {
		yn_err("crypto: public key is not an uncompressed point (first byte %02X)", raw[0]);
		return YN_EBADKEY;
	}
	memcpy(pt, raw, raw_len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, raw_len);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		yn_err("crypto: %zu bytes are not a point of %s", raw_len, curve);
		r = yn_ossl_fail("public key from raw bytes", YN_EBADKEY);
	}
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int yn_ecdsa_der_from_rs(const uint8_t *sig, size_t half, uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	int n, r = 0;

	*der = NULL;
	*der_len = 0;
	if ((es = ECDSA_SIG_new()) == NULL || (br = BN_bin2bn(sig, (int)half, NULL)) == NULL ||
	    (bs = BN_bin2bn(sig + half, (int)half, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, br, bs) != 1) {
		r = yn_ossl_fail("ECDSA signature decode", YN_ECRYPTO);
		goto out;
	}
	br = bs = NULL;	/* transferred */
	if ((n = i2d_ECDSA_SIG(es, der)) <= 0) {
		*der = NULL;
		r = yn_ossl_fail("ECDSA signature encode", YN_ECRYPTO);
		goto out;
	}
	*der_len = (size_t)n;
out:
	ECDSA_SIG_free(es);
	BN_free(br);
	BN_free(bs);
	return r;
}

int yn_ecdsa_rs_from_der(const uint8_t *der, size_t der_len, uint8_t *sig, size_t half)
{
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	const uint8_t *p = der;
	int r = 0;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL || p != der + der_len) {
		r = yn_ossl_fail("ECDSA signature from OpenSSL", YN_ECRYPTO);
		goto out;
	}
	ECDSA_SIG_get0(es, &br, &bs);
	if (BN_bn2binpad(br, sig, (int)half) != (int)half ||
	    BN_bn2binpad(bs, sig + half, (int)half) != (int)half)
		r = yn_ossl_fail("ECDSA signature encode", YN_ECRYPTO);
out:
	ECDSA_SIG_free(es);
	if (r != 0)
		memset(sig, 0, 2 * half);
	return r;
}

int yn_ecdsa_verify_der(EVP_PKEY *pkey, const uint8_t *der, size_t der_len, const uint8_t *tbs,
			size_t tbs_len)
{
	EVP_PKEY_CTX *ctx;
	int v;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return yn_ossl_fail("ECDSA verify init", YN_ECRYPTO);
	}
	v = EVP_PKEY_verify(ctx, der, der_len, tbs, tbs_len);
	EVP_PKEY_CTX_free(ctx);
	if (v == 1)
		return 0;
	if (v == 0) {
		ERR_clear_error();
		return YN_EBADSIG;
	}
	return yn_ossl_fail("ECDSA verify", YN_ECRYPTO);
}

int yn_ecdsa_sign_der(EVP_PKEY *pkey, const uint8_t *tbs, size_t tbs_len, uint8_t *sig,
		      size_t half)
{
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t der[80];
	size_t der_len = sizeof(der);
	int r;

	memset(sig, 0, 2 * half);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_sign(ctx, der, &der_len, tbs, tbs_len) != 1) {
		r = yn_ossl_fail("ECDSA sign", YN_ECRYPTO);
		goto out;
	}
	r = yn_ecdsa_rs_from_der(der, der_len, sig, half);
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* --- public keys --- */

int yn_pubkey_from_evp(EVP_PKEY *pkey, struct yn_pubkey **out)
{
	struct yn_pubkey *k;
	uint8_t d[32];
	int r;

	*out = NULL;
	/* P-256, point on the curve and not at infinity. */
	if ((r = yn_p256_check(pkey, "public key")) != 0 || (r = yn_ec_pub_check(pkey)) != 0 ||
	    (r = yn_ec_uncompressed(pkey)) != 0)
		return r;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return YN_ENOMEM;
	if ((r = yn_ec_pub_raw(pkey, k->raw, sizeof(k->raw))) != 0 ||
	    (r = yn_sha256(k->raw, 65, d)) != 0) {
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
	EVP_PKEY *pkey = NULL;
	int r;

	*out = NULL;
	if (raw == NULL)
		return YN_EINVAL;
	if ((r = yn_crypto_init()) != 0 ||
	    (r = yn_ec_from_point("prime256v1", raw, YN_P256_PUB_LEN, &pkey)) != 0)
		return r;
	if ((r = yn_pubkey_from_evp(pkey, out)) != 0)
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
	uint8_t dgst[32], *der = NULL;
	size_t der_len = 0;
	int r;

	if (k == NULL || sig == NULL || (msg == NULL && len > 0))
		return YN_EINVAL;
	/* Out-of-range r or s is a bad signature, not a library error. */
	if (!in_range(sig) || !in_range(sig + 32))
		return YN_EBADSIG;
	if ((r = yn_sha256(msg, len, dgst)) != 0 ||
	    (r = yn_ecdsa_der_from_rs(sig, 32, &der, &der_len)) != 0)
		return r;
	r = yn_ecdsa_verify_der(k->pkey, der, der_len, dgst, sizeof(dgst));
	OPENSSL_free(der);
	return r;
}

/* --- software private keys --- */

static int soft_sign(const struct yn_privkey *k, const uint8_t dgst[32], uint8_t sig[64])
{
	return yn_ecdsa_sign_der(k->pkey, dgst, 32, sig, 32);
}

static int soft_public_raw(const struct yn_privkey *k, uint8_t raw[65])
{
	return yn_ec_pub_raw(k->pkey, raw, 65);
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
	if ((r = yn_p256_check(pkey, "private key")) != 0 || (r = yn_ec_uncompressed(pkey)) != 0)
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
