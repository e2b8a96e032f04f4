/*
 * The emu reader backend: "emu:STATEFILE" opens the software DESFire card
 * (card/emu/emu.h) saved in STATEFILE and links it in-process.
 *
 * The card is always in the field: wait_card powers it on (if it is not)
 * and connects; release LEAVE keeps it powered, RESET warm-resets it
 * (session and pending transaction gone), UNPOWER cuts its power;
 * wait_removed takes the card out of the field (powers it off) and returns
 * at once.  After a tear (yn_emu_tear_after/tear_in_write) transmit returns
 * YN_ECARDGONE and the card stays unpowered until the next wait_card.
 */
#ifndef YN_READER_EMU_H
#define YN_READER_EMU_H

struct yn_reader;
struct yn_emu;

/* The card behind an emu reader (owned by the reader; valid until
 * yn_reader_close), or NULL if r is not an emu reader. */
struct yn_emu *yn_reader_emu_card(struct yn_reader *r);

#endif
