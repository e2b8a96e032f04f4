/*
 * The native DESFire command set, card side: parsing, access rules (key
 * settings and file access rights, desfire.md §6.2), communication modes and
 * the command semantics of §6.  Choices where NXP is silent are in
 * docs/emulator.md; the order in which a command is checked is always:
 * header length (7E), application / file existence (A0/F0), access (AE
 * without a session, 9D with the wrong key), MAC/CRC/padding (1E), then
 * parameters (9E, 7E) and limits (BE).
 */
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/emu_int.h"

struct ctx {
	struct yn_emu *c;
	uint8_t cmd;
	int iso;
	const uint8_t *data;
	size_t len;
	struct emu_reply *rp;
	int mode;		/* how the response is protected */
	int nowrap;		/* the session ended: answer without protection */
	int drop_after;		/* end the session after answering */
	struct sm_cmd m;
};

#define FAIL(x, st) do { (x)->rp->status = (st); return 0; } while (0)

static int authed(const struct yn_emu *c)
{
	return c->s.kind != AUTH_NONE;
}

/* Nibble values in access rights. */
#define AR_FREE 0xE
#define AR_NEVER 0xF
#define AR_R(ar) (((ar) >> 12) & 0xF)
#define AR_W(ar) (((ar) >> 8) & 0xF)
#define AR_RW(ar) (((ar) >> 4) & 0xF)
#define AR_CAR(ar) ((ar) & 0xF)

/* Unwrap the command data in the given mode; ST_* result. */
static int unwrap_as(struct ctx *x, int mode, size_t hdr_len, int ev1_tx_mac, size_t plain_len,
		     size_t extra)
{
	x->m.cmd = x->cmd;
	x->m.raw = x->data;
	x->m.raw_len = x->len;
	x->m.mode = mode;
	x->m.hdr_len = hdr_len;
	x->m.ev1_tx_mac = ev1_tx_mac;
	x->m.ev1_plain_len = plain_len;
	x->m.ev1_extra = extra;
	x->mode = mode;
	return sm_unwrap(x->c, &x->m);
}

/* Commands whose mode does not depend on a file: MAC when a session is
 * open (EV1: CMAC computed, not sent; EV2: MACt sent both ways). */
static int unwrap_mac_class(struct ctx *x, size_t hdr_len)
{
	return unwrap_as(x, authed(x->c) ? CM_MAC : CM_PLAIN, hdr_len, 0, 0, 0);
}

/* The master key of the current level (PICC master key, or key 0 of the
 * selected application) must be authenticated. */
static int need_master(const struct yn_emu *c)
{
	if (!authed(c))
		return ST_AUTH;
	return c->s.keyno == 0 ? ST_OK : ST_PERMISSION;
}

static uint8_t level_ks1(const struct yn_emu *c)
{
	return c->sel != NULL ? c->sel->ks1 : c->picc_ks1;
}

/* Listing rights: KS1 bit 1 frees GetFileIDs, GetFileSettings,
 * GetKeySettings (GetApplicationIDs at PICC level). */
static int need_list_right(const struct yn_emu *c)
{
	return (level_ks1(c) & 0x02) ? ST_OK : need_master(c);
}

/* Create/delete rights: KS1 bit 2. */
static int need_create_right(const struct yn_emu *c)
{
	return (level_ks1(c) & 0x04) ? ST_OK : need_master(c);
}

static struct emu_file *find_file(const struct yn_emu *c, uint8_t no)
{
	if (c->sel == NULL || no >= EMU_MAX_FILES)
		return NULL;
	return c->sel->files[no];
}

enum acc { ACC_READ, ACC_WRITE, ACC_GET_VALUE, ACC_DEBIT, ACC_LCREDIT, ACC_CREDIT, ACC_RW };

/*
 * Access to a file for an operation: the keys that grant it (§6.2 table),
 * then the communication mode.  A free (E) right makes the exchange plain
 * whatever the file's mode (docs/emulator.md "Free access").
 */
