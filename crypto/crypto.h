/*
 * crypto/: the only code that includes OpenSSL.
 *
 * Everything here works on caller buffers; nothing allocates in the hot path
 * (CMAC, AES, EV2 secure messaging) after yn_crypto_init().  Algorithms are
 * fetched once in yn_crypto_init(); contexts are reused per thread.
 * Byte layouts and vectors: ../shared/reference/desfire.md (section numbers
 * below refer to it).
 *
 * All functions return 0 or a negative YN_E* code (base/err.h); OpenSSL
 * failures become YN_ECRYPTO with the OpenSSL reason logged.  Output buffers
 * are left zeroed after a failure.
 */
#ifndef YN_CRYPTO_H
#define YN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define YN_AES_KEY_LEN 16
#define YN_AES_BLOCK 16
#define YN_MACT_LEN 8
#define YN_SHA256_LEN 32
#define YN_P256_SIG_LEN 64	/* r || s, each 32 bytes big-endian, left-padded */
#define YN_P256_PUB_LEN 65	/* uncompressed point 04 || X || Y */
#define YN_KEYID_LEN 8		/* first 8 bytes of SHA-256 of the uncompressed point */
#define YN_P224_SIG_LEN 56	/* secp224r1 r || s, each 28 bytes big-endian, left-padded */
#define YN_P224_PUB_LEN 57	/* secp224r1 uncompressed point 04 || X || Y */
#define YN_P224_MSG_MAX 28	/* longest raw message: the order's length in bytes */

/* Fetch the algorithms (AES-128-ECB/CBC, SHA-256; CMAC is built on AES-CBC
 * here, ECDSA comes from OpenSSL's method cache).  Idempotent and safe to
 * call from several threads; a failure is remembered and returned again.
 * Every other function calls it if it was not called, but hot paths should
 * not rely on that.  Each thread's contexts are created on its first call
 * and freed when it exits. */
int yn_crypto_init(void);
/* Known-answer tests of every primitive below (vectors from desfire.md and
 * RFC 4493) plus an ECDSA sign/verify round trip.  0 or YN_ESELFTEST, with
 * the failing test named in the log. */
int yn_crypto_selftest(void);
/* The same tests one at a time, for a report: the number of tests, and
 * test i's result (0 or YN_ESELFTEST) with its name in *name (a static
 * string; NULL and YN_EINVAL when i is out of range). */
size_t yn_crypto_selftest_count(void);
int yn_crypto_selftest_run(size_t i, const char **name);

/* --- utilities --- */
/* Constant-time equality: 1 if equal, 0 if not (CRYPTO_memcmp). */
int yn_ct_equal(const void *a, const void *b, size_t n);
/* Erase secrets (OPENSSL_cleanse). */
void yn_cleanse(void *p, size_t n);
/* Cryptographically secure random bytes (RAND_bytes); p is erased after a
 * failure. */
int yn_random(void *p, size_t n);
/* SHA-256 of p[0..n) into out (zeroed after a failure). */
int yn_sha256(const void *p, size_t n, uint8_t out[YN_SHA256_LEN]);
/* DESFire CRC32: reflected 0xEDB88320, preset 0xFFFFFFFF, no final XOR
 * (JAMCRC), §1.2.  Appended little-endian on the wire. */
uint32_t yn_desfire_crc32(const void *p, size_t n);
/* The same CRC over several pieces: start from YN_DESFIRE_CRC32_INIT and
 * feed each piece; the running value is the CRC (there is no final XOR). */
#define YN_DESFIRE_CRC32_INIT 0xFFFFFFFFu
uint32_t yn_desfire_crc32_update(uint32_t crc, const void *p, size_t n);
/* CRC_A of ISO 14443-3 (reflected 0x8408, preset 0x6363, no final XOR),
 * §1.2; sent little-endian.  Only DESFire's legacy D40 channel uses it. */
uint16_t yn_iso14443a_crc(const void *p, size_t n);
/* Rotate 16 bytes left by one byte (RndA', RndB' of §3.1 and §4.1); out may
 * be in. */
void yn_desfire_rotl1(const uint8_t in[16], uint8_t out[16]);

/* --- AES-128 --- */
/* One block with a 16-byte key; in and out may be the same buffer. */
int yn_aes128_ecb_encrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
int yn_aes128_ecb_decrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
/* CBC over len bytes (a multiple of 16; YN_EINVAL otherwise); in and out may
 * be the same buffer.  iv is read, then updated to the last ciphertext block
 * (encrypt: last output block; decrypt: last input block), which is what
 * EV1's running IV needs. */
int yn_aes128_cbc_encrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *in,
			  uint8_t *out, size_t len);
int yn_aes128_cbc_decrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *in,
			  uint8_t *out, size_t len);

