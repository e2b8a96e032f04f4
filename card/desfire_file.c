/*
 * DESFire file, data, value, record and transaction commands
 * (desfire.md §6.1-§6.3), terminal side.
 */
#include "card/desfire_int.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"

static int check_comm(enum yn_desfire_comm comm)
{
	return comm == YN_DESFIRE_PLAIN || comm == YN_DESFIRE_MAC || comm == YN_DESFIRE_FULL
		       ? 0
		       : YN_EINVAL;
}

static int check_file_comm(uint8_t file_comm)
{
	return file_comm == 0 || file_comm == 1 || file_comm == 3 ? 0 : YN_EINVAL;
}

static int run(struct yn_desfire *df, uint8_t ins, enum yn_desfire_comm comm,
	       const uint8_t *hdr, size_t hdr_len, const uint8_t *data, size_t data_len,
	       const char *what, uint8_t *out, size_t cap, size_t *out_len, uint64_t deadline)
{
	struct yn_df_cmd c = {
		.ins = ins, .hdr = hdr, .hdr_len = hdr_len, .data = data, .data_len = data_len,
		.comm = comm, .what = what,
	};
	size_t dummy;

	if (check_comm(comm) != 0)
		return YN_EINVAL;
	if (df->ins_set == YN_DESFIRE_INS_ISO &&
	    (ins == DF_INS_READ_DATA_ISO || ins == DF_INS_WRITE_DATA_ISO ||
	     ins == DF_INS_READ_RECORDS_ISO || ins == DF_INS_WRITE_RECORD_ISO))
		c.flags |= DF_F_ONE_APDU;
	return yn_df_command(df, &c, out, cap, out_len != NULL ? out_len : &dummy, deadline);
}

/* --- creating files --- */

/* CreateStd/BackupDataFile: FileNo CS AR(2, LE) Size(3) — all CmdHeader. */
static int create_data_file(struct yn_desfire *df, uint8_t ins, enum yn_desfire_comm comm,
			    uint8_t file_no, uint8_t file_comm, uint16_t access, uint32_t size,
			    uint64_t deadline)
{
	uint8_t hdr[7];
	char what[16];

	if (check_file_comm(file_comm) != 0 || size > 0xFFFFFF || file_no > 0x1F)
		return YN_EINVAL;
	hdr[0] = file_no;
	hdr[1] = file_comm;
	yn_put_u16le(hdr + 2, access);
	yn_put_u24le(hdr + 4, size);
	snprintf(what, sizeof(what), "file %u", file_no);
	return run(df, ins, comm, hdr, sizeof(hdr), NULL, 0, what, NULL, 0, NULL, deadline);
}

int yn_desfire_create_std_file(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			       uint8_t file_comm, uint16_t access, uint32_t size,
			       uint64_t deadline)
{
	return create_data_file(df, DF_INS_CREATE_STD_FILE, comm, file_no, file_comm, access,
				size, deadline);
}

int yn_desfire_create_backup_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				  uint8_t file_no, uint8_t file_comm, uint16_t access,
				  uint32_t size, uint64_t deadline)
{
	return create_data_file(df, DF_INS_CREATE_BACKUP_FILE, comm, file_no, file_comm, access,
				size, deadline);
}

/* CreateValueFile: FileNo CS AR(2) Lower(4) Upper(4) Value(4) LCflags(1). */
int yn_desfire_create_value_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				 uint8_t file_no, uint8_t file_comm, uint16_t access,
				 int32_t lower, int32_t upper, int32_t value, uint8_t lc_flags,
				 uint64_t deadline)
{
	uint8_t hdr[17];
	char what[16];

	if (check_file_comm(file_comm) != 0 || file_no > 0x1F || lower > upper ||
	    value < lower || value > upper)
		return YN_EINVAL;
	hdr[0] = file_no;
	hdr[1] = file_comm;
	yn_put_u16le(hdr + 2, access);
	yn_put_u32le(hdr + 4, (uint32_t)lower);
	yn_put_u32le(hdr + 8, (uint32_t)upper);
	yn_put_u32le(hdr + 12, (uint32_t)value);
	hdr[16] = lc_flags;
	snprintf(what, sizeof(what), "file %u", file_no);
	return run(df, DF_INS_CREATE_VALUE_FILE, comm, hdr, sizeof(hdr), NULL, 0, what, NULL, 0,
		   NULL, deadline);
}

