/*
 * The card's state file: what a real card keeps in its EEPROM (UID, keys,
 * applications, committed file contents), never the volatile session or
 * the pending transaction.  Layout (docs/emulator.md "State file"), all
 * integers big-endian:
 *
 *   magic "YNEMUCRD" (8) | version u16 = 2 | body length u32 | body |
 *   SHA-256 over everything before it (32)
 *
 *   body   = uid_len u8 (4/7/10) | uid | picc_ks1 u8 | picc key (16) | key ver u8 |
 *            signature (56: secp224r1 r || s) | napps u8 (<= 28) | app...
 *   app    = aid u24 | ks1 u8 | ks2 u8 | has_fid u8 | fid u16 | name_len u8 (<= 16) |
 *            name | nkeys u8 (= ks2 & 0F) | nkeys x (key (16) | ver u8) | nfiles u8 | file...
 *   file   = no u8 (< 32) | type u8 (0..4) | cs u8 | ar u16 | has_fid u8 | fid u16 | body
 *     std/backup: size u32 | data (size)
 *     value:      lower u32 | upper u32 | value u32 | lc_flags u8 | lc_limit u32
 *     records:    rec_size u32 | rec_max u32 | rec_count u32 | data (rec_size * rec_count)
 *
 * Saved atomically: temporary file, fsync, rename, fsync of the directory.
 *
 * Version 1 is version 2 with a 64-byte ECDSA P-256 signature over
 * SHA-256(UID) in place of the 56-byte one.  A version 1 file whose
 * signature is the old built-in test CA's loads, gets a fresh secp224r1
 * signature from the current test CA and is rewritten as version 2 at once;
 * one signed by a key of the user's cannot be converted (we do not hold
 * that key) and is refused with YN_EVERSION (docs/emulator.md §5).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "card/emu/emu_int.h"

static const uint8_t magic[8] = { 'Y', 'N', 'E', 'M', 'U', 'C', 'R', 'D' };

/* The P-256 public key of the test CA that signed format 1 files (the
 * emulator before its ReadSig followed NXP's secp224r1). */
static const uint8_t v1_test_ca_pub[YN_P256_PUB_LEN] = {
	0x04, 0x91, 0xc7, 0x2a, 0x86, 0x64, 0xf1, 0xdd, 0x93, 0x2b, 0x7a, 0x9b, 0xed, 0x61,
	0xd8, 0xd2, 0x25, 0x6b, 0x34, 0xf0, 0xb0, 0xaa, 0x64, 0xbc, 0x8b, 0x23, 0x71, 0x01,
	0xe5, 0xf5, 0x12, 0x25, 0x9e, 0xd5, 0x17, 0xc5, 0xff, 0x1a, 0xa1, 0x5a, 0x55, 0x9b,
	0xac, 0xc7, 0xbe, 0x9b, 0x58, 0xd7, 0x1d, 0xeb, 0x2c, 0x4c, 0x58, 0x2d, 0x4c, 0xe1,
	0xa4, 0xd8, 0x4d, 0xd4, 0x41, 0xa5, 0x20, 0x6a, 0x28,
};
#define STATE_VERSION 2
#define STATE_V1 1
#define STATE_V1_SIG_LEN YN_P256_SIG_LEN
#define STATE_HDR 14
#define STATE_MAX (1u << 20)

