/*
 * Harness: PN532 host-interface frames (card/emu/pn532_frame.c,
 * yn_pn532_frame_parse): the input is a byte stream from the serial line,
 * parsed frame after frame as the emulator does.
 * Checks: the parser always makes progress or asks for more bytes, never
 * claims more than it was given, points data inside the input; a parsed
 * information frame encodes (yn_pn532_frame_build) to a frame that parses
 * back to the same TFI and data.
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "base/err.h"
#include "card/emu/pn532_frame.h"

int yn_fuzz_pn532_frame(const uint8_t *data, size_t size)
{
	uint8_t wire[YN_PN532_FRAME_WIRE_MAX];
	struct yn_pn532_frame f, g;
	size_t off = 0, used, wn, gu;
	int r;

	yn_fuzz_quiet();
	while (off < size) {
		used = (size_t)-1;
		r = yn_pn532_frame_parse(data + off, size - off, &f, &used);
		YN_FUZZ_CHECK(used <= size - off);
		if (r == YN_ETRUNC)
			break;
		YN_FUZZ_CHECK(r == 0 || r == YN_EFORMAT || r == YN_ERANGE);
		YN_FUZZ_CHECK(used > 0);
		if (r == 0 && f.kind == YN_PN532_FRAME_INFO) {
			YN_FUZZ_CHECK(f.len == 0 || (f.data >= data + off &&
						     f.data + f.len <= data + off + used));
			YN_FUZZ_CHECK(f.len + 1 <= YN_PN532_FRAME_DATA_MAX);
			YN_FUZZ_CHECK(yn_pn532_frame_build(f.tfi, f.data, f.len, wire, sizeof(wire),
							   &wn) == 0);
			YN_FUZZ_CHECK(yn_pn532_frame_parse(wire, wn, &g, &gu) == 0);
			YN_FUZZ_CHECK(g.kind == YN_PN532_FRAME_INFO && g.tfi == f.tfi &&
				      g.len == f.len && (f.len == 0 ||
							 memcmp(g.data, f.data, f.len) == 0));
		}
		off += used;
	}
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_pn532_frame(data, size);
}
#endif
