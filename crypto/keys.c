/*
 * Keys by URI.  A URI picks a backend; a backend fills the handles of
 * internal.h.  Today there is one backend, files:
 *   PATH, file:PATH, file://ABSPATH
 *     private keys: PEM (PKCS#8 "PRIVATE KEY" or traditional "EC PRIVATE
 *       KEY"), unencrypted, EC P-256 (secp224r1 for originality keys); the
 *       file must give no access to group or others (mode & 077 == 0), or
 *       YN_EKEYPERM;
 *     public keys: PEM SubjectPublicKeyInfo ("PUBLIC KEY");
 *     AES keys: 32 hex digits and an optional trailing newline, same mode
 *       rule as private keys.
 * "pkcs11:" (RFC 7512) is recognised and refused with YN_ENOTSUP until a
 * PKCS#11 backend fills its row of the table; any other scheme is refused
 * the same way.  Callers never see which backend served them.
 */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"

#define KEYFILE_MAX 16384

/* --- URIs --- */

struct backend {
	const char *scheme;	/* "file", or "pkcs11" */
	int (*load_priv)(const char *ref, struct yn_privkey **out);
	int (*load_pub)(const char *ref, struct yn_pubkey **out);
	int (*load_aes)(const char *ref, struct yn_aeskey **out);
	int (*load_p224_priv)(const char *ref, struct yn_p224_privkey **out);
	int (*load_p224_pub)(const char *ref, struct yn_p224_pubkey **out);
};

static int file_load_priv(const char *path, struct yn_privkey **out);
static int file_load_pub(const char *path, struct yn_pubkey **out);
static int file_load_aes(const char *path, struct yn_aeskey **out);
static int file_load_p224_priv(const char *path, struct yn_p224_privkey **out);
static int file_load_p224_pub(const char *path, struct yn_p224_pubkey **out);

static const struct backend backends[] = {
	{ "file", file_load_priv, file_load_pub, file_load_aes, file_load_p224_priv,
	  file_load_p224_pub },
	/* A PKCS#11 backend (libp11 / SoftHSM2) goes here. */
	{ "pkcs11", NULL, NULL, NULL, NULL, NULL },
};

/* Split uri into a backend and the reference it gets.  A string without
 * "scheme:" in front is a file path. */
static int resolve(const char *uri, const struct backend **be, const char **ref)
{
	size_t i, n;

	*be = NULL;
	*ref = NULL;
	if (uri == NULL || uri[0] == '\0')
		return YN_EINVAL;
	/* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	n = 0;
	if ((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z'))
		n = strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789+-.");
	if (n == 0 || uri[n] != ':') {
		*be = &backends[0];
		*ref = uri;
		return 0;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strlen(backends[i].scheme) == n && strncasecmp(uri, backends[i].scheme, n) == 0) {
			*be = &backends[i];
			*ref = uri + n + 1;
			if (i == 0 && strncmp(*ref, "//", 2) == 0)
				*ref += 2;	/* file:///abs/path */
			if (**ref == '\0')
				return YN_EINVAL;
			return 0;
		}
	}
	yn_err("crypto: key URI %s: unknown scheme (use a file path or file:PATH)", uri);
	return YN_ENOTSUP;
}

static int unsupported(const char *uri, const struct backend *be)
{
	yn_err("crypto: key URI %s: %s: keys are not supported by this build", uri, be->scheme);
	return YN_ENOTSUP;
}

/* --- files --- */

/* Read a whole key file into a new buffer (NUL-terminated, caller cleanses
 * and frees).  secret: refuse a mode that gives group or others access. */
