/*
 * DESFire secure messaging primitives: EV2 session keys, IVs, MACt and
 * Full-mode ciphering (desfire.md §4-§5), EV1 AES session key, enciphered
 * frames and ChangeKey cryptograms (§3).  Framing and counters belong to
 * card/; this file only turns bytes into bytes.
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <string.h>

#include "base/bytes.h"
#include "base/err.h"

/* --- EV2 --- */

/* SV = label(2) || 00 01 00 80 || RndA[0..1] || (RndA[2..7] ^ RndB[0..5]) ||
 *      RndB[6..15] || RndA[8..15]     (32 bytes, §4.2) */
static void ev2_sv(uint8_t a, uint8_t b, const uint8_t rnda[16], const uint8_t rndb[16],
		   uint8_t sv[32])
{
	int i;

	sv[0] = a;
	sv[1] = b;
	sv[2] = 0x00;
	sv[3] = 0x01;
	sv[4] = 0x00;
	sv[5] = 0x80;
	sv[6] = rnda[0];
	sv[7] = rnda[1];
	for (i = 0; i < 6; i++)
		sv[8 + i] = rnda[2 + i] ^ rndb[i];
	memcpy(sv + 14, rndb + 6, 10);
	memcpy(sv + 24, rnda + 8, 8);
}

int yn_ev2_session_keys(const uint8_t key[16], const uint8_t rnda[16], const uint8_t rndb[16],
			struct yn_ev2_keys *out)
{
	uint8_t sv[32];
	int r;

	memset(out, 0, sizeof(*out));
	ev2_sv(0xA5, 0x5A, rnda, rndb, sv);
	if ((r = yn_aes_cmac(key, sv, sizeof(sv), out->enc)) != 0)
		goto out;
	ev2_sv(0x5A, 0xA5, rnda, rndb, sv);
	r = yn_aes_cmac(key, sv, sizeof(sv), out->mac);
out:
	yn_cleanse(sv, sizeof(sv));
	if (r != 0)
		yn_cleanse(out, sizeof(*out));
	return r;
}

/* IV label block: a b || TI || ctr(LE) || 00*8, encrypted (§5.1). */
static int ev2_iv(uint8_t a, uint8_t b, const uint8_t enc[16], const uint8_t ti[4],
		  uint16_t ctr, uint8_t iv[16])
{
	uint8_t blk[16] = { a, b };

	memcpy(blk + 2, ti, 4);
	yn_put_u16le(blk + 6, ctr);
	return yn_aes128_ecb_encrypt(enc, blk, iv);
}

int yn_ev2_iv_cmd(const uint8_t enc[16], const uint8_t ti[4], uint16_t ctr, uint8_t iv[16])
{
	return ev2_iv(0xA5, 0x5A, enc, ti, ctr, iv);
}

int yn_ev2_iv_resp(const uint8_t enc[16], const uint8_t ti[4], uint16_t ctr_plus1,
		   uint8_t iv[16])
{
	return ev2_iv(0x5A, 0xA5, enc, ti, ctr_plus1, iv);
}

/* MACt over code || ctr(LE) || TI || a || b. */
static int ev2_mac(const uint8_t mac_key[16], uint8_t code, uint16_t ctr, const uint8_t ti[4],
		   const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		   uint8_t mact[YN_MACT_LEN])
{
	struct yn_cmac c;
	uint8_t head[7], full[16];
	int r;

	memset(mact, 0, YN_MACT_LEN);
	if ((a == NULL && a_len > 0) || (b == NULL && b_len > 0))
		return YN_EINVAL;
	head[0] = code;
	yn_put_u16le(head + 1, ctr);
	memcpy(head + 3, ti, 4);
	if ((r = yn_cmac_init(&c, mac_key, NULL)) != 0)
		return r;
	if ((r = yn_cmac_update(&c, head, sizeof(head))) != 0 ||
	    (r = yn_cmac_update(&c, a, a_len)) != 0 ||
	    (r = yn_cmac_update(&c, b, b_len)) != 0) {
		yn_cmac_abort(&c);
		return r;
	}
	if ((r = yn_cmac_final(&c, full, 0)) == 0)
		yn_ev2_mact(full, mact);
	yn_cleanse(full, sizeof(full));
	return r;
}

int yn_ev2_mac_cmd(const uint8_t mac_key[16], uint8_t cmd, uint16_t ctr, const uint8_t ti[4],
		   const uint8_t *hdr, size_t hdr_len, const uint8_t *data, size_t data_len,
		   uint8_t mact[YN_MACT_LEN])
{
	return ev2_mac(mac_key, cmd, ctr, ti, hdr, hdr_len, data, data_len, mact);
}

int yn_ev2_mac_resp(const uint8_t mac_key[16], uint8_t rc, uint16_t ctr_plus1,
		    const uint8_t ti[4], const uint8_t *data, size_t data_len,
		    uint8_t mact[YN_MACT_LEN])
{
	return ev2_mac(mac_key, rc, ctr_plus1, ti, data, data_len, NULL, 0, mact);
}

