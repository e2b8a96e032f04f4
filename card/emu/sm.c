/*
 * Authentication and secure messaging, card side.
 *
 * EV1 AES (0xAA, desfire.md §3): one session key, one running IV that every
 * CMAC, encryption and decryption continues; every command is CMACed by
 * both sides (the MAC travels only where the file mode asks for it); every
 * OK response carries a CMAC, or is enciphered with a CRC32.
 * EV2 (0x71/0x77, §4-§5): separate ENC/MAC session keys, TI and CmdCtr;
 * per-command IVs; MACt on MAC and Full commands and responses only.
 */
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "card/emu/emu_int.h"

static void rotl1(const uint8_t in[16], uint8_t out[16])
{
	memmove(out, in + 1, 15);
	out[15] = in[0];
}

/* AES-CBC with a fresh zero IV (every EV2 authentication frame). */
static int cbc_enc0(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n)
{
	uint8_t iv[16] = { 0 };

	return yn_aes128_cbc_encrypt(key, iv, in, out, n);
}

static int cbc_dec0(const uint8_t key[16], const uint8_t *in, uint8_t *out, size_t n)
{
	uint8_t iv[16] = { 0 };

	return yn_aes128_cbc_decrypt(key, iv, in, out, n);
}

static void session_clear(struct emu_session *s, int keep_ti)
{
	uint8_t ti[4];
	uint16_t ctr = s->ctr;
	int have = s->have_ti;

	memcpy(ti, s->ti, 4);
	yn_cleanse(s, sizeof(*s));
	if (keep_ti && have) {
		memcpy(s->ti, ti, 4);
		s->ctr = ctr;
		s->have_ti = 1;
	}
}

/*
 * First frame of an authentication.
 *   AA KeyNo                        (EV1 AES)
 *   71 KeyNo LenCap PCDcap2[LenCap] (EV2 First, LenCap 0..6)
 *   77 KeyNo                        (EV2 NonFirst: needs an EV2 session)
 * Answer: AF || E(K, RndB).
 */
int emu_sm_auth_start(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len,
		      struct emu_reply *rp)
{
	struct yn_rd rd;
	uint8_t keyno, lencap = 0;
	const struct emu_key *key;
	int nonfirst_ok = c->s.kind == AUTH_EV2 && c->s.have_ti;
	int r;

	/* Starting an authentication ends the current one and, like
	 * AbortTransaction, discards the pending transaction. */
	memset(&c->pa, 0, sizeof(c->pa));
	session_clear(&c->s, cmd == 0x77);
	emu_tx_discard(c->sel);

	yn_rd_init(&rd, data, len);
	if (yn_rd_u8(&rd, &keyno) != 0)
		return rp->status = ST_LENGTH, 0;
	if (cmd == 0x71) {
		if (yn_rd_u8(&rd, &lencap) != 0 || lencap > 6 ||
		    yn_rd_bytes(&rd, c->pa.pcdcap2, lencap) != 0)
			return rp->status = ST_LENGTH, 0;
	}
	if (yn_rd_end(&rd) != 0)
		return rp->status = ST_LENGTH, 0;
	if (cmd == 0x77 && !nonfirst_ok) {
		session_clear(&c->s, 0);
		return rp->status = ST_AUTH, 0;
	}
	if (c->sel == NULL) {
		if (keyno != 0)
			return rp->status = ST_NO_SUCH_KEY, 0;
		key = &c->picc_key;
	} else {
		if (keyno >= c->sel->nkeys)
			return rp->status = ST_NO_SUCH_KEY, 0;
		key = &c->sel->keys[keyno];
	}
	if ((r = emu_random(c, c->pa.rndb, 16)) != 0)
		return r;
	if ((r = cbc_enc0(key->k, c->pa.rndb, c->pa.ek_rndb, 16)) != 0)
		return r;
	memcpy(c->pa.key, key->k, 16);
	c->pa.active = 1;
	c->pa.cmd = cmd;
	c->pa.keyno = keyno;
	memcpy(rp->buf, c->pa.ek_rndb, 16);
	rp->len = 16;
	rp->status = ST_MORE;
	return 0;
}