static int file_access(const struct yn_emu *c, const struct emu_file *f, enum acc op, int *mode)
{
	uint8_t n[3];
	size_t k = 0, i;

	switch (op) {
	case ACC_READ:
		n[k++] = AR_R(f->ar);
		n[k++] = AR_RW(f->ar);
		break;
	case ACC_WRITE:
	case ACC_LCREDIT:
		n[k++] = AR_W(f->ar);
		n[k++] = AR_RW(f->ar);
		break;
	case ACC_GET_VALUE:
	case ACC_DEBIT:
		n[k++] = AR_R(f->ar);
		n[k++] = AR_W(f->ar);
		n[k++] = AR_RW(f->ar);
		break;
	case ACC_CREDIT:
	case ACC_RW:
		n[k++] = AR_RW(f->ar);
		break;
	}
	for (i = 0; i < k; i++)
		if (n[i] == AR_FREE) {
			*mode = CM_PLAIN;
			return ST_OK;
		}
	if (op == ACC_GET_VALUE && (f->lc_flags & 0x02)) {
		*mode = CM_PLAIN;
		return ST_OK;
	}
	if (!authed(c))
		return ST_AUTH;
	for (i = 0; i < k; i++)
		if (n[i] == c->s.keyno) {
			*mode = (f->cs & 3) == 3 ? CM_FULL : (f->cs & 3) == 1 ? CM_MAC : CM_PLAIN;
			return ST_OK;
		}
	return ST_PERMISSION;
}

/* --- PICC and application level --- */

