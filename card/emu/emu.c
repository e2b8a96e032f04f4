/*
 * The software DESFire EV2 card: life cycle, power, the ISO 7816-4 wrapping
 * of native commands and 0xAF chaining in both directions.  The commands
 * themselves are in cmd.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "card/apdu.h"
#include "card/emu/emu.h"
#include "card/emu/emu_int.h"
#include "card/emu/emu_test.h"

/* The emulator's test CA (docs/emulator.md "Originality signature"): a
 * secp224r1 key, as NXP's originality keys are.  Its private half is public
 * on purpose: it proves nothing but "made by this emulator", which is all a
 * test needs, and no real card is signed with it. */
static const char test_ca_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MHgCAQAwEAYHKoZIzj0CAQYFK4EEACEEYTBfAgEBBBx7iCylYDFzAiRl6ns6nc7h\n"
	"vNzXub0qPt8RfS0eoTwDOgAEmC+Fsucobm+It/yjWPfa+JHOszsJMKAA0+njut+B\n"
	"Qx9RmUoRARMIhlKGQrHlhajOR1DZdOHXwA4=\n"
	"-----END PRIVATE KEY-----\n";

const uint8_t yn_emu_test_ca_pub[YN_P224_PUB_LEN] = {
	0x04, 0x98, 0x2f, 0x85, 0xb2, 0xe7, 0x28, 0x6e, 0x6f, 0x88, 0xb7, 0xfc,
	0xa3, 0x58, 0xf7, 0xda, 0xf8, 0x91, 0xce, 0xb3, 0x3b, 0x09, 0x30, 0xa0,
	0x00, 0xd3, 0xe9, 0xe3, 0xba, 0xdf, 0x81, 0x43, 0x1f, 0x51, 0x99, 0x4a,
	0x11, 0x01, 0x13, 0x08, 0x86, 0x52, 0x86, 0x42, 0xb1, 0xe5, 0x85, 0xa8,
	0xce, 0x47, 0x50, 0xd9, 0x74, 0xe1, 0xd7, 0xc0, 0x0e,
};

static const uint8_t atr_bytes[] = { 0x3B, 0x81, 0x80, 0x01, 0x80, 0x80 };
static const uint8_t ats_bytes[] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };

int emu_random(struct yn_emu *c, uint8_t *p, size_t n)
{
	size_t k = c->rng_len - c->rng_off;

	if (k > n)
		k = n;
	memcpy(p, c->rng + c->rng_off, k);
	c->rng_off += k;
	return k == n ? 0 : yn_random(p + k, n - k);
}

void emu_drop_session(struct yn_emu *c)
{
	yn_cleanse(&c->s, sizeof(c->s));
	yn_cleanse(&c->pa, sizeof(c->pa));
	emu_tx_discard(c->sel);
}

static void reset_volatile(struct yn_emu *c)
{
	emu_drop_session(c);
	c->sel = NULL;
	c->chain = CH_NONE;
	c->chain_len = c->chain_off = c->chain_expect = 0;
}

static struct yn_emu *card_alloc(void)
{
	struct yn_emu *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->chain_buf = malloc(EMU_CHAIN_MAX + 64);
	c->scratch = malloc(EMU_CHAIN_MAX + 64);
	c->rbuf = malloc(EMU_CHAIN_MAX + 64);
	if (c->chain_buf == NULL || c->scratch == NULL || c->rbuf == NULL) {
		yn_emu_free(c);
		return NULL;
	}
	return c;
}

int emu_sign_uid(const uint8_t *uid, size_t uid_len, const char *key_uri,
		 uint8_t sig[EMU_SIG_LEN])
{
	struct yn_p224_privkey *k = NULL;
	int r;

	memset(sig, 0, EMU_SIG_LEN);
	if (key_uri == NULL)
		r = yn_p224_privkey_from_pem(test_ca_pem, sizeof(test_ca_pem) - 1, &k);
	else
		r = yn_p224_privkey_load(key_uri, &k);
	if (r != 0) {
		if (key_uri != NULL)
			yn_err("emu: %s: not usable as the card's originality key (a secp224r1 "
			       "private key, PEM, mode 0600)", key_uri);
		return r;
	}
	r = yn_p224_sign_raw(k, uid, uid_len, sig);
	yn_p224_privkey_free(k);
	return r;
}

