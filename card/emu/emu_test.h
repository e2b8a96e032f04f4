/*
 * Test hooks of the software card.  Not for production code: they make
 * the card's randomness predictable and plant session keys, so that tests
 * can replay published transcripts (desfire.md §3-§5) byte for byte.
 */
#ifndef YN_EMU_TEST_H
#define YN_EMU_TEST_H

#include <stddef.h>
#include <stdint.h>

struct yn_emu;

/* The next len (at most 256) random bytes the card draws come from bytes,
 * in order; after that it uses yn_random again.  An authentication draws
 * RndB (16 bytes) at its first frame and, for AuthenticateEV2First, TI
 * (4 bytes) at its last. */
void yn_emu_set_test_rng(struct yn_emu *card, const uint8_t *bytes, size_t len);

/* Plant an authenticated EV2 session (as after AuthenticateEV2First with
 * key keyno in the selected application) with these session keys, TI and
 * CmdCtr.  Any pending transaction is discarded, as by a real
 * authentication. */
void yn_emu_test_set_ev2_session(struct yn_emu *card, uint8_t keyno, const uint8_t enc[16],
				 const uint8_t mac[16], const uint8_t ti[4], uint16_t ctr);
/* Plant an EV1 AES session (session key sk, IV 0). */
void yn_emu_test_set_ev1_session(struct yn_emu *card, uint8_t keyno, const uint8_t sk[16]);

/* The session state: returns 0 (none), 1 (EV1) or 2 (EV2); keyno and the
 * EV2 CmdCtr through the pointers (either may be NULL). */
int yn_emu_test_session(const struct yn_emu *card, uint8_t *keyno, uint16_t *ctr);

#endif