/* --- CMAC (RFC 4493) and the DESFire truncations, §1.1 --- */
/* Full 16-byte AES-CMAC of msg[0..len) (len may be 0, msg then NULL). */
int yn_aes_cmac(const uint8_t key[16], const void *msg, size_t len, uint8_t mac[16]);
/* EV2 MACt: bytes 1,3,5,...,15 of a full CMAC. */
void yn_ev2_mact(const uint8_t mac[16], uint8_t mact[YN_MACT_LEN]);
/* EV1 CMAC with a running IV: the CBC chain starts at *iv, the full 16-byte
 * result becomes the new *iv, and full[16] (if not NULL) receives it; the
 * wire MAC is its first 8 bytes (§3.2). */
int yn_ev1_cmac(const uint8_t key[16], uint8_t iv[16], const void *msg, size_t len,
		uint8_t mac8[8], uint8_t full[16]);

/* --- AN10922 AES-128 diversification, §7 --- */
/* m is the diversification input (1..31 bytes, e.g. UID || AID || SysID). */
int yn_an10922_aes128(const uint8_t master[16], const uint8_t *m, size_t m_len,
		      uint8_t out[16]);

/* --- EV2 secure messaging, §4-§5 --- */
struct yn_ev2_keys {
	uint8_t enc[16];	/* SesAuthENCKey */
	uint8_t mac[16];	/* SesAuthMACKey */
};
/* SV1/SV2 from RndA and RndB, §4.2. */
int yn_ev2_session_keys(const uint8_t key[16], const uint8_t rnda[16], const uint8_t rndb[16],
			struct yn_ev2_keys *out);
/* IVc = E(enc, A5 5A || TI || CmdCtr(LE) || 0*8); IVr uses 5A A5 and the
 * counter the response is MACed with (CmdCtr + 1). §5.1 */
int yn_ev2_iv_cmd(const uint8_t enc[16], const uint8_t ti[4], uint16_t ctr, uint8_t iv[16]);
int yn_ev2_iv_resp(const uint8_t enc[16], const uint8_t ti[4], uint16_t ctr_plus1,
		   uint8_t iv[16]);
/* Command MACt over Cmd || CmdCtr(LE) || TI || hdr || data (data is the
 * ciphertext in Full mode). */
int yn_ev2_mac_cmd(const uint8_t mac_key[16], uint8_t cmd, uint16_t ctr, const uint8_t ti[4],
		   const uint8_t *hdr, size_t hdr_len, const uint8_t *data, size_t data_len,
		   uint8_t mact[YN_MACT_LEN]);
/* Response MACt over RC || CmdCtr+1(LE) || TI || data. */
int yn_ev2_mac_resp(const uint8_t mac_key[16], uint8_t rc, uint16_t ctr_plus1,
		    const uint8_t ti[4], const uint8_t *data, size_t data_len,
		    uint8_t mact[YN_MACT_LEN]);
/* Full mode: pad with ISO 9797-1 method 2 (always: 80 00.., a full block
 * when len is a multiple of 16) and AES-CBC encrypt with iv.  out_cap must
 * hold len rounded up to the next multiple of 16 strictly above len
 * (YN_ENOSPC otherwise).  plain may be out (in place). */
int yn_ev2_encrypt(const uint8_t enc[16], const uint8_t iv[16], const uint8_t *plain,
		   size_t len, uint8_t *out, size_t out_cap, size_t *out_len);
/* Decrypt and strip method-2 padding.  YN_EFORMAT if len is not a non-zero
 * multiple of 16 or the padding is wrong (the caller has already checked the
 * MAC, so bad padding means a bad peer).  out needs room for the plaintext
 * only (the last block is decrypted aside): YN_ENOSPC otherwise.  ct may be
 * out (in place). */
int yn_ev2_decrypt(const uint8_t enc[16], const uint8_t iv[16], const uint8_t *ct, size_t len,
		   uint8_t *out, size_t out_cap, size_t *plain_len);
/* ChangeKey plaintext before Full-mode encryption, §5.3:
 *   same key as authenticated:  new || ver                      (17 bytes)
 *   another key:                (new ^ old) || ver || CRC32(new) (21 bytes)
 * out must hold 21 bytes. */
int yn_ev2_changekey_plain(int same_key, const uint8_t newkey[16], const uint8_t oldkey[16],
			   uint8_t ver, uint8_t out[21], size_t *out_len);

/* The card's side of the above: check and open a decrypted ChangeKey
 * plaintext (as yn_ev2_decrypt returns it).  For another key, oldkey is the
 * key being replaced and the CRC32 of the recovered new key must match
 * (YN_EBADMAC otherwise, compared in constant time).  YN_EFORMAT if len is
 * not 17 (same key) or 21 (another key).  newkey and *ver are zeroed after a
 * failure. */
