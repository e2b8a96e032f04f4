/*
 * AES-128 block and CBC operations, AES-CMAC (RFC 4493) with DESFire's two
 * truncations, and AN10922 diversification.
 *
 * CMAC is built here on the AES-CBC context rather than on OpenSSL's
 * EVP_MAC: EV1 needs a chain that starts at the running IV and AN10922 pads
 * to 32 bytes, neither of which EVP_MAC offers, and re-keying EVP_MAC's CMAC
 * allocates a fresh cipher context on every call.  One implementation
 * serves all three and is checked against the RFC 4493 vectors and against
 * OpenSSL's own CMAC in tests/unit/test_crypto.c.
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <string.h>

#include "base/err.h"

/* Run one cipher pass on ctx: set key/iv/direction, then len bytes. */
static int cipher_run(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *iv, int enc,
		      const uint8_t *in, uint8_t *out, size_t len, const char *what)
{
	int outl = 0;

	if (EVP_CipherInit_ex2(ctx, NULL, key, iv, enc, NULL) != 1)
		return yn_ossl_fail(what, YN_ECRYPTO);
	while (len > 0) {
		int chunk = len > 1u << 24 ? 1 << 24 : (int)len;

		if (EVP_CipherUpdate(ctx, out, &outl, in, chunk) != 1)
			return yn_ossl_fail(what, YN_ECRYPTO);
		if (outl != chunk)
			return yn_ossl_fail(what, YN_EINTERNAL);
		in += chunk;
		out += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

static int ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16], int enc)
{
	struct yn_tctx *t = yn_tctx();
	int r;

	if (t == NULL) {
		memset(out, 0, 16);
		return YN_ECRYPTO;
	}
	r = cipher_run(t->ecb, key, NULL, enc, in, out, 16, enc ? "AES-128-ECB encrypt" :
		       "AES-128-ECB decrypt");
	if (r != 0)
		memset(out, 0, 16);
	return r;
}

int yn_aes128_ecb_encrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	return ecb(key, in, out, 1);
}

int yn_aes128_ecb_decrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	return ecb(key, in, out, 0);
}

static int cbc(const uint8_t key[16], uint8_t iv[16], const uint8_t *in, uint8_t *out,
	       size_t len, int enc)
{
	struct yn_tctx *t;
	uint8_t next_iv[16];
	int r;

	if (len % YN_AES_BLOCK != 0 || (len > 0 && (in == NULL || out == NULL)))
		return YN_EINVAL;
	if (len == 0)
		return 0;
	if ((t = yn_tctx()) == NULL) {
		memset(out, 0, len);
		return YN_ECRYPTO;
	}
	/* Decrypting in place overwrites the last ciphertext block: keep it. */
	if (!enc)
		memcpy(next_iv, in + len - 16, 16);
	r = cipher_run(t->cbc, key, iv, enc, in, out, len,
		       enc ? "AES-128-CBC encrypt" : "AES-128-CBC decrypt");
	if (r != 0) {
		memset(out, 0, len);
		return r;
	}
	if (enc)
		memcpy(next_iv, out + len - 16, 16);
	memcpy(iv, next_iv, 16);
	return 0;
}

int yn_aes128_cbc_encrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *in,
			  uint8_t *out, size_t len)
{
	return cbc(key, iv, in, out, len, 1);
}

int yn_aes128_cbc_decrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *in,
			  uint8_t *out, size_t len)
{
	return cbc(key, iv, in, out, len, 0);
}

/* --- CMAC --- */