static int put_file(struct yn_wr *w, const struct emu_file *f)
{
	int e = 0;

	e |= yn_wr_u8(w, f->no);
	e |= yn_wr_u8(w, f->type);
	e |= yn_wr_u8(w, f->cs);
	e |= yn_wr_u16be(w, f->ar);
	e |= yn_wr_u8(w, (uint8_t)f->has_fid);
	e |= yn_wr_u16be(w, f->fid);
	switch (f->type) {
	case FT_STD:
	case FT_BACKUP:
		e |= yn_wr_u32be(w, f->size);
		e |= yn_wr_bytes(w, f->data, f->size);
		break;
	case FT_VALUE:
		e |= yn_wr_u32be(w, (uint32_t)f->lower);
		e |= yn_wr_u32be(w, (uint32_t)f->upper);
		e |= yn_wr_u32be(w, (uint32_t)f->value);
		e |= yn_wr_u8(w, f->lc_flags);
		e |= yn_wr_u32be(w, (uint32_t)f->lc_limit);
		break;
	default:
		e |= yn_wr_u32be(w, f->rec_size);
		e |= yn_wr_u32be(w, f->rec_max);
		e |= yn_wr_u32be(w, f->rec_count);
		e |= yn_wr_bytes(w, f->data, (size_t)f->rec_size * f->rec_count);
		break;
	}
	return e ? YN_ENOSPC : 0;
}

static int serialize(const struct yn_emu *c, struct yn_wr *w)
{
	size_t i, j, napps = 0, nfiles;
	uint8_t *lenp, *hash;
	int e = 0;

	e |= yn_wr_bytes(w, magic, sizeof(magic));
	e |= yn_wr_u16be(w, STATE_VERSION);
	e |= yn_wr_reserve(w, 4, &lenp);
	if (e)
		return YN_ENOSPC;
	e |= yn_wr_u8(w, (uint8_t)c->uid_len);
	e |= yn_wr_bytes(w, c->uid, c->uid_len);
	e |= yn_wr_u8(w, c->picc_ks1);
	e |= yn_wr_bytes(w, c->picc_key.k, 16);
	e |= yn_wr_u8(w, c->picc_key.ver);
	e |= yn_wr_bytes(w, c->sig, EMU_SIG_LEN);
	for (i = 0; i < EMU_MAX_APPS; i++)
		napps += c->apps[i] != NULL;
	e |= yn_wr_u8(w, (uint8_t)napps);
	for (i = 0; i < EMU_MAX_APPS && !e; i++) {
		const struct emu_app *a = c->apps[i];

		if (a == NULL)
			continue;
		e |= yn_wr_u24be(w, a->aid);
		e |= yn_wr_u8(w, a->ks1);
		e |= yn_wr_u8(w, a->ks2);
		e |= yn_wr_u8(w, (uint8_t)a->has_fid);
		e |= yn_wr_u16be(w, a->fid);
		e |= yn_wr_u8(w, (uint8_t)a->dfname_len);
		e |= yn_wr_bytes(w, a->dfname, a->dfname_len);
		e |= yn_wr_u8(w, a->nkeys);
		for (j = 0; j < a->nkeys; j++) {
			e |= yn_wr_bytes(w, a->keys[j].k, 16);
			e |= yn_wr_u8(w, a->keys[j].ver);
		}
		for (j = 0, nfiles = 0; j < EMU_MAX_FILES; j++)
			nfiles += a->files[j] != NULL;
		e |= yn_wr_u8(w, (uint8_t)nfiles);
		for (j = 0; j < EMU_MAX_FILES && !e; j++)
			if (a->files[j] != NULL)
				e |= put_file(w, a->files[j]);
	}
	if (e)
		return YN_ENOSPC;
	yn_put_u32be(lenp, (uint32_t)(w->len - STATE_HDR));
	if (yn_wr_reserve(w, YN_SHA256_LEN, &hash) != 0)
		return YN_ENOSPC;
	return yn_sha256(w->p, w->len - YN_SHA256_LEN, hash);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, r = 0;

	if (copy == NULL)
		return YN_ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		yn_err("emu: cannot sync the directory of %s: %s", path, strerror(errno));
		r = YN_EIO;
	}
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