int yn_ev2_changekey_open(int same_key, const uint8_t *plain, size_t len,
			  const uint8_t oldkey[16], uint8_t newkey[16], uint8_t *ver);

/* --- EV1 AES authentication (0xAA) and secure channel, §3 ---
 * The frames of §3.1 are AES-CBC (yn_aes128_cbc_*) with the IVs given
 * there; after authentication one running IV (16 bytes, starting at 0)
 * is passed by pointer to every call below and to yn_ev1_cmac, which
 * advance it as the card does. */
/* Session key RndA[0..3] || RndB[0..3] || RndA[12..15] || RndB[12..15]. */
void yn_ev1_session_key(const uint8_t rnda[16], const uint8_t rndb[16], uint8_t out[16]);
/* Enciphered frame: E(data || crc(LE) || 00 pad to 16), §3.2.  crc is the
 * DESFire CRC32 the caller computed over what the frame type covers
 * (command: Cmd || header || data; response: data || status).  data may be
 * out.  *out_len is the padded length. */
int yn_ev1_encrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *data, size_t len,
		   uint32_t crc, uint8_t *out, size_t out_cap, size_t *out_len);
/* Decrypt an enciphered frame of len bytes whose plaintext carries
 * data_len bytes of data, and check CRC32(pre || data || post) and the zero
 * padding: YN_EBADMAC if either is wrong, YN_EFORMAT if len does not fit
 * data_len.  out (out_cap >= len) receives the data in out[0..data_len),
 * the rest is zeroed; all of out is zeroed after a failure.  The running IV
 * advances over the ciphertext even when the check fails. */
int yn_ev1_decrypt(const uint8_t key[16], uint8_t iv[16], const uint8_t *ct, size_t len,
		   size_t data_len, const uint8_t *pre, size_t pre_len, const uint8_t *post,
		   size_t post_len, uint8_t *out, size_t out_cap);
/* ChangeKey cryptogram (32 bytes, to encrypt with the running IV), §3.4:
 *   same key:    new || ver || CRC32(C4 keyno new ver) || 00*11
 *   another key: (new^old) || ver || CRC32(C4 keyno (new^old) ver) ||
 *                CRC32(new) || 00*7
 * keyno is the byte sent (with the key-type bits for a PICC key). */
int yn_ev1_changekey_plain(int same_key, uint8_t keyno, const uint8_t newkey[16],
			   const uint8_t oldkey[16], uint8_t ver, uint8_t out[32]);
/* The card's side: check a decrypted 32-byte cryptogram (both CRCs and the
 * padding, in constant time: YN_EBADMAC) and recover the new key and
 * version.  newkey and *ver are zeroed after a failure. */
int yn_ev1_changekey_open(int same_key, uint8_t keyno, const uint8_t plain[32],
			  const uint8_t oldkey[16], uint8_t newkey[16], uint8_t *ver);

/* --- keys: ECDSA P-256 and AES master keys, loaded by URI ---
 *
 * A key URI is a file path, or "file:PATH".  Other schemes ("pkcs11:...")
 * give YN_ENOTSUP today; a PKCS#11 backend can be added behind the same
 * handles without changing callers.  Private key files (PEM, PKCS#8 or
 * traditional EC, as `openssl genpkey -algorithm EC -pkeyopt
 * ec_paramgen_curve:P-256` writes them) and AES key files must not be
 * readable or writable by group or others (no bit of mode & 077 may be
 * set): YN_EKEYPERM otherwise, with the path and mode logged.  AES key files
 * hold exactly 32 hex digits (and an optional newline): YN_EBADKEY
 * otherwise.  Encrypted PEM keys are refused (YN_EBADKEY), never prompted
 * for.  A missing file gives YN_ENOENT, an unreadable one YN_EACCES.
 * Handles are immutable after loading and may be shared between threads.
 */
struct yn_privkey;
struct yn_pubkey;
struct yn_aeskey;

int yn_privkey_load(const char *uri, struct yn_privkey **out);
void yn_privkey_free(struct yn_privkey *k);
/* Public half of a private key (a new handle). */
int yn_privkey_public(const struct yn_privkey *k, struct yn_pubkey **out);
/* Public key from a PEM file (`openssl pkey -pubout`) or from 65 raw bytes. */
int yn_pubkey_load(const char *uri, struct yn_pubkey **out);
int yn_pubkey_from_raw(const uint8_t raw[YN_P256_PUB_LEN], struct yn_pubkey **out);
void yn_pubkey_free(struct yn_pubkey *k);
int yn_pubkey_raw(const struct yn_pubkey *k, uint8_t raw[YN_P256_PUB_LEN]);
/* Key id: the first 8 bytes of SHA-256 over the 65-byte uncompressed point. */
int yn_pubkey_id(const struct yn_pubkey *k, uint8_t id[YN_KEYID_LEN]);

