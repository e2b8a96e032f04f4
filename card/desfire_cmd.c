/*
 * DESFire PICC, application and key commands (desfire.md §6.1), terminal side.
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

static int simple(struct yn_desfire *df, uint8_t ins, enum yn_desfire_comm comm,
		  const uint8_t *hdr, size_t hdr_len, const char *what, uint8_t *out, size_t cap,
		  size_t *out_len, uint64_t deadline)
{
	struct yn_df_cmd c = {
		.ins = ins, .hdr = hdr, .hdr_len = hdr_len, .comm = comm, .what = what,
	};
	size_t dummy;

	if (check_comm(comm) != 0)
		return YN_EINVAL;
	return yn_df_command(df, &c, out, cap, out_len != NULL ? out_len : &dummy, deadline);
}

/*
 * GetVersion response (§6.1), all frames together:
 *   HW(7) SW(7) UID(7) Batch(5) CW(1) Year(1) [extra 0..8]
 */
int yn_desfire_get_version(struct yn_desfire *df, enum yn_desfire_comm comm,
			   struct yn_desfire_version *v, uint64_t deadline)
{
	uint8_t buf[28 + sizeof(v->extra) + 16];
	struct yn_rd rd;
	size_t n = 0;
	int r;

	memset(v, 0, sizeof(*v));
	if ((r = simple(df, DF_INS_GET_VERSION, comm, NULL, 0, "", buf, sizeof(buf), &n,
			deadline)) != 0)
		return r == YN_ENOSPC ? yn_df_bad_answer(df) : r;
	yn_rd_init(&rd, buf, n);
	if ((r = yn_rd_bytes(&rd, v->hw, 7)) != 0 || (r = yn_rd_bytes(&rd, v->sw, 7)) != 0 ||
	    (r = yn_rd_bytes(&rd, v->uid, 7)) != 0 || (r = yn_rd_bytes(&rd, v->batch, 5)) != 0 ||
	    (r = yn_rd_u8(&rd, &v->cw)) != 0 || (r = yn_rd_u8(&rd, &v->year)) != 0) {
		df_log(df, "DESFire GetVersion: answer of %zu bytes, 28 expected", n);
		memset(v, 0, sizeof(*v));
		return yn_df_bad_answer(df);
	}
	v->extra_len = yn_rd_left(&rd);
	if (v->extra_len > sizeof(v->extra)) {
		df_log(df, "DESFire GetVersion: answer of %zu bytes, at most %zu expected", n,
		       28 + sizeof(v->extra));
		memset(v, 0, sizeof(*v));
		return yn_df_bad_answer(df);
	}
	if ((r = yn_rd_bytes(&rd, v->extra, v->extra_len)) != 0)
		return r;
	return yn_rd_end(&rd);
}

int yn_desfire_select_application(struct yn_desfire *df, uint32_t aid, uint64_t deadline)
{
	uint8_t hdr[3];
	char what[24];
	int r;

	if (aid > 0xFFFFFF)
		return YN_ERANGE;
	/* The card drops the session whatever the outcome; so do we, before
	 * sending, so that the command goes out plain. */
	yn_df_drop(df);
	df->aid = 0;
	yn_put_u24le(hdr, aid);
	snprintf(what, sizeof(what), "AID %06X", (unsigned)aid);
	r = simple(df, DF_INS_SELECT_APPLICATION, YN_DESFIRE_PLAIN, hdr, sizeof(hdr), what, NULL,
		   0, NULL, deadline);
	if (r == 0)
		df->aid = aid;
	return r;
}