static int read_keyfile(const char *path, int secret, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, r = 0;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		int e = errno;

		yn_err("crypto: key file %s: %s", path, strerror(e));
		return e == ENOENT ? YN_ENOENT : e == EACCES ? YN_EACCES : YN_EIO;
	}
	if (fstat(fd, &st) != 0) {
		yn_err("crypto: key file %s: %s", path, strerror(errno));
		r = YN_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		yn_err("crypto: key file %s: not a regular file", path);
		r = YN_EBADKEY;
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		yn_err("crypto: key file %s: mode %04o lets group or others access a secret key; "
		       "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		r = YN_EKEYPERM;
		goto out;
	}
	if (st.st_size <= 0 || st.st_size > KEYFILE_MAX) {
		yn_err("crypto: key file %s: size %lld is not that of a key", path,
		       (long long)st.st_size);
		r = YN_EBADKEY;
		goto out;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			yn_err("crypto: key file %s: %s", path, n < 0 ? strerror(errno) :
			       "shorter than its size");
			r = YN_EIO;
			goto out;
		}
		got += (size_t)n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL;	/* transferred */
out:
	if (b != NULL) {
		yn_cleanse(b, (size_t)st.st_size + 1);
		free(b);
	}
	close(fd);
	return r;
}

static void free_keyfile(char *buf, size_t len)
{
	if (buf != NULL) {
		yn_cleanse(buf, len + 1);
		free(buf);
	}
}

/* Never prompt on a terminal for a passphrase: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int yn_pem_read_private(const char *pem, size_t len, const char *what, EVP_PKEY **out)
{
	BIO *bio;

	*out = NULL;
	if (len > KEYFILE_MAX)
		return YN_EBADKEY;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return yn_ossl_fail("BIO", YN_ECRYPTO);
	*out = PEM_read_bio_PrivateKey_ex(bio, NULL, no_passphrase, NULL, NULL, NULL);
	BIO_free(bio);
	if (*out == NULL) {
		yn_err("crypto: %s: not an unencrypted PEM private key", what);
		return yn_ossl_fail(what, YN_EBADKEY);
	}
	return 0;
}

/* Read a PEM key file: private (secret file, PKCS#8 or traditional) or
 * public (SubjectPublicKeyInfo). */
static int file_read_pem(const char *path, int priv, EVP_PKEY **out)
{
	BIO *bio = NULL;
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = read_keyfile(path, priv, &buf, &len)) != 0)
		return r;
	if (priv) {
		r = yn_pem_read_private(buf, len, path, out);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = yn_ossl_fail("BIO", YN_ECRYPTO);
		goto out;
	}
	if ((*out = PEM_read_bio_PUBKEY_ex(bio, NULL, no_passphrase, NULL, NULL, NULL)) == NULL) {
		yn_err("crypto: %s: not a PEM public key (openssl pkey -pubout writes one)", path);
		r = yn_ossl_fail(path, YN_EBADKEY);
	}
out:
	BIO_free(bio);
	free_keyfile(buf, len);
	return r;
}

static int file_load_priv(const char *path, struct yn_privkey **out)
{
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = file_read_pem(path, 1, &pkey)) != 0)
		return r;
	if ((r = yn_privkey_from_evp(pkey, out)) != 0) {
		yn_err("crypto: %s: refused", path);
		EVP_PKEY_free(pkey);
	}
	return r;
}

static int file_load_pub(const char *path, struct yn_pubkey **out)
{
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = file_read_pem(path, 0, &pkey)) != 0)
		return r;
	if ((r = yn_pubkey_from_evp(pkey, out)) != 0) {
		yn_err("crypto: %s: refused", path);
		EVP_PKEY_free(pkey);
	}
	return r;
}

static int file_load_p224_priv(const char *path, struct yn_p224_privkey **out)
{
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = file_read_pem(path, 1, &pkey)) != 0)
		return r;
	if ((r = yn_p224_privkey_from_evp(pkey, out)) != 0) {
		yn_err("crypto: %s: refused", path);
		EVP_PKEY_free(pkey);
	}
	return r;
}

