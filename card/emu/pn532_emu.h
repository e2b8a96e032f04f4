/*
 * The software DESFire card (card/emu/emu.h) behind the emulated PN532
 * (card/emu/pn532.h): the glue between the two.
 */
#ifndef YN_PN532_EMU_H
#define YN_PN532_EMU_H

#include <signal.h>

#include "card/emu/pn532.h"

struct yn_emu;

/*
 * Fill *ops so that the PN532 emulator serves card (borrowed).  Every
 * activation (InListPassiveTarget, InSelect, InAutoPoll) power-cycles the
 * card: a new session, an uncommitted transaction discarded, as when a real
 * card is activated again.  The field going off powers it off.  A torn
 * command (yn_emu_tear_*) looks to the PN532 like a card that left the
 * field until the next activation.
 */
void yn_pn532_emu_card(struct yn_emu *card, struct yn_pn532_card *ops);

/* yn_pn532_serve() for card; the card is powered off on return. */
int yn_pn532_serve_emu(struct yn_emu *card, const char *link_path,
		       volatile sig_atomic_t *stop);

#endif
