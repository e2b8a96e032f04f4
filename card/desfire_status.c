/*
 * DESFire status bytes (SW2 after 91, desfire.md §2.1) mapped once to
 * YN_E* codes, NXP names and sentences a desk clerk can act on; the names of
 * the native commands for log lines.
 */
#include "card/desfire_int.h"

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "base/log.h"

struct df_status {
	uint8_t sw2;
	int err;
	const char *name;
	const char *msg;
};

static const struct df_status statuses[] = {
	{ 0x00, 0, "OPERATION_OK", "success" },
	{ 0x0C, YN_ECARD_NOCHANGES, "NO_CHANGES",
	  "nothing to commit: the card had no pending changes" },
	{ 0x0E, YN_ECARD_MEMORY, "OUT_OF_EEPROM",
	  "the card's memory is full: no room for this application or file" },
	{ 0x1C, YN_ECARD_ILLEGALCMD, "ILLEGAL_COMMAND_CODE",
	  "the card does not support this command (is it a DESFire EV2 card?)" },
	{ 0x1E, YN_ECARD_INTEGRITY, "INTEGRITY_ERROR",
	  "the card rejected the message's MAC, CRC or padding: tap again; if it "
	  "persists, this terminal's keys do not match the card" },
	{ 0x40, YN_ECARD_NOKEY, "NO_SUCH_KEY",
	  "the card has no key with this number in the selected application" },
	{ 0x7E, YN_ECARD_LENGTH, "LENGTH_ERROR",
	  "the card rejected the command's length (software and card disagree)" },
	{ 0x90, 0, "SIGNATURE", "success (originality signature follows)" },
	{ 0x9D, YN_ECARD_PERMISSION, "PERMISSION_DENIED",
	  "permission denied: the key in use may not do this (check the file's or "
	  "application's access rights)" },
	{ 0x9E, YN_ECARD_PARAMETER, "PARAMETER_ERROR",
	  "the card refused a parameter (file number, size, key number or setting)" },
	{ 0xA0, YN_ECARD_NOAPP, "APPLICATION_NOT_FOUND",
	  "application not found: this card was not issued for this scheme, or the "
	  "application was deleted" },
	{ 0xA1, YN_ECARD_DISABLED, "APPL_INTEGRITY_ERROR",
	  "the application's data is corrupt and the card disabled it: replace the card" },
	{ 0xAE, YN_ECARD_AUTH, "AUTHENTICATION_ERROR",
	  "authentication failed or required: wrong key for this card, or the "
	  "command needs an authenticated session" },
	{ 0xAF, YN_EPROTO, "ADDITIONAL_FRAME",
	  "the card asked for another frame where the command had ended" },
	{ 0xBE, YN_ECARD_BOUNDARY, "BOUNDARY_ERROR",
	  "beyond the file's limits: past its size or record count, or the value "
	  "would leave its allowed range (e.g. not enough balance)" },
	{ 0xC1, YN_ECARD_DISABLED, "PICC_INTEGRITY_ERROR",
	  "the card's memory is corrupt and the card disabled itself: replace the card" },
	{ 0xCA, YN_ECARD_ABORTED, "COMMAND_ABORTED",
	  "the previous command was not completed (frames missing): tap again" },
	{ 0xCD, YN_ECARD_DISABLED, "PICC_DISABLED_ERROR",
	  "the card has been disabled: replace it" },
	{ 0xCE, YN_ECARD_COUNT, "COUNT_ERROR",
	  "the card already holds the most applications or files it can" },
	{ 0xDE, YN_ECARD_DUPLICATE, "DUPLICATE_ERROR",
	  "already exists: that application or file number is taken on this card" },
	{ 0xEE, YN_ECARD_EEPROM, "EEPROM_ERROR",
	  "the card lost power while writing and rolled back: tap again" },
	{ 0xF0, YN_ECARD_NOFILE, "FILE_NOT_FOUND",
	  "file not found in the selected application (card not fully issued?)" },
	{ 0xF1, YN_ECARD_DISABLED, "FILE_INTEGRITY_ERROR",
	  "a file on the card is corrupt and was disabled: replace the card" },
};

static const struct df_status *lookup(uint8_t sw2)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].sw2 == sw2)
			return &statuses[i];
	return NULL;
}