static int file_load_p224_pub(const char *path, struct yn_p224_pubkey **out)
{
	EVP_PKEY *pkey = NULL;
	int r;

	if ((r = file_read_pem(path, 0, &pkey)) != 0)
		return r;
	if ((r = yn_p224_pubkey_from_evp(pkey, out)) != 0) {
		yn_err("crypto: %s: refused", path);
		EVP_PKEY_free(pkey);
	}
	return r;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* AES key file: exactly 32 hex digits, then nothing or one "\n". */
static int parse_aes_hex(const char *buf, size_t len, uint8_t key[16])
{
	size_t i;
	int hi, lo, bad = 0;

	memset(key, 0, 16);
	if (len != 32 && !(len == 33 && buf[32] == '\n'))
		return YN_EBADKEY;
	for (i = 0; i < 16; i++) {
		hi = hexval(buf[2 * i]);
		lo = hexval(buf[2 * i + 1]);
		bad |= hi < 0 || lo < 0;
		key[i] = (uint8_t)(((unsigned)hi & 0x0Fu) << 4 | ((unsigned)lo & 0x0Fu));
	}
	if (bad) {
		yn_cleanse(key, 16);
		return YN_EBADKEY;
	}
	return 0;
}

static int file_load_aes(const char *path, struct yn_aeskey **out)
{
	uint8_t key[16];
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = read_keyfile(path, 1, &buf, &len)) != 0)
		return r;
	if ((r = parse_aes_hex(buf, len, key)) != 0) {
		yn_err("crypto: %s: an AES key file holds 32 hex digits and an optional newline",
		       path);
		goto out;
	}
	r = yn_aeskey_from_bytes(key, out);
out:
	yn_cleanse(key, sizeof(key));
	free_keyfile(buf, len);
	return r;
}

/* Create path exclusively with mode and write data to it, durably; on any
 * failure nothing is left behind. */
static int write_new_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	size_t done = 0;
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode)) < 0) {
		e = errno;
		yn_err("crypto: create %s: %s", path, strerror(e));
		return e == EEXIST ? YN_EEXIST : e == EACCES ? YN_EACCES :
		       e == ENOENT ? YN_ENOENT : YN_EIO;
	}
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	yn_err("crypto: write %s: %s", path, strerror(e));
	if (fd >= 0)
		close(fd);
	unlink(path);
	return YN_EIO;
}

/* --- public API --- */

int yn_privkey_load(const char *uri, struct yn_privkey **out)
{
	const struct backend *be;
	const char *ref;
	int r;

	*out = NULL;
	if ((r = yn_crypto_init()) != 0 || (r = resolve(uri, &be, &ref)) != 0)
		return r;
	if (be->load_priv == NULL)
		return unsupported(uri, be);
	return be->load_priv(ref, out);
}

int yn_pubkey_load(const char *uri, struct yn_pubkey **out)
{
	const struct backend *be;
	const char *ref;
	int r;

	*out = NULL;
	if ((r = yn_crypto_init()) != 0 || (r = resolve(uri, &be, &ref)) != 0)
		return r;
	if (be->load_pub == NULL)
		return unsupported(uri, be);
	return be->load_pub(ref, out);
}

int yn_p224_privkey_load(const char *uri, struct yn_p224_privkey **out)
{
	const struct backend *be;
	const char *ref;
	int r;

	*out = NULL;
	if ((r = yn_crypto_init()) != 0 || (r = resolve(uri, &be, &ref)) != 0)
		return r;
	if (be->load_p224_priv == NULL)
		return unsupported(uri, be);
	return be->load_p224_priv(ref, out);
}

int yn_p224_pubkey_load(const char *uri, struct yn_p224_pubkey **out)
{
	const struct backend *be;
	const char *ref;
	int r;

	*out = NULL;
	if ((r = yn_crypto_init()) != 0 || (r = resolve(uri, &be, &ref)) != 0)
		return r;
	if (be->load_p224_pub == NULL)
		return unsupported(uri, be);
	return be->load_p224_pub(ref, out);
}

int yn_aeskey_load(const char *uri, struct yn_aeskey **out)
{
	const struct backend *be;
	const char *ref;
	int r;

	*out = NULL;
	if ((r = yn_crypto_init()) != 0 || (r = resolve(uri, &be, &ref)) != 0)
		return r;
	if (be->load_aes == NULL)
		return unsupported(uri, be);
	return be->load_aes(ref, out);
}