/* Doubling in GF(2^128) as RFC 4493 2.3 defines it for the subkeys. */
static void dbl(const uint8_t in[16], uint8_t out[16])
{
	uint8_t carry = in[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		out[i] = (uint8_t)((in[i] << 1) | (in[i + 1] >> 7));
	/* Constant time: the mask is 0x87 or 0 from the top bit. */
	out[15] = (uint8_t)((in[15] << 1) ^ (0x87 & (0u - carry)));
}

void yn_cmac_abort(struct yn_cmac *c)
{
	yn_cleanse(c, sizeof(*c));
}

int yn_cmac_init(struct yn_cmac *c, const uint8_t key[16], const uint8_t iv[16])
{
	static const uint8_t zero[16];
	struct yn_tctx *t;
	uint8_t l[16];
	int r;

	memset(c, 0, sizeof(*c));
	if ((t = yn_tctx()) == NULL)
		return YN_ECRYPTO;
	c->ctx = t->cbc;
	/* L = AES-K(0): CBC with a zero IV over one zero block. */
	if ((r = cipher_run(c->ctx, key, zero, 1, zero, l, 16, "CMAC subkeys")) != 0)
		goto out;
	dbl(l, c->k1);
	dbl(c->k1, c->k2);
	/* Same key schedule, chain restarted at the caller's IV. */
	if (EVP_CipherInit_ex2(c->ctx, NULL, NULL, iv != NULL ? iv : zero, 1, NULL) != 1)
		r = yn_ossl_fail("CMAC init", YN_ECRYPTO);
out:
	yn_cleanse(l, sizeof(l));
	if (r != 0)
		yn_cmac_abort(c);
	return r;
}

/* Feed whole blocks through the chain; only the chaining value matters. */
static int cmac_blocks(struct yn_cmac *c, const uint8_t *p, size_t n)
{
	uint8_t scratch[256];
	int outl, r = 0;

	while (n > 0) {
		size_t chunk = n > sizeof(scratch) ? sizeof(scratch) : n;

		if (EVP_CipherUpdate(c->ctx, scratch, &outl, p, (int)chunk) != 1 ||
		    outl != (int)chunk) {
			r = yn_ossl_fail("CMAC update", YN_ECRYPTO);
			break;
		}
		p += chunk;
		n -= chunk;
	}
	yn_cleanse(scratch, sizeof(scratch));
	return r;
}

int yn_cmac_update(struct yn_cmac *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t take, whole;
	int r;

	if (n == 0)
		return 0;
	c->total += n;
	/* The last block is held back until final, since it gets a subkey. */
	if (c->buf_len + n <= 16) {
		memcpy(c->buf + c->buf_len, p, n);
		c->buf_len += n;
		return 0;
	}
	take = 16 - c->buf_len;
	memcpy(c->buf + c->buf_len, p, take);
	p += take;
	n -= take;
	if ((r = cmac_blocks(c, c->buf, 16)) != 0)
		return r;
	/* n > 0 here; keep 1..16 bytes back. */
	whole = (n - 1) / 16 * 16;
	if (whole > 0 && (r = cmac_blocks(c, p, whole)) != 0)
		return r;
	p += whole;
	n -= whole;
	memcpy(c->buf, p, n);
	c->buf_len = n;
	return 0;
}

int yn_cmac_final(struct yn_cmac *c, uint8_t mac[16], int prepadded)
{
	const uint8_t *k;
	uint8_t last[16];
	int outl = 0, r = 0, i;

	memset(mac, 0, 16);
	if (prepadded) {
		if (c->buf_len != 16) {
			r = YN_EINTERNAL;
			goto out;
		}
		k = c->k2;
	} else if (c->total > 0 && c->buf_len == 16) {
		k = c->k1;
	} else {
		memset(c->buf + c->buf_len, 0, 16 - c->buf_len);
		c->buf[c->buf_len] = 0x80;
		k = c->k2;
	}
	for (i = 0; i < 16; i++)
		last[i] = c->buf[i] ^ k[i];
	if (EVP_CipherUpdate(c->ctx, mac, &outl, last, 16) != 1 || outl != 16) {
		memset(mac, 0, 16);
		r = yn_ossl_fail("CMAC final", YN_ECRYPTO);
	}
out:
	yn_cleanse(last, sizeof(last));
	yn_cmac_abort(c);
	return r;
}

static int cmac_iv(const uint8_t key[16], const uint8_t iv[16], const void *msg, size_t len,
		   uint8_t mac[16])
{
	struct yn_cmac c;
	int r;

	if (msg == NULL && len > 0) {
		memset(mac, 0, 16);
		return YN_EINVAL;
	}
	if ((r = yn_cmac_init(&c, key, iv)) != 0) {
		memset(mac, 0, 16);
		return r;
	}
	if ((r = yn_cmac_update(&c, msg, len)) != 0) {
		yn_cmac_abort(&c);
		memset(mac, 0, 16);
		return r;
	}
	return yn_cmac_final(&c, mac, 0);
}

int yn_aes_cmac(const uint8_t key[16], const void *msg, size_t len, uint8_t mac[16])
{
	return cmac_iv(key, NULL, msg, len, mac);
}

void yn_ev2_mact(const uint8_t mac[16], uint8_t mact[YN_MACT_LEN])
{
	uint8_t t[YN_MACT_LEN];
	int i;

	/* Through a copy so that mact may alias mac. */
	for (i = 0; i < YN_MACT_LEN; i++)
		t[i] = mac[2 * i + 1];
	memcpy(mact, t, YN_MACT_LEN);
	yn_cleanse(t, sizeof(t));
}

int yn_ev1_cmac(const uint8_t key[16], uint8_t iv[16], const void *msg, size_t len,
		uint8_t mac8[8], uint8_t full[16])
{
	uint8_t m[16];
	int r;

	memset(mac8, 0, 8);
	if (full != NULL)
		memset(full, 0, 16);
	if ((r = cmac_iv(key, iv, msg, len, m)) != 0)
		return r;
	memcpy(iv, m, 16);
	memcpy(mac8, m, 8);
	if (full != NULL)
		memcpy(full, m, 16);
	yn_cleanse(m, sizeof(m));
	return 0;
}

int yn_an10922_aes128(const uint8_t master[16], const uint8_t *m, size_t m_len,
		      uint8_t out[16])
{
	struct yn_cmac c;
	uint8_t d[32];
	int r;

	memset(out, 0, 16);
	if (m == NULL || m_len < 1 || m_len > 31)
		return YN_EINVAL;
	/* D = 01 || M, padded with 80 00.. to 32 bytes unless already 32
	 * (AN10922 2.2: shorter inputs are padded to two blocks, not one). */
	memset(d, 0, sizeof(d));
	d[0] = 0x01;
	memcpy(d + 1, m, m_len);
	if (m_len < 31)
		d[1 + m_len] = 0x80;
	if ((r = yn_cmac_init(&c, master, NULL)) != 0)
		goto out;
	if ((r = yn_cmac_update(&c, d, sizeof(d))) != 0) {
		yn_cmac_abort(&c);
		goto out;
	}
	r = yn_cmac_final(&c, out, m_len < 31);
out:
	yn_cleanse(d, sizeof(d));
	return r;
}
