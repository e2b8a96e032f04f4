/*
 * The software DESFire EV2 card.
 *
 * A card is an in-memory object, optionally backed by a state file that is
 * rewritten atomically (temp file, fsync, rename, fsync of the directory)
 * after every change that a real card would have made permanent (committed
 * transactions, standard-file writes, key and application changes).
 * It takes ISO 7816-4 command APDUs — native DESFire commands wrapped with
 * CLA 0x90 (with the ISO-framed variants 8D/AD/8B/AB of WriteData, ReadData,
 * WriteRecord and ReadRecords) and the PC/SC GET DATA pseudo-APDU
 * FF CA 00 00 00 (answered with the UID) — and returns response APDUs.
 * The ISO 7816-4 command set (CLA 00) is not implemented: 6D 00.
 *
 * Behaviour where NXP is silent is documented in docs/emulator.md.
 */
#ifndef YN_EMU_H
#define YN_EMU_H

#include <stddef.h>
#include <stdint.h>

struct yn_emu;

/* A factory-blank card in memory: no applications, PICC master key AES
 * all zeros, key version 0, PICC key settings 0x0F.  uid_len is 7 (or
 * 4/10; YN_EINVAL otherwise).  Its originality signature (ReadSig) is made
 * with the built-in test CA (yn_emu_test_ca_pub).  The card starts
 * unpowered: call yn_emu_power_on before yn_emu_transmit. */
int yn_emu_new_blank(const uint8_t *uid, size_t uid_len, struct yn_emu **out);
/* Create a factory-blank state file, mode 0600 (YN_EEXIST if the path
 * exists; nothing is left behind on failure). */
int yn_emu_create_file(const char *path, const uint8_t *uid, size_t uid_len);
/* The same, with the ReadSig signature made by the secp224r1 private key
 * at sig_key_uri (crypto.h key URI, e.g. a PEM file of `openssl genpkey
 * -algorithm EC -pkeyopt ec_paramgen_curve:secp224r1`, mode 0600) instead
 * of the test CA; NULL = test CA.  Another curve is YN_EBADKEY. */
int yn_emu_create_file_signed(const char *path, const uint8_t *uid, size_t uid_len,
			      const char *sig_key_uri);
/* Load a card from its state file; later changes are saved there.  A file
 * that fails any check (magic, version, checksum, structure) is refused
 * with YN_ECORRUPT (YN_ENOENT if missing, YN_EIO on a read error), with the
 * reason logged.  The loaded card starts unpowered. */
int yn_emu_load(const char *path, struct yn_emu **out);
/* Free the card (NULL allowed); key material is erased. */
void yn_emu_free(struct yn_emu *card);

/* ReadSig (0x3C, address 00) returns, as a real card does, ECDSA on
 * secp224r1 over the raw UID (no hash) as r || s, 56 bytes, status 91 90
 * (desfire.md §8; verify with yn_p224_verify_raw).  The signature is made
 * once, when the card is created.  This is the public key of the built-in
 * test CA, uncompressed (04 || X || Y); its private key is in the source on
 * purpose (docs/emulator.md §3). */
extern const uint8_t yn_emu_test_ca_pub[57];

/* Power and reset: both end the authenticated session and discard any
 * uncommitted transaction, as on a real card. */
void yn_emu_power_on(struct yn_emu *card);
void yn_emu_power_off(struct yn_emu *card);
void yn_emu_reset(struct yn_emu *card);

/* Identity for the reader layers.  yn_emu_uid copies the UID (4, 7 or 10
 * bytes) and returns 0. */
int yn_emu_uid(const struct yn_emu *card, uint8_t uid[10], size_t *uid_len);
/* PC/SC part-3 contactless ATR (3B 81 80 01 80 80). */
void yn_emu_atr(const struct yn_emu *card, uint8_t atr[33], size_t *atr_len);
/* ISO 14443-A activation data for a PN532 front end: ATQA (as sent, e.g.
 * 0x0344), SAK (0x20) and ATS (TL first, e.g. 06 75 77 81 02 80). */
void yn_emu_iso14443a(const struct yn_emu *card, uint16_t *atqa, uint8_t *sak, uint8_t ats[16],
		      size_t *ats_len);

/* One command APDU in, one response APDU (data + SW1 SW2) out.
 * Returns 0, or YN_ECARDGONE when the card lost power during this command
 * (tearing, below) or is not powered: then there is no response, and the
 * card's persistent state is what a real card would hold after that power
 * cut.  YN_ENOSPC if resp_cap cannot hold the answer; YN_EIO if the state
 * file could not be saved (the change stays in memory).  *resp_len is 0
 * after a failure. */
int yn_emu_transmit(struct yn_emu *card, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		    size_t resp_cap, size_t *resp_len);

/* Tearing, for atomicity tests.
 * yn_emu_tear_after(card, n): the n-th command from now (1 = the next one)
 * loses power before it answers — after it has done whatever a real card
 * would have done by then.  yn_emu_tear_in_write(card, n, bytes): the n-th
 * non-volatile write from now is cut after `bytes` bytes reached the memory.
 * 0 disarms.  After a tear the card is powered off until yn_emu_power_on. */
void yn_emu_tear_after(struct yn_emu *card, unsigned n);
void yn_emu_tear_in_write(struct yn_emu *card, unsigned n, size_t bytes);

/* Commands and non-volatile writes processed since power-on (for sweeps). */
unsigned yn_emu_command_count(const struct yn_emu *card);
unsigned yn_emu_write_count(const struct yn_emu *card);

#endif
