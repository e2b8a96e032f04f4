/*
 * The software card on the vpcd virtual reader (vsmartcard's IFD handler
 * inside pcscd): the card connects to vpcd over TCP and answers it.
 * Wire protocol (../shared/reference/stack.md §3.3): every message is a
 * 2-byte big-endian length and that many bytes; 1-byte messages from vpcd
 * are control codes (00 power off, 01 power on, 02 reset: no reply; 04:
 * reply the ATR); anything else is a command APDU answered by the card.
 */
#ifndef YN_EMU_VPCD_H
#define YN_EMU_VPCD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct yn_emu;

#define YN_VPCD_DEFAULT_HOST "127.0.0.1"
#define YN_VPCD_DEFAULT_PORT 35963

/* Parse "HOST:PORT", "HOST" or ":PORT" (missing parts take the defaults);
 * "[v6addr]:PORT" for IPv6.  YN_EINVAL on a bad port or an empty host,
 * YN_ENOSPC if host_cap is too small. */
int yn_vpcd_parse_addr(const char *s, char *host, size_t host_cap, uint16_t *port);

/* Connect to vpcd at host:port (retrying for about 10 s while vpcd is not
 * listening) and serve card until vpcd closes the connection (returns 0)
 * or *stop becomes non-zero (returns 0; a signal handler sets it, and
 * the loop notices within 250 ms).  The card is powered off when the loop
 * ends.  Errors: YN_ETIMEOUT (vpcd never answered), YN_EIO (socket
 * failure), YN_EINVAL (host not resolvable). */
int yn_vpcd_serve(struct yn_emu *card, const char *host, uint16_t port,
		  volatile sig_atomic_t *stop);

#endif