/* GetApplicationIDs response: n x AID(3, LE). */
int yn_desfire_get_application_ids(struct yn_desfire *df, enum yn_desfire_comm comm,
				   uint32_t *aids, size_t cap, size_t *n, uint64_t deadline)
{
	uint8_t buf[3 * 100];
	struct yn_rd rd;
	size_t len = 0, i;
	uint32_t aid;
	int r;

	*n = 0;
	if ((r = simple(df, DF_INS_GET_APPLICATION_IDS, comm, NULL, 0, "", buf, sizeof(buf),
			&len, deadline)) != 0)
		return r == YN_ENOSPC ? yn_df_bad_answer(df) : r;	/* > 100 AIDs */
	if (len % 3 != 0) {
		df_log(df, "DESFire GetApplicationIDs: answer of %zu bytes is not whole AIDs", len);
		return yn_df_bad_answer(df);
	}
	if (len / 3 > cap) {
		df_log(df, "DESFire GetApplicationIDs: %zu applications, room for %zu", len / 3, cap);
		return YN_ENOSPC;
	}
	yn_rd_init(&rd, buf, len);
	for (i = 0; i < len / 3; i++) {
		if ((r = yn_rd_u24le(&rd, &aid)) != 0)
			return r;
		aids[i] = aid;
	}
	*n = len / 3;
	return yn_rd_end(&rd);
}

int yn_desfire_format_picc(struct yn_desfire *df, enum yn_desfire_comm comm, uint64_t deadline)
{
	return simple(df, DF_INS_FORMAT_PICC, comm, NULL, 0, "(erase all applications)", NULL, 0,
		      NULL, deadline);
}

/* CreateApplication: AID(3) KS1 KS2, all of it CmdHeader (§5.1). */
int yn_desfire_create_application(struct yn_desfire *df, enum yn_desfire_comm comm, uint32_t aid,
				  uint8_t ks1, uint8_t ks2, uint64_t deadline)
{
	uint8_t hdr[5];
	char what[24];

	if (aid > 0xFFFFFF || aid == 0)
		return YN_ERANGE;
	yn_put_u24le(hdr, aid);
	hdr[3] = ks1;
	hdr[4] = ks2;
	snprintf(what, sizeof(what), "AID %06X", (unsigned)aid);
	return simple(df, DF_INS_CREATE_APPLICATION, comm, hdr, sizeof(hdr), what, NULL, 0, NULL,
		      deadline);
}

int yn_desfire_delete_application(struct yn_desfire *df, enum yn_desfire_comm comm, uint32_t aid,
				  uint64_t deadline)
{
	uint8_t hdr[3];
	char what[24];
	int r;

	if (aid > 0xFFFFFF || aid == 0)
		return YN_ERANGE;
	yn_put_u24le(hdr, aid);
	snprintf(what, sizeof(what), "AID %06X", (unsigned)aid);
	r = simple(df, DF_INS_DELETE_APPLICATION, comm, hdr, sizeof(hdr), what, NULL, 0, NULL,
		   deadline);
	if (r == 0 && aid == df->aid) {
		/* The card falls back to the PICC level without a session. */
		yn_df_drop(df);
		df->aid = 0;
	}
	return r;
}

/* GetKeySettings response: KS1 KS2. */
int yn_desfire_get_key_settings(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t *ks1,
				uint8_t *ks2, uint64_t deadline)
{
	uint8_t buf[2 + 16];
	size_t n = 0;
	int r;

	*ks1 = *ks2 = 0;
	if ((r = simple(df, DF_INS_GET_KEY_SETTINGS, comm, NULL, 0, "", buf, sizeof(buf), &n,
			deadline)) != 0)
		return r;
	if (n != 2) {
		df_log(df, "DESFire GetKeySettings: answer of %zu bytes, 2 expected", n);
		return yn_df_bad_answer(df);
	}
	*ks1 = buf[0];
	*ks2 = buf[1];
	return 0;
}