int yn_ev2_encrypt(const uint8_t enc[16], const uint8_t iv[16], const uint8_t *plain,
		   size_t len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t ivw[16];
	size_t padded;
	int r;

	*out_len = 0;
	if ((plain == NULL && len > 0) || out == NULL || len > SIZE_MAX - 16)
		return YN_EINVAL;
	/* ISO 9797-1 method 2, always at least one padding byte. */
	padded = (len / 16 + 1) * 16;
	if (out_cap < padded) {
		memset(out, 0, out_cap);
		return YN_ENOSPC;
	}
	if (len > 0)
		memmove(out, plain, len);
	out[len] = 0x80;
	memset(out + len + 1, 0, padded - len - 1);
	memcpy(ivw, iv, 16);
	if ((r = yn_aes128_cbc_encrypt(enc, ivw, out, out, padded)) != 0) {
		memset(out, 0, out_cap);
		return r;
	}
	*out_len = padded;
	return 0;
}

int yn_ev2_decrypt(const uint8_t enc[16], const uint8_t iv[16], const uint8_t *ct, size_t len,
		   uint8_t *out, size_t out_cap, size_t *plain_len)
{
	uint8_t ivw[16], last[16];
	size_t head, tail;
	int r, i;

	*plain_len = 0;
	if (ct == NULL || len == 0 || len % 16 != 0)
		return YN_EFORMAT;
	if (out == NULL)
		return YN_EINVAL;
	/* The plaintext is at most len - 1 bytes; the last block is decrypted
	 * aside so that out only needs to hold the plaintext. */
	head = len - 16;
	if (out_cap < head) {
		memset(out, 0, out_cap);
		return YN_ENOSPC;
	}
	memcpy(ivw, iv, 16);
	memcpy(last, ct + head, 16);
	if ((r = yn_aes128_cbc_decrypt(enc, ivw, ct, out, head)) != 0)
		goto fail;
	if ((r = yn_aes128_cbc_decrypt(enc, ivw, last, last, 16)) != 0)
		goto fail;
	/* Method 2 padding: the last non-zero byte of the last block is 80. */
	for (i = 15; i >= 0 && last[i] == 0x00; i--)
		;
	if (i < 0 || last[i] != 0x80) {
		r = YN_EFORMAT;
		goto fail;
	}
	tail = (size_t)i;
	if (out_cap - head < tail) {
		r = YN_ENOSPC;
		goto fail;
	}
	memcpy(out + head, last, tail);
	*plain_len = head + tail;
	yn_cleanse(last, sizeof(last));
	return 0;
fail:
	yn_cleanse(last, sizeof(last));
	memset(out, 0, out_cap);
	return r;
}

int yn_ev2_changekey_plain(int same_key, const uint8_t newkey[16], const uint8_t oldkey[16],
			   uint8_t ver, uint8_t out[21], size_t *out_len)
{
	uint32_t crc;
	int i;

	*out_len = 0;
	memset(out, 0, 21);
	if (same_key) {
		/* NewKey || KeyVer (AN12196 Table 26) */
		memcpy(out, newkey, 16);
		out[16] = ver;
		*out_len = 17;
		return 0;
	}
	if (oldkey == NULL)
		return YN_EINVAL;
	/* (NewKey ^ OldKey) || KeyVer || CRC32(NewKey) LE (AN12196 Table 25) */
	for (i = 0; i < 16; i++)
		out[i] = newkey[i] ^ oldkey[i];
	out[16] = ver;
	crc = yn_desfire_crc32(newkey, 16);
	yn_put_u32le(out + 17, crc);
	*out_len = 21;
	return 0;
}

/* plain (after yn_ev2_decrypt) is one of the two layouts above. */
int yn_ev2_changekey_open(int same_key, const uint8_t *plain, size_t len,
			  const uint8_t oldkey[16], uint8_t newkey[16], uint8_t *ver)
{
	uint8_t crc[4];
	int i, ok;

	memset(newkey, 0, 16);
	*ver = 0;
	if (plain == NULL)
		return YN_EINVAL;
	if (same_key) {
		if (len != 17)
			return YN_EFORMAT;
		memcpy(newkey, plain, 16);
		*ver = plain[16];
		return 0;
	}
	if (len != 21)
		return YN_EFORMAT;
	if (oldkey == NULL)
		return YN_EINVAL;
	for (i = 0; i < 16; i++)
		newkey[i] = plain[i] ^ oldkey[i];
	yn_put_u32le(crc, yn_desfire_crc32(newkey, 16));
	ok = yn_ct_equal(crc, plain + 17, 4);
	yn_cleanse(crc, sizeof(crc));	/* a CRC of the key says something about it */
	if (!ok) {
		yn_cleanse(newkey, 16);
		return YN_EBADMAC;
	}
	*ver = plain[16];
	return 0;
}

void yn_desfire_rotl1(const uint8_t in[16], uint8_t out[16])
{
	uint8_t t[16];

	memcpy(t, in + 1, 15);
	t[15] = in[0];
	memcpy(out, t, 16);
	yn_cleanse(t, sizeof(t));
}

/* --- EV1 --- */