int yn_desfire_status_error(uint8_t sw2)
{
	const struct df_status *s = lookup(sw2);

	return s != NULL ? s->err : YN_ECARD;
}

const char *yn_desfire_status_name(uint8_t sw2)
{
	const struct df_status *s = lookup(sw2);

	return s != NULL ? s->name : "UNKNOWN";
}

const char *yn_desfire_status_message(uint8_t sw2)
{
	const struct df_status *s = lookup(sw2);

	return s != NULL ? s->msg : "the card returned a status this terminal does not know";
}

struct df_name {
	uint8_t ins;
	const char *name;
};

static const struct df_name names[] = {
	{ DF_INS_AUTH_EV2_FIRST, "AuthenticateEV2First" },
	{ DF_INS_AUTH_EV2_NONFIRST, "AuthenticateEV2NonFirst" },
	{ DF_INS_GET_VERSION, "GetVersion" },
	{ DF_INS_SELECT_APPLICATION, "SelectApplication" },
	{ DF_INS_GET_APPLICATION_IDS, "GetApplicationIDs" },
	{ DF_INS_FORMAT_PICC, "FormatPICC" },
	{ DF_INS_CREATE_APPLICATION, "CreateApplication" },
	{ DF_INS_DELETE_APPLICATION, "DeleteApplication" },
	{ DF_INS_GET_KEY_SETTINGS, "GetKeySettings" },
	{ DF_INS_GET_KEY_VERSION, "GetKeyVersion" },
	{ DF_INS_CHANGE_KEY, "ChangeKey" },
	{ DF_INS_GET_CARD_UID, "GetCardUID" },
	{ DF_INS_READ_SIG, "ReadSig" },
	{ DF_INS_CREATE_STD_FILE, "CreateStdDataFile" },
	{ DF_INS_CREATE_BACKUP_FILE, "CreateBackupDataFile" },
	{ DF_INS_CREATE_VALUE_FILE, "CreateValueFile" },
	{ DF_INS_CREATE_CYCLIC_FILE, "CreateCyclicRecordFile" },
	{ DF_INS_GET_FILE_IDS, "GetFileIDs" },
	{ DF_INS_GET_FILE_SETTINGS, "GetFileSettings" },
	{ DF_INS_READ_DATA, "ReadData" },
	{ DF_INS_READ_DATA_ISO, "ReadData" },
	{ DF_INS_WRITE_DATA, "WriteData" },
	{ DF_INS_WRITE_DATA_ISO, "WriteData" },
	{ DF_INS_GET_VALUE, "GetValue" },
	{ DF_INS_CREDIT, "Credit" },
	{ DF_INS_DEBIT, "Debit" },
	{ DF_INS_LIMITED_CREDIT, "LimitedCredit" },
	{ DF_INS_READ_RECORDS, "ReadRecords" },
	{ DF_INS_READ_RECORDS_ISO, "ReadRecords" },
	{ DF_INS_WRITE_RECORD, "WriteRecord" },
	{ DF_INS_WRITE_RECORD_ISO, "WriteRecord" },
	{ DF_INS_CLEAR_RECORD_FILE, "ClearRecordFile" },
	{ DF_INS_COMMIT, "CommitTransaction" },
	{ DF_INS_ABORT, "AbortTransaction" },
};

const char *yn_df_cmd_name(uint8_t ins)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].ins == ins)
			return names[i].name;
	return "command";
}

int yn_df_status_fail(const struct yn_desfire *df, uint8_t ins, const char *what, uint8_t sw2)
{
	char key[24];

	if (df->authenticated)
		snprintf(key, sizeof(key), "key %u", df->auth_key);
	else
		snprintf(key, sizeof(key), "not authenticated");
	if (what == NULL)
		what = "";
	df_log(df, "DESFire %s%s%s (%s): %s [INS %02X, status 91%02X %s]", yn_df_cmd_name(ins),
	       *what ? " " : "", what, key, yn_desfire_status_message(sw2), ins, sw2,
	       yn_desfire_status_name(sw2));
	/* A success status reaching here was not a success for this command. */
	return yn_desfire_status_error(sw2) != 0 ? yn_desfire_status_error(sw2) : YN_EPROTO;
}
