/*
 * Internals of the command layer of the software card (cmd.c dispatches,
 * cmd_app.c holds the PICC, application and key commands, cmd_file.c the
 * file commands).  Not part of any public API.
 */
#ifndef YN_EMU_CMD_INT_H
#define YN_EMU_CMD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "card/emu/emu_int.h"

/* One command being executed. */
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

static inline int emu_cmd_authed(const struct yn_emu *c)
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

/* Unwrap the command data (after the command byte) in the given mode:
 * hdr_len plain header bytes, then the protected part (sm.c); the mode is
 * also the response's.  ST_* result. */
int emu_cmd_unwrap(struct ctx *x, int mode, size_t hdr_len, int ev1_tx_mac, size_t plain_len,
		   size_t extra);
/* Commands whose mode does not depend on a file (MAC-class). */
int emu_cmd_unwrap_mac(struct ctx *x, size_t hdr_len);
/* ST_OK if the master key of the current level is authenticated, else
 * ST_AUTH (no session) or ST_PERMISSION (another key). */
int emu_cmd_need_master(const struct yn_emu *c);
/* KS1 of the current level (application, or PICC). */
uint8_t emu_cmd_level_ks1(const struct yn_emu *c);
/* KS1 bit 1 (listing free) or the master key. */
int emu_cmd_need_list(const struct yn_emu *c);
/* KS1 bit 2 (create/delete free) or the master key. */
int emu_cmd_need_create(const struct yn_emu *c);
/* A file of the selected application, or NULL. */
struct emu_file *emu_cmd_find_file(const struct yn_emu *c, uint8_t no);

/* The command handlers: fill x->rp (or FAIL with a status); return 0,
 * EMU_TORN or a negative YN_E* for an internal failure. */
int emu_cmdh_get_version(struct ctx *x);
int emu_cmdh_select(struct ctx *x);
int emu_cmdh_get_app_ids(struct ctx *x);
int emu_cmdh_get_free_memory(struct ctx *x);
int emu_cmdh_create_app(struct ctx *x);
int emu_cmdh_delete_app(struct ctx *x);
int emu_cmdh_format(struct ctx *x);
int emu_cmdh_get_key_settings(struct ctx *x);
int emu_cmdh_get_key_version(struct ctx *x);
int emu_cmdh_change_key_settings(struct ctx *x);
int emu_cmdh_change_key(struct ctx *x);
int emu_cmdh_get_file_ids(struct ctx *x);
int emu_cmdh_get_file_settings(struct ctx *x);
int emu_cmdh_change_file_settings(struct ctx *x);
int emu_cmdh_create_file(struct ctx *x);
int emu_cmdh_delete_file(struct ctx *x);
int emu_cmdh_read_data(struct ctx *x);
int emu_cmdh_write_data(struct ctx *x);
int emu_cmdh_read_records(struct ctx *x);
int emu_cmdh_write_record(struct ctx *x);
int emu_cmdh_clear_records(struct ctx *x);
int emu_cmdh_get_value(struct ctx *x);
int emu_cmdh_value_op(struct ctx *x);
int emu_cmdh_commit(struct ctx *x);
int emu_cmdh_abort(struct ctx *x);
int emu_cmdh_get_card_uid(struct ctx *x);
int emu_cmdh_read_sig(struct ctx *x);

#endif