int emu_state_save(const struct yn_emu *c, const char *path)
{
	struct yn_wr w;
	uint8_t *buf;
	char *tmp = NULL;
	int fd = -1, r;

	if ((buf = malloc(STATE_MAX)) == NULL)
		return YN_ENOMEM;
	yn_wr_init(&w, buf, STATE_MAX);
	if ((r = serialize(c, &w)) != 0)
		goto out;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		r = YN_ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, buf, w.len) != 0 || fsync(fd) != 0) {
		yn_err("emu: cannot write card state %s: %s", tmp, strerror(errno));
		r = YN_EIO;
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		yn_err("emu: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		r = YN_EIO;
		goto out;
	}
	r = fsync_dir(path);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	} else if (r != 0 && tmp != NULL) {
		unlink(tmp);
	}
	free(tmp);
	yn_cleanse(buf, w.len);
	free(buf);
	return r;
}

/* Parse failures all become YN_ECORRUPT with the reason logged once. */
static int bad(const char *path, const char *why)
{
	yn_err("emu: card state %s is corrupt: %s", path, why);
	return YN_ECORRUPT;
}

static int get_file(struct yn_rd *rd, struct emu_file **out, const char **why)
{
	struct emu_file *f = calloc(1, sizeof(*f));
	uint8_t has_fid;
	uint32_t a, b, v;
	size_t n = 0;
	int e = 0;

	*out = NULL;
	if (f == NULL)
		return YN_ENOMEM;
	*why = "truncated file entry";
	e |= yn_rd_u8(rd, &f->no);
	e |= yn_rd_u8(rd, &f->type);
	e |= yn_rd_u8(rd, &f->cs);
	e |= yn_rd_u16be(rd, &f->ar);
	e |= yn_rd_u8(rd, &has_fid);
	e |= yn_rd_u16be(rd, &f->fid);
	if (e)
		goto fail;
	f->has_fid = has_fid;
	*why = "bad file header";
	if (f->no >= EMU_MAX_FILES || f->type > FT_CYCLIC || (f->cs & ~0x03) || has_fid > 1)
		goto fail;
	switch (f->type) {
	case FT_STD:
	case FT_BACKUP:
		*why = "bad data file";
		if (yn_rd_u32be(rd, &f->size) != 0 || f->size == 0 || f->size > EMU_NV_CAPACITY)
			goto fail;
		n = f->size;
		break;
	case FT_VALUE:
		*why = "bad value file";
		e |= yn_rd_u32be(rd, &a);
		e |= yn_rd_u32be(rd, &b);
		e |= yn_rd_u32be(rd, &v);
		e |= yn_rd_u8(rd, &f->lc_flags);
		e |= yn_rd_u32be(rd, (uint32_t *)&f->lc_limit);
		if (e)
			goto fail;
		f->lower = (int32_t)a;
		f->upper = (int32_t)b;
		f->value = (int32_t)v;
		if (f->lower > f->upper || f->value < f->lower || f->value > f->upper ||
		    (f->lc_flags & ~0x03) || f->lc_limit < 0)
			goto fail;
		break;
	default:
		*why = "bad record file";
		e |= yn_rd_u32be(rd, &f->rec_size);
		e |= yn_rd_u32be(rd, &f->rec_max);
		e |= yn_rd_u32be(rd, &f->rec_count);
		if (e || f->rec_size == 0 || f->rec_max == 0 ||
		    (uint64_t)f->rec_size * f->rec_max > EMU_NV_CAPACITY ||
		    (f->type == FT_CYCLIC && f->rec_max < 2) ||
		    f->rec_count > (f->type == FT_CYCLIC ? f->rec_max - 1 : f->rec_max))
			goto fail;
		n = (size_t)f->rec_size * f->rec_max;
		break;
	}
	if (n > 0) {
		size_t have = f->type == FT_STD || f->type == FT_BACKUP ?
			n : (size_t)f->rec_size * f->rec_count;

		if ((f->data = calloc(1, n)) == NULL) {
			emu_file_free(f);
			return YN_ENOMEM;
		}
		*why = "file content truncated";
		if (yn_rd_bytes(rd, f->data, have) != 0)
			goto fail;
	}
	*out = f;
	return 0;
fail:
	emu_file_free(f);
	return YN_ECORRUPT;
}