void yn_ev1_session_key(const uint8_t rnda[16], const uint8_t rndb[16], uint8_t out[16])
{
	memcpy(out, rnda, 4);
	memcpy(out + 4, rndb, 4);
	memcpy(out + 8, rnda + 12, 4);
	memcpy(out + 12, rndb + 12, 4);
}

int yn_ev1_encrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *data, size_t len,
		   uint32_t crc, uint8_t *out, size_t out_cap, size_t *out_len)
{
	size_t padded;
	int r;

	*out_len = 0;
	if ((data == NULL && len > 0) || out == NULL || len > SIZE_MAX - 20)
		return YN_EINVAL;
	/* data || CRC32 LE || 00.. to the block boundary (§3.2) */
	padded = (len + 4 + 15) / 16 * 16;
	if (out_cap < padded) {
		memset(out, 0, out_cap);
		return YN_ENOSPC;
	}
	if (len > 0)
		memmove(out, data, len);
	yn_put_u32le(out + len, crc);
	memset(out + len + 4, 0, padded - len - 4);
	if ((r = yn_aes128_cbc_encrypt(key, iv, out, out, padded)) != 0) {
		memset(out, 0, out_cap);
		return r;
	}
	*out_len = padded;
	return 0;
}

int yn_ev1_decrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *ct, size_t len,
		   size_t data_len, const uint8_t *pre, size_t pre_len, const uint8_t *post,
		   size_t post_len, uint8_t *out, size_t out_cap)
{
	uint8_t crc[4];
	uint32_t c;
	size_t i;
	uint8_t nz = 0;
	int r;

	if (out == NULL || (pre == NULL && pre_len > 0) || (post == NULL && post_len > 0))
		return YN_EINVAL;
	if (ct == NULL || len == 0 || len % 16 != 0 || data_len > len - 4 ||
	    (data_len + 4 + 15) / 16 * 16 != len) {
		memset(out, 0, out_cap);
		return YN_EFORMAT;
	}
	if (out_cap < len) {
		memset(out, 0, out_cap);
		return YN_ENOSPC;
	}
	if ((r = yn_aes128_cbc_decrypt(key, iv, ct, out, len)) != 0)
		return r;
	c = yn_desfire_crc32_update(YN_DESFIRE_CRC32_INIT, pre, pre_len);
	c = yn_desfire_crc32_update(c, out, data_len);
	c = yn_desfire_crc32_update(c, post, post_len);
	yn_put_u32le(crc, c);
	for (i = data_len + 4; i < len; i++)
		nz |= out[i];
	r = yn_ct_equal(crc, out + data_len, 4) && nz == 0 ? 0 : YN_EBADMAC;
	yn_cleanse(crc, sizeof(crc));
	if (r != 0) {
		memset(out, 0, out_cap);
		return r;
	}
	memset(out + data_len, 0, len - data_len);
	return 0;
}

/* EV1 ChangeKey cryptogram before encryption (§3.4), CRCs over the command:
 *   same key:  new || ver || CRC32(C4 keyno new ver) || 00*11
 *   other key: (new^old) || ver || CRC32(C4 keyno (new^old) ver) ||
 *              CRC32(new) || 00*7 */
int yn_ev1_changekey_plain(int same_key, uint8_t keyno, const uint8_t newkey[16],
			   const uint8_t oldkey[16], uint8_t ver, uint8_t out[32])
{
	uint8_t hdr[2] = { 0xC4, keyno };
	uint32_t c;
	int i;

	memset(out, 0, 32);
	if (!same_key && oldkey == NULL)
		return YN_EINVAL;
	for (i = 0; i < 16; i++)
		out[i] = same_key ? newkey[i] : (uint8_t)(newkey[i] ^ oldkey[i]);
	out[16] = ver;
	c = yn_desfire_crc32_update(YN_DESFIRE_CRC32_INIT, hdr, 2);
	c = yn_desfire_crc32_update(c, out, 17);
	yn_put_u32le(out + 17, c);
	if (!same_key)
		yn_put_u32le(out + 21, yn_desfire_crc32(newkey, 16));
	return 0;
}

int yn_ev1_changekey_open(int same_key, uint8_t keyno, const uint8_t plain[32],
			  const uint8_t oldkey[16], uint8_t newkey[16], uint8_t *ver)
{
	uint8_t expect[32];
	int i, r;

	memset(newkey, 0, 16);
	*ver = 0;
	if (!same_key && oldkey == NULL)
		return YN_EINVAL;
	for (i = 0; i < 16; i++)
		newkey[i] = same_key ? plain[i] : (uint8_t)(plain[i] ^ oldkey[i]);
	/* Rebuild the whole cryptogram from the recovered key and compare:
	 * that checks both CRCs and the zero padding at once. */
	if ((r = yn_ev1_changekey_plain(same_key, keyno, newkey, oldkey, plain[16], expect)) != 0)
		goto fail;
	if (!yn_ct_equal(expect, plain, 32)) {
		r = YN_EBADMAC;
		goto fail;
	}
	*ver = plain[16];
	yn_cleanse(expect, sizeof(expect));
	return 0;
fail:
	yn_cleanse(expect, sizeof(expect));
	yn_cleanse(newkey, 16);
	return r;
}