static int h_get_version(struct ctx *x)
{
	static const uint8_t hw[7] = { 0x04, 0x01, 0x01, 0x12, 0x00, 0x1A, 0x05 };
	static const uint8_t sw[7] = { 0x04, 0x01, 0x01, 0x12, 0x00, 0x1A, 0x05 };
	static const uint8_t batch[5] = { 0x59, 0x4E, 0x45, 0x4D, 0x55 };	/* "YNEMU" */
	struct yn_emu *c = x->c;
	uint8_t *p = x->rp->buf;
	int st;

	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
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
static int h_select(struct ctx *x)
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

static int h_get_app_ids(struct ctx *x)
{
	struct yn_emu *c = x->c;
	size_t i, n = 0;
	int st;

	if (c->sel != NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = need_list_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
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

static int h_get_free_memory(struct ctx *x)
{
	int st;

	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
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
static int h_create_app(struct ctx *x)
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
	if ((st = need_create_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
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
	if (app_charge(a) > emu_free_memory(c)) {
		app_free(a);
		FAIL(x, ST_OUT_OF_EEPROM);
	}
	r = nv_atomic(c, app_charge(a));
	if (r == EMU_TORN) {
		app_free(a);
		return r;
	}
	c->apps[slot] = a;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

static int h_delete_app(struct ctx *x)
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
	if ((st = need_master(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 3)
		FAIL(x, ST_LENGTH);
	r = nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	if (c->sel == c->apps[i]) {
		/* Answered in the closing session, then back to PICC level. */
		tx_discard(c->sel);
		c->sel = NULL;
		x->drop_after = 1;
	}
	app_free(c->apps[i]);
	c->apps[i] = NULL;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

static int h_format(struct ctx *x)
{
	struct yn_emu *c = x->c;
	size_t i;
	int st, r;

	if (c->sel != NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = need_master(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	r = nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	for (i = 0; i < EMU_MAX_APPS; i++) {
		app_free(c->apps[i]);
		c->apps[i] = NULL;
	}
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

static int h_get_key_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st;

	if ((st = need_list_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	x->rp->buf[0] = level_ks1(c);
	x->rp->buf[1] = c->sel != NULL ? c->sel->ks2 : 0x81;
	x->rp->len = 2;
	return 0;
}

static int h_get_key_version(struct ctx *x)
{
	struct yn_emu *c = x->c;
	uint8_t k;
	int st;

	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
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
static int h_change_key_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st, r;

	if ((st = need_master(c)) != ST_OK)
		FAIL(x, st);
	if (!(level_ks1(c) & 0x08))
		FAIL(x, ST_PERMISSION);
	if ((st = unwrap_as(x, CM_FULL, 0, 0, 1, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 1)
		FAIL(x, ST_LENGTH);
	if (c->sel == NULL && (x->m.body[0] & 0xF0) != 0)
		FAIL(x, ST_PARAMETER);
	r = nv_atomic(c, 1);
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
 *   EV2 same key:  E(new || ver)                      other: E((new^old) || ver || CRC32(new))
 *   EV1 same key:  E(new || ver || CRC(cmd..ver))     other: E((new^old) || ver || CRC(cmd..ver) || CRC32(new))
 */
static int h_change_key(struct ctx *x)
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
	if (!authed(c))
		FAIL(x, ST_AUTH);
	if (k == 0) {
		if (c->s.keyno != 0 || !(level_ks1(c) & 0x01))
			FAIL(x, ST_PERMISSION);
	} else {
		rule = c->sel->ks1 >> 4;
		if (rule == 0xF || (rule == 0xE && c->s.keyno != k) ||
		    (rule != 0xE && c->s.keyno != rule))
			FAIL(x, ST_PERMISSION);
	}
	same = c->s.keyno == k;
	st = unwrap_as(x, CM_FULL, 1, 0, 17, same ? 0 : 4);
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
	r = nv_atomic(c, 17);
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

/* --- files --- */

static int h_get_file_ids(struct ctx *x)
{
	struct yn_emu *c = x->c;
	size_t i, n = 0;
	int st;

	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = need_list_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	for (i = 0; i < EMU_MAX_FILES; i++)
		if (c->sel->files[i] != NULL)
			x->rp->buf[n++] = (uint8_t)i;
	x->rp->len = n;
	return 0;
}

/* GetFileSettings response: type CS AR(2) then
 *   std/backup: Size(3); value: Lower(4) Upper(4) LimitedCredit(4) LCflags;
 *   record: RecSize(3) Max(3) Current(3). */
static int h_get_file_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	const struct emu_file *f;
	struct yn_wr w;
	int st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if ((f = find_file(c, x->data[0])) == NULL)
		FAIL(x, ST_FILE_NOT_FOUND);
	if ((st = need_list_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 1)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	yn_wr_init(&w, x->rp->buf, 32);
	(void)yn_wr_u8(&w, f->type);
	(void)yn_wr_u8(&w, f->cs);
	(void)yn_wr_u16le(&w, f->ar);
	switch (f->type) {
	case FT_STD:
	case FT_BACKUP:
		(void)yn_wr_u24le(&w, f->size);
		break;
	case FT_VALUE:
		(void)yn_wr_u32le(&w, (uint32_t)f->lower);
		(void)yn_wr_u32le(&w, (uint32_t)f->upper);
		(void)yn_wr_u32le(&w, (uint32_t)f->lc_limit);
		(void)yn_wr_u8(&w, f->lc_flags);
		break;
	default:
		(void)yn_wr_u24le(&w, f->rec_size);
		(void)yn_wr_u24le(&w, f->rec_max);
		(void)yn_wr_u24le(&w, f->rec_count);
		break;
	}
	x->rp->len = w.len;
	return 0;
}

/* ChangeFileSettings: FileNo || CS || AR(2); Full with the change key,
 * plain when the change right is free. */
static int h_change_file_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	struct emu_file *f;
	int mode, st, r;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = find_file(c, x->data[0])) == NULL)
		FAIL(x, c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (AR_CAR(f->ar) == AR_FREE) {
		mode = CM_PLAIN;
	} else if (AR_CAR(f->ar) == AR_NEVER) {
		FAIL(x, ST_PERMISSION);
	} else {
		if (!authed(c))
			FAIL(x, ST_AUTH);
		if (c->s.keyno != AR_CAR(f->ar))
			FAIL(x, ST_PERMISSION);
		mode = CM_FULL;
	}
	if ((st = unwrap_as(x, mode, 1, 0, 3, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 3)
		FAIL(x, ST_LENGTH);
	if ((x->m.body[0] & ~0x03) != 0)
		FAIL(x, ST_PARAMETER);
	r = nv_atomic(c, 3);
	if (r == EMU_TORN)
		return r;
	f->cs = x->m.body[0];
	f->ar = yn_get_u16le(x->m.body + 1);
	x->mode = mode == CM_FULL ? CM_MAC : mode;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

/*
 * Create*File:
 *   CD/CB std/backup: FileNo [FID(2)] CS AR(2) Size(3)
 *   CC value:         FileNo CS AR(2) Lower(4) Upper(4) Value(4) LCflags(1)
 *   C1/C0 records:    FileNo [FID(2)] CS AR(2) RecSize(3) MaxRecs(3)
 */
static int h_create_file(struct ctx *x)
{
	struct yn_emu *c = x->c;
	struct emu_file *f = NULL;
	struct yn_rd rd;
	uint8_t no, cs;
	uint16_t ar, fid = 0;
	uint32_t a32, b32, v32;
	size_t i, bytes = 0;
	int st, r;

	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = need_create_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	yn_rd_init(&rd, x->m.body, x->m.body_len);
	if (yn_rd_u8(&rd, &no) != 0)
		FAIL(x, ST_LENGTH);
	if (x->cmd != 0xCC && c->sel->has_fid && yn_rd_u16le(&rd, &fid) != 0)
		FAIL(x, ST_LENGTH);
	if (yn_rd_u8(&rd, &cs) != 0 || yn_rd_u16le(&rd, &ar) != 0)
		FAIL(x, ST_LENGTH);
	switch (x->cmd) {
	case 0xCD:
	case 0xCB:
		if (yn_rd_u24le(&rd, &a32) != 0 || yn_rd_end(&rd) != 0)
			FAIL(x, ST_LENGTH);
		if (a32 == 0)
			FAIL(x, ST_PARAMETER);
		f = file_new(x->cmd == 0xCD ? FT_STD : FT_BACKUP);
		if (f == NULL)
			return YN_ENOMEM;
		f->size = a32;
		bytes = a32;
		break;
	case 0xCC: {
		uint8_t lcf;

		if (yn_rd_u32le(&rd, &a32) != 0 || yn_rd_u32le(&rd, &b32) != 0 ||
		    yn_rd_u32le(&rd, &v32) != 0 || yn_rd_u8(&rd, &lcf) != 0 || yn_rd_end(&rd) != 0)
			FAIL(x, ST_LENGTH);
		if ((int32_t)a32 > (int32_t)b32 || (int32_t)v32 < (int32_t)a32 ||
		    (int32_t)v32 > (int32_t)b32 || (lcf & ~0x03) != 0)
			FAIL(x, ST_PARAMETER);
		if ((f = file_new(FT_VALUE)) == NULL)
			return YN_ENOMEM;
		f->lower = (int32_t)a32;
		f->upper = (int32_t)b32;
		f->value = (int32_t)v32;
		f->lc_flags = lcf;
		break;
	}
	default:
		if (yn_rd_u24le(&rd, &a32) != 0 || yn_rd_u24le(&rd, &b32) != 0 || yn_rd_end(&rd) != 0)
			FAIL(x, ST_LENGTH);
		if (a32 == 0 || b32 == 0 || (x->cmd == 0xC0 && b32 < 2))
			FAIL(x, ST_PARAMETER);
		if ((uint64_t)a32 * b32 > EMU_NV_CAPACITY)
			FAIL(x, ST_OUT_OF_EEPROM);
		if ((f = file_new(x->cmd == 0xC1 ? FT_LINEAR : FT_CYCLIC)) == NULL)
			return YN_ENOMEM;
		f->rec_size = a32;
		f->rec_max = b32;
		bytes = (size_t)a32 * b32;
		break;
	}
	f->no = no;
	f->cs = cs;
	f->ar = ar;
	f->has_fid = x->cmd != 0xCC && c->sel->has_fid;
	f->fid = fid;
	st = ST_OK;
	if (no >= EMU_MAX_FILES || (cs & ~0x03) != 0)
		st = ST_PARAMETER;
	else if (c->sel->files[no] != NULL)
		st = ST_DUPLICATE;
	for (i = 0; st == ST_OK && f->has_fid && i < EMU_MAX_FILES; i++)
		if (c->sel->files[i] != NULL && c->sel->files[i]->has_fid &&
		    c->sel->files[i]->fid == fid)
			st = ST_DUPLICATE;
	if (st == ST_OK && (bytes > EMU_NV_CAPACITY || files_charge(f) > emu_free_memory(c)))
		st = ST_OUT_OF_EEPROM;
	if (st == ST_OK && bytes > 0 && (f->data = calloc(1, bytes)) == NULL)
		st = ST_OUT_OF_EEPROM;
	if (st != ST_OK) {
		files_free(f);
		FAIL(x, st);
	}
	r = nv_atomic(c, files_charge(f));
	if (r == EMU_TORN) {
		files_free(f);
		return r;
	}
	c->sel->files[no] = f;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

static int h_delete_file(struct ctx *x)
{
	struct yn_emu *c = x->c;
	uint8_t no;
	int st, r;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	no = x->data[0];
	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if (find_file(c, no) == NULL)
		FAIL(x, ST_FILE_NOT_FOUND);
	if ((st = need_create_right(c)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 1)
		FAIL(x, ST_LENGTH);
	r = nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	files_free(c->sel->files[no]);
	c->sel->files[no] = NULL;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

/* Header FileNo Off(3) Len(3) of the data and record commands. */
struct io_hdr {
	struct emu_file *f;
	uint32_t off, len;
};

static int parse_io(struct ctx *x, struct io_hdr *h)
{
	if (x->len < 7)
		return ST_LENGTH;
	if ((h->f = find_file(x->c, x->data[0])) == NULL)
		return x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND;
	h->off = yn_get_u24le(x->data + 1);
	h->len = yn_get_u24le(x->data + 4);
	return ST_OK;
}

static int is_data(const struct emu_file *f)
{
	return f->type == FT_STD || f->type == FT_BACKUP;
}

static int is_record(const struct emu_file *f)
{
	return f->type == FT_LINEAR || f->type == FT_CYCLIC;
}

/* ReadData BD/AD: FileNo Off(3) Len(3) (Len 0 = to the end). */
static int h_read_data(struct ctx *x)
{
	struct io_hdr h;
	uint32_t n;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_data(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_READ, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_as(x, mode, 7, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	if (h.off >= h.f->size)
		FAIL(x, ST_BOUNDARY);
	n = h.len == 0 ? h.f->size - h.off : h.len;
	if (n > h.f->size - h.off)
		FAIL(x, ST_BOUNDARY);
	memcpy(x->rp->buf, h.f->data + h.off, n);
	x->rp->len = n;
	return 0;
}

/* Expected data after the 7-byte header for WriteData/WriteRecord of len
 * bytes in the given mode and session. */
static size_t write_wire_len(const struct yn_emu *c, int mode, uint32_t len)
{
	if (c->s.kind == AUTH_NONE || mode == CM_PLAIN)
		return len;
	if (mode == CM_MAC)
		return (size_t)len + 8;
	if (c->s.kind == AUTH_EV1)
		return ((size_t)len + 4 + 15) / 16 * 16;
	return ((size_t)len / 16 + 1) * 16 + 8;
}

size_t cmd_expected_len(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len)
{
	const struct emu_file *f;
	int mode;

	if ((cmd != 0x3D && cmd != 0x3B) || len < 7)
		return 0;
	if ((f = find_file(c, data[0])) == NULL)
		return 0;
	if (file_access(c, f, ACC_WRITE, &mode) != ST_OK)
		return 0;
	return 7 + write_wire_len(c, mode, yn_get_u24le(data + 4));
}

/* WriteData 3D/8D: FileNo Off(3) Len(3) data. */
static int h_write_data(struct ctx *x)
{
	struct io_hdr h;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_data(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_WRITE, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_as(x, mode, 7, 1, h.len, 0)) != ST_OK)
		FAIL(x, st);
	if (h.len == 0 || x->m.body_len != h.len)
		FAIL(x, ST_LENGTH);
	if (h.off > h.f->size || h.len > h.f->size - h.off)
		FAIL(x, ST_BOUNDARY);
	if (h.f->type == FT_STD)
		return nv_write(x->c, h.f->data + h.off, x->m.body, h.len);
	if (h.f->mirror == NULL) {
		if ((h.f->mirror = malloc(h.f->size)) == NULL)
			return YN_ENOMEM;
		memcpy(h.f->mirror, h.f->data, h.f->size);
	}
	memcpy(h.f->mirror + h.off, x->m.body, h.len);
	return 0;
}

/* ReadRecords BB/AB: FileNo RecNo(3) Count(3). */
static int h_read_records(struct ctx *x)
{
	struct io_hdr h;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_record(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_READ, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_as(x, mode, 7, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	st = record_read(h.f, h.off, h.len, x->rp->buf, EMU_CHAIN_MAX - 64, &x->rp->len);
	if (st != ST_OK)
		FAIL(x, st);
	return 0;
}

/* WriteRecord 3B/8B: FileNo Off(3) Len(3) data. */
static int h_write_record(struct ctx *x)
{
	struct io_hdr h;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_record(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_WRITE, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_as(x, mode, 7, 1, h.len, 0)) != ST_OK)
		FAIL(x, st);
	if (h.len == 0 || x->m.body_len != h.len)
		FAIL(x, ST_LENGTH);
	if ((st = record_write(h.f, h.off, h.len, x->m.body)) != ST_OK)
		FAIL(x, st);
	return 0;
}

static int h_clear_records(struct ctx *x)
{
	struct emu_file *f;
	int mode, st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = find_file(x->c, x->data[0])) == NULL)
		FAIL(x, x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (!is_record(f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, f, ACC_RW, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_mac_class(x, 1)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	free(f->tx_rec);
	f->tx_rec = NULL;
	f->tx_clear = 1;
	return 0;
}

/* GetValue 6C: FileNo -> Value(4). */
static int h_get_value(struct ctx *x)
{
	struct emu_file *f;
	int mode, st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = find_file(x->c, x->data[0])) == NULL)
		FAIL(x, x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (f->type != FT_VALUE)
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, f, ACC_GET_VALUE, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_as(x, mode, 1, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	yn_put_u32le(x->rp->buf, (uint32_t)value_visible(f));
	x->rp->len = 4;
	return 0;
}

/* Credit 0C / Debit DC / LimitedCredit 1C: FileNo Value(4). */
static int h_value_op(struct ctx *x)
{
	struct emu_file *f;
	enum acc op = x->cmd == 0x0C ? ACC_CREDIT : x->cmd == 0xDC ? ACC_DEBIT : ACC_LCREDIT;
	int32_t v;
	int mode, st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = find_file(x->c, x->data[0])) == NULL)
		FAIL(x, x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (f->type != FT_VALUE)
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, f, op, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = unwrap_as(x, mode, 1, -1, 4, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 4)
		FAIL(x, ST_LENGTH);
	v = (int32_t)yn_get_u32le(x->m.body);
	if (x->cmd == 0x0C)
		st = value_credit(f, v);
	else if (x->cmd == 0xDC)
		st = value_debit(f, v);
	else
		st = value_limited_credit(f, v);
	if (st != ST_OK)
		FAIL(x, st);
	return 0;
}

/* CommitTransaction C7 [Option]: Option 01 asks for TMC||TMV, which needs a
 * Transaction MAC file; this card has none. */
static int h_commit(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st, r;

	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len > 1)
		FAIL(x, ST_LENGTH);
	if (x->m.body_len == 1 && x->m.body[0] != 0x00)
		FAIL(x, ST_PARAMETER);
	if (!tx_pending(c->sel))
		return 0;
	r = nv_atomic(c, tx_journal_len(c->sel));
	if (r == EMU_TORN)
		return r;
	tx_apply(c->sel);
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

static int h_abort(struct ctx *x)
{
	int st;

	if ((st = unwrap_mac_class(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	tx_discard(x->c->sel);
	return 0;
}

static int h_get_card_uid(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st;

	if (!authed(c))
		FAIL(x, ST_AUTH);
	if ((st = unwrap_as(x, CM_FULL, 0, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	memcpy(x->rp->buf, c->uid, c->uid_len);
	x->rp->len = c->uid_len;
	return 0;
}

/* ReadSig 3C: Addr(1) = 00 -> signature, status 90.  Plain without a
 * session; EV1: plain with the response CMAC; EV2: Full (as NTAG 424). */
static int h_read_sig(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st;

	if ((st = unwrap_as(x, c->s.kind == AUTH_EV2 ? CM_FULL : CM_PLAIN, 1, 0, 0, 0)) != ST_OK)
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

struct handler {
	uint8_t cmd;
	int (*run)(struct ctx *x);
};

static const struct handler handlers[] = {
	{ 0x60, h_get_version },
	{ 0x5A, h_select },
	{ 0x6A, h_get_app_ids },
	{ 0x6E, h_get_free_memory },
	{ 0xCA, h_create_app },
	{ 0xDA, h_delete_app },
	{ 0xFC, h_format },
	{ 0x45, h_get_key_settings },
	{ 0x64, h_get_key_version },
	{ 0x54, h_change_key_settings },
	{ 0xC4, h_change_key },
	{ 0x6F, h_get_file_ids },
	{ 0xF5, h_get_file_settings },
	{ 0x5F, h_change_file_settings },
	{ 0xCD, h_create_file },
	{ 0xCB, h_create_file },
	{ 0xCC, h_create_file },
	{ 0xC1, h_create_file },
	{ 0xC0, h_create_file },
	{ 0xDF, h_delete_file },
	{ 0xBD, h_read_data },
	{ 0xAD, h_read_data },
	{ 0x3D, h_write_data },
	{ 0x8D, h_write_data },
	{ 0xBB, h_read_records },
	{ 0xAB, h_read_records },
	{ 0x3B, h_write_record },
	{ 0x8B, h_write_record },
	{ 0xEB, h_clear_records },
	{ 0x6C, h_get_value },
	{ 0x0C, h_value_op },
	{ 0xDC, h_value_op },
	{ 0x1C, h_value_op },
	{ 0xC7, h_commit },
	{ 0xA7, h_abort },
	{ 0x51, h_get_card_uid },
	{ 0x3C, h_read_sig },
};

int cmd_execute(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len, int iso,
		struct emu_reply *rp)
{
	struct ctx *x;
	size_t i;
	int r;

	rp->status = ST_OK;
	rp->len = 0;
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].cmd == cmd)
			break;
	if (i == sizeof(handlers) / sizeof(handlers[0])) {
		rp->status = ST_ILLEGAL_COMMAND;
		return 0;
	}
	/* CmdCtr would wrap: the session cannot go on (docs/emulator.md). */
	if (c->s.kind == AUTH_EV2 && c->s.ctr == 0xFFFF && cmd != 0x5A) {
		rp->status = ST_AUTH;
		return 0;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return YN_ENOMEM;
	x->c = c;
	x->cmd = cmd;
	x->iso = iso;
	x->data = data;
	x->len = len;
	x->rp = rp;
	x->mode = CM_PLAIN;
	r = handlers[i].run(x);
	if (r == 0 && (rp->status == ST_OK || rp->status == ST_SIGNATURE) && !x->nowrap)
		r = sm_wrap(c, x->mode, rp);
	if (x->drop_after)
		emu_drop_session(c);
	yn_cleanse(&x->m, sizeof(x->m));
	free(x);
	return r;
}
