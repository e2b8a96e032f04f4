#include "card/yinian_app.h"

#include <string.h>

#include "base/err.h"
#include "crypto/crypto.h"

const uint8_t yn_app_aid_wire[YN_APP_AID_LEN] = YN_APP_AID_WIRE;

/* docs/card-format.md §4: who may do what with each file. */
const struct yn_app_file yn_app_files[YN_APP_NFILES] = {
	{
		.no = YN_FILE_HOLDER, .type = YN_FTYPE_STD, .comm = YN_COMM_FULL,
		.ar = YN_AR(YN_KEY_READ, YN_KEY_CREDIT, YN_KEY_CREDIT, YN_KEY_APP_MASTER),
		.size = YN_HOLDER_FILE_SIZE, .name = "holder record",
	},
	{
		.no = YN_FILE_TRIPLOG, .type = YN_FTYPE_CYCLIC, .comm = YN_COMM_MAC,
		.ar = YN_AR(YN_KEY_READ, YN_KEY_TRIP, YN_KEY_TRIP, YN_KEY_APP_MASTER),
		.size = YN_TRIPLOG_REC_SIZE, .max_records = YN_TRIPLOG_REC_MAX, .name = "trip log",
	},
	{
		.no = YN_FILE_BENEFIT, .type = YN_FTYPE_BACKUP, .comm = YN_COMM_MAC,
		.ar = YN_AR(YN_KEY_READ, YN_KEY_DEBIT, YN_KEY_DEBIT, YN_KEY_APP_MASTER),
		.size = YN_BENEFIT_FILE_SIZE, .name = "benefit state",
	},
	{
		.no = YN_FILE_PURSE, .type = YN_FTYPE_VALUE, .comm = YN_COMM_MAC,
		.ar = YN_AR(YN_KEY_DEBIT, YN_KEY_DEBIT, YN_KEY_CREDIT, YN_KEY_APP_MASTER),
		.lower = YN_PURSE_LOWER, .upper = YN_PURSE_UPPER, .value = YN_PURSE_INITIAL,
		.lc_flags = YN_PURSE_LC_FLAGS, .name = "voucher purse",
	},
};

const struct yn_app_file *yn_app_file(uint8_t no)
{
	size_t i;

	for (i = 0; i < YN_APP_NFILES; i++)
		if (yn_app_files[i].no == no)
			return &yn_app_files[i];
	return NULL;
}

void yn_app_divinput(const uint8_t uid[YN_UID_LEN], const uint8_t sysid[YN_SYSID_LEN],
		     uint8_t m[YN_DIVINPUT_LEN])
{
	memcpy(m, uid, YN_UID_LEN);
	memcpy(m + YN_UID_LEN, yn_app_aid_wire, YN_APP_AID_LEN);
	memcpy(m + YN_UID_LEN + YN_APP_AID_LEN, sysid, YN_SYSID_LEN);
}

int yn_app_diversify(const struct yn_aeskey *master, const uint8_t uid[YN_UID_LEN],
		     const uint8_t sysid[YN_SYSID_LEN], uint8_t out[16])
{
	uint8_t m[YN_DIVINPUT_LEN];
	int r;

	memset(out, 0, 16);
	if (master == NULL || uid == NULL || sysid == NULL)
		return YN_EINVAL;
	yn_app_divinput(uid, sysid, m);
	if ((r = yn_aeskey_diversify(master, m, sizeof(m), out)) != 0)
		yn_cleanse(out, 16);
	return r;
}