/*
 * Second frame: AF || E(K, RndA || RndB') (32 bytes).
 * Answer (EV1):      00 || E(K, RndA')                    IV = last block received
 * Answer (EV2First): 00 || E(K, TI || RndA' || PDcap2 || PCDcap2)
 * Answer (NonFirst): 00 || E(K, RndA')
 */
int emu_sm_auth_step(struct yn_emu *c, const uint8_t *data, size_t len, struct emu_reply *rp)
{
	struct emu_pending_auth pa = c->pa;
	uint8_t plain[32], rnda[16], rot[16], out[32], iv[16];
	int r = 0;

	memset(&c->pa, 0, sizeof(c->pa));
	if (len != 32) {
		rp->status = ST_LENGTH;
		goto out;
	}
	if (pa.cmd == 0xAA) {
		memcpy(iv, pa.ek_rndb, 16);
		r = yn_aes128_cbc_decrypt(pa.key, iv, data, plain, 32);
	} else {
		r = cbc_dec0(pa.key, data, plain, 32);
	}
	if (r != 0)
		goto out;
	memcpy(rnda, plain, 16);
	rotl1(pa.rndb, rot);
	if (!yn_ct_equal(rot, plain + 16, 16)) {
		rp->status = ST_AUTH;
		goto out;
	}
	rotl1(rnda, rot);
	if (pa.cmd == 0xAA) {
		memcpy(iv, data + 16, 16);
		if ((r = yn_aes128_cbc_encrypt(pa.key, iv, rot, out, 16)) != 0)
			goto out;
		session_clear(&c->s, 0);
		yn_ev1_session_key(rnda, pa.rndb, c->s.sk);
		c->s.kind = AUTH_EV1;
		memcpy(rp->buf, out, 16);
		rp->len = 16;
	} else {
		struct yn_ev2_keys keys;

		if ((r = yn_ev2_session_keys(pa.key, rnda, pa.rndb, &keys)) != 0)
			goto out;
		if (pa.cmd == 0x71) {
			uint8_t m[32];

			session_clear(&c->s, 0);
			if ((r = emu_random(c, c->s.ti, 4)) != 0)
				goto out;
			c->s.ctr = 0;
			c->s.have_ti = 1;
			memcpy(m, c->s.ti, 4);
			memcpy(m + 4, rot, 16);
			memset(m + 20, 0, 6);			/* PDcap2 */
			memcpy(m + 26, pa.pcdcap2, 6);		/* echoed, zero-padded */
			r = cbc_enc0(pa.key, m, out, 32);
			yn_cleanse(m, sizeof(m));
			if (r != 0)
				goto out;
			memcpy(rp->buf, out, 32);
			rp->len = 32;
		} else {
			session_clear(&c->s, 1);
			if ((r = cbc_enc0(pa.key, rot, out, 16)) != 0)
				goto out;
			memcpy(rp->buf, out, 16);
			rp->len = 16;
		}
		c->s.ev2 = keys;
		yn_cleanse(&keys, sizeof(keys));
		c->s.kind = AUTH_EV2;
	}
	c->s.keyno = pa.keyno;
	rp->status = ST_OK;
out:
	yn_cleanse(&pa, sizeof(pa));
	yn_cleanse(plain, sizeof(plain));
	yn_cleanse(rnda, sizeof(rnda));
	yn_cleanse(rot, sizeof(rot));
	return r;
}

/* EV1 CMAC over cmd || parts, continuing the running IV. */
static int ev1_mac(struct yn_emu *c, uint8_t cmd, const uint8_t *a, size_t alen,
		   const uint8_t *b, size_t blen, uint8_t mac8[8])
{
	uint8_t *buf = c->scratch;

	if (alen + blen > EMU_CHAIN_MAX)
		return YN_EINTERNAL;
	buf[0] = cmd;
	if (alen > 0)
		memcpy(buf + 1, a, alen);
	if (blen > 0)
		memcpy(buf + 1 + alen, b, blen);
	return yn_ev1_cmac(c->s.sk, c->s.iv, buf, 1 + alen + blen, mac8, NULL);
}

