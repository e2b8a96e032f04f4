/*
 * File commands of the software card: GetFileIDs, Get/ChangeFileSettings,
 * Create*File, DeleteFile, Read/WriteData, Read/WriteRecord(s),
 * ClearRecordFile, GetValue, Credit, Debit, LimitedCredit, Commit and
 * AbortTransaction (desfire.md §6), with the file access rules of §6.2.
 */
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/cmd_int.h"
#include "card/emu/emu_int.h"

enum acc { ACC_READ, ACC_WRITE, ACC_GET_VALUE, ACC_DEBIT, ACC_LCREDIT, ACC_CREDIT, ACC_RW };

/*
 * Access to a file for an operation: the keys that grant it (§6.2 table),
 * then the communication mode.  The key of the session, when it is one of
 * them, gives the file's mode; otherwise a free (E) right gives plain
 * (docs/emulator.md "Free access", the rule libfreefare follows too).
 */
static int file_access(const struct yn_emu *c, const struct emu_file *f, enum acc op, int *mode)
{
	uint8_t n[3];
	size_t k = 0, i;
	int is_free = 0;

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
	for (i = 0; i < k; i++) {
		if (emu_cmd_authed(c) && n[i] == c->s.keyno) {
			*mode = (f->cs & 3) == 3 ? CM_FULL : (f->cs & 3) == 1 ? CM_MAC : CM_PLAIN;
			return ST_OK;
		}
		is_free |= n[i] == AR_FREE;
	}
	if (is_free || (op == ACC_GET_VALUE && (f->lc_flags & 0x02))) {
		*mode = CM_PLAIN;
		return ST_OK;
	}
	return emu_cmd_authed(c) ? ST_PERMISSION : ST_AUTH;
}

