/*
 * Files of an application and the transaction mirror.
 *
 * Standard files are written in place.  Backup, value and record files keep
 * their pending changes beside the committed content (desfire.md §6.3):
 * ReadData, GetValue and ReadRecords see only committed content;
 * CommitTransaction makes everything pending in the selected application
 * visible at once; AbortTransaction, any error, SelectApplication,
 * re-authentication, reset and power loss discard it.  The pending changes
 * live in the card's volatile memory: the only effect a power cut has on
 * them, losing them, is the one a real card's backup pages give.
 */
#include <stdlib.h>
#include <string.h>

#include "card/emu/emu_int.h"

static size_t round_block(uint64_t n)
{
	return (size_t)((n + EMU_NV_BLOCK - 1) / EMU_NV_BLOCK * EMU_NV_BLOCK);
}

struct emu_file *emu_file_new(uint8_t type)
{
	struct emu_file *f = calloc(1, sizeof(*f));

	if (f != NULL)
		f->type = type;
	return f;
}

void emu_file_free(struct emu_file *f)
{
	if (f == NULL)
		return;
	free(f->data);
	free(f->mirror);
	free(f->tx_rec);
	free(f);
}

void emu_app_free(struct emu_app *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < EMU_MAX_FILES; i++)
		emu_file_free(a->files[i]);
	yn_cleanse(a->keys, sizeof(a->keys));
	free(a);
}

size_t emu_file_charge(const struct emu_file *f)
{
	switch (f->type) {
	case FT_STD:
		return EMU_NV_BLOCK + round_block(f->size);
	case FT_BACKUP:
		return EMU_NV_BLOCK + 2 * round_block(f->size);
	case FT_VALUE:
		return 2 * EMU_NV_BLOCK;
	default:
		return EMU_NV_BLOCK + round_block((uint64_t)f->rec_size * f->rec_max);
	}
}

size_t emu_app_charge(const struct emu_app *a)
{
	size_t n = 2 * EMU_NV_BLOCK, i;

	for (i = 0; i < EMU_MAX_FILES; i++)
		if (a->files[i] != NULL)
			n += emu_file_charge(a->files[i]);
	return n;
}

size_t emu_free_memory(const struct yn_emu *c)
{
	size_t used = 0, i;

	for (i = 0; i < EMU_MAX_APPS; i++)
		if (c->apps[i] != NULL)
			used += emu_app_charge(c->apps[i]);
	return used >= EMU_NV_CAPACITY ? 0 : EMU_NV_CAPACITY - used;
}

static int file_pending(const struct emu_file *f)
{
	return f->mirror != NULL || f->tx_value_dirty || f->tx_rec != NULL || f->tx_clear;
}

int emu_tx_pending(const struct emu_app *a)
{
	size_t i;

	if (a == NULL)
		return 0;
	for (i = 0; i < EMU_MAX_FILES; i++)
		if (a->files[i] != NULL && file_pending(a->files[i]))
			return 1;
	return 0;
}

size_t emu_tx_journal_len(const struct emu_app *a)
{
	size_t n = 0, i;

	for (i = 0; i < EMU_MAX_FILES; i++) {
		const struct emu_file *f = a->files[i];

		if (f == NULL)
			continue;
		if (f->mirror != NULL)
			n += f->size;
		if (f->tx_value_dirty)
			n += 8;
		if (f->tx_rec != NULL)
			n += f->rec_size;
		if (f->tx_clear)
			n += 1;
	}
	return n;
}

static void file_discard(struct emu_file *f)
{
	free(f->mirror);
	f->mirror = NULL;
	free(f->tx_rec);
	f->tx_rec = NULL;
	f->tx_clear = 0;
	f->tx_value_dirty = 0;
	f->tx_value = 0;
	f->tx_debits = 0;
	f->tx_lc_used = 0;
}

void emu_tx_discard(struct emu_app *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < EMU_MAX_FILES; i++)
		if (a->files[i] != NULL)
			file_discard(a->files[i]);
}

