/*
 * The hostile reader backend: a software card that lies, for testing that
 * a terminal denies (or asks to tap again) every lie inside its deadline,
 * grants nothing and writes nothing.  docs/reliability.md §4.
 *
 *   hostile:MODE:STATEFILE
 *
 * STATEFILE is a software card (card/emu/) behind an emu: reader; MODE is
 * NAME or NAME=ARG.  "Eligible" answers below are the answers, carrying
 * data, to commands other than SelectApplication and the authentication
 * exchanges (71/77/AA and their AF frames): the MACed or enciphered answers
 * of a session.  They are counted from 1 in each presentation (wait_card).
 *
 *   badmac[=N]    the Nth eligible answer (default 1) has its last data
 *                 byte flipped: a wrong MAC (or ciphertext) from the card.
 *   truncate[=N]  the Nth eligible answer loses its second half (status
 *                 word included): a truncated frame.
 *   endless[=N]   from the Nth eligible answer on, every answer is 59 bytes
 *                 of junk and 91 AF: a chain that never ends.
 *   slow=MS       every answer takes MS milliseconds (1..60000); an answer
 *                 that would come after the reader's deadline never comes:
 *                 at the deadline the reader gives up, the card loses power
 *                 (nothing it had not committed is kept) and transmit
 *                 returns YN_ETIMEOUT.
 *   uid=HEX       the card reports UID HEX (4, 7 or 10 bytes) and carries
 *                 STATEFILE's content: a record moved to another UID.
 *   replay[=DONOR]  the first presentation is a genuine card — DONOR's (a
 *                 state file path without ':') if given, else STATEFILE's —
 *                 and every answer is recorded; every later presentation
 *                 shows STATEFILE's UID and answers each command with the
 *                 next recorded answer, whatever was asked (YN_ETIMEOUT
 *                 once the recording is used up): replayed responses.
 *
 * Everything else (release, wait_removed, power) is the emu reader's.
 */
#ifndef YN_READER_HOSTILE_H
#define YN_READER_HOSTILE_H

#include "reader/reader.h"

extern const struct yn_reader_ops yn_reader_hostile_ops;

#endif