/* CreateCyclicRecordFile: FileNo CS AR(2) RecSize(3) MaxRecs(3). */
int yn_desfire_create_cyclic_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				  uint8_t file_no, uint8_t file_comm, uint16_t access,
				  uint32_t record_size, uint32_t max_records, uint64_t deadline)
{
	uint8_t hdr[10];
	char what[16];

	if (check_file_comm(file_comm) != 0 || file_no > 0x1F || record_size == 0 ||
	    record_size > 0xFFFFFF || max_records < 2 || max_records > 0xFFFFFF)
		return YN_EINVAL;
	hdr[0] = file_no;
	hdr[1] = file_comm;
	yn_put_u16le(hdr + 2, access);
	yn_put_u24le(hdr + 4, record_size);
	yn_put_u24le(hdr + 7, max_records);
	snprintf(what, sizeof(what), "file %u", file_no);
	return run(df, DF_INS_CREATE_CYCLIC_FILE, comm, hdr, sizeof(hdr), NULL, 0, what, NULL, 0,
		   NULL, deadline);
}

/* GetFileIDs response: one byte per file. */
int yn_desfire_get_file_ids(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t *ids,
			    size_t cap, size_t *n, uint64_t deadline)
{
	uint8_t buf[32];
	size_t len = 0;
	int r;

	*n = 0;
	if ((r = run(df, DF_INS_GET_FILE_IDS, comm, NULL, 0, NULL, 0, "", buf, sizeof(buf), &len,
		     deadline)) != 0)
		return r == YN_ENOSPC ? yn_df_bad_answer(df) : r;	/* > 32 files */
	if (len > cap) {
		df_log(df, "DESFire GetFileIDs: %zu files, room for %zu", len, cap);
		return YN_ENOSPC;
	}
	memcpy(ids, buf, len);
	*n = len;
	return 0;
}

/*
 * GetFileSettings response (§6.1):
 *   Type(1) CS(1) AR(2, LE) then by type
 *     std/backup:   Size(3)
 *     value:        Lower(4) Upper(4) LimitedCredit(4) LCflags(1)
 *     linear/cyclic: RecSize(3) MaxRecs(3) CurRecs(3)
 *     TMAC:         KeyType(1) KeyVer(1)
 *   and, when CS bit 7 is set, NrAR(1) NrAR x AR(2);
 *   and, when CS bit 6 is set (Secure Dynamic Messaging, EV3 and NTAG 424),
 *   SDM options and offsets (at most 32 bytes, kept raw: not used here).
 */
static int parse_file_settings(const uint8_t *p, size_t n, struct yn_desfire_file_settings *fs)
{
	struct yn_rd rd;
	uint8_t cs, b;
	uint32_t u;
	size_t i;
	int r;

	yn_rd_init(&rd, p, n);
	if ((r = yn_rd_u8(&rd, &fs->type)) != 0 || (r = yn_rd_u8(&rd, &cs)) != 0 ||
	    (r = yn_rd_u16le(&rd, &fs->access)) != 0)
		return r;
	fs->comm = (cs & 3) == 3 ? YN_DESFIRE_FULL : (cs & 3) == 1 ? YN_DESFIRE_MAC
								    : YN_DESFIRE_PLAIN;
	switch (fs->type) {
	case YN_DESFIRE_FILE_STD:
	case YN_DESFIRE_FILE_BACKUP:
		r = yn_rd_u24le(&rd, &fs->size);
		break;
	case YN_DESFIRE_FILE_VALUE:
		if ((r = yn_rd_u32le(&rd, &u)) != 0)
			break;
		fs->lower = (int32_t)u;
		if ((r = yn_rd_u32le(&rd, &u)) != 0)
			break;
		fs->upper = (int32_t)u;
		if ((r = yn_rd_u32le(&rd, &u)) != 0)
			break;
		fs->limited_credit = (int32_t)u;
		r = yn_rd_u8(&rd, &fs->lc_flags);
		break;
	case YN_DESFIRE_FILE_LINEAR:
	case YN_DESFIRE_FILE_CYCLIC:
		if ((r = yn_rd_u24le(&rd, &fs->record_size)) == 0 &&
		    (r = yn_rd_u24le(&rd, &fs->max_records)) == 0)
			r = yn_rd_u24le(&rd, &fs->cur_records);
		break;
	case YN_DESFIRE_FILE_TMAC:
		if ((r = yn_rd_u8(&rd, &b)) == 0)
			r = yn_rd_u8(&rd, &b);
		break;
	default:
		return YN_EFORMAT;
	}
	if (r != 0)
		return r;
	if (cs & 0x80) {
		if ((r = yn_rd_u8(&rd, &fs->n_extra_ar)) != 0)
			return r;
		if (fs->n_extra_ar > sizeof(fs->extra_ar) / sizeof(fs->extra_ar[0]))
			return YN_ERANGE;
		for (i = 0; i < fs->n_extra_ar; i++)
			if ((r = yn_rd_u16le(&rd, &fs->extra_ar[i])) != 0)
				return r;
	}
	if (cs & 0x40) {
		fs->sdm_len = yn_rd_left(&rd);
		if (fs->sdm_len > sizeof(fs->sdm))
			return YN_ERANGE;
		if ((r = yn_rd_bytes(&rd, fs->sdm, fs->sdm_len)) != 0)
			return r;
	}
	return yn_rd_end(&rd);
}