static void file_apply(struct emu_file *f)
{
	if (f->mirror != NULL)
		memcpy(f->data, f->mirror, f->size);
	if (f->tx_value_dirty) {
		f->value = f->tx_value;
		/* desfire.md §6.3: the limit becomes the sum of the Debits of
		 * the last committed transaction that had one; a used limit
		 * drops to 0. */
		if (f->tx_debits > 0)
			f->lc_limit = f->tx_debits > INT32_MAX ? INT32_MAX : (int32_t)f->tx_debits;
		else if (f->tx_lc_used)
			f->lc_limit = 0;
	}
	if (f->tx_clear)
		f->rec_count = 0;
	if (f->tx_rec != NULL) {
		uint32_t usable = f->type == FT_CYCLIC ? f->rec_max - 1 : f->rec_max;

		if (f->rec_count == usable) {
			/* cyclic and full (linear files refuse the write): the
			 * oldest record goes */
			memmove(f->data, f->data + f->rec_size,
				(size_t)f->rec_size * (f->rec_count - 1));
			f->rec_count--;
		}
		memcpy(f->data + (size_t)f->rec_size * f->rec_count, f->tx_rec, f->rec_size);
		f->rec_count++;
	}
	file_discard(f);
}

void emu_tx_apply(struct emu_app *a)
{
	size_t i;

	for (i = 0; i < EMU_MAX_FILES; i++)
		if (a->files[i] != NULL)
			file_apply(a->files[i]);
}

static int64_t value_pending(const struct emu_file *f)
{
	return f->tx_value_dirty ? f->tx_value : f->value;
}

int32_t emu_value_visible(const struct emu_file *f)
{
	return f->value;
}

static void value_set(struct emu_file *f, int64_t v)
{
	f->tx_value = (int32_t)v;
	f->tx_value_dirty = 1;
}

int emu_value_credit(struct emu_file *f, int32_t v)
{
	int64_t n;

	if (v < 0)
		return ST_PARAMETER;
	n = value_pending(f) + v;
	if (n > f->upper)
		return ST_BOUNDARY;
	value_set(f, n);
	return ST_OK;
}

int emu_value_debit(struct emu_file *f, int32_t v)
{
	int64_t n;

	if (v < 0)
		return ST_PARAMETER;
	n = value_pending(f) - v;
	if (n < f->lower)
		return ST_BOUNDARY;
	value_set(f, n);
	f->tx_debits += v;
	return ST_OK;
}

int emu_value_limited_credit(struct emu_file *f, int32_t v)
{
	int64_t n;

	if (v < 0)
		return ST_PARAMETER;
	if (!(f->lc_flags & 1))
		return ST_PERMISSION;
	/* One LimitedCredit per limit: once used in this transaction the
	 * limit left is 0. */
	if (v > (f->tx_lc_used ? 0 : f->lc_limit))
		return ST_BOUNDARY;
	n = value_pending(f) + v;
	if (n > f->upper)
		return ST_BOUNDARY;
	value_set(f, n);
	f->tx_lc_used = 1;
	return ST_OK;
}

int emu_record_write(struct emu_file *f, uint32_t off, uint32_t len, const uint8_t *data)
{
	if (f->tx_clear)
		return ST_PERMISSION;
	if (off > f->rec_size || len > f->rec_size - off)
		return ST_BOUNDARY;
	if (f->tx_rec == NULL) {
		if (f->type == FT_LINEAR && f->rec_count >= f->rec_max)
			return ST_BOUNDARY;
		f->tx_rec = calloc(1, f->rec_size);
		if (f->tx_rec == NULL)
			return ST_OUT_OF_EEPROM;
	}
	memcpy(f->tx_rec + off, data, len);
	return ST_OK;
}

int emu_record_read(const struct emu_file *f, uint32_t recno, uint32_t count, uint8_t *out,
		    size_t cap, size_t *out_len)
{
	uint32_t n = f->rec_count, start;
	size_t bytes;

	*out_len = 0;
	if (n == 0 || recno >= n)
		return ST_BOUNDARY;
	if (count == 0)
		count = n - recno;
	if (count > n - recno)
		return ST_BOUNDARY;
	start = n - recno - count;
	bytes = (size_t)count * f->rec_size;
	if (bytes > cap)
		return ST_BOUNDARY;
	memcpy(out, f->data + (size_t)start * f->rec_size, bytes);
	*out_len = bytes;
	return ST_OK;
}
