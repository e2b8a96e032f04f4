/*
 * PICC, application and key commands of the software card: GetVersion,
 * SelectApplication, GetApplicationIDs, GetFreeMemory, Create/Delete
 * Application, FormatPICC, GetKeySettings, GetKeyVersion,
 * ChangeKeySettings, ChangeKey, GetCardUID, ReadSig (desfire.md §6).
 */
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/cmd_int.h"
#include "card/emu/emu_int.h"

int emu_cmdh_get_version(struct ctx *x)
{
	static const uint8_t hw[7] = { 0x04, 0x01, 0x01, 0x12, 0x00, 0x1A, 0x05 };
	static const uint8_t sw[7] = { 0x04, 0x01, 0x01, 0x12, 0x00, 0x1A, 0x05 };
	static const uint8_t batch[5] = { 0x59, 0x4E, 0x45, 0x4D, 0x55 };	/* "YNEMU" */
	struct yn_emu *c = x->c;
	uint8_t *p = x->rp->buf;
	int st;

	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	memcpy(p, hw, 7);
	memcpy(p + 7, sw, 7);
	memset(p + 14, 0, 7);
	memcpy(p + 14, c->uid, c->uid_len < 7 ? c->uid_len : 7);
	memcpy(p + 21, batch, 5);
	p[26] = 0x01;	/* production week */
	p[27] = 0x26;	/* production year */
	x->rp->len = 28;
	return 0;
}

/* SelectApplication: AID (3, LSB first); 000000 = PICC level. */
int emu_cmdh_select(struct ctx *x)
{
	struct yn_emu *c = x->c;
	uint32_t aid;
	size_t i;

	if (x->len != 3)
		FAIL(x, ST_LENGTH);
	aid = yn_get_u24le(x->data);
	emu_drop_session(c);
	x->nowrap = 1;
	if (aid == 0) {
		c->sel = NULL;
		return 0;
	}
	for (i = 0; i < EMU_MAX_APPS; i++)
		if (c->apps[i] != NULL && c->apps[i]->aid == aid) {
			c->sel = c->apps[i];
			return 0;
		}
	c->sel = NULL;
	FAIL(x, ST_APP_NOT_FOUND);
}