static uint32_t crc_cmd(uint8_t *buf, uint8_t cmd, const uint8_t *hdr, size_t hdr_len,
			const uint8_t *p, size_t n)
{
	if (hdr_len + n > EMU_CHAIN_MAX)
		return 0;
	buf[0] = cmd;
	if (hdr_len > 0)
		memcpy(buf + 1, hdr, hdr_len);
	if (n > 0)
		memcpy(buf + 1 + hdr_len, p, n);
	return yn_desfire_crc32(buf, 1 + hdr_len + n);
}

static int unwrap_ev1(struct yn_emu *c, struct sm_cmd *m, const uint8_t *rest, size_t rest_len)
{
	uint8_t mac[8], plain[EMU_CHAIN_MAX];
	size_t p, i, need;
	int tx_mac = m->ev1_tx_mac, r;

	if (m->mode == CM_MAC && tx_mac < 0)
		tx_mac = rest_len == m->ev1_plain_len + 8;
	if (m->mode == CM_PLAIN || (m->mode == CM_MAC && !tx_mac) ||
	    (m->mode == CM_FULL && rest_len == 0)) {
		/* Nothing protected on the wire: both sides still run the
		 * CMAC over the command to keep the IV in step. */
		if ((r = ev1_mac(c, m->cmd, m->raw, m->raw_len, NULL, 0, mac)) != 0)
			return r;
		memcpy(m->body, rest, rest_len);
		m->body_len = rest_len;
		return ST_OK;
	}
	if (m->mode == CM_MAC) {
		if (rest_len < 8)
			return ST_LENGTH;
		if ((r = ev1_mac(c, m->cmd, m->raw, m->raw_len - 8, NULL, 0, mac)) != 0)
			return r;
		if (!yn_ct_equal(mac, rest + rest_len - 8, 8))
			return ST_INTEGRITY;
		memcpy(m->body, rest, rest_len - 8);
		m->body_len = rest_len - 8;
		return ST_OK;
	}
	/* Full: E(data || CRC32(cmd || hdr || data) || [extra] || 00-pad) */
	p = m->ev1_plain_len;
	need = (p + 4 + m->ev1_extra + 15) / 16 * 16;
	if (rest_len != need)
		return ST_LENGTH;
	if ((r = yn_aes128_cbc_decrypt(c->s.sk, c->s.iv, rest, plain, rest_len)) != 0)
		return r;
	r = ST_OK;
	if (crc_cmd(c->scratch, m->cmd, m->hdr, m->hdr_len, plain, p) != yn_get_u32le(plain + p))
		r = ST_INTEGRITY;
	for (i = p + 4 + m->ev1_extra; i < rest_len; i++)
		if (plain[i] != 0)
			r = ST_INTEGRITY;
	if (r == ST_OK) {
		memcpy(m->body, plain, p);
		memcpy(m->body + p, plain + p + 4, m->ev1_extra);
		m->body_len = p + m->ev1_extra;
	}
	yn_cleanse(plain, sizeof(plain));
	return r;
}

