#include "base/err.h"

#include <stddef.h>

struct errdesc {
	int code;
	const char *name;
	const char *msg;
};

static const struct errdesc errs[] = {
	{ YN_OK, "OK", "success" },
	{ YN_EINTERNAL, "EINTERNAL", "internal error (a bug; please report it)" },
	{ YN_ENOMEM, "ENOMEM", "out of memory" },
	{ YN_EINVAL, "EINVAL", "invalid argument" },
	{ YN_ETRUNC, "ETRUNC", "data truncated: it ends before a field it must hold" },
	{ YN_ETRAILING, "ETRAILING", "unexpected bytes after the end of the data" },
	{ YN_ENOSPC, "ENOSPC", "buffer too small for the data" },
	{ YN_ERANGE, "ERANGE", "value out of range" },
	{ YN_EFORMAT, "EFORMAT", "malformed data" },
	{ YN_EIO, "EIO", "input/output error" },
	{ YN_ETIMEOUT, "ETIMEOUT", "timed out: the deadline passed" },
	{ YN_ENOTSUP, "ENOTSUP", "operation not supported" },
	{ YN_ENOENT, "ENOENT", "not found" },
	{ YN_EEXIST, "EEXIST", "already exists" },
	{ YN_EACCES, "EACCES", "permission denied by file access rights" },
	{ YN_EBUSY, "EBUSY", "resource busy" },
	{ YN_ECANCELLED, "ECANCELLED", "operation cancelled" },
	{ YN_EUSAGE, "EUSAGE", "invalid command line" },
	{ YN_ECONFIG, "ECONFIG", "invalid configuration" },
	{ YN_EVERSION, "EVERSION", "unknown format version (written by newer software?)" },

	{ YN_ENOSERVICE, "ENOSERVICE", "smart card service not running (is pcscd started?)" },
	{ YN_ENOREADER, "ENOREADER", "reader not found (check the cable and the reader name)" },
	{ YN_ENOCARD, "ENOCARD", "no card on the reader" },
	{ YN_ECARDGONE, "ECARDGONE", "card removed during the transaction: tap again" },
	{ YN_EREADER, "EREADER", "reader or driver failure" },
	{ YN_ESHARING, "ESHARING", "the card is in use by another program" },
	{ YN_EUNRESPONSIVE, "EUNRESPONSIVE", "the card does not answer" },

	{ YN_ECRYPTO, "ECRYPTO", "cryptographic library failure" },
	{ YN_EBADKEY, "EBADKEY", "key missing, malformed or of the wrong type" },
	{ YN_EKEYPERM, "EKEYPERM", "private key file is readable by group or others (chmod 600 it)" },
	{ YN_EBADSIG, "EBADSIG", "signature does not verify" },
	{ YN_EBADMAC, "EBADMAC", "message authentication failed (MAC mismatch)" },
	{ YN_ESELFTEST, "ESELFTEST", "cryptographic self test failed" },
	{ YN_EUNKNOWNKEY, "EUNKNOWNKEY", "signed by a key that is not trusted here" },

	{ YN_EPROTO, "EPROTO", "the card broke the protocol (malformed answer)" },
	{ YN_ECARD, "ECARD", "the card returned an unexpected status" },
	{ YN_ECARD_NOCHANGES, "ECARD_NOCHANGES", "card: no changes to commit" },
	{ YN_ECARD_MEMORY, "ECARD_MEMORY", "card: out of memory (EEPROM full)" },
	{ YN_ECARD_ILLEGALCMD, "ECARD_ILLEGALCMD", "card: command not supported by this card" },
	{ YN_ECARD_INTEGRITY, "ECARD_INTEGRITY", "card: integrity error (CRC, MAC or padding wrong)" },
	{ YN_ECARD_NOKEY, "ECARD_NOKEY", "card: no such key number" },
	{ YN_ECARD_LENGTH, "ECARD_LENGTH", "card: command length wrong" },
	{ YN_ECARD_PERMISSION, "ECARD_PERMISSION", "card: permission denied for this key" },
	{ YN_ECARD_PARAMETER, "ECARD_PARAMETER", "card: parameter value refused" },
	{ YN_ECARD_NOAPP, "ECARD_NOAPP", "card: application not found (not a Yinian card, or not issued)" },
	{ YN_ECARD_AUTH, "ECARD_AUTH", "card: authentication failed or required (wrong key?)" },
	{ YN_ECARD_BOUNDARY, "ECARD_BOUNDARY", "card: beyond the file's limits (size, record count or value limit)" },
	{ YN_ECARD_ABORTED, "ECARD_ABORTED", "card: previous command incomplete; command aborted" },
	{ YN_ECARD_COUNT, "ECARD_COUNT", "card: too many applications" },
	{ YN_ECARD_DUPLICATE, "ECARD_DUPLICATE", "card: application or file already exists" },
	{ YN_ECARD_EEPROM, "ECARD_EEPROM", "card: memory write failed (power loss); rolled back" },
	{ YN_ECARD_NOFILE, "ECARD_NOFILE", "card: file not found" },
	{ YN_ECARD_DISABLED, "ECARD_DISABLED", "card: disabled or corrupt" },
	{ YN_ENOTAUTH, "ENOTAUTH", "no authenticated session with the card" },

	{ YN_EROLLBACK, "EROLLBACK", "refused: sequence number not newer than the one in force" },
	{ YN_ESTALE, "ESTALE", "data past its validity date" },
	{ YN_ECORRUPT, "ECORRUPT", "stored data corrupt (checksum or chain mismatch)" },
	{ YN_EWRONGBASE, "EWRONGBASE", "delta does not apply to this base list" },
	{ YN_EWRONGCARD, "EWRONGCARD", "record belongs to another card" },
};

static const struct errdesc *find(int r)
{
	size_t i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].code == r)
			return &errs[i];
	return NULL;
}

const char *yn_strerror(int r)
{
	const struct errdesc *e = find(r);

	return e ? e->msg : "unknown error";
}

const char *yn_errname(int r)
{
	const struct errdesc *e = find(r);

	return e ? e->name : "EUNKNOWN";
}
