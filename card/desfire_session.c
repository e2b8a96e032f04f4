/*
 * EV2 session: AuthenticateEV2First / NonFirst (desfire.md §4) and secure
 * messaging (§5.1): CmdCtr, IVs, MACt on commands and responses, Full-mode
 * encryption.  The response MAC is checked, in constant time, before any
 * response byte is decrypted or returned.
 */
#include "card/desfire_int.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"

static int default_rng(void *ctx, uint8_t *p, size_t n)
{
	(void)ctx;
	return yn_random(p, n);
}

void yn_desfire_init(struct yn_desfire *df, struct yn_reader *reader)
{
	memset(df, 0, sizeof(*df));
	df->reader = reader;
	df->frame_max = YN_DESFIRE_FRAME_DEFAULT;
	df->ins_set = YN_DESFIRE_INS_NATIVE;
	df->rng = default_rng;
	df->log_level = YN_LOG_ERR;
}

void yn_df_drop(struct yn_desfire *df)
{
	df->authenticated = 0;
	df->auth_key = 0;
	df->cmd_ctr = 0;
	yn_cleanse(&df->keys, sizeof(df->keys));
	yn_cleanse(df->ti, sizeof(df->ti));
}

int yn_df_bad_answer(struct yn_desfire *df)
{
	yn_df_drop(df);
	return YN_EPROTO;
}

void yn_desfire_reset(struct yn_desfire *df)
{
	yn_df_drop(df);
	df->aid = 0;
	yn_cleanse(df->msg, sizeof(df->msg));
	yn_cleanse(df->rsp, sizeof(df->rsp));
}

int yn_desfire_set_frame_max(struct yn_desfire *df, size_t n)
{
	if (n < 1 || n > YN_DESFIRE_FRAME_MAX)
		return YN_ERANGE;
	df->frame_max = n;
	return 0;
}

void yn_desfire_set_rng(struct yn_desfire *df, yn_desfire_rng_fn rng, void *ctx)
{
	df->rng = rng != NULL ? rng : default_rng;
	df->rng_ctx = rng != NULL ? ctx : NULL;
}

void yn_desfire_set_session(struct yn_desfire *df, const struct yn_ev2_keys *keys,
			    const uint8_t ti[4], uint16_t cmd_ctr, uint8_t key_no)
{
	df->keys = *keys;
	memcpy(df->ti, ti, 4);
	df->cmd_ctr = cmd_ctr;
	df->auth_key = key_no;
	df->authenticated = 1;
}

int yn_desfire_is_authenticated(const struct yn_desfire *df)
{
	return df->authenticated;
}

/* Secure the command into df->msg: hdr || data (Plain), hdr || data || MACt
 * (MAC), hdr || E(pad(data)) || MACt (Full). */
static int build_command(struct yn_desfire *df, const struct yn_df_cmd *c, int secure,
			 size_t *len)
{
	struct yn_wr w;
	uint8_t iv[16], mact[YN_MACT_LEN];
	uint8_t *ct;
	size_t ct_len = 0, room;
	int r;

	*len = 0;
	yn_wr_init(&w, df->msg, sizeof(df->msg));
	if ((r = yn_wr_bytes(&w, c->hdr, c->hdr_len)) != 0)
		goto out;
	if (!secure || c->comm == YN_DESFIRE_PLAIN) {
		r = yn_wr_bytes(&w, c->data, c->data_len);
		goto done;
	}
	if (c->comm == YN_DESFIRE_MAC || c->data_len == 0) {
		if ((r = yn_wr_bytes(&w, c->data, c->data_len)) != 0)
			goto out;
	} else {
		room = yn_wr_room(&w);
		if (room < YN_MACT_LEN) {
			r = YN_ENOSPC;
			goto out;
		}
		ct = df->msg + w.len;
		if ((r = yn_ev2_iv_cmd(df->keys.enc, df->ti, df->cmd_ctr, iv)) != 0 ||
		    (r = yn_ev2_encrypt(df->keys.enc, iv, c->data, c->data_len, ct,
					room - YN_MACT_LEN, &ct_len)) != 0)
			goto out;
		if ((r = yn_wr_reserve(&w, ct_len, &ct)) != 0)
			goto out;
	}
	if ((r = yn_ev2_mac_cmd(df->keys.mac, c->ins, df->cmd_ctr, df->ti, c->hdr, c->hdr_len,
				df->msg + c->hdr_len, w.len - c->hdr_len, mact)) != 0 ||
	    (r = yn_wr_bytes(&w, mact, sizeof(mact))) != 0)
		goto out;
done:
	if (r == 0)
		*len = w.len;
out:
	if (r == YN_ENOSPC || r == YN_EINVAL) {
		df_log(df, "DESFire %s%s%s: command of %zu bytes exceeds the %d-byte limit",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, c->hdr_len + c->data_len,
		       YN_DESFIRE_MSG_MAX);
		r = YN_ERANGE;
	}
	yn_cleanse(iv, sizeof(iv));
	return r;
}