static int unwrap_ev2(struct yn_emu *c, struct sm_cmd *m, const uint8_t *rest, size_t rest_len)
{
	uint8_t mac[8], iv[16];
	size_t dlen;
	int r;

	if (m->mode == CM_PLAIN) {
		memcpy(m->body, rest, rest_len);
		m->body_len = rest_len;
		return ST_OK;
	}
	if (rest_len < 8)
		return ST_LENGTH;
	dlen = rest_len - 8;
	if ((r = yn_ev2_mac_cmd(c->s.ev2.mac, m->cmd, c->s.ctr, c->s.ti, m->hdr, m->hdr_len,
				rest, dlen, mac)) != 0)
		return r;
	if (!yn_ct_equal(mac, rest + dlen, 8))
		return ST_INTEGRITY;
	if (m->mode == CM_MAC || dlen == 0) {
		memcpy(m->body, rest, dlen);
		m->body_len = dlen;
		return ST_OK;
	}
	if ((r = yn_ev2_iv_cmd(c->s.ev2.enc, c->s.ti, c->s.ctr, iv)) != 0)
		return r;
	r = yn_ev2_decrypt(c->s.ev2.enc, iv, rest, dlen, m->body, sizeof(m->body), &m->body_len);
	return r == 0 ? ST_OK : ST_INTEGRITY;
}

int emu_sm_unwrap(struct yn_emu *c, struct sm_cmd *m)
{
	const uint8_t *rest;
	size_t rest_len;

	m->body_len = 0;
	if (m->raw_len < m->hdr_len)
		return ST_LENGTH;
	m->hdr = m->raw;
	rest = m->raw + m->hdr_len;
	rest_len = m->raw_len - m->hdr_len;
	switch (c->s.kind) {
	case AUTH_EV1:
		return unwrap_ev1(c, m, rest, rest_len);
	case AUTH_EV2:
		return unwrap_ev2(c, m, rest, rest_len);
	default:
		memcpy(m->body, rest, rest_len);
		m->body_len = rest_len;
		return ST_OK;
	}
}

int emu_sm_wrap(struct yn_emu *c, int mode, struct emu_reply *rp)
{
	uint8_t *tmp = c->scratch;
	uint8_t mac[8], iv[16];
	size_t n;
	int r;

	if (c->s.kind == AUTH_EV1) {
		/* an answer without data (a Full-mode write) carries a CMAC */
		if (mode != CM_FULL || rp->len == 0) {
			if (rp->len + 8 > EMU_CHAIN_MAX)
				return YN_EINTERNAL;
			memcpy(tmp, rp->buf, rp->len);
			tmp[rp->len] = rp->status;
			if ((r = yn_ev1_cmac(c->s.sk, c->s.iv, tmp, rp->len + 1, mac, NULL)) != 0)
				return r;
			memcpy(rp->buf + rp->len, mac, 8);
			rp->len += 8;
			return 0;
		}
		n = (rp->len + 4 + 15) / 16 * 16;
		if (n > EMU_CHAIN_MAX)
			return YN_EINTERNAL;
		memcpy(tmp, rp->buf, rp->len);
		tmp[rp->len] = rp->status;
		yn_put_u32le(rp->buf + rp->len, yn_desfire_crc32(tmp, rp->len + 1));
		memset(rp->buf + rp->len + 4, 0, n - rp->len - 4);
		r = yn_aes128_cbc_encrypt(c->s.sk, c->s.iv, rp->buf, rp->buf, n);
		rp->len = n;
		return r;
	}
	if (c->s.kind != AUTH_EV2)
		return 0;
	if (mode == CM_FULL && rp->len > 0) {
		if ((r = yn_ev2_iv_resp(c->s.ev2.enc, c->s.ti, (uint16_t)(c->s.ctr + 1), iv)) != 0)
			return r;
		r = yn_ev2_encrypt(c->s.ev2.enc, iv, rp->buf, rp->len, tmp, EMU_CHAIN_MAX + 64, &n);
		if (r != 0)
			return r;
		memcpy(rp->buf, tmp, n);
		rp->len = n;
	}
	if (mode != CM_PLAIN) {
		if (rp->len + 8 > EMU_CHAIN_MAX)
			return YN_EINTERNAL;
		if ((r = yn_ev2_mac_resp(c->s.ev2.mac, rp->status, (uint16_t)(c->s.ctr + 1), c->s.ti,
					 rp->buf, rp->len, mac)) != 0)
			return r;
		memcpy(rp->buf + rp->len, mac, 8);
		rp->len += 8;
	}
	c->s.ctr++;
	return 0;
}