int emu_cmdh_get_file_ids(struct ctx *x)
{
	struct yn_emu *c = x->c;
	size_t i, n = 0;
	int st;

	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if ((st = emu_cmd_need_list(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
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
int emu_cmdh_get_file_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	const struct emu_file *f;
	struct yn_wr w;
	int st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if ((f = emu_cmd_find_file(c, x->data[0])) == NULL)
		FAIL(x, ST_FILE_NOT_FOUND);
	if ((st = emu_cmd_need_list(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 1)) != ST_OK)
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
int emu_cmdh_change_file_settings(struct ctx *x)
{
	struct yn_emu *c = x->c;
	struct emu_file *f;
	int mode, st, r;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = emu_cmd_find_file(c, x->data[0])) == NULL)
		FAIL(x, c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (AR_CAR(f->ar) == AR_FREE) {
		mode = CM_PLAIN;
	} else if (AR_CAR(f->ar) == AR_NEVER) {
		FAIL(x, ST_PERMISSION);
	} else {
		if (!emu_cmd_authed(c))
			FAIL(x, ST_AUTH);
		if (c->s.keyno != AR_CAR(f->ar))
			FAIL(x, ST_PERMISSION);
		mode = CM_FULL;
	}
	if ((st = emu_cmd_unwrap(x, mode, 1, 0, 3, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 3)
		FAIL(x, ST_LENGTH);
	if ((x->m.body[0] & ~0x03) != 0)
		FAIL(x, ST_PARAMETER);
	r = emu_nv_atomic(c, 3);
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
int emu_cmdh_create_file(struct ctx *x)
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
	if ((st = emu_cmd_need_create(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
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
		f = emu_file_new(x->cmd == 0xCD ? FT_STD : FT_BACKUP);
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
		if ((f = emu_file_new(FT_VALUE)) == NULL)
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
		if ((f = emu_file_new(x->cmd == 0xC1 ? FT_LINEAR : FT_CYCLIC)) == NULL)
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
	if (st == ST_OK && (bytes > EMU_NV_CAPACITY || emu_file_charge(f) > emu_free_memory(c)))
		st = ST_OUT_OF_EEPROM;
	if (st == ST_OK && bytes > 0 && (f->data = calloc(1, bytes)) == NULL)
		st = ST_OUT_OF_EEPROM;
	if (st != ST_OK) {
		emu_file_free(f);
		FAIL(x, st);
	}
	r = emu_nv_atomic(c, emu_file_charge(f));
	if (r == EMU_TORN) {
		emu_file_free(f);
		return r;
	}
	c->sel->files[no] = f;
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

int emu_cmdh_delete_file(struct ctx *x)
{
	struct yn_emu *c = x->c;
	uint8_t no;
	int st, r;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	no = x->data[0];
	if (c->sel == NULL)
		FAIL(x, ST_PERMISSION);
	if (emu_cmd_find_file(c, no) == NULL)
		FAIL(x, ST_FILE_NOT_FOUND);
	if ((st = emu_cmd_need_create(c)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 1)
		FAIL(x, ST_LENGTH);
	r = emu_nv_atomic(c, 1);
	if (r == EMU_TORN)
		return r;
	emu_file_free(c->sel->files[no]);
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
	if ((h->f = emu_cmd_find_file(x->c, x->data[0])) == NULL)
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
int emu_cmdh_read_data(struct ctx *x)
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
	if ((st = emu_cmd_unwrap(x, mode, 7, 0, 0, 0)) != ST_OK)
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

size_t emu_cmd_expected_len(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len)
{
	const struct emu_file *f;
	int mode;

	if ((cmd != 0x3D && cmd != 0x3B) || len < 7)
		return 0;
	if ((f = emu_cmd_find_file(c, data[0])) == NULL)
		return 0;
	if (file_access(c, f, ACC_WRITE, &mode) != ST_OK)
		return 0;
	return 7 + write_wire_len(c, mode, yn_get_u24le(data + 4));
}

/* WriteData 3D/8D: FileNo Off(3) Len(3) data. */
int emu_cmdh_write_data(struct ctx *x)
{
	struct io_hdr h;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_data(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_WRITE, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap(x, mode, 7, 1, h.len, 0)) != ST_OK)
		FAIL(x, st);
	if (h.len == 0 || x->m.body_len != h.len)
		FAIL(x, ST_LENGTH);
	if (h.off > h.f->size || h.len > h.f->size - h.off)
		FAIL(x, ST_BOUNDARY);
	if (h.f->type == FT_STD)
		return emu_nv_write(x->c, h.f->data + h.off, x->m.body, h.len);
	if (h.f->mirror == NULL) {
		if ((h.f->mirror = malloc(h.f->size)) == NULL)
			return YN_ENOMEM;
		memcpy(h.f->mirror, h.f->data, h.f->size);
	}
	memcpy(h.f->mirror + h.off, x->m.body, h.len);
	return 0;
}

/* ReadRecords BB/AB: FileNo RecNo(3) Count(3). */
int emu_cmdh_read_records(struct ctx *x)
{
	struct io_hdr h;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_record(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_READ, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap(x, mode, 7, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	st = emu_record_read(h.f, h.off, h.len, x->rp->buf, EMU_CHAIN_MAX - 64, &x->rp->len);
	if (st != ST_OK)
		FAIL(x, st);
	return 0;
}

/* WriteRecord 3B/8B: FileNo Off(3) Len(3) data. */
int emu_cmdh_write_record(struct ctx *x)
{
	struct io_hdr h;
	int mode, st;

	if ((st = parse_io(x, &h)) != ST_OK)
		FAIL(x, st);
	if (!is_record(h.f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, h.f, ACC_WRITE, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap(x, mode, 7, 1, h.len, 0)) != ST_OK)
		FAIL(x, st);
	if (h.len == 0 || x->m.body_len != h.len)
		FAIL(x, ST_LENGTH);
	if ((st = emu_record_write(h.f, h.off, h.len, x->m.body)) != ST_OK)
		FAIL(x, st);
	return 0;
}

int emu_cmdh_clear_records(struct ctx *x)
{
	struct emu_file *f;
	int mode, st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = emu_cmd_find_file(x->c, x->data[0])) == NULL)
		FAIL(x, x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (!is_record(f))
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, f, ACC_RW, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap_mac(x, 1)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	free(f->tx_rec);
	f->tx_rec = NULL;
	f->tx_clear = 1;
	return 0;
}

/* GetValue 6C: FileNo -> Value(4). */
int emu_cmdh_get_value(struct ctx *x)
{
	struct emu_file *f;
	int mode, st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = emu_cmd_find_file(x->c, x->data[0])) == NULL)
		FAIL(x, x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (f->type != FT_VALUE)
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, f, ACC_GET_VALUE, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap(x, mode, 1, 0, 0, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	yn_put_u32le(x->rp->buf, (uint32_t)emu_value_visible(f));
	x->rp->len = 4;
	return 0;
}

/* Credit 0C / Debit DC / LimitedCredit 1C: FileNo Value(4). */
int emu_cmdh_value_op(struct ctx *x)
{
	struct emu_file *f;
	enum acc op = x->cmd == 0x0C ? ACC_CREDIT : x->cmd == 0xDC ? ACC_DEBIT : ACC_LCREDIT;
	int32_t v;
	int mode, st;

	if (x->len < 1)
		FAIL(x, ST_LENGTH);
	if ((f = emu_cmd_find_file(x->c, x->data[0])) == NULL)
		FAIL(x, x->c->sel == NULL ? ST_PERMISSION : ST_FILE_NOT_FOUND);
	if (f->type != FT_VALUE)
		FAIL(x, ST_PARAMETER);
	if ((st = file_access(x->c, f, op, &mode)) != ST_OK)
		FAIL(x, st);
	if ((st = emu_cmd_unwrap(x, mode, 1, -1, 4, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 4)
		FAIL(x, ST_LENGTH);
	v = (int32_t)yn_get_u32le(x->m.body);
	if (x->cmd == 0x0C)
		st = emu_value_credit(f, v);
	else if (x->cmd == 0xDC)
		st = emu_value_debit(f, v);
	else
		st = emu_value_limited_credit(f, v);
	if (st != ST_OK)
		FAIL(x, st);
	return 0;
}

/* CommitTransaction C7 [Option]: Option 01 asks for TMC||TMV, which needs a
 * Transaction MAC file; this card has none. */
int emu_cmdh_commit(struct ctx *x)
{
	struct yn_emu *c = x->c;
	int st, r;

	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len > 1)
		FAIL(x, ST_LENGTH);
	if (x->m.body_len == 1 && x->m.body[0] != 0x00)
		FAIL(x, ST_PARAMETER);
	if (!emu_tx_pending(c->sel))
		return 0;
	r = emu_nv_atomic(c, emu_tx_journal_len(c->sel));
	if (r == EMU_TORN)
		return r;
	emu_tx_apply(c->sel);
	return r == NV_APPLY_TORN ? EMU_TORN : 0;
}

int emu_cmdh_abort(struct ctx *x)
{
	int st;

	if ((st = emu_cmd_unwrap_mac(x, 0)) != ST_OK)
		FAIL(x, st);
	if (x->m.body_len != 0)
		FAIL(x, ST_LENGTH);
	emu_tx_discard(x->c->sel);
	return 0;
}
