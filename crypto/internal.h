/*
 * Private to crypto/: the algorithms fetched once, the per-thread OpenSSL
 * contexts, and the one place where OpenSSL errors become YN_E* codes.
 * Nothing outside crypto/ includes this file.
 */
#ifndef YN_CRYPTO_INTERNAL_H
#define YN_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Algorithms fetched by yn_crypto_init(); valid for the life of the process
 * once it returned 0. */
struct yn_algs {
	EVP_CIPHER *aes_ecb;
	EVP_CIPHER *aes_cbc;
	EVP_MD *sha256;
};
extern struct yn_algs yn_algs;

/* Contexts owned by the calling thread, created on its first use and freed
 * when the thread exits.  Each cipher context already holds its cipher with
 * padding off, so a call only sets key, IV and direction. */
struct yn_tctx {
	EVP_CIPHER_CTX *ecb;
	EVP_CIPHER_CTX *cbc;
	EVP_MD_CTX *md;
};
/* The calling thread's contexts (after yn_crypto_init()), or NULL with the
 * reason logged if they could not be created. */
struct yn_tctx *yn_tctx(void);

/* Log the OpenSSL error queue under what ("crypto: WHAT: reason"), clear
 * it, and return code. */
int yn_ossl_fail(const char *what, int code);

/* Streaming AES-CMAC with an optional starting chain value (EV1), on the
 * thread's CBC context.  Only one may be open per thread at a time, and no
 * other AES call may run on the thread between init and final. */
struct yn_cmac {
	EVP_CIPHER_CTX *ctx;
	uint8_t k1[16], k2[16];
	uint8_t buf[16];
	size_t buf_len;
	size_t total;
};
int yn_cmac_init(struct yn_cmac *c, const uint8_t key[16], const uint8_t iv[16]);
int yn_cmac_update(struct yn_cmac *c, const void *p, size_t n);
/* Finish.  prepadded: the message already carries its 80 00.. padding
 * (AN10922), so the last block is XORed with K2 without further padding.
 * Cleanses the state whatever the result. */
int yn_cmac_final(struct yn_cmac *c, uint8_t mac[16], int prepadded);
/* Cleanse an abandoned state. */
void yn_cmac_abort(struct yn_cmac *c);


/* --- key handles ---
 * A handle starts with its backend's ops, so that a PKCS#11 backend can
 * serve the same public API: the file backend below keeps the key in
 * process memory, an HSM backend would keep an object handle instead. */
struct yn_privkey;
struct yn_privkey_ops {
	const char *name;
	/* ECDSA P-256 over a SHA-256 digest; sig is r || s. */
	int (*sign_digest)(const struct yn_privkey *k, const uint8_t dgst[32], uint8_t sig[64]);
	/* The uncompressed public point 04 || X || Y. */
	int (*public_raw)(const struct yn_privkey *k, uint8_t raw[65]);
	void (*free)(struct yn_privkey *k);
};
struct yn_privkey {
	const struct yn_privkey_ops *ops;
	EVP_PKEY *pkey;		/* software keys */
};

/* Public keys are always held in software, whatever stored them. */
struct yn_pubkey {
	EVP_PKEY *pkey;
	uint8_t raw[65];
	uint8_t id[8];
};

struct yn_aeskey;
struct yn_aeskey_ops {
	const char *name;
	int (*diversify)(const struct yn_aeskey *k, const uint8_t *m, size_t m_len,
			 uint8_t out[16]);
	/* YN_ENOTSUP for a key that cannot leave its token. */
	int (*bytes)(const struct yn_aeskey *k, uint8_t out[16]);
	void (*free)(struct yn_aeskey *k);
};
struct yn_aeskey {
	const struct yn_aeskey_ops *ops;
	uint8_t key[16];	/* software keys */
};

/* ecdsa.c: software P-256 keys from a decoded EVP_PKEY (ownership of pkey
 * passes to the handle on success; on failure the caller frees it). */
int yn_p256_check(EVP_PKEY *pkey, const char *what);
int yn_privkey_from_evp(EVP_PKEY *pkey, struct yn_privkey **out);
int yn_pubkey_from_evp(EVP_PKEY *pkey, struct yn_pubkey **out);

/* ecdsa.c: EC helpers shared by the P-256 and secp224r1 code.
 * yn_ec_check: pkey is an EC key on the named curve (OpenSSL's name, or its
 * alias), YN_EBADKEY with the reason logged otherwise.
 * yn_ec_pub_check: the public point is on the curve and not at infinity.
 * yn_ec_uncompressed: export the point uncompressed from now on (done once
 * at load: handles are read-only afterwards, so threads may share them).
 * yn_ec_pub_raw: the point as 04 || X || Y of exactly raw_len bytes.
 * yn_ec_from_point: a public EVP_PKEY from an uncompressed point of
 * raw_len <= 65 bytes on curve (YN_EBADKEY if it is not one). */
int yn_ec_check(EVP_PKEY *pkey, const char *what, const char *curve, const char *alias);
int yn_ec_pub_check(EVP_PKEY *pkey);
int yn_ec_uncompressed(EVP_PKEY *pkey);
int yn_ec_pub_raw(EVP_PKEY *pkey, uint8_t *raw, size_t raw_len);
int yn_ec_from_point(const char *curve, const uint8_t *raw, size_t raw_len, EVP_PKEY **out);
/* Fixed-size r || s (each half bytes) to DER (*der from OPENSSL_malloc;
 * OPENSSL_free it) and back (sig zeroed after a failure). */
int yn_ecdsa_der_from_rs(const uint8_t *sig, size_t half, uint8_t **der, size_t *der_len);
int yn_ecdsa_rs_from_der(const uint8_t *der, size_t der_len, uint8_t *sig, size_t half);
/* ECDSA without a digest: tbs is the value that ECDSA takes as its hash
 * (OpenSSL uses its leftmost bits up to the order's length, as an integer).
 * verify: 0, YN_EBADSIG, or YN_ECRYPTO; sign: r || s into sig[2 * half]. */
int yn_ecdsa_verify_der(EVP_PKEY *pkey, const uint8_t *der, size_t der_len, const uint8_t *tbs,
			size_t tbs_len);
int yn_ecdsa_sign_der(EVP_PKEY *pkey, const uint8_t *tbs, size_t tbs_len, uint8_t *sig,
		      size_t half);

/* p224.c: secp224r1 handles from a decoded EVP_PKEY (ownership as above). */
struct yn_p224_privkey;
struct yn_p224_pubkey;
int yn_p224_privkey_from_evp(EVP_PKEY *pkey, struct yn_p224_privkey **out);
int yn_p224_pubkey_from_evp(EVP_PKEY *pkey, struct yn_p224_pubkey **out);
/* keys.c: a PEM private key from memory (refuses encrypted PEM). */
int yn_pem_read_private(const char *pem, size_t len, const char *what, EVP_PKEY **out);

#endif
