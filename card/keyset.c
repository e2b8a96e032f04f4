#include "card/keyset.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "crypto/crypto.h"

#define R(x) (1u << (x))
#define TERMINALS (R(YN_KEYROLE_GATE) | R(YN_KEYROLE_CANTEEN) | R(YN_KEYROLE_SERVICE))
#define EVERYONE (TERMINALS | R(YN_KEYROLE_DESK) | R(YN_KEYROLE_BACKOFFICE) | R(YN_KEYROLE_ALL))

enum kind { K_SYSID, K_AES, K_PRIV, K_PUB };

struct kfile {
	const char *name;
	enum kind kind;
	int keyno;		/* K_AES */
	unsigned roles;
};

/* docs/keys.md, "Which role gets which files". */
static const struct kfile kfiles[] = {
	{ YN_KEYFILE_SYSID, K_SYSID, -1, TERMINALS | R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ "aes0-app-master.key", K_AES, 0, R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ "aes1-read.key", K_AES, 1, TERMINALS | R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ "aes2-trip-write.key", K_AES, 2, R(YN_KEYROLE_GATE) | R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ "aes3-benefit-debit.key", K_AES, 3,
	  R(YN_KEYROLE_CANTEEN) | R(YN_KEYROLE_SERVICE) | R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ "aes4-credit.key", K_AES, 4, R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ YN_KEYFILE_ISSUER_PRIV, K_PRIV, -1, R(YN_KEYROLE_DESK) | R(YN_KEYROLE_ALL) },
	{ YN_KEYFILE_ISSUER_PUB, K_PUB, -1, EVERYONE },
	{ YN_KEYFILE_DENYLIST_PRIV, K_PRIV, -1, R(YN_KEYROLE_BACKOFFICE) | R(YN_KEYROLE_ALL) },
	{ YN_KEYFILE_DENYLIST_PUB, K_PUB, -1, EVERYONE },
};
#define NKFILES (sizeof(kfiles) / sizeof(kfiles[0]))

static const char *const role_names[] = {
	[YN_KEYROLE_GATE] = "gate", [YN_KEYROLE_CANTEEN] = "canteen",
	[YN_KEYROLE_SERVICE] = "service", [YN_KEYROLE_DESK] = "desk",
	[YN_KEYROLE_BACKOFFICE] = "backoffice", [YN_KEYROLE_ALL] = "all",
};

const char *yn_keyrole_name(enum yn_keyrole role)
{
	if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0]))
		return NULL;
	return role_names[role];
}

int yn_keyrole_parse(const char *name, enum yn_keyrole *role)
{
	unsigned i;

	for (i = YN_KEYROLE_GATE; name != NULL && i <= YN_KEYROLE_ALL; i++)
		if (strcmp(name, role_names[i]) == 0) {
			*role = (enum yn_keyrole)i;
			return 0;
		}
	return YN_ENOENT;
}

static int role_valid(enum yn_keyrole role)
{
	return role >= YN_KEYROLE_GATE && role <= YN_KEYROLE_ALL;
}

const char *yn_keyset_aes_file(unsigned keyno)
{
	size_t i;

	for (i = 0; i < NKFILES; i++)
		if (kfiles[i].kind == K_AES && (unsigned)kfiles[i].keyno == keyno)
			return kfiles[i].name;
	return NULL;
}

int yn_keyrole_has_key(enum yn_keyrole role, unsigned keyno)
{
	size_t i;

	if (!role_valid(role))
		return 0;
	for (i = 0; i < NKFILES; i++)
		if (kfiles[i].kind == K_AES && (unsigned)kfiles[i].keyno == keyno)
			return (kfiles[i].roles & R(role)) != 0;
	return 0;
}

static int seterr(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", buf);
	yn_info("keys: %s", buf);
	return code;
}

static int join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? YN_ENOSPC : 0;
}

