/*
 * The card's non-volatile memory as far as tearing can see it.
 *
 * A real DESFire writes EEPROM page by page.  Standard data files are
 * written in place, so a power cut leaves some new bytes and some old ones.
 * Everything else (backup, value and record files at commit, keys,
 * applications, file creation) goes through the card's internal backup
 * mechanism: the new content is written to a journal and then a commit
 * flag is set; after a cut the card rolls back anything whose flag was not
 * set.  This module counts the writes and cuts them where a test armed it.
 */
#include <string.h>

#include "card/emu/emu_int.h"

/* Account one write of n bytes; returns how many bytes reach the memory
 * before the cut, or n if this write is not the torn one (*torn = 0). */
static size_t account(struct yn_emu *c, size_t n, int *torn)
{
	c->nv_writes++;
	c->nv_dirty = 1;
	*torn = 0;
	if (c->tear_write == 0)
		return n;
	if (--c->tear_write != 0)
		return n;
	*torn = 1;
	return c->tear_bytes < n ? c->tear_bytes : n;
}

int emu_nv_write(struct yn_emu *c, uint8_t *dst, const uint8_t *src, size_t n)
{
	int torn;
	size_t k = account(c, n, &torn);

	if (k > 0)
		memmove(dst, src, k);
	return torn ? EMU_TORN : 0;
}

int emu_nv_atomic(struct yn_emu *c, size_t journal_len)
{
	int torn;
	size_t k;

	/* The journal: a cut anywhere in it means the flag is never set. */
	(void)account(c, journal_len, &torn);
	if (torn)
		return EMU_TORN;
	/* The commit flag, one byte. */
	k = account(c, 1, &torn);
	if (!torn)
		return 0;
	return k == 1 ? NV_APPLY_TORN : EMU_TORN;
}
