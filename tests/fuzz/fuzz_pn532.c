/*
 * Harness: the emulated PN532's command interpreter (card/emu/pn532.c)
 * with the software card behind it (card/emu/pn532_emu.c).
 *
 * Input:  mode (1), then records  len (1), len bytes:
 *   mode bit 0 clear: each record is a chunk of the serial byte stream,
 *     fed to yn_pn532_input (frames split across chunks, noise, NACKs...)
 *   mode bit 0 set: each record is one command (PD0 = command code ...)
 *     given to yn_pn532_command directly: the interpreter behind the frame
 *     checksums, which random bytes seldom pass
 *   a record of length 0 hangs the line up (yn_pn532_hangup).
 * Checks: answers fit the room promised (YN_PN532_OUT_CAP), a command's
 * answer starts with its code + 1.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "card/emu/pn532.h"
#include "card/emu/pn532_emu.h"

int yn_fuzz_pn532(const uint8_t *data, size_t size)
{
	static uint8_t out[YN_PN532_OUT_CAP(256)];
	uint8_t resp[YN_PN532_FRAME_DATA_MAX + 16];
	struct yn_pn532_card ops;
	struct yn_pn532 *pn = NULL;
	struct yn_emu *card;
	const uint8_t *p;
	struct yn_rd in;
	size_t n;
	uint8_t mode, len;
	int r;

	yn_fuzz_quiet();
	if (size < 1)
		return 0;
	mode = data[0];
	if ((card = yn_fuzz_emu_card(0)) == NULL)
		return 0;
	yn_pn532_emu_card(card, &ops);
	if (yn_pn532_new(&ops, &pn) != 0)
		goto out;
	yn_rd_init(&in, data + 1, size - 1);
	while (yn_rd_u8(&in, &len) == 0 && yn_rd_ptr(&in, &p, len) == 0) {
		if (len == 0) {
			yn_pn532_hangup(pn);
			continue;
		}
		if (mode & 1) {
			n = (size_t)-1;
			r = yn_pn532_command(pn, p, len, resp, sizeof(resp), &n);
			if (r == 0) {
				YN_FUZZ_CHECK(n >= 1 && n <= sizeof(resp));
				YN_FUZZ_CHECK(resp[0] == (uint8_t)(p[0] + 1));
			}
		} else {
			n = (size_t)-1;
			r = yn_pn532_input(pn, p, len, out, YN_PN532_OUT_CAP((size_t)len), &n);
			YN_FUZZ_CHECK(r == 0);
			YN_FUZZ_CHECK(n <= YN_PN532_OUT_CAP((size_t)len));
		}
	}
out:
	yn_pn532_free(pn);
	yn_emu_free(card);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_pn532(data, size);
}
#endif