/* A secret must be a regular file that only its owner can read or write. */
static int check_secret(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return seterr(err, errlen, YN_ENOENT, "%s: missing", path);
		return seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return seterr(err, errlen, YN_EACCES, "%s: not a regular file", path);
	if (st.st_mode & 077)
		return seterr(err, errlen, YN_EKEYPERM,
			      "%s: mode %04o lets group or others read or write it (chmod 600 %s)",
			      path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

static int read_sysid(const char *path, uint8_t sysid[YN_SYSID_LEN], char *err, size_t errlen)
{
	char buf[80];
	size_t n = 0, got = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return seterr(err, errlen, YN_ENOENT, "%s: missing", path);
		return seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (n != 2 * YN_SYSID_LEN || yn_hex_decode(buf, sysid, YN_SYSID_LEN, &got) != 0 ||
	    got != YN_SYSID_LEN) {
		memset(sysid, 0, YN_SYSID_LEN);
		return seterr(err, errlen, YN_EBADKEY,
			      "%s: not a system identifier (32 hex digits)", path);
	}
	return 0;
}

static int check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return seterr(err, errlen, YN_ENOENT, "%s: no such key directory", dir);
		return seterr(err, errlen, YN_EIO, "%s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return seterr(err, errlen, YN_EINVAL, "%s: not a directory", dir);
	if (st.st_mode & 022)
		return seterr(err, errlen, YN_EKEYPERM,
			      "%s: key directory writable by group or others (chmod 700 %s)",
			      dir, dir);
	return 0;
}

static int is_old_issuer(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > strlen("issuer-.pub") && strncmp(de->d_name, "issuer-", 7) == 0 &&
	       strcmp(de->d_name + n - 4, ".pub") == 0;
}

/* The issuer-*.pub names in dir, sorted, into *ents (*n of them).  0 or
 * -1 (errno set). */
static int old_issuers(const char *dir, struct dirent ***ents, int *n)
{
	*ents = NULL;
	*n = scandir(dir, ents, is_old_issuer, alphasort);
	if (*n < 0) {
		*ents = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

static void free_ents(struct dirent **ents, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

static int load_old_issuers(const char *dir, struct yn_keyset *ks)
{
	struct dirent **ents;
	char path[4096];
	int n, i, r = 0;

	if (old_issuers(dir, &ents, &n) != 0)
		return seterr(ks->err, sizeof(ks->err), YN_EIO, "%s: %s", dir, strerror(errno));
	if (n > YN_KEYSET_OLD_ISSUERS) {
		r = seterr(ks->err, sizeof(ks->err), YN_ENOSPC,
			   "%s: %d issuer-*.pub files, at most %d are trusted", dir, n,
			   YN_KEYSET_OLD_ISSUERS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = join(path, sizeof(path), dir, ents[i]->d_name)) != 0) {
			seterr(ks->err, sizeof(ks->err), r, "%s: path too long", dir);
			goto out;
		}
		if ((r = yn_pubkey_load(path, &ks->issuer_old[ks->n_issuer_old])) != 0) {
			seterr(ks->err, sizeof(ks->err), r, "%s: cannot load the public key: %s",
			       path, yn_strerror(r));
			goto out;
		}
		ks->n_issuer_old++;
	}
out:
	free_ents(ents, n);
	return r;
}

int yn_keyset_load(const char *dir, enum yn_keyrole role, struct yn_keyset *ks)
{
	char path[4096];
	size_t i;
	int r = 0;

	if (ks == NULL)
		return YN_EINVAL;
	memset(ks, 0, sizeof(*ks));
	if (dir == NULL || !role_valid(role))
		return seterr(ks->err, sizeof(ks->err), YN_EINVAL, "bad key directory or role");
	ks->role = role;
	if ((r = check_dir(dir, ks->err, sizeof(ks->err))) != 0)
		goto out;
	for (i = 0; i < NKFILES; i++) {
		const struct kfile *kf = &kfiles[i];

		if (!(kf->roles & R(role)))
			continue;
		if ((r = join(path, sizeof(path), dir, kf->name)) != 0) {
			seterr(ks->err, sizeof(ks->err), r, "%s: path too long", dir);
			goto out;
		}
		switch (kf->kind) {
		case K_SYSID:
			r = read_sysid(path, ks->sysid, ks->err, sizeof(ks->err));
			break;
		case K_AES:
			if ((r = check_secret(path, ks->err, sizeof(ks->err))) != 0)
				break;
			if ((r = yn_aeskey_load(path, &ks->master[kf->keyno])) != 0)
				seterr(ks->err, sizeof(ks->err), r,
				       "%s: cannot load the AES key: %s", path, yn_strerror(r));
			break;
		case K_PRIV:
			if ((r = check_secret(path, ks->err, sizeof(ks->err))) != 0)
				break;
			r = yn_privkey_load(path, strcmp(kf->name, YN_KEYFILE_ISSUER_PRIV) == 0
						? &ks->issuer_priv : &ks->denylist_priv);
			if (r != 0)
				seterr(ks->err, sizeof(ks->err), r,
				       "%s: cannot load the private key: %s", path, yn_strerror(r));
			break;
		case K_PUB:
			if (access(path, F_OK) != 0) {
				r = seterr(ks->err, sizeof(ks->err), YN_ENOENT, "%s: missing", path);
				break;
			}
			r = yn_pubkey_load(path, strcmp(kf->name, YN_KEYFILE_ISSUER_PUB) == 0
						? &ks->issuer_pub : &ks->denylist_pub);
			if (r != 0)
				seterr(ks->err, sizeof(ks->err), r,
				       "%s: cannot load the public key: %s", path, yn_strerror(r));
			break;
		}
		if (r != 0)
			goto out;
	}
	r = load_old_issuers(dir, ks);
out:
	if (r != 0)
		yn_keyset_free(ks);
	return r;
}

void yn_keyset_free(struct yn_keyset *ks)
{
	char err[sizeof(ks->err)];
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < YN_APP_NKEYS; i++)
		yn_aeskey_free(ks->master[i]);
	yn_privkey_free(ks->issuer_priv);
	yn_privkey_free(ks->denylist_priv);
	yn_pubkey_free(ks->issuer_pub);
	yn_pubkey_free(ks->denylist_pub);
	for (i = 0; i < ks->n_issuer_old && i < YN_KEYSET_OLD_ISSUERS; i++)
		yn_pubkey_free(ks->issuer_old[i]);
	memcpy(err, ks->err, sizeof(err));
	yn_cleanse(ks, sizeof(*ks));
	memcpy(ks->err, err, sizeof(err));
}

int yn_keyset_card_key(const struct yn_keyset *ks, unsigned keyno,
		       const uint8_t uid[YN_UID_LEN], uint8_t out[16])
{
	memset(out, 0, 16);
	if (ks == NULL || uid == NULL || keyno >= YN_APP_NKEYS)
		return YN_EINVAL;
	if (ks->master[keyno] == NULL) {
		yn_err("keys: role %s holds no master for card key %u",
		       yn_keyrole_name(ks->role) ? yn_keyrole_name(ks->role) : "?", keyno);
		return YN_EBADKEY;
	}
	return yn_app_diversify(ks->master[keyno], uid, ks->sysid, out);
}

static int trust_copy(const struct yn_pubkey *key, struct yn_holder_trust *t)
{
	uint8_t raw[YN_P256_PUB_LEN];
	struct yn_pubkey *k = NULL;
	int r;

	if ((r = yn_pubkey_raw(key, raw)) != 0 || (r = yn_pubkey_from_raw(raw, &k)) != 0)
		return r;
	if ((r = yn_holder_trust_add(t, k)) != 0)
		yn_pubkey_free(k);
	/* The same key under two names (issuer.pub kept as issuer-2026.pub too)
	 * is trusted once. */
	return r == YN_EEXIST ? 0 : r;
}

int yn_keyset_issuer_trust(const struct yn_keyset *ks, struct yn_holder_trust *t)
{
	size_t i;
	int r;

	if (ks == NULL || t == NULL)
		return YN_EINVAL;
	if (ks->issuer_pub == NULL)
		return YN_EBADKEY;
	if ((r = trust_copy(ks->issuer_pub, t)) != 0)
		return r;
	for (i = 0; i < ks->n_issuer_old && i < YN_KEYSET_OLD_ISSUERS; i++)
		if ((r = trust_copy(ks->issuer_old[i], t)) != 0)
			return r;
	return 0;
}

/* --- writing key directories --- */

/* Create dir 0700, or take an existing empty directory and make it 0700.
 * *created says whether we made it (so that a failure can remove it). */
static int make_dir(const char *dir, int *created, char *err, size_t errlen)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int empty = 1;

	*created = 0;
	if (mkdir(dir, 0700) == 0)
		*created = 1;
	else if (errno != EEXIST)
		return seterr(err, errlen, YN_EIO, "%s: cannot create: %s", dir, strerror(errno));
	else if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return seterr(err, errlen, YN_EEXIST, "%s: exists and is not a directory", dir);
	if (!*created) {
		if ((d = opendir(dir)) == NULL)
			return seterr(err, errlen, YN_EIO, "%s: %s", dir, strerror(errno));
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				empty = 0;
		closedir(d);
		if (!empty)
			return seterr(err, errlen, YN_EEXIST,
				      "%s: exists and is not empty (refusing to mix key sets)", dir);
	}
	if (chmod(dir, 0700) != 0)
		return seterr(err, errlen, YN_EIO, "%s: chmod: %s", dir, strerror(errno));
	return 0;
}

static int write_file(const char *path, const void *p, size_t n, mode_t mode, char *err,
		      size_t errlen)
{
	const uint8_t *b = p;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		return seterr(err, errlen, errno == EEXIST ? YN_EEXIST : YN_EIO, "%s: %s", path,
			      strerror(errno));
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		b += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0)
		return seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	return 0;
fail:
	seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	close(fd);
	unlink(path);
	return YN_EIO;
}

static void remove_set(const char *dir, int created)
{
	char path[4096];
	size_t i;

	for (i = 0; i < NKFILES; i++)
		if (join(path, sizeof(path), dir, kfiles[i].name) == 0)
			unlink(path);
	if (created)
		rmdir(dir);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int yn_keyset_generate(const char *dir, const uint8_t *sysid, char *err, size_t errlen)
{
	char path[4096], pub[4096], hex[2 * YN_SYSID_LEN + 2];
	uint8_t sid[YN_SYSID_LEN];
	int created = 0, r;
	size_t i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL)
		return seterr(err, errlen, YN_EINVAL, "no key directory given");
	if ((r = make_dir(dir, &created, err, errlen)) != 0)
		return r;
	if (sysid != NULL)
		memcpy(sid, sysid, sizeof(sid));
	else if ((r = yn_random(sid, sizeof(sid))) != 0) {
		seterr(err, errlen, r, "no random bytes for the system identifier");
		goto out;
	}
	yn_hex_encode(sid, sizeof(sid), hex, sizeof(hex));
	hex[2 * YN_SYSID_LEN] = '\n';
	if ((r = join(path, sizeof(path), dir, YN_KEYFILE_SYSID)) != 0 ||
	    (r = write_file(path, hex, 2 * YN_SYSID_LEN + 1, 0644, err, errlen)) != 0)
		goto out;
	for (i = 0; i < YN_APP_NKEYS; i++) {
		if ((r = join(path, sizeof(path), dir, yn_keyset_aes_file((unsigned)i))) != 0)
			goto out;
		if ((r = yn_aeskey_generate(path)) != 0) {
			seterr(err, errlen, r, "%s: cannot generate: %s", path, yn_strerror(r));
			goto out;
		}
	}
	if ((r = join(path, sizeof(path), dir, YN_KEYFILE_ISSUER_PRIV)) != 0 ||
	    (r = join(pub, sizeof(pub), dir, YN_KEYFILE_ISSUER_PUB)) != 0)
		goto out;
	if ((r = yn_keygen_p256(path, pub)) != 0) {
		seterr(err, errlen, r, "%s: cannot generate: %s", path, yn_strerror(r));
		goto out;
	}
	if (chmod(pub, 0644) != 0) {
		r = seterr(err, errlen, YN_EIO, "%s: chmod: %s", pub, strerror(errno));
		goto out;
	}
	if ((r = join(path, sizeof(path), dir, YN_KEYFILE_DENYLIST_PRIV)) != 0 ||
	    (r = join(pub, sizeof(pub), dir, YN_KEYFILE_DENYLIST_PUB)) != 0)
		goto out;
	if ((r = yn_keygen_p256(path, pub)) != 0) {
		seterr(err, errlen, r, "%s: cannot generate: %s", path, yn_strerror(r));
		goto out;
	}
	if (chmod(pub, 0644) != 0) {
		r = seterr(err, errlen, YN_EIO, "%s: chmod: %s", pub, strerror(errno));
		goto out;
	}
	sync_dir(dir);
out:
	if (r == YN_ENOSPC && err != NULL && errlen > 0 && err[0] == '\0')
		seterr(err, errlen, r, "%s: path too long", dir);
	if (r != 0)
		remove_set(dir, created);
	yn_cleanse(sid, sizeof(sid));
	return r;
}

static int read_small(const char *path, uint8_t *buf, size_t cap, size_t *len, char *err,
		      size_t errlen)
{
	size_t n = 0;
	ssize_t g;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return seterr(err, errlen, errno == ENOENT ? YN_ENOENT : YN_EIO, "%s: %s", path,
			      strerror(errno));
	while ((g = read(fd, buf + n, cap - n)) != 0) {
		if (g < 0 && errno == EINTR)
			continue;
		if (g < 0) {
			close(fd);
			return seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
		}
		n += (size_t)g;
		if (n == cap) {
			close(fd);
			return seterr(err, errlen, YN_EBADKEY, "%s: too large for a key file", path);
		}
	}
	close(fd);
	*len = n;
	return 0;
}

int yn_keyset_export(const char *src, enum yn_keyrole role, const char *dst, char *err,
		     size_t errlen)
{
	struct yn_keyset all;
	char from[4096], to[4096];
	uint8_t buf[8192];
	struct dirent **ents = NULL;
	size_t i, n = 0;
	int created = 0, nents = 0, j, r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (src == NULL || dst == NULL || !role_valid(role))
		return seterr(err, errlen, YN_EINVAL, "bad arguments to key export");
	if ((r = yn_keyset_load(src, YN_KEYROLE_ALL, &all)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", all.err);
		return r;
	}
	yn_keyset_free(&all);
	if ((r = make_dir(dst, &created, err, errlen)) != 0)
		return r;
	for (i = 0; i < NKFILES; i++) {
		const struct kfile *kf = &kfiles[i];
		int secret = kf->kind == K_AES || kf->kind == K_PRIV;

		if (!(kf->roles & R(role)))
			continue;
		if ((r = join(from, sizeof(from), src, kf->name)) != 0 ||
		    (r = join(to, sizeof(to), dst, kf->name)) != 0) {
			seterr(err, errlen, r, "path too long");
			goto out;
		}
		if ((r = read_small(from, buf, sizeof(buf), &n, err, errlen)) != 0)
			goto out;
		r = write_file(to, buf, n, secret ? 0600 : 0644, err, errlen);
		yn_cleanse(buf, n);
		if (r != 0)
			goto out;
	}
	if (old_issuers(src, &ents, &nents) != 0) {
		r = seterr(err, errlen, YN_EIO, "%s: %s", src, strerror(errno));
		goto out;
	}
	for (j = 0; j < nents; j++) {
		if ((r = join(from, sizeof(from), src, ents[j]->d_name)) != 0 ||
		    (r = join(to, sizeof(to), dst, ents[j]->d_name)) != 0) {
			seterr(err, errlen, r, "path too long");
			goto out;
		}
		if ((r = read_small(from, buf, sizeof(buf), &n, err, errlen)) != 0 ||
		    (r = write_file(to, buf, n, 0644, err, errlen)) != 0)
			goto out;
	}
	sync_dir(dst);
out:
	if (r != 0) {
		remove_set(dst, created);
		for (j = 0; j < nents; j++)
			if (join(to, sizeof(to), dst, ents[j]->d_name) == 0)
				unlink(to);
		if (created)
			rmdir(dst);
	}
	free_ents(ents, nents);
	return r;
}