int yn_desfire_get_file_settings(struct yn_desfire *df, enum yn_desfire_comm comm,
				 uint8_t file_no, struct yn_desfire_file_settings *fs,
				 uint64_t deadline)
{
	uint8_t buf[96];
	char what[16];
	size_t n = 0;
	int r;

	memset(fs, 0, sizeof(*fs));
	snprintf(what, sizeof(what), "file %u", file_no);
	if ((r = run(df, DF_INS_GET_FILE_SETTINGS, comm, &file_no, 1, NULL, 0, what, buf,
		     sizeof(buf), &n, deadline)) != 0)
		return r == YN_ENOSPC ? yn_df_bad_answer(df) : r;
	if ((r = parse_file_settings(buf, n, fs)) != 0) {
		df_log(df, "DESFire GetFileSettings %s: malformed settings (%zu bytes): %s", what, n,
		       yn_strerror(r));
		memset(fs, 0, sizeof(*fs));
		return yn_df_bad_answer(df);
	}
	return 0;
}

static int key_has(unsigned nibble, int auth_key)
{
	return auth_key >= 0 && nibble == (unsigned)auth_key;
}

enum yn_desfire_comm yn_desfire_file_comm(const struct yn_desfire_file_settings *fs,
					  enum yn_desfire_op op, int auth_key)
{
	unsigned rd = (fs->access >> 12) & 0xF, wr = (fs->access >> 8) & 0xF;
	unsigned rw = (fs->access >> 4) & 0xF;
	int held, free_;

	switch (op) {
	case YN_DESFIRE_OP_READ:
		held = key_has(rd, auth_key) || key_has(rw, auth_key);
		free_ = rd == YN_DESFIRE_KEY_FREE || rw == YN_DESFIRE_KEY_FREE;
		if (fs->type == YN_DESFIRE_FILE_VALUE) {
			held = held || key_has(wr, auth_key);
			free_ = free_ || wr == YN_DESFIRE_KEY_FREE;
		}
		break;
	case YN_DESFIRE_OP_WRITE:
		held = key_has(wr, auth_key) || key_has(rw, auth_key);
		free_ = wr == YN_DESFIRE_KEY_FREE || rw == YN_DESFIRE_KEY_FREE;
		if (fs->type == YN_DESFIRE_FILE_VALUE) {
			/* Debit is also allowed with the read key. */
			held = held || key_has(rd, auth_key);
			free_ = free_ || rd == YN_DESFIRE_KEY_FREE;
		}
		break;
	default:
		held = key_has(rw, auth_key);
		free_ = rw == YN_DESFIRE_KEY_FREE;
		break;
	}
	if (!held && free_)
		return YN_DESFIRE_PLAIN;
	return (enum yn_desfire_comm)fs->comm;
}

int yn_desfire_comm_for_file(struct yn_desfire *df, uint8_t file_no, enum yn_desfire_op op,
			     enum yn_desfire_comm *comm, uint64_t deadline)
{
	struct yn_desfire_file_settings fs;
	int r;

