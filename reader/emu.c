/*
 * emu reader backend: the software DESFire card in-process (reader/emu.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "card/emu/emu.h"
#include "reader/emu.h"
#include "reader/reader.h"

struct emu_reader {
	struct yn_reader base;
	struct yn_emu *card;
	int connected;
	int powered;
};

static struct emu_reader *as_emu(struct yn_reader *r)
{
	return (struct emu_reader *)r;
}

static int emu_open(const char *arg, struct yn_reader **out)
{
	struct emu_reader *e;
	int r;

	*out = NULL;
	if (arg == NULL || *arg == '\0') {
		yn_err("emu reader: give the card's state file: emu:STATEFILE");
		return YN_EINVAL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return YN_ENOMEM;
	e->base.ops = &yn_reader_emu_ops;
	if ((r = yn_emu_load(arg, &e->card)) != 0) {
		yn_err("emu reader: cannot load card %s: %s", arg, yn_strerror(r));
		free(e);
		return r;
	}
	*out = &e->base;
	return 0;
}

static int emu_wait_card(struct yn_reader *r, uint64_t deadline_ns)
{
	struct emu_reader *e = as_emu(r);

	(void)deadline_ns;
	if (!e->powered) {
		yn_emu_power_on(e->card);
		e->powered = 1;
	}
	e->connected = 1;
	return 0;
}

static int emu_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	struct emu_reader *e = as_emu(r);

	if (!e->connected)
		return YN_ENOCARD;
	yn_emu_uid(e->card, info->uid, &info->uid_len);
	yn_emu_atr(e->card, info->atr, &info->atr_len);
	return 0;
}

static int emu_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t resp_cap, size_t *resp_len, uint64_t deadline_ns)
{
	struct emu_reader *e = as_emu(r);
	int rc;

	(void)deadline_ns;
	*resp_len = 0;
	if (!e->connected)
		return YN_ENOCARD;
	rc = yn_emu_transmit(e->card, cmd, cmd_len, resp, resp_cap, resp_len);
	if (rc == YN_ECARDGONE) {
		/* torn: the card is out of the field until the next tap */
		e->connected = 0;
		e->powered = 0;
	}
	return rc;
}

static int emu_release(struct yn_reader *r, enum yn_release how)
{
	struct emu_reader *e = as_emu(r);

	e->connected = 0;
	switch (how) {
	case YN_RELEASE_LEAVE:
		break;
	case YN_RELEASE_RESET:
		if (e->powered)
			yn_emu_reset(e->card);
		break;
	case YN_RELEASE_UNPOWER:
		yn_emu_power_off(e->card);
		e->powered = 0;
		break;
	default:
		return YN_EINVAL;
	}
	return 0;
}

static int emu_wait_removed(struct yn_reader *r, uint64_t deadline_ns)
{
	struct emu_reader *e = as_emu(r);

	(void)deadline_ns;
	yn_emu_power_off(e->card);
	e->powered = 0;
	e->connected = 0;
	return 0;
}

static void emu_close(struct yn_reader *r)
{
	struct emu_reader *e = as_emu(r);

	yn_emu_free(e->card);
	free(e);
}

struct yn_emu *yn_reader_emu_card(struct yn_reader *r)
{
	if (r == NULL || r->ops != &yn_reader_emu_ops)
		return NULL;
	return as_emu(r)->card;
}

const struct yn_reader_ops yn_reader_emu_ops = {
	.scheme = "emu",
	.open = emu_open,
	.wait_card = emu_wait_card,
	.card_info = emu_card_info,
	.transmit = emu_transmit,
	.release = emu_release,
	.wait_removed = emu_wait_removed,
	.close = emu_close,
};