/* Copy the response data to the caller. */
static int deliver(const struct yn_df_cmd *c, const uint8_t *data, size_t n, uint8_t *out,
		   size_t cap, size_t *out_len)
{
	if (n == 0)
		return 0;
	if (out == NULL) {
		yn_err("DESFire %s%s%s: unexpected %zu bytes of data in the answer",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, n);
		return YN_EPROTO;
	}
	if (n > cap) {
		yn_err("DESFire %s%s%s: the card's answer (%zu bytes) is longer than the "
		       "%zu bytes expected", yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, n, cap);
		return YN_ENOSPC;
	}
	memcpy(out, data, n);
	*out_len = n;
	return 0;
}

/*
 * Secured response layout (§5.1), in df->rsp after the status:
 *   Plain:  data
 *   MAC:    data || MACt(8)
 *   Full:   E(pad(data)) || MACt(8)     (no ciphertext when there is no data)
 */
int yn_df_command(struct yn_desfire *df, const struct yn_df_cmd *c, uint8_t *out, size_t cap,
		  size_t *out_len, uint64_t deadline)
{
	uint8_t sw2 = 0, mact[YN_MACT_LEN], iv[16];
	size_t len = 0, rlen = 0, dlen, plen = 0;
	int secure = df->authenticated, r;
	uint16_t next;

	*out_len = 0;
	if (out != NULL && cap > 0)
		memset(out, 0, cap);
	if (!secure && (c->comm != YN_DESFIRE_PLAIN || (c->flags & DF_F_NEED_AUTH))) {
		df_log(df, "DESFire %s%s%s: needs an authenticated session and none is open",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what);
		return YN_ENOTAUTH;
	}
	if (secure && df->cmd_ctr == 0xFFFF) {
		/* The counter would wrap: the card refuses, so do we. */
		df_log(df, "DESFire %s%s%s: command counter exhausted, authenticate again",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what);
		yn_df_drop(df);
		return YN_ENOTAUTH;
	}
	if ((r = build_command(df, c, secure, &len)) != 0)
		return r;	/* nothing was sent: the session stands */
	r = yn_df_transceive(df, c->ins, df->msg, len, c->flags, c->what, &sw2, &rlen, deadline);
	yn_cleanse(df->msg, len);
	if (r != 0)
		goto fail;
	if (!(sw2 == DF_ST_OK || (sw2 == DF_ST_SIGNATURE && (c->flags & DF_F_STATUS90)))) {
		r = yn_df_status_fail(df, c->ins, c->what, sw2);
		goto fail;
	}
	if (!secure)
		return deliver(c, df->rsp, rlen, out, cap, out_len);

	next = (uint16_t)(df->cmd_ctr + 1);
	if (c->flags & DF_F_NO_RESP_MAC) {
		/* The card ended the session with this command. */
		yn_df_drop(df);
		if (rlen != 0) {
			df_log(df, "DESFire %s%s%s: %zu unexpected bytes after the session ended",
			       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, rlen);
			return YN_EPROTO;
		}
		return 0;
	}
	if (c->comm == YN_DESFIRE_PLAIN) {
		df->cmd_ctr = next;
		return deliver(c, df->rsp, rlen, out, cap, out_len);
	}
	if (rlen < YN_MACT_LEN) {
		df_log(df, "DESFire %s%s%s: answer of %zu bytes has no MAC where one was due",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, rlen);
		r = YN_EPROTO;
		goto fail;
	}
	dlen = rlen - YN_MACT_LEN;
	if ((r = yn_ev2_mac_resp(df->keys.mac, sw2, next, df->ti, df->rsp, dlen, mact)) != 0)
		goto fail;
	if (!yn_ct_equal(mact, df->rsp + dlen, YN_MACT_LEN)) {
		df_log(df, "DESFire %s%s%s: the card's answer fails its MAC: wrong key, or the "
		       "answer was altered; session dropped", yn_df_cmd_name(c->ins), DF_SP(c->what), c->what);
		r = YN_EBADMAC;
		goto fail;
	}
	df->cmd_ctr = next;
	if (c->comm == YN_DESFIRE_MAC || dlen == 0)
		return deliver(c, df->rsp, dlen, out, cap, out_len);

	/* Full: MAC verified, now decrypt into df->msg. */
	if (dlen % 16 != 0) {
		df_log(df, "DESFire %s%s%s: enciphered answer of %zu bytes is not whole blocks",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, dlen);
		r = YN_EPROTO;
		goto fail;
	}
	if ((r = yn_ev2_iv_resp(df->keys.enc, df->ti, next, iv)) != 0)
		goto fail;
	r = yn_ev2_decrypt(df->keys.enc, iv, df->rsp, dlen, df->msg, sizeof(df->msg), &plen);
	yn_cleanse(iv, sizeof(iv));
	if (r != 0) {
		df_log(df, "DESFire %s%s%s: enciphered answer has bad padding (%s)",
		       yn_df_cmd_name(c->ins), DF_SP(c->what), c->what, yn_strerror(r));
		r = YN_EPROTO;
		goto fail;
	}
	r = deliver(c, df->msg, plen, out, cap, out_len);
	yn_cleanse(df->msg, dlen);
	return r;

fail:
	/* A real card drops the session on any error status; we also drop it
	 * on anything that leaves the counter or the card's state in doubt. */
	if (df->authenticated) {
		yn_df_drop(df);
		yn_info("DESFire session dropped after %s", yn_df_cmd_name(c->ins));
	}
	yn_cleanse(iv, sizeof(iv));
	*out_len = 0;
	return r;
}

