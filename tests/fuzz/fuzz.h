/*
 * Fuzz harnesses: one per parser of untrusted bytes (docs/fuzzing.md).
 *
 * Each tests/fuzz/fuzz_<name>.c defines yn_fuzz_<name>(data, size), which
 * runs one input through the parser(s) and returns 0; a bug shows up as a
 * sanitizer report or an abort() from a harness check (an invariant the
 * module promises, such as decode(encode(x)) == x).  Built with
 * -DYN_FUZZ_LIBFUZZER the file also defines LLVMFuzzerTestOneInput; without
 * it the bodies link into tests/unit/test_fuzz_regress.c and
 * tests/fuzz/record_corpus.c.
 */
#ifndef YN_FUZZ_H
#define YN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct yn_reader;
struct yn_desfire;
struct yn_emu;
struct yn_pubkey;
struct yn_privkey;

int yn_fuzz_apdu(const uint8_t *data, size_t size);
int yn_fuzz_desfire(const uint8_t *data, size_t size);
int yn_fuzz_emu(const uint8_t *data, size_t size);
int yn_fuzz_holder(const uint8_t *data, size_t size);
int yn_fuzz_denylist(const uint8_t *data, size_t size);
int yn_fuzz_journal(const uint8_t *data, size_t size);
int yn_fuzz_policy(const uint8_t *data, size_t size);
int yn_fuzz_config(const uint8_t *data, size_t size);
int yn_fuzz_pn532_frame(const uint8_t *data, size_t size);
int yn_fuzz_pn532(const uint8_t *data, size_t size);

/* Abort with a message when an invariant does not hold (a finding). */
#define YN_FUZZ_CHECK(c)                                                       \
	do {                                                                   \
		if (!(c))                                                      \
			yn_fuzz_fail(__FILE__, __LINE__, #c);                  \
	} while (0)
void yn_fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* --- fuzzlib.c: shared set-up --- */

/* Silence the library's log lines (once per process). */
void yn_fuzz_quiet(void);
/* A private directory for the process (created once, removed at exit). */
const char *yn_fuzz_tmpdir(void);
/* The committed test signing key (tests/fuzz: a P-256 key used for nothing
 * else): private half loaded once, public half and its key id. */
const struct yn_privkey *yn_fuzz_test_privkey(void);
extern const uint8_t yn_fuzz_test_pub[65];

/* The Yinian application's keys on the fuzzed cards: key n is
 * yn_fuzz_app_key[n] (fixed test values, not diversified). */
extern const uint8_t yn_fuzz_app_key[5][16];
/* The card's UID, and the RndA every harness session uses. */
extern const uint8_t yn_fuzz_uid[7];
int yn_fuzz_rnda(void *ctx, uint8_t *p, size_t n);

/*
 * The terminal session the DESFire harness replays answers into (and that
 * record_corpus runs against the software card), on df (yn_desfire_init
 * done, reader attached): options byte opts, then
 * SelectApplication, AuthenticateEV2First (key 1), Full ReadData (holder),
 * MAC ReadRecords (trip log), GetValue, Debit, WriteRecord,
 * CommitTransaction (fuzz_desfire.c).
 */
void yn_fuzz_desfire_session(struct yn_desfire *df, uint8_t opts);

/* The holder record file (112 bytes) the personalised card holds, signed
 * with the test key. */
int yn_fuzz_holder_file(uint8_t out[112]);
/* Personalise the card behind df (a blank card, PICC key all zero):
 * create the Yinian application, its keys (yn_fuzz_app_key) and files,
 * write the holder record, 20 vouchers, the benefit state and two trips.
 * Every step goes through card/desfire.h. */
int yn_fuzz_personalise(struct yn_desfire *df);

/*
 * The software card as the card harness builds it: blank (personalise == 0)
 * or with the Yinian application (keys yn_fuzz_app_key, the four files,
 * a signed holder record), powered, its randomness fixed.  NULL on failure.
 */
struct yn_emu *yn_fuzz_emu_card(int personalise);
/* One APDU to a card from yn_fuzz_emu_card, with its randomness re-armed
 * first so that every run of an input is the same. */
int yn_fuzz_emu_transmit(struct yn_emu *card, const uint8_t *cmd, size_t cmd_len,
			 uint8_t *resp, size_t cap, size_t *resp_len);
/* A reader (ops table) over such a card; tap, when not NULL, sees every
 * command and response.  Free with yn_reader_close. */
struct yn_reader *yn_fuzz_emu_reader(struct yn_emu *card,
				     void (*tap)(void *ctx, const uint8_t *cmd, size_t cmd_len,
						 const uint8_t *resp, size_t resp_len),
				     void *ctx);

#endif