static int get_app(struct yn_rd *rd, struct emu_app **out, const char **why)
{
	struct emu_app *a = calloc(1, sizeof(*a));
	uint8_t has_fid, nlen, nfiles, i;
	int e = 0, r;

	*out = NULL;
	if (a == NULL)
		return YN_ENOMEM;
	*why = "truncated application entry";
	e |= yn_rd_u24be(rd, &a->aid);
	e |= yn_rd_u8(rd, &a->ks1);
	e |= yn_rd_u8(rd, &a->ks2);
	e |= yn_rd_u8(rd, &has_fid);
	e |= yn_rd_u16be(rd, &a->fid);
	e |= yn_rd_u8(rd, &nlen);
	if (e)
		goto fail;
	*why = "bad application header";
	if (a->aid == 0 || has_fid > 1 || nlen > EMU_DFNAME_MAX || (a->ks2 & 0xD0) != 0x80 ||
	    (a->ks2 & 0x0F) == 0 || (a->ks2 & 0x0F) > EMU_MAX_KEYS ||
	    (has_fid != 0) != ((a->ks2 & 0x20) != 0))
		goto fail;
	a->has_fid = has_fid;
	a->dfname_len = nlen;
	*why = "truncated application entry";
	if (yn_rd_bytes(rd, a->dfname, nlen) != 0 || yn_rd_u8(rd, &a->nkeys) != 0)
		goto fail;
	*why = "key count does not match the key settings";
	if (a->nkeys != (a->ks2 & 0x0F))
		goto fail;
	*why = "truncated key table";
	for (i = 0; i < a->nkeys; i++)
		if (yn_rd_bytes(rd, a->keys[i].k, 16) != 0 || yn_rd_u8(rd, &a->keys[i].ver) != 0)
			goto fail;
	if (yn_rd_u8(rd, &nfiles) != 0 || nfiles > EMU_MAX_FILES)
		goto fail;
	for (i = 0; i < nfiles; i++) {
		struct emu_file *f;

		if ((r = get_file(rd, &f, why)) != 0) {
			emu_app_free(a);
			return r;
		}
		if (a->files[f->no] != NULL) {
			emu_file_free(f);
			*why = "duplicate file number";
			goto fail;
		}
		a->files[f->no] = f;
	}
	*out = a;
	return 0;
fail:
	emu_app_free(a);
	return YN_ECORRUPT;
}

/* Parse a state file into c.  For a format 1 file, its 64-byte signature
 * goes to v1_sig and *ver is 1. */
static int parse(const uint8_t *buf, size_t len, struct yn_emu *c, uint16_t *ver_out,
		 uint8_t v1_sig[STATE_V1_SIG_LEN], const char **why)
{
	struct yn_rd rd, body;
	uint8_t m[8], hash[YN_SHA256_LEN], napps, i;
	uint16_t ver;
	uint32_t blen;
	size_t j, used;
	int r;

	yn_rd_init(&rd, buf, len);
	*why = "not a card state file (bad magic)";
	if (yn_rd_bytes(&rd, m, 8) != 0 || memcmp(m, magic, 8) != 0)
		return YN_ECORRUPT;
	*why = "truncated header";
	if (yn_rd_u16be(&rd, &ver) != 0 || yn_rd_u32be(&rd, &blen) != 0)
		return YN_ECORRUPT;
	if (ver != STATE_VERSION && ver != STATE_V1) {
		*why = "unsupported format version";
		return YN_ECORRUPT;
	}
	*ver_out = ver;
	*why = "length does not match the file size";
	if (yn_rd_sub(&rd, &body, blen) != 0 || yn_rd_left(&rd) != YN_SHA256_LEN)
		return YN_ECORRUPT;
	if ((r = yn_sha256(buf, STATE_HDR + blen, hash)) != 0)
		return r;
	*why = "checksum mismatch";
	if (!yn_ct_equal(hash, yn_rd_cur(&rd), YN_SHA256_LEN))
		return YN_ECORRUPT;

	*why = "bad card header";
	if (yn_rd_u8(&body, &m[0]) != 0 || (m[0] != 4 && m[0] != 7 && m[0] != 10))
		return YN_ECORRUPT;
	c->uid_len = m[0];
	if (yn_rd_bytes(&body, c->uid, c->uid_len) != 0 || yn_rd_u8(&body, &c->picc_ks1) != 0 ||
	    yn_rd_bytes(&body, c->picc_key.k, 16) != 0 || yn_rd_u8(&body, &c->picc_key.ver) != 0 ||
	    (ver == STATE_V1 ? yn_rd_bytes(&body, v1_sig, STATE_V1_SIG_LEN)
			     : yn_rd_bytes(&body, c->sig, EMU_SIG_LEN)) != 0 ||
	    yn_rd_u8(&body, &napps) != 0 ||
	    (c->picc_ks1 & 0xF0) != 0 || napps > EMU_MAX_APPS)
		return YN_ECORRUPT;
	for (i = 0; i < napps; i++) {
		if ((r = get_app(&body, &c->apps[i], why)) != 0)
			return r;
		for (j = 0; j < i; j++)
			if (c->apps[j]->aid == c->apps[i]->aid) {
				*why = "duplicate application";
				return YN_ECORRUPT;
			}
	}
	*why = "trailing bytes in the body";
	if (yn_rd_end(&body) != 0)
		return YN_ECORRUPT;
	*why = "more data than the card's memory holds";
	for (j = 0, used = 0; j < EMU_MAX_APPS; j++)
		if (c->apps[j] != NULL)
			used += emu_app_charge(c->apps[j]);
	if (used > EMU_NV_CAPACITY)
		return YN_ECORRUPT;
	return 0;
}