/* GetKeyVersion: KeyNo -> version(1). */
int yn_desfire_get_key_version(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t key_no,
			       uint8_t *version, uint64_t deadline)
{
	uint8_t buf[1 + 16];
	char what[16];
	size_t n = 0;
	int r;

	*version = 0;
	snprintf(what, sizeof(what), "key %u", key_no);
	if ((r = simple(df, DF_INS_GET_KEY_VERSION, comm, &key_no, 1, what, buf, sizeof(buf), &n,
			deadline)) != 0)
		return r;
	if (n != 1) {
		df_log(df, "DESFire GetKeyVersion %s: answer of %zu bytes, 1 expected", what, n);
		return yn_df_bad_answer(df);
	}
	*version = buf[0];
	return 0;
}

/* ChangeKey: KeyNo || E(cryptogram) || MACt, Full (§5.3). */
int yn_desfire_change_key(struct yn_desfire *df, uint8_t key_no, const uint8_t new_key[16],
			  uint8_t new_version, const uint8_t *old_key, uint64_t deadline)
{
	uint8_t plain[21];
	size_t plen = 0, n = 0;
	char what[16];
	int same, r;
	struct yn_df_cmd c = {
		.ins = DF_INS_CHANGE_KEY, .hdr = &key_no, .hdr_len = 1, .comm = YN_DESFIRE_FULL,
		.flags = DF_F_NEED_AUTH, .what = what,
	};

	snprintf(what, sizeof(what), "key %u", key_no & 0x3F);
	if (!df->authenticated) {
		df_log(df, "DESFire ChangeKey %s: needs an authenticated session and none is open",
		       what);
		return YN_ENOTAUTH;
	}
	same = (key_no & 0x3F) == (df->auth_key & 0x3F);
	if (!same && old_key == NULL)
		return YN_EINVAL;
	if ((r = yn_ev2_changekey_plain(same, new_key, same ? new_key : old_key, new_version, plain,
					&plen)) != 0)
		goto out;
	c.data = plain;
	c.data_len = plen;
	if (same)
		c.flags |= DF_F_NO_RESP_MAC;
	r = yn_df_command(df, &c, NULL, 0, &n, deadline);
out:
	yn_cleanse(plain, sizeof(plain));
	return r;
}

int yn_desfire_get_card_uid(struct yn_desfire *df, uint8_t uid[10], size_t *uid_len,
			    uint64_t deadline)
{
	struct yn_df_cmd c = {
		.ins = DF_INS_GET_CARD_UID, .comm = YN_DESFIRE_FULL, .flags = DF_F_NEED_AUTH,
		.what = "",
	};
	uint8_t buf[10 + 16];
	size_t n = 0;
	int r;

	*uid_len = 0;
	memset(uid, 0, 10);
	if ((r = yn_df_command(df, &c, buf, sizeof(buf), &n, deadline)) != 0)
		return r;
	if (n != 4 && n != 7 && n != 10) {
		df_log(df, "DESFire GetCardUID: a UID of %zu bytes (4, 7 or 10 expected)", n);
		return yn_df_bad_answer(df);
	}
	memcpy(uid, buf, n);
	*uid_len = n;
	return 0;
}

/* ReadSig: Addr(00) -> r(28) || s(28), status 90 (§8). */
int yn_desfire_read_sig(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t sig[56],
			uint64_t deadline)
{
	static const uint8_t addr = 0x00;
	struct yn_df_cmd c = {
		.ins = DF_INS_READ_SIG, .hdr = &addr, .hdr_len = 1, .comm = comm,
		.flags = DF_F_STATUS90, .what = "",
	};
	uint8_t buf[56 + 16];
	size_t n = 0;
	int r;

	memset(sig, 0, 56);
	if (check_comm(comm) != 0)
		return YN_EINVAL;
	if ((r = yn_df_command(df, &c, buf, sizeof(buf), &n, deadline)) != 0)
		return r == YN_ENOSPC ? yn_df_bad_answer(df) : r;
	if (n != 56) {
		df_log(df, "DESFire ReadSig: signature of %zu bytes, 56 expected (secp224r1 r || s)",
		       n);
		return yn_df_bad_answer(df);
	}
	memcpy(sig, buf, 56);
	return 0;
}