/* ECDSA P-256 over SHA-256(msg); signature as fixed 64-byte r || s. */
int yn_ecdsa_sign(const struct yn_privkey *k, const void *msg, size_t len,
		  uint8_t sig[YN_P256_SIG_LEN]);
/* 0 if valid, YN_EBADSIG if not (including r or s out of range). */
int yn_ecdsa_verify(const struct yn_pubkey *k, const void *msg, size_t len,
		    const uint8_t sig[YN_P256_SIG_LEN]);
/* New P-256 key pair written as PEM: private (PKCS#8, mode 0600, created
 * exclusively: YN_EEXIST if present) and public (SPKI, mode 0644). */
int yn_keygen_p256(const char *priv_path, const char *pub_path);

/* --- ECDSA secp224r1 over a raw message: originality signatures, §8 ---
 *
 * NXP signs a card's UID with ECDSA on secp224r1 and no hash: the message
 * (the 7-byte UID) is taken as the integer ECDSA would have made of a hash.
 * Messages are 1..YN_P224_MSG_MAX bytes (YN_EINVAL otherwise), so that no
 * bit of them is ever cut off.  Signatures are the fixed 56-byte r || s that
 * ReadSig returns.  Key handles are separate types from the P-256 ones, so
 * that an originality key can never verify a holder record or a denylist.
 * Private keys load from the same URIs and files as P-256 keys (PEM,
 * unencrypted, mode & 077 == 0, curve secp224r1, e.g. `openssl genpkey
 * -algorithm EC -pkeyopt ec_paramgen_curve:secp224r1`).
 */
struct yn_p224_privkey;
struct yn_p224_pubkey;

/* Public key from a 57-byte uncompressed point (YN_EBADKEY if it is not a
 * point of secp224r1) or from a PEM file (`openssl pkey -pubout`). */
int yn_p224_pubkey_from_raw(const uint8_t raw[YN_P224_PUB_LEN], struct yn_p224_pubkey **out);
int yn_p224_pubkey_load(const char *uri, struct yn_p224_pubkey **out);
void yn_p224_pubkey_free(struct yn_p224_pubkey *k);
int yn_p224_pubkey_raw(const struct yn_p224_pubkey *k, uint8_t raw[YN_P224_PUB_LEN]);
/* 0 if sig is a valid signature of msg[0..len), YN_EBADSIG if not (r or s
 * outside 1..n-1 included), YN_EINVAL for a message of 0 or more than 28
 * bytes. */
int yn_p224_verify_raw(const struct yn_p224_pubkey *k, const uint8_t *msg, size_t len,
		       const uint8_t sig[YN_P224_SIG_LEN]);

/* Private key by URI (as yn_privkey_load, but the curve must be secp224r1),
 * or from a PEM string in memory (for keys built into a program, such as
 * the software card's test CA; no mode check applies). */
int yn_p224_privkey_load(const char *uri, struct yn_p224_privkey **out);
int yn_p224_privkey_from_pem(const char *pem, size_t len, struct yn_p224_privkey **out);
void yn_p224_privkey_free(struct yn_p224_privkey *k);
/* The public point of a private key, 57 bytes. */
int yn_p224_privkey_public(const struct yn_p224_privkey *k, uint8_t raw[YN_P224_PUB_LEN]);
/* Sign msg[0..len) (1..28 bytes, no hash) as r || s; sig zeroed after a
 * failure.  Randomised (a fresh nonce each call), as a real card's
 * signature was made once at the factory: callers store the result. */
int yn_p224_sign_raw(const struct yn_p224_privkey *k, const uint8_t *msg, size_t len,
		     uint8_t sig[YN_P224_SIG_LEN]);
/* New secp224r1 key pair written as PEM, like yn_keygen_p256. */
int yn_keygen_p224(const char *priv_path, const char *pub_path);

int yn_aeskey_load(const char *uri, struct yn_aeskey **out);
/* An AES key handle from 16 bytes (copied; caller cleanses its copy). */
int yn_aeskey_from_bytes(const uint8_t k[16], struct yn_aeskey **out);
void yn_aeskey_free(struct yn_aeskey *k);
/* Write a new random AES key file (32 hex digits, mode 0600, exclusive). */
int yn_aeskey_generate(const char *path);
/* AN10922 diversification of the master key behind the handle. */
int yn_aeskey_diversify(const struct yn_aeskey *master, const uint8_t *m, size_t m_len,
			uint8_t out[16]);
/* Copy the raw key out (for a card's own key table and the issuance desk);
 * the caller cleanses it. */
int yn_aeskey_bytes(const struct yn_aeskey *k, uint8_t out[16]);

#endif
