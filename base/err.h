/*
 * yinian error model: one flat list of negative codes.
 *
 * Every fallible function returns int: 0 on success or one of these codes.
 * Codes never change meaning once released; new ones go at the end of their
 * block.  yn_strerror() gives a sentence a person can act on; callers add the
 * context (which file, which key, which field) in their own log line.
 */
#ifndef YN_ERR_H
#define YN_ERR_H

enum {
	YN_OK = 0,

	/* generic */
	YN_EINTERNAL = -1,      /* a bug: an invariant did not hold */
	YN_ENOMEM = -2,         /* out of memory */
	YN_EINVAL = -3,         /* invalid argument */
	YN_ETRUNC = -4,         /* input ends before the field it should hold */
	YN_ETRAILING = -5,      /* bytes left over after a complete message */
	YN_ENOSPC = -6,         /* output buffer too small */
	YN_ERANGE = -7,         /* value out of its allowed range */
	YN_EFORMAT = -8,        /* malformed data */
	YN_EIO = -9,            /* operating system I/O error (see errno in log) */
	YN_ETIMEOUT = -10,      /* the deadline passed */
	YN_ENOTSUP = -11,       /* operation not supported by this backend */
	YN_ENOENT = -12,        /* no such file, object or entry */
	YN_EEXIST = -13,        /* already exists */
	YN_EACCES = -14,        /* file permissions refuse or are unsafe */
	YN_EBUSY = -15,         /* resource busy */
	YN_ECANCELLED = -16,    /* cancelled by request or signal */
	YN_EUSAGE = -17,        /* bad command line */
	YN_ECONFIG = -18,       /* configuration file invalid */
	YN_EVERSION = -19,      /* data in a format version this software does not know */

	/* readers */
	YN_ENOSERVICE = -30,    /* the reader service (pcscd) is not running */
	YN_ENOREADER = -31,     /* no such reader, or no reader attached */
	YN_ENOCARD = -32,       /* no card on the reader */
	YN_ECARDGONE = -33,     /* the card left the field during the exchange */
	YN_EREADER = -34,       /* reader or driver failure */
	YN_ESHARING = -35,      /* the card is in use by another program */
	YN_EUNRESPONSIVE = -36, /* the card does not answer */

	/* cryptography and keys */
	YN_ECRYPTO = -50,       /* cryptographic library failure */
	YN_EBADKEY = -51,       /* key missing, malformed or of the wrong type */
	YN_EKEYPERM = -52,      /* private key file readable by group or others */
	YN_EBADSIG = -53,       /* signature does not verify */
	YN_EBADMAC = -54,       /* MAC or cryptogram does not match */
	YN_ESELFTEST = -55,     /* cryptographic self test failed */
	YN_EUNKNOWNKEY = -56,   /* signed by a key id that is not trusted */

	/* card protocol (DESFire status words and framing) */
	YN_EPROTO = -70,        /* the card broke the protocol (bad frame, length) */
	YN_ECARD = -71,         /* the card returned an unexpected status */
	YN_ECARD_NOCHANGES = -72,
	YN_ECARD_MEMORY = -73,      /* 0x0E out of EEPROM */
	YN_ECARD_ILLEGALCMD = -74,  /* 0x1C command not supported */
	YN_ECARD_INTEGRITY = -75,   /* 0x1E CRC/MAC/padding wrong */
	YN_ECARD_NOKEY = -76,       /* 0x40 no such key */
	YN_ECARD_LENGTH = -77,      /* 0x7E length error */
	YN_ECARD_PERMISSION = -78,  /* 0x9D permission denied */
	YN_ECARD_PARAMETER = -79,   /* 0x9E parameter error */
	YN_ECARD_NOAPP = -80,       /* 0xA0 application not found */
	YN_ECARD_AUTH = -81,        /* 0xAE authentication error */
	YN_ECARD_BOUNDARY = -82,    /* 0xBE boundary error */
	YN_ECARD_ABORTED = -83,     /* 0xCA command aborted */
	YN_ECARD_COUNT = -84,       /* 0xCE too many applications */
	YN_ECARD_DUPLICATE = -85,   /* 0xDE already exists */
	YN_ECARD_EEPROM = -86,      /* 0xEE EEPROM error */
	YN_ECARD_NOFILE = -87,      /* 0xF0 file not found */
	YN_ECARD_DISABLED = -88,    /* 0xCD / 0xC1 / 0xA1 / 0xF1 disabled or corrupt */
	YN_ENOTAUTH = -89,          /* a secure session is needed and none is open */

	/* validator state */
	YN_EROLLBACK = -100,    /* sequence number not above the one in force */
	YN_ESTALE = -101,       /* signed data past its validity */
	YN_ECORRUPT = -102,     /* stored data fails its checksum or chain */
	YN_EWRONGBASE = -103,   /* delta does not apply to this base */
	YN_EWRONGCARD = -104,   /* record belongs to another card */

	YN_ELAST = -127
};

/* A sentence for code r (0 gives "success").  Never NULL; unknown codes give
 * "unknown error".  The string is static. */
const char *yn_strerror(int r);

/* A short stable identifier for code r ("EBADSIG"), for JSON and logs. */
const char *yn_errname(int r);

#endif