/* A format 1 card: re-sign with the current test CA if the old test CA
 * had signed it, and save it as format 2 (so that its ReadSig answer stays
 * the same from now on). */
static int upgrade_v1(struct yn_emu *c, const char *path, const uint8_t sig[STATE_V1_SIG_LEN])
{
	struct yn_pubkey *old = NULL;
	int r;

	if ((r = yn_pubkey_from_raw(v1_test_ca_pub, &old)) != 0)
		return r;
	r = yn_ecdsa_verify(old, c->uid, c->uid_len, sig);
	yn_pubkey_free(old);
	if (r == YN_EBADSIG) {
		yn_err("emu: card state %s is format 1 and its originality signature was made by a "
		       "P-256 key of your own, which format 2 cannot carry (ReadSig is secp224r1 "
		       "now); create the card again with `yinian card new --sig-key` and a "
		       "secp224r1 key (docs/emulator.md)", path);
		return YN_EVERSION;
	}
	if (r != 0 || (r = emu_sign_uid(c->uid, c->uid_len, NULL, c->sig)) != 0)
		return r;
	if ((r = emu_state_save(c, path)) != 0) {
		yn_err("emu: card state %s: cannot rewrite it in format 2", path);
		return r;
	}
	yn_info("emu: card state %s upgraded to format 2 (originality signature by the "
		"secp224r1 test CA)", path);
	return 0;
}

int emu_state_load(const char *path, struct yn_emu *c)
{
	struct stat st;
	uint8_t *buf = NULL;
	uint8_t v1_sig[STATE_V1_SIG_LEN];
	const char *why = "";
	uint16_t ver = 0;
	size_t n = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENOENT ? YN_ENOENT : YN_EIO;
		yn_err("emu: cannot open card state %s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bad(path, "not a regular file");
	}
	if (st.st_size > STATE_MAX) {
		close(fd);
		return bad(path, "too large");
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return YN_ENOMEM;
	}
	while (n < (size_t)st.st_size + 1) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size + 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			yn_err("emu: cannot read card state %s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return YN_EIO;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	r = parse(buf, n, c, &ver, v1_sig, &why);
	if (r == YN_ECORRUPT)
		bad(path, why);
	yn_cleanse(buf, n);
	free(buf);
	if (r == 0 && ver == STATE_V1)
		r = upgrade_v1(c, path, v1_sig);
	return r;
}
