/*
 * Harness: the daemon configuration parser (validator/config.c,
 * yn_config_parse).  The input is the file text (a NUL is appended).
 * Checks: the error message is NUL-terminated within its buffer, and a
 * parsed config has its counts within their arrays and NUL-terminated
 * strings.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "validator/config.h"

int yn_fuzz_config(const uint8_t *data, size_t size)
{
	static struct yn_config cfg;
	char err[256], *text;
	size_t i;
	int r;

	yn_fuzz_quiet();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 0x55, sizeof(err));
	r = yn_config_parse(text, "fuzz.conf", &cfg, err, sizeof(err));
	if (r != 0) {
		YN_FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	} else {
		YN_FUZZ_CHECK(cfg.n_readers <= YN_CONFIG_MAX_READERS);
		YN_FUZZ_CHECK(cfg.n_trusted_keys <= YN_CONFIG_MAX_KEYS);
		YN_FUZZ_CHECK(memchr(cfg.terminal_id, '\0', sizeof(cfg.terminal_id)) != NULL);
		YN_FUZZ_CHECK(memchr(cfg.district, '\0', sizeof(cfg.district)) != NULL);
		YN_FUZZ_CHECK(memchr(cfg.journal_dir, '\0', sizeof(cfg.journal_dir)) != NULL);
		for (i = 0; i < cfg.n_readers; i++)
			YN_FUZZ_CHECK(memchr(cfg.readers[i], '\0', sizeof(cfg.readers[i])) != NULL);
		(void)yn_role_name(cfg.role);
	}
	free(text);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_config(data, size);
}
#endif