	*comm = YN_DESFIRE_PLAIN;
	r = yn_desfire_get_file_settings(df, df->authenticated ? YN_DESFIRE_MAC : YN_DESFIRE_PLAIN,
					 file_no, &fs, deadline);
	if (r != 0)
		return r;
	*comm = yn_desfire_file_comm(&fs, op, df->authenticated ? df->auth_key : -1);
	return 0;
}

/* --- data files --- */

static size_t chunk_max(const struct yn_desfire *df)
{
	return df->ins_set == YN_DESFIRE_INS_ISO ? YN_DESFIRE_ISO_CHUNK : YN_DESFIRE_CHUNK;
}

/* ReadData: FileNo Off(3) Len(3) (CmdHeader, 7 bytes) -> data. */
int yn_desfire_read_data(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			 uint32_t offset, uint32_t len, uint8_t *out, size_t cap, size_t *out_len,
			 uint64_t deadline)
{
	uint8_t ins = df->ins_set == YN_DESFIRE_INS_ISO ? DF_INS_READ_DATA_ISO : DF_INS_READ_DATA;
	uint8_t hdr[7];
	char what[40];
	size_t done = 0, n, got;
	int r;

	*out_len = 0;
	if (offset > 0xFFFFFF || len > 0xFFFFFF || (uint64_t)offset + len > 0xFFFFFF)
		return YN_ERANGE;
	if (len > cap)
		return YN_ENOSPC;
	do {
		n = len == 0 ? 0 : len - done;
		if (n > chunk_max(df))
			n = chunk_max(df);
		hdr[0] = file_no;
		yn_put_u24le(hdr + 1, (uint32_t)(offset + done));
		yn_put_u24le(hdr + 4, (uint32_t)n);
		snprintf(what, sizeof(what), "file %u (%zu bytes at %zu)", file_no, n,
			 (size_t)offset + done);
		got = 0;
		r = run(df, ins, comm, hdr, sizeof(hdr), NULL, 0, what, out + done, cap - done, &got,
			deadline);
		if (r == 0 && n != 0 && got != n) {
			df_log(df, "DESFire ReadData %s: the card returned %zu bytes", what, got);
			r = yn_df_bad_answer(df);
		}
		if (r != 0) {
			if (cap > 0)
				memset(out, 0, cap);
			return r;
		}
		done += got;
	} while (done < len);
	*out_len = done;
	return 0;
}

/* WriteData: FileNo Off(3) Len(3) (CmdHeader) || data. */
int yn_desfire_write_data(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			  uint32_t offset, const uint8_t *data, size_t len, uint64_t deadline)
{
	uint8_t ins = df->ins_set == YN_DESFIRE_INS_ISO ? DF_INS_WRITE_DATA_ISO : DF_INS_WRITE_DATA;
	uint8_t hdr[7];
	char what[40];
	size_t done = 0, n;
	int r;

	if (len == 0 || offset > 0xFFFFFF || len > 0xFFFFFF || (uint64_t)offset + len > 0xFFFFFF)
		return YN_ERANGE;
	while (done < len) {
		n = len - done;
		if (n > chunk_max(df))
			n = chunk_max(df);
		hdr[0] = file_no;
		yn_put_u24le(hdr + 1, (uint32_t)(offset + done));
		yn_put_u24le(hdr + 4, (uint32_t)n);
		snprintf(what, sizeof(what), "file %u (%zu bytes at %zu)", file_no, n,
			 (size_t)offset + done);
		if ((r = run(df, ins, comm, hdr, sizeof(hdr), data + done, n, what, NULL, 0, NULL,
			     deadline)) != 0)
			return r;
		done += n;
	}
	return 0;
}

/* --- value files --- */

/* GetValue: FileNo (CmdHeader) -> Value(4, LE, signed). */
int yn_desfire_get_value(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			 int32_t *value, uint64_t deadline)
{
	uint8_t buf[4 + 16];
	char what[16];
	size_t n = 0;
	int r;

	*value = 0;
	snprintf(what, sizeof(what), "file %u", file_no);
	if ((r = run(df, DF_INS_GET_VALUE, comm, &file_no, 1, NULL, 0, what, buf, sizeof(buf), &n,
		     deadline)) != 0)
		return r;
	if (n != 4) {
		df_log(df, "DESFire GetValue %s: answer of %zu bytes, 4 expected", what, n);
		return yn_df_bad_answer(df);
	}
	*value = (int32_t)yn_get_u32le(buf);
	return 0;
}

