/*
 * The native DESFire command set, card side: the dispatch table and the
 * helpers every command shares (communication mode, key-settings rights).
 * The commands are in cmd_app.c (PICC, applications, keys) and cmd_file.c
 * (files, values, records, transactions).  Choices where NXP is silent are
 * in docs/emulator.md; a command is checked in this order: header length
 * (7E), level / application / file / key existence (9D, A0, F0, 40), access
 * (AE without a session, 9D with the wrong key), MAC/CRC/padding (1E), then
 * parameters (9E, 7E) and limits (BE, 0E, CE, DE).
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "card/emu/cmd_int.h"
#include "card/emu/emu_int.h"

/* Unwrap the command data in the given mode; ST_* result. */
int emu_cmd_unwrap(struct ctx *x, int mode, size_t hdr_len, int ev1_tx_mac, size_t plain_len,
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
	return emu_sm_unwrap(x->c, &x->m);
}

/* Commands whose mode does not depend on a file: MAC when a session is
 * open (EV1: CMAC computed, not sent; EV2: MACt sent both ways). */
int emu_cmd_unwrap_mac(struct ctx *x, size_t hdr_len)
{
	return emu_cmd_unwrap(x, emu_cmd_authed(x->c) ? CM_MAC : CM_PLAIN, hdr_len, 0, 0, 0);
}

/* The master key of the current level (PICC master key, or key 0 of the
 * selected application) must be authenticated. */
int emu_cmd_need_master(const struct yn_emu *c)
{
	if (!emu_cmd_authed(c))
		return ST_AUTH;
	return c->s.keyno == 0 ? ST_OK : ST_PERMISSION;
}

uint8_t emu_cmd_level_ks1(const struct yn_emu *c)
{
	return c->sel != NULL ? c->sel->ks1 : c->picc_ks1;
}

/* Listing rights: KS1 bit 1 frees GetFileIDs, GetFileSettings,
 * GetKeySettings (GetApplicationIDs at PICC level). */
int emu_cmd_need_list(const struct yn_emu *c)
{
	return (emu_cmd_level_ks1(c) & 0x02) ? ST_OK : emu_cmd_need_master(c);
}

/* Create/delete rights: KS1 bit 2. */
int emu_cmd_need_create(const struct yn_emu *c)
{
	return (emu_cmd_level_ks1(c) & 0x04) ? ST_OK : emu_cmd_need_master(c);
}

struct emu_file *emu_cmd_find_file(const struct yn_emu *c, uint8_t no)
{
	if (c->sel == NULL || no >= EMU_MAX_FILES)
		return NULL;
	return c->sel->files[no];
}

struct handler {
	uint8_t cmd;
	int (*run)(struct ctx *x);
};

static const struct handler handlers[] = {
	{ 0x60, emu_cmdh_get_version },
	{ 0x5A, emu_cmdh_select },
	{ 0x6A, emu_cmdh_get_app_ids },
	{ 0x6E, emu_cmdh_get_free_memory },
	{ 0xCA, emu_cmdh_create_app },
	{ 0xDA, emu_cmdh_delete_app },
	{ 0xFC, emu_cmdh_format },
	{ 0x45, emu_cmdh_get_key_settings },
	{ 0x64, emu_cmdh_get_key_version },
	{ 0x54, emu_cmdh_change_key_settings },
	{ 0xC4, emu_cmdh_change_key },
	{ 0x6F, emu_cmdh_get_file_ids },
	{ 0xF5, emu_cmdh_get_file_settings },
	{ 0x5F, emu_cmdh_change_file_settings },
	{ 0xCD, emu_cmdh_create_file },
	{ 0xCB, emu_cmdh_create_file },
	{ 0xCC, emu_cmdh_create_file },
	{ 0xC1, emu_cmdh_create_file },
	{ 0xC0, emu_cmdh_create_file },
	{ 0xDF, emu_cmdh_delete_file },
	{ 0xBD, emu_cmdh_read_data },
	{ 0xAD, emu_cmdh_read_data },
	{ 0x3D, emu_cmdh_write_data },
	{ 0x8D, emu_cmdh_write_data },
	{ 0xBB, emu_cmdh_read_records },
	{ 0xAB, emu_cmdh_read_records },
	{ 0x3B, emu_cmdh_write_record },
	{ 0x8B, emu_cmdh_write_record },
	{ 0xEB, emu_cmdh_clear_records },
	{ 0x6C, emu_cmdh_get_value },
	{ 0x0C, emu_cmdh_value_op },
	{ 0xDC, emu_cmdh_value_op },
	{ 0x1C, emu_cmdh_value_op },
	{ 0xC7, emu_cmdh_commit },
	{ 0xA7, emu_cmdh_abort },
	{ 0x51, emu_cmdh_get_card_uid },
	{ 0x3C, emu_cmdh_read_sig },
};

int emu_cmd_execute(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len, int iso,
		    struct emu_reply *rp)
{
	static const uint8_t none[1];
	struct ctx *x;
	size_t i;
	int r;

	if (data == NULL)	/* no data field: an empty one, never NULL */
		data = none;
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
		r = emu_sm_wrap(c, x->mode, rp);
	if (x->drop_after)
		emu_drop_session(c);
	yn_cleanse(&x->m, sizeof(x->m));
	free(x);
	return r;
}
