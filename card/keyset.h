/*
 * Key directories: the files a deployment role holds, how they are laid out,
 * generated, exported per role and loaded (docs/keys.md).
 *
 * A key directory holds (file names are YN_KEYFILE_*):
 *   system-id               32 hex digits: the 16-byte system identifier
 *   aes0-app-master.key     AES master of key 0 (application master)
 *   aes1-read.key           AES master of key 1 (read)
 *   aes2-trip-write.key     AES master of key 2 (trip write)
 *   aes3-benefit-debit.key  AES master of key 3 (benefit debit)
 *   aes4-credit.key         AES master of key 4 (credit / personalise)
 *   issuer.key, issuer.pub  ECDSA P-256 holder-record signing key pair
 *   denylist.key, denylist.pub  ECDSA P-256 denylist signing key pair
 *   issuer-*.pub            optional: earlier issuer public keys still
 *                           trusted (key rotation), e.g. issuer-2026.pub
 * Secret files (*.key) are mode 0600; the directory 0700.
 */
#ifndef YN_KEYSET_H
#define YN_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "card/holder.h"
#include "card/yinian_app.h"

#define YN_KEYFILE_SYSID "system-id"
#define YN_KEYFILE_ISSUER_PRIV "issuer.key"
#define YN_KEYFILE_ISSUER_PUB "issuer.pub"
#define YN_KEYFILE_DENYLIST_PRIV "denylist.key"
#define YN_KEYFILE_DENYLIST_PUB "denylist.pub"

/* At most this many issuer-*.pub files (with issuer.pub, a full trust set). */
#define YN_KEYSET_OLD_ISSUERS (YN_HOLDER_TRUST_MAX - 1)

enum yn_keyrole {
	YN_KEYROLE_GATE = 1,	/* read + trip write */
	YN_KEYROLE_CANTEEN = 2,	/* read + benefit debit */
	YN_KEYROLE_SERVICE = 3,	/* read + benefit debit */
	YN_KEYROLE_DESK = 4,	/* every AES master + issuer private key */
	YN_KEYROLE_BACKOFFICE = 5,	/* denylist private key */
	YN_KEYROLE_ALL = 6,	/* the full set, as `yinian keys generate` writes it */
};

/* "gate", "canteen", "service", "desk", "backoffice", "all". */
const char *yn_keyrole_name(enum yn_keyrole role);
/* YN_ENOENT for an unknown name. */
int yn_keyrole_parse(const char *name, enum yn_keyrole *role);
/* The AES master key file for key number keyno (0..4), e.g.
 * "aes1-read.key"; NULL for another number. */
const char *yn_keyset_aes_file(unsigned keyno);
/* 1 if role holds the master of key keyno. */
int yn_keyrole_has_key(enum yn_keyrole role, unsigned keyno);

struct yn_keyset {
	enum yn_keyrole role;
	uint8_t sysid[YN_SYSID_LEN];		/* every role except backoffice */
	struct yn_aeskey *master[YN_APP_NKEYS];	/* NULL where the role has none */
	struct yn_privkey *issuer_priv;		/* desk */
	struct yn_pubkey *issuer_pub;		/* every role */
	struct yn_pubkey *issuer_old[YN_KEYSET_OLD_ISSUERS];	/* issuer-*.pub */
	size_t n_issuer_old;
	struct yn_privkey *denylist_priv;	/* backoffice */
	struct yn_pubkey *denylist_pub;		/* every role */
	char err[512];	/* after a failure: what went wrong, naming the file */
};

/*
 * Load the files role needs from dir into *ks (cleared on entry).  Refuses,
 * with ks->err naming the file (also logged):
 *   YN_ENOENT   a file the role needs is missing;
 *   YN_EKEYPERM a secret file is readable or writable by group or others,
 *               or the directory is writable by them;
 *   YN_EBADKEY  a file does not hold a key of the right kind;
 *   YN_ENOSPC   more than YN_KEYSET_OLD_ISSUERS issuer-*.pub files;
 *   YN_EACCES   a secret is not a regular file.
 * On failure every handle is freed and ks holds only err.  Release with
 * yn_keyset_free.
 */
int yn_keyset_load(const char *dir, enum yn_keyrole role, struct yn_keyset *ks);
/* Free and cleanse; ks->err is kept. */
void yn_keyset_free(struct yn_keyset *ks);

/*
 * The card's AES key number keyno (0..4) for the card with this UID:
 * AN10922 diversification of the role's master (card-format.md §3.2).
 * YN_EBADKEY if the role does not hold that master.  out zeroed on failure;
 * the caller cleanses it.
 */
int yn_keyset_card_key(const struct yn_keyset *ks, unsigned keyno,
		       const uint8_t uid[YN_UID_LEN], uint8_t out[16]);

/* Add (new handles of) the issuer public key and every issuer-*.pub key to
 * t; a key already in t is skipped.  On failure t keeps what was added
 * before the failing key. */
int yn_keyset_issuer_trust(const struct yn_keyset *ks, struct yn_holder_trust *t);

/*
 * Write a complete new key set into dir (created 0700; an existing empty
 * directory is accepted and set to 0700; anything else is YN_EEXIST).
 * sysid: the system identifier, or NULL for 16 random bytes.  On failure the
 * files written so far are removed and err (if not NULL) says why.
 */
int yn_keyset_generate(const char *dir, const uint8_t *sysid, char *err, size_t errlen);

/*
 * Copy the files role needs (and every issuer-*.pub) from the full set in
 * src into dst (created
 * 0700 as above; secrets 0600, others 0644).  src is loaded first as
 * YN_KEYROLE_ALL, so a set with unsafe permissions is not spread further.
 * On failure dst's new files are removed and err says why.
 */
int yn_keyset_export(const char *src, enum yn_keyrole role, const char *dst, char *err,
		     size_t errlen);

#endif
