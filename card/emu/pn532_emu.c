/*
 * Glue: the software DESFire card behind the emulated PN532.
 */
#include "card/emu/pn532_emu.h"

#include <string.h>

#include "base/err.h"
#include "card/emu/emu.h"

static int emu_activate(void *ctx, struct yn_pn532_target *t)
{
	struct yn_emu *card = ctx;
	uint8_t ats[16];
	size_t ats_len = 0;
	int r;

	yn_emu_power_off(card);
	yn_emu_power_on(card);
	if ((r = yn_emu_uid(card, t->uid, &t->uid_len)) != 0)
		return r;
	yn_emu_iso14443a(card, &t->atqa, &t->sak, ats, &ats_len);
	if (ats_len > sizeof(t->ats) || ats_len > sizeof(ats))
		return YN_EINTERNAL;
	memcpy(t->ats, ats, ats_len);
	t->ats_len = ats_len;
	return 0;
}

static int emu_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			size_t *resp_len)
{
	return yn_emu_transmit(ctx, apdu, len, resp, cap, resp_len);
}

static void emu_field(void *ctx, int on)
{
	if (!on)
		yn_emu_power_off(ctx);
}

void yn_pn532_emu_card(struct yn_emu *card, struct yn_pn532_card *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->activate = emu_activate;
	ops->transmit = emu_transmit;
	ops->field = emu_field;
	ops->ctx = card;
}

int yn_pn532_serve_emu(struct yn_emu *card, const char *link_path, volatile sig_atomic_t *stop)
{
	struct yn_pn532_card ops;
	int r;

	yn_pn532_emu_card(card, &ops);
	r = yn_pn532_serve(&ops, link_path, stop);
	yn_emu_power_off(card);
	return r;
}