/* --- authentication --- */

/* RndB' / RndA': rotate left by one byte. */
static void rotl1(const uint8_t in[16], uint8_t out[16])
{
	memcpy(out, in + 1, 15);
	out[15] = in[0];
}

/* One authentication step: exactly want bytes of data with status expect. */
static int auth_step(struct yn_desfire *df, uint8_t ins, const uint8_t *body, size_t len,
		     unsigned flags, uint8_t expect, size_t want, const char *what,
		     uint64_t deadline)
{
	uint8_t sw2 = 0;
	size_t rlen = 0;
	int r;

	/* One APDU per step whatever frame_max says: 91 AF here means "next
	 * step", so a step must never be split. */
	r = yn_df_transceive(df, ins, body, len, DF_F_RAW_AF | DF_F_ONE_APDU | flags, what, &sw2,
			     &rlen, deadline);
	if (r != 0)
		return r;
	if (sw2 != expect)
		return yn_df_status_fail(df, ins, what, sw2);
	if (rlen != want) {
		df_log(df, "DESFire %s%s%s: answer of %zu bytes, %zu expected", yn_df_cmd_name(ins),
		       DF_SP(what), what, rlen, want);
		return YN_EPROTO;
	}
	return 0;
}

/*
 * EV2First:  71 KeyNo 00       -> AF E(K, RndB)(16)
 *            AF E(K, RndA || RndB')(32) -> 00 E(K, TI(4) RndA'(16) PDcap2(6) PCDcap2(6))
 * EV2NonFirst: 77 KeyNo        -> AF E(K, RndB)(16)
 *            AF E(K, RndA || RndB')(32) -> 00 E(K, RndA')(16)
 * Every step is AES-CBC with a zero IV (§4.1).
 */