static int keygen(const char *curve, const char *priv_path, const char *pub_path)
{
	EVP_PKEY *pkey = NULL;
	BIO *bpriv = NULL, *bpub = NULL;
	char *p = NULL;
	long n;
	int r;

	if (priv_path == NULL || pub_path == NULL)
		return YN_EINVAL;
	if ((r = yn_crypto_init()) != 0)
		return r;
	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve)) == NULL) {
		r = yn_ossl_fail("generate EC key", YN_ECRYPTO);
		goto out;
	}
	if ((bpriv = BIO_new(BIO_s_mem())) == NULL || (bpub = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PKCS8PrivateKey(bpriv, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PUBKEY(bpub, pkey) != 1) {
		r = yn_ossl_fail("encode EC key as PEM", YN_ECRYPTO);
		goto out;
	}
	n = BIO_get_mem_data(bpriv, &p);
	if ((r = write_new_file(priv_path, p, (size_t)n, 0600)) != 0)
		goto out;
	n = BIO_get_mem_data(bpub, &p);
	if ((r = write_new_file(pub_path, p, (size_t)n, 0644)) != 0) {
		/* No private key without its public half. */
		unlink(priv_path);
		goto out;
	}
out:
	if (bpriv != NULL) {
		n = BIO_get_mem_data(bpriv, &p);
		if (n > 0)
			yn_cleanse(p, (size_t)n);
	}
	BIO_free(bpriv);
	BIO_free(bpub);
	EVP_PKEY_free(pkey);
	return r;
}

int yn_keygen_p256(const char *priv_path, const char *pub_path)
{
	return keygen("P-256", priv_path, pub_path);
}

int yn_keygen_p224(const char *priv_path, const char *pub_path)
{
	return keygen("P-224", priv_path, pub_path);
}

/* --- AES key handles (software) --- */

static int soft_aes_diversify(const struct yn_aeskey *k, const uint8_t *m, size_t m_len,
			      uint8_t out[16])
{
	return yn_an10922_aes128(k->key, m, m_len, out);
}

static int soft_aes_bytes(const struct yn_aeskey *k, uint8_t out[16])
{
	memcpy(out, k->key, 16);
	return 0;
}

static void soft_aes_free(struct yn_aeskey *k)
{
	yn_cleanse(k, sizeof(*k));
	free(k);
}

static const struct yn_aeskey_ops soft_aes_ops = {
	.name = "file",
	.diversify = soft_aes_diversify,
	.bytes = soft_aes_bytes,
	.free = soft_aes_free,
};

int yn_aeskey_from_bytes(const uint8_t k[16], struct yn_aeskey **out)
{
	struct yn_aeskey *h;

	*out = NULL;
	if (k == NULL)
		return YN_EINVAL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return YN_ENOMEM;
	h->ops = &soft_aes_ops;
	memcpy(h->key, k, 16);
	*out = h;
	return 0;
}

void yn_aeskey_free(struct yn_aeskey *k)
{
	if (k != NULL)
		k->ops->free(k);
}

int yn_aeskey_diversify(const struct yn_aeskey *master, const uint8_t *m, size_t m_len,
			uint8_t out[16])
{
	if (master == NULL) {
		memset(out, 0, 16);
		return YN_EINVAL;
	}
	return master->ops->diversify(master, m, m_len, out);
}

int yn_aeskey_bytes(const struct yn_aeskey *k, uint8_t out[16])
{
	int r;

	if (k == NULL) {
		memset(out, 0, 16);
		return YN_EINVAL;
	}
	if ((r = k->ops->bytes(k, out)) != 0)
		memset(out, 0, 16);
	return r;
}

int yn_aeskey_generate(const char *path)
{
	uint8_t key[16];
	char hex[34];
	int r;

	if (path == NULL)
		return YN_EINVAL;
	if ((r = yn_random(key, sizeof(key))) != 0)
		return r;
	if ((r = yn_hex_encode(key, sizeof(key), hex, sizeof(hex))) != 0)
		goto out;
	hex[32] = '\n';
	r = write_new_file(path, hex, 33, 0600);
out:
	yn_cleanse(key, sizeof(key));
	yn_cleanse(hex, sizeof(hex));
	return r;
}