/* Credit/Debit/LimitedCredit: FileNo (CmdHeader) || Value(4, LE). */
static int value_op(struct yn_desfire *df, uint8_t ins, enum yn_desfire_comm comm,
		    uint8_t file_no, int32_t amount, uint64_t deadline)
{
	uint8_t data[4];
	char what[32];

	if (amount < 0)
		return YN_ERANGE;
	yn_put_u32le(data, (uint32_t)amount);
	snprintf(what, sizeof(what), "file %u (amount %ld)", file_no, (long)amount);
	return run(df, ins, comm, &file_no, 1, data, sizeof(data), what, NULL, 0, NULL, deadline);
}

int yn_desfire_credit(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
		      int32_t amount, uint64_t deadline)
{
	return value_op(df, DF_INS_CREDIT, comm, file_no, amount, deadline);
}

int yn_desfire_debit(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
		     int32_t amount, uint64_t deadline)
{
	return value_op(df, DF_INS_DEBIT, comm, file_no, amount, deadline);
}

int yn_desfire_limited_credit(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			      int32_t amount, uint64_t deadline)
{
	return value_op(df, DF_INS_LIMITED_CREDIT, comm, file_no, amount, deadline);
}

/* --- record files --- */

/* ReadRecords: FileNo RecNo(3) Count(3) (CmdHeader) -> records. */
int yn_desfire_read_records(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			    uint32_t rec_no, uint32_t count, uint8_t *out, size_t cap,
			    size_t *out_len, uint64_t deadline)
{
	uint8_t ins = df->ins_set == YN_DESFIRE_INS_ISO ? DF_INS_READ_RECORDS_ISO
							: DF_INS_READ_RECORDS;
	uint8_t hdr[7];
	char what[48];

	*out_len = 0;
	if (rec_no > 0xFFFFFF || count > 0xFFFFFF)
		return YN_ERANGE;
	hdr[0] = file_no;
	yn_put_u24le(hdr + 1, rec_no);
	yn_put_u24le(hdr + 4, count);
	snprintf(what, sizeof(what), "file %u (%lu records from %lu)", file_no,
		 (unsigned long)count, (unsigned long)rec_no);
	return run(df, ins, comm, hdr, sizeof(hdr), NULL, 0, what, out, cap, out_len, deadline);
}

/* WriteRecord: FileNo Off(3) Len(3) (CmdHeader) || data. */
int yn_desfire_write_record(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			    uint32_t offset, const uint8_t *data, size_t len, uint64_t deadline)
{
	uint8_t ins = df->ins_set == YN_DESFIRE_INS_ISO ? DF_INS_WRITE_RECORD_ISO
							: DF_INS_WRITE_RECORD;
	uint8_t hdr[7];
	char what[40];

	if (len == 0 || len > chunk_max(df) || offset > 0xFFFFFF)
		return YN_ERANGE;
	hdr[0] = file_no;
	yn_put_u24le(hdr + 1, offset);
	yn_put_u24le(hdr + 4, (uint32_t)len);
	snprintf(what, sizeof(what), "file %u (%zu bytes)", file_no, len);
	return run(df, ins, comm, hdr, sizeof(hdr), data, len, what, NULL, 0, NULL, deadline);
}

int yn_desfire_clear_record_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				 uint8_t file_no, uint64_t deadline)
{
	char what[16];

	snprintf(what, sizeof(what), "file %u", file_no);
	return run(df, DF_INS_CLEAR_RECORD_FILE, comm, &file_no, 1, NULL, 0, what, NULL, 0, NULL,
		   deadline);
}

/* --- transactions --- */

int yn_desfire_commit(struct yn_desfire *df, enum yn_desfire_comm comm, uint64_t deadline)
{
	return run(df, DF_INS_COMMIT, comm, NULL, 0, NULL, 0, "", NULL, 0, NULL, deadline);
}

int yn_desfire_abort(struct yn_desfire *df, enum yn_desfire_comm comm, uint64_t deadline)
{
	return run(df, DF_INS_ABORT, comm, NULL, 0, NULL, 0, "", NULL, 0, NULL, deadline);
}