int emu_cmdh_get_app_ids(struct ctx *x)
{
	struct yn_emu *c = x->c;
	size_t i, n = 0;
	int st;

	if (c->sel != NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = emu_cmd_need_list(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	for (i = 0; i < EMU_MAX_APPS; i++)
		if (c->apps[i] != NULL) {
			yn_put_u24le(x->rp->buf + n, c->apps[i]->aid);
			n += 3;
		}
	x->rp->len = n;
	return 0;
}

int emu_cmdh_get_free_memory(struct ctx *x)
{
	int st;

	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	yn_put_u24le(x->rp->buf, (uint32_t)emu_free_memory(x->c));
	x->rp->len = 3;
	return 0;
}

/*
 * CreateApplication: AID(3) KS1 KS2 [ISO FID(2) if KS2 bit 5] [DF name 1..16]
 */
int emu_cmdh_create_app(struct ctx *x)
{
	struct yn_emu *c = x->c;
	struct emu_app *a = NULL;
	struct yn_rd rd;
	uint32_t aid;
	uint8_t ks1, ks2;
	uint16_t fid = 0;
	size_t i, slot = EMU_MAX_APPS, nlen;
	int st, r;

	if (c->sel != NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = emu_cmd_need_create(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	yn_rd_init(&rd, x->m.body, x->m.body_len);
	if (yn_rd_u24le(&rd, &aid) != 0 || yn_rd_u8(&rd, &ks1) != 0 || yn_rd_u8(&rd, &ks2) != 0)
		FAIL(x, ST_LENGTH);
	if ((ks2 & 0x20) && yn_rd_u16le(&rd, &fid) != 0)
		FAIL(x, ST_LENGTH);
	nlen = yn_rd_left(&rd);
	if (nlen > EMU_DFNAME_MAX)
		FAIL(x, ST_LENGTH);
	/* AES applications only; no KS3 (docs/emulator.md). */
	if (aid == 0 || (ks2 & 0xC0) != 0x80 || (ks2 & 0x10) || (ks2 & 0x0F) == 0 ||
	    (ks2 & 0x0F) > EMU_MAX_KEYS)
		FAIL(x, ST_PARAMETER);
	for (i = 0; i < EMU_MAX_APPS; i++) {
		const struct emu_app *o = c->apps[i];

		if (o == NULL) {
			if (slot == EMU_MAX_APPS)
				slot = i;
			continue;
		}
		if (o->aid == aid || ((ks2 & 0x20) && o->has_fid && o->fid == fid) ||
		    (nlen > 0 && o->dfname_len == nlen && memcmp(o->dfname, yn_rd_cur(&rd), nlen) == 0))
			FAIL(x, ST_DUPLICATE);
	}
	if (slot == EMU_MAX_APPS)
		FAIL(x, ST_COUNT);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return YN_ENOMEM;
	a->aid = aid;
	a->ks1 = ks1;
	a->ks2 = ks2 & 0xAF;
	a->has_fid = (ks2 & 0x20) != 0;
	a->fid = fid;
	a->dfname_len = nlen;
	memcpy(a->dfname, yn_rd_cur(&rd), nlen);
	a->nkeys = ks2 & 0x0F;
	if (emu_app_charge(a) > emu_free_memory(c)) {
		emu_app_free(a);
		FAIL(x, ST_OUT_OF_EEPROM);
	}
	r = emu_nv_atomic(c, emu_app_charge(a));
	if (r == EMU_TORN) {
		emu_app_free(a);
		return r;
	}
	c->apps[slot] = a;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

int emu_cmdh_delete_app(struct ctx *x)
{
	struct yn_emu *c = x->c;
	uint32_t aid;
	size_t i;
	int st, r;

	if (x->len < 3)
		FAIL(x, ST_LENGTH);
	aid = yn_get_u24le(x->data);
	for (i = 0; i < EMU_MAX_APPS; i++)
		if (c->apps[i] != NULL && c->apps[i]->aid == aid)
			break;
	if (i == EMU_MAX_APPS)
		FAIL(x, ST_APP_NOT_FOUND);
	/* The PICC master key, or the application's own master key while
	 * it is selected. */
	if (c->sel != NULL && c->sel != c->apps[i])
		FAIL(x, ST_PERMISSION);
	if ((st = emu_cmd_need_master(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 3)
		FAIL(x, ST_LENGTH);
	r = emu_nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	if (c->sel == c->apps[i]) {
		/* Answered in the closing session, then back to PICC level. */
		emu_tx_discard(c->sel);
		c->sel = NULL;
		x->drop_after = 1;
	}
	emu_app_free(c->apps[i]);
	c->apps[i] = NULL;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

int emu_cmdh_format(struct ctx *x)
{
	struct yn_emu *c = x->c;
	size_t i;
	int st, r;

	if (c->sel != NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = emu_cmd_need_master(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	r = emu_nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	for (i = 0; i < EMU_MAX_APPS; i++) {
		emu_app_free(c->apps[i]);
		c->apps[i] = NULL;
	}
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

int emu_cmdh_get_key_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st;

	if ((st = emu_cmd_need_list(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	x->rp->buf[0] = emu_cmd_level_ks1(c);
	x->rp->buf[1] = c->sel != NULL ? c->sel->ks2 : 0x81;
	x->rp->len = 2;
	return 0;
}

int emu_cmdh_get_key_version(struct ctx *x)
{
	struct yn_emu *c = x->c;
	uint8_t k;
	int st;

	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 1)
		FAIL(x, ST_LENGTH);
	k = x->m.body[0];
	if (c->sel == NULL) {
		if ((k & 0x3F) != 0)
			FAIL(x, ST_NO_SUCH_KEY);
		x->rp->buf[0] = c->picc_key.ver;
	} else {
		if (k >= c->sel->nkeys)
			FAIL(x, ST_NO_SUCH_KEY);
		x->rp->buf[0] = c->sel->keys[k].ver;
	}
	x->rp->len = 1;
	return 0;
}

/* ChangeKeySettings: E(new KS1), master key, KS1 bit 3. */
int emu_cmdh_change_key_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st, r;

	if ((st = emu_cmd_need_master(c)) != ST_OK)
		FAIL(x, st);
	if (!(emu_cmd_level_ks1(c) & 0x08))
		FAIL(x, ST_PERMISSION);
	if ((st = emu_cmd_unwrap(x, CM_FULL, 0, 0, 1, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 1)
		FAIL(x, ST_LENGTH);
	if (c->sel == NULL && (x->m.body[0] & 0xF0) != 0)
		FAIL(x, ST_PARAMETER);
	r = emu_nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	if (c->sel != NULL)
		c->sel->ks1 = x->m.body[0];
	else
		c->picc_ks1 = x->m.body[0];
	x->mode = CM_MAC;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

/*
 * ChangeKey: KeyNo || cryptogram (desfire.md §3.4, §5.3).
 *   EV2, same key:  E(new || ver)
 *   EV2, other key: E((new^old) || ver || CRC32(new))
 *   EV1, same key:  E(new || ver || CRC32(cmd..ver))
 *   EV1, other key: E((new^old) || ver || CRC32(cmd..ver) || CRC32(new))
 */
int emu_cmdh_change_key(struct ctx *x)
{
	struct yn_emu *c = x->c;
	struct emu_key *key;
	uint8_t keyno, k, rule, newkey[16];
	int same, st, r, i;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	keyno = x->data[0];
	if (c->sel == NULL) {
		if ((keyno & 0x3F) != 0)
			FAIL(x, ST_NO_SUCH_KEY);
		/* AES only: the PICC key type bits must say AES. */
		if ((keyno & 0xC0) != 0x80)
			FAIL(x, ST_PARAMETER);
		k = 0;
		key = &c->picc_key;
	} else {
		k = keyno;
		if (k >= c->sel->nkeys)
			FAIL(x, ST_NO_SUCH_KEY);
		key = &c->sel->keys[k];
	}
	if (!emu_cmd_authed(c))
		FAIL(x, ST_AUTH);
	if (k == 0) {
		if (c->s.keyno != 0 || !(emu_cmd_level_ks1(c) & 0x01))
			FAIL(x, ST_PERMISSION);
	} else {
		rule = c->sel->ks1 >> 4;
		if (rule == 0xF || (rule == 0xE && c->s.keyno != k) ||
		    (rule != 0xE && c->s.keyno != rule))
			FAIL(x, ST_PERMISSION);
	}
	same = c->s.keyno == k;
	st = emu_cmd_unwrap(x, CM_FULL, 1, 0, 17, same ? 0 : 4);
	if (st != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != (same ? 17u : 21u))
		FAIL(x, c->s.kind == AUTH_EV2 ? ST_INTEGRITY : ST_LENGTH);
	for (i = 0; i < 16; i++)
		newkey[i] = (uint8_t)(x->m.body[i] ^ (same ? 0 : key->k[i]));
	if (!same && yn_desfire_crc32(newkey, 16) != yn_get_u32le(x->m.body + 17)) {
		yn_cleanse(newkey, sizeof(newkey));
		FAIL(x, ST_INTEGRITY);
	}
	r = emu_nv_atomic(c, 17);
	if (r != EMU_TORN) {
		memcpy(key->k, newkey, 16);
		key->ver = x->m.body[16];
	}
	yn_cleanse(newkey, sizeof(newkey));
	yn_cleanse(x->m.body, sizeof(x->m.body));
	if (r == EMU_TORN || r == NV_APPLY_TORN)
		return EMU_TORN;
	if (same) {
		/* The session key came from the key just replaced. */
		emu_drop_session(c);
		x->nowrap = 1;
	} else {
		x->mode = CM_MAC;
	}
	return 0;
}

int emu_cmdh_get_card_uid(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st;

	if (!emu_cmd_authed(c))
		FAIL(x, ST_AUTH);
	if ((st = emu_cmd_unwrap(x, CM_FULL, 0, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	memcpy(x->rp->buf, c->uid, c->uid_len);
	x->rp->len = c->uid_len;
	return 0;
}

/* ReadSig 3C: Addr(1) = 00 -> signature, status 90.  Plain without a
 * session; EV1: plain with the response CMAC; EV2: Full (as NTAG 424). */
int emu_cmdh_read_sig(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st;

	if ((st = emu_cmd_unwrap(x, c->s.kind == AUTH_EV2 ? CM_FULL : CM_PLAIN, 1, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->len < 1 || x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	if (x->data[0] != 0x00)
		FAIL(x, ST_PARAMETER);
	memcpy(x->rp->buf, c->sig, EMU_SIG_LEN);
	x->rp->len = EMU_SIG_LEN;
	x->rp->status = ST_SIGNATURE;
	return 0;
}