static int blank(const uint8_t *uid, size_t uid_len, const char *sig_key, struct yn_emu **out)
{
	struct yn_emu *c;
	int r;

	*out = NULL;
	if (uid == NULL || (uid_len != 4 && uid_len != 7 && uid_len != 10))
		return YN_EINVAL;
	if ((c = card_alloc()) == NULL)
		return YN_ENOMEM;
	memcpy(c->uid, uid, uid_len);
	c->uid_len = uid_len;
	c->picc_ks1 = 0x0F;
	if ((r = emu_sign_uid(uid, uid_len, sig_key, c->sig)) != 0) {
		yn_emu_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int yn_emu_new_blank(const uint8_t *uid, size_t uid_len, struct yn_emu **out)
{
	return blank(uid, uid_len, NULL, out);
}

int yn_emu_create_file_signed(const char *path, const uint8_t *uid, size_t uid_len,
			      const char *sig_key_uri)
{
	struct yn_emu *c = NULL;
	int fd, r;

	if ((r = blank(uid, uid_len, sig_key_uri, &c)) != 0)
		return r;
	/* Claim the name first so that an existing card is never replaced. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = errno == EEXIST ? YN_EEXIST : YN_EIO;
		if (r == YN_EIO)
			yn_err("emu: cannot create %s: %s", path, strerror(errno));
		yn_emu_free(c);
		return r;
	}
	close(fd);
	r = emu_state_save(c, path);
	if (r != 0)
		unlink(path);
	yn_emu_free(c);
	return r;
}

int yn_emu_create_file(const char *path, const uint8_t *uid, size_t uid_len)
{
	return yn_emu_create_file_signed(path, uid, uid_len, NULL);
}

int yn_emu_load(const char *path, struct yn_emu **out)
{
	struct yn_emu *c;
	int r;

	*out = NULL;
	if ((c = card_alloc()) == NULL)
		return YN_ENOMEM;
	if ((r = emu_state_load(path, c)) != 0) {
		yn_emu_free(c);
		return r;
	}
	if ((c->path = strdup(path)) == NULL) {
		yn_emu_free(c);
		return YN_ENOMEM;
	}
	*out = c;
	return 0;
}

void yn_emu_free(struct yn_emu *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < EMU_MAX_APPS; i++)
		emu_app_free(c->apps[i]);
	if (c->chain_buf != NULL)
		yn_cleanse(c->chain_buf, EMU_CHAIN_MAX + 64);
	if (c->scratch != NULL)
		yn_cleanse(c->scratch, EMU_CHAIN_MAX + 64);
	if (c->rbuf != NULL)
		yn_cleanse(c->rbuf, EMU_CHAIN_MAX + 64);
	free(c->chain_buf);
	free(c->scratch);
	free(c->rbuf);
	free(c->path);
	yn_cleanse(c, sizeof(*c));
	free(c);
}

void yn_emu_power_on(struct yn_emu *c)
{
	reset_volatile(c);
	c->powered = 1;
	c->commands = 0;
	c->nv_writes = 0;
}

void yn_emu_power_off(struct yn_emu *c)
{
	reset_volatile(c);
	c->powered = 0;
}

void yn_emu_reset(struct yn_emu *c)
{
	reset_volatile(c);
}

int yn_emu_uid(const struct yn_emu *c, uint8_t uid[10], size_t *uid_len)
{
	memcpy(uid, c->uid, c->uid_len);
	*uid_len = c->uid_len;
	return 0;
}

void yn_emu_atr(const struct yn_emu *c, uint8_t atr[33], size_t *atr_len)
{
	(void)c;
	memcpy(atr, atr_bytes, sizeof(atr_bytes));
	*atr_len = sizeof(atr_bytes);
}

void yn_emu_iso14443a(const struct yn_emu *c, uint16_t *atqa, uint8_t *sak, uint8_t ats[16],
		      size_t *ats_len)
{
	/* ATQA 0x0344: double-size UID (7 bytes); 0x0004 for a 4-byte UID. */
	*atqa = c->uid_len == 4 ? 0x0004 : c->uid_len == 10 ? 0x0384 : 0x0344;
	*sak = 0x20;
	memcpy(ats, ats_bytes, sizeof(ats_bytes));
	*ats_len = sizeof(ats_bytes);
}

void yn_emu_tear_after(struct yn_emu *c, unsigned n)
{
	c->tear_cmd = n;
}

void yn_emu_tear_in_write(struct yn_emu *c, unsigned n, size_t bytes)
{
	c->tear_write = n;
	c->tear_bytes = bytes;
}

unsigned yn_emu_command_count(const struct yn_emu *c)
{
	return c->commands;
}

unsigned yn_emu_write_count(const struct yn_emu *c)
{
	return c->nv_writes;
}

void yn_emu_set_test_rng(struct yn_emu *c, const uint8_t *bytes, size_t len)
{
	if (len > sizeof(c->rng))
		len = sizeof(c->rng);
	memcpy(c->rng, bytes, len);
	c->rng_len = len;
	c->rng_off = 0;
}

void yn_emu_test_set_ev2_session(struct yn_emu *c, uint8_t keyno, const uint8_t enc[16],
				 const uint8_t mac[16], const uint8_t ti[4], uint16_t ctr)
{
	emu_drop_session(c);
	c->s.kind = AUTH_EV2;
	c->s.keyno = keyno;
	memcpy(c->s.ev2.enc, enc, 16);
	memcpy(c->s.ev2.mac, mac, 16);
	memcpy(c->s.ti, ti, 4);
	c->s.ctr = ctr;
	c->s.have_ti = 1;
}

void yn_emu_test_set_ev1_session(struct yn_emu *c, uint8_t keyno, const uint8_t sk[16])
{
	emu_drop_session(c);
	c->s.kind = AUTH_EV1;
	c->s.keyno = keyno;
	memcpy(c->s.sk, sk, 16);
}

int yn_emu_test_session(const struct yn_emu *c, uint8_t *keyno, uint16_t *ctr)
{
	if (keyno != NULL)
		*keyno = c->s.keyno;
	if (ctr != NULL)
		*ctr = c->s.ctr;
	return c->s.kind;
}

/* Emit the next chained response frame into rp. */
static void next_frame(struct yn_emu *c, struct emu_reply *rp)
{
	size_t left = c->chain_len - c->chain_off, n = EMU_FRAME_MAX;

	if (c->chain_frame_idx < 3 && c->chain_frames[c->chain_frame_idx] != 0)
		n = c->chain_frames[c->chain_frame_idx];
	c->chain_frame_idx++;
	if (n >= left) {
		n = left;
		rp->status = c->chain_status;
		c->chain = CH_NONE;
	} else {
		rp->status = ST_MORE;
	}
	memcpy(rp->buf, c->chain_buf + c->chain_off, n);
	rp->len = n;
	c->chain_off += n;
}

static int is_error(uint8_t st)
{
	return st != ST_OK && st != ST_MORE && st != ST_SIGNATURE;
}

/* One native command frame (INS = command byte). */
static int native(struct yn_emu *c, uint8_t ins, const uint8_t *data, size_t len,
		  struct emu_reply *rp)
{
	int iso = ins == 0x8D || ins == 0xAD || ins == 0x8B || ins == 0xAB;
	size_t expect;
	int r;

	if (ins == 0xAF) {
		if (c->chain == CH_RESP_OUT) {
			if (len != 0) {
				c->chain = CH_NONE;
				rp->status = ST_LENGTH;
				return 0;
			}
			next_frame(c, rp);
			return 0;
		}
		if (c->chain == CH_CMD_IN) {
			if (len > EMU_CHAIN_MAX - c->chain_len) {
				c->chain = CH_NONE;
				rp->status = ST_LENGTH;
				return 0;
			}
			memcpy(c->chain_buf + c->chain_len, data, len);
			c->chain_len += len;
			if (c->chain_len < c->chain_expect) {
				rp->status = ST_MORE;
				return 0;
			}
			c->chain = CH_NONE;
			ins = c->chain_cmd;
			data = c->chain_buf;
			len = c->chain_len;
			goto execute;
		}
		if (c->pa.active)
			return emu_sm_auth_step(c, data, len, rp);
		rp->status = ST_ILLEGAL_COMMAND;
		return 0;
	}
	if (c->chain != CH_NONE) {
		/* A new command while frames are outstanding. */
		c->chain = CH_NONE;
		rp->status = ST_ABORTED;
		return 0;
	}
	/* A new command abandons an authentication half way. */
	if (c->pa.active)
		memset(&c->pa, 0, sizeof(c->pa));
	if (ins == 0xAA || ins == 0x71 || ins == 0x77)
		return emu_sm_auth_start(c, ins, data, len, rp);
	expect = iso ? 0 : emu_cmd_expected_len(c, ins, data, len);
	if (expect > len && expect <= EMU_CHAIN_MAX) {
		memcpy(c->chain_buf, data, len);
		c->chain_len = len;
		c->chain_expect = expect;
		c->chain_cmd = ins;
		c->chain = CH_CMD_IN;
		rp->status = ST_MORE;
		return 0;
	}
execute:
	r = emu_cmd_execute(c, ins, data, len, iso, rp);
	if (r != 0)
		return r;
	/* ReadSig answers in one frame (status 90), as a real card does. */
	if (!iso && ins != 0x3C && rp->status != ST_MORE &&
	    (rp->len > EMU_FRAME_MAX || ins == 0x60)) {
		/* Long answer: 91 AF frames; GetVersion always answers in
		 * its three frames 7 / 7 / 14 (+ MAC). */
		memcpy(c->chain_buf, rp->buf, rp->len);
		c->chain_len = rp->len;
		c->chain_off = 0;
		c->chain_status = rp->status;
		c->chain_frame_idx = 0;
		memset(c->chain_frames, 0, sizeof(c->chain_frames));
		if (ins == 0x60) {
			c->chain_frames[0] = 7;
			c->chain_frames[1] = 7;
			c->chain_frames[2] = rp->len - 14;
		}
		c->chain = CH_RESP_OUT;
		next_frame(c, rp);
	}
	return 0;
}

static int put_sw(uint8_t *resp, size_t cap, size_t *resp_len, const uint8_t *data, size_t n,
		  uint8_t sw1, uint8_t sw2)
{
	if (cap < 2 || n > cap - 2)
		return YN_ENOSPC;
	if (n > 0)
		memcpy(resp, data, n);
	resp[n] = sw1;
	resp[n + 1] = sw2;
	*resp_len = n + 2;
	return 0;
}

static int lose_power(struct yn_emu *c)
{
	int r = 0;

	yn_emu_power_off(c);
	c->tear_cmd = 0;
	c->tear_write = 0;
	if (c->nv_dirty && c->path != NULL)
		r = emu_state_save(c, c->path);
	c->nv_dirty = 0;
	return r != 0 ? r : YN_ECARDGONE;
}

int yn_emu_transmit(struct yn_emu *c, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		    size_t resp_cap, size_t *resp_len)
{
	struct emu_reply rp = { .status = ST_OK, .buf = c->rbuf, .len = 0 };
	struct yn_apdu a;
	int r;

	*resp_len = 0;
	if (!c->powered)
		return YN_ECARDGONE;
	c->commands++;
	c->nv_dirty = 0;
	if (yn_apdu_parse(cmd, cmd_len, &a) != 0) {
		r = put_sw(resp, resp_cap, resp_len, NULL, 0, 0x67, 0x00);
		goto done;
	}
	if (a.cla == 0xFF && a.ins == 0xCA) {
		/* PC/SC part 3 GET DATA: P1 00 = UID; nothing else here. */
		if (a.p1 == 0x00 && a.p2 == 0x00)
			r = put_sw(resp, resp_cap, resp_len, c->uid, c->uid_len, 0x90, 0x00);
		else
			r = put_sw(resp, resp_cap, resp_len, NULL, 0, 0x6A, 0x81);
		goto done;
	}
	if (a.cla != 0x90) {
		r = put_sw(resp, resp_cap, resp_len, NULL, 0, a.cla == 0x00 ? 0x6D : 0x6E, 0x00);
		goto done;
	}
	if (a.p1 != 0 || a.p2 != 0) {
		r = put_sw(resp, resp_cap, resp_len, NULL, 0, 0x6A, 0x86);
		goto done;
	}
	r = native(c, a.ins, a.data, a.lc, &rp);
	if (r == EMU_TORN)
		return lose_power(c);
	if (r != 0) {
		yn_err("emu: command %02X failed inside the card: %s", a.ins, yn_strerror(r));
		emu_drop_session(c);
		c->chain = CH_NONE;
		rp.len = 0;
		rp.status = ST_ABORTED;
	}
	if (is_error(rp.status)) {
		/* Any error ends the session and the transaction (§2.1). */
		emu_drop_session(c);
		c->chain = CH_NONE;
		rp.len = 0;
	}
	r = put_sw(resp, resp_cap, resp_len, rp.buf, rp.len, 0x91, rp.status);
done:
	if (c->tear_cmd != 0 && --c->tear_cmd == 0) {
		*resp_len = 0;
		return lose_power(c);
	}
	if (c->nv_dirty && c->path != NULL) {
		int e = emu_state_save(c, c->path);

		c->nv_dirty = 0;
		if (e != 0) {
			*resp_len = 0;
			return e;
		}
	}
	c->nv_dirty = 0;
	if (r != 0)
		*resp_len = 0;
	return r;
}
