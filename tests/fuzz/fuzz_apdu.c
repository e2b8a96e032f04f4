/*
 * Harness: command APDU decoding (card/apdu.c yn_apdu_parse), the first
 * thing the software card does with every command.
 *
 * Checks: a parsed APDU has its data inside the input, and encodes back to
 * exactly the input bytes in the form it came in (short or extended), and
 * yn_apdu_split accepts any response of 2 bytes or more.
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "base/err.h"
#include "card/apdu.h"

int yn_fuzz_apdu(const uint8_t *data, size_t size)
{
	static uint8_t out[YN_APDU_EXT_MAX];
	const uint8_t *d = NULL;
	struct yn_apdu a;
	size_t n = 0, dn = 0;
	uint16_t sw = 0;

	yn_fuzz_quiet();
	memset(&a, 0, sizeof(a));
	if (yn_apdu_parse(data, size, &a) == 0) {
		YN_FUZZ_CHECK(a.lc == 0 || (a.data >= data && a.data + a.lc <= data + size));
		YN_FUZZ_CHECK(a.lc <= 65535 && a.le <= 65536);
		YN_FUZZ_CHECK(yn_apdu_build(&a, a.extended, out, sizeof(out), &n) == 0);
		YN_FUZZ_CHECK(n == size && memcmp(out, data, size) == 0);
	}
	if (yn_apdu_split(data, size, &d, &dn, &sw) == 0) {
		YN_FUZZ_CHECK(size >= 2 && dn == size - 2);
		YN_FUZZ_CHECK(sw == (uint16_t)((data[size - 2] << 8) | data[size - 1]));
	} else {
		YN_FUZZ_CHECK(size < 2);
	}
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_apdu(data, size);
}
#endif