static int authenticate(struct yn_desfire *df, int first, uint8_t key_no, const uint8_t key[16],
			uint64_t deadline)
{
	uint8_t ins = first ? DF_INS_AUTH_EV2_FIRST : DF_INS_AUTH_EV2_NONFIRST;
	uint8_t body[32], rnda[16], rndb[16], rot[16], plain[32], iv[16], ti[4];
	struct yn_ev2_keys keys;
	char what[16];
	size_t want = first ? 32 : 16;
	int r;

	memset(&keys, 0, sizeof(keys));
	memset(ti, 0, sizeof(ti));
	snprintf(what, sizeof(what), "key %u", key_no);
	if (!first && !df->authenticated) {
		df_log(df, "DESFire AuthenticateEV2NonFirst %s: no session to continue", what);
		return YN_ENOTAUTH;
	}
	if (first)
		yn_df_drop(df);

	body[0] = key_no;
	body[1] = 0x00;	/* LenCap: no PCDcap2 */
	if ((r = auth_step(df, ins, body, first ? 2 : 1, 0, DF_ST_MORE, 16, what, deadline)) != 0)
		goto out;
	if ((r = yn_aes128_ecb_decrypt(key, df->rsp, rndb)) != 0)
		goto out;
	if ((r = df->rng(df->rng_ctx, rnda, sizeof(rnda))) != 0) {
		df_log(df, "DESFire %s%s%s: no random bytes for RndA", yn_df_cmd_name(ins), DF_SP(what), what);
		goto out;
	}
	memcpy(plain, rnda, 16);
	rotl1(rndb, plain + 16);
	memset(iv, 0, sizeof(iv));
	if ((r = yn_aes128_cbc_encrypt(key, iv, plain, body, 32)) != 0)
		goto out;
	if ((r = auth_step(df, ins, body, 32, DF_F_CONTINUE, DF_ST_OK, want, what, deadline)) != 0)
		goto out;
	memset(iv, 0, sizeof(iv));
	if ((r = yn_aes128_cbc_decrypt(key, iv, df->rsp, plain, want)) != 0)
		goto out;
	rotl1(rnda, rot);
	if (!yn_ct_equal(rot, first ? plain + 4 : plain, 16)) {
		df_log(df, "DESFire %s%s%s: the card did not prove it holds the key (RndA' "
		       "mismatch): wrong key, or not a genuine card", yn_df_cmd_name(ins), DF_SP(what), what);
		r = YN_EBADMAC;
		goto out;
	}
	if ((r = yn_ev2_session_keys(key, rnda, rndb, &keys)) != 0)
		goto out;
	if (first) {
		memcpy(ti, plain, 4);
		yn_desfire_set_session(df, &keys, ti, 0, key_no);
	} else {
		df->keys = keys;
		df->auth_key = key_no;
	}
	r = 0;
out:
	if (r != 0 && df->authenticated) {
		/* A failed authentication leaves the card unauthenticated. */
		yn_df_drop(df);
	}
	yn_cleanse(rnda, sizeof(rnda));
	yn_cleanse(rndb, sizeof(rndb));
	yn_cleanse(rot, sizeof(rot));
	yn_cleanse(plain, sizeof(plain));
	yn_cleanse(body, sizeof(body));
	yn_cleanse(&keys, sizeof(keys));
	yn_cleanse(df->rsp, sizeof(plain));
	return r;
}

int yn_desfire_auth_ev2_first(struct yn_desfire *df, uint8_t key_no, const uint8_t key[16],
			      uint64_t deadline)
{
	return authenticate(df, 1, key_no, key, deadline);
}

int yn_desfire_auth_ev2_nonfirst(struct yn_desfire *df, uint8_t key_no, const uint8_t key[16],
				 uint64_t deadline)
{
	return authenticate(df, 0, key_no, key, deadline);
}
