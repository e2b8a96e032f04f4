/*
 * yiniand configuration: an INI file (docs/operations.md, example in
 * docs/examples/yiniand.conf).
 *
 *   [terminal]  id (1..16 printable ASCII), number (u32 written on the card;
 *               default: derived from id), role (gate|canteen|service),
 *               gate: line, station, kind (entry|exit|board|alight),
 *               class (ordinary|premium); canteen/service: district;
 *               canteen: price_fen, open (yes|no); budget_ms
 *   [readers]   reader = URI   (one line per reader, 1..4; e.g. entry and exit)
 *   [keys]      dir
 *   [policy]    file
 *   [denylist]  file, state, trusted_key (one line per list-signing public key)
 *   [journal]   dir, rotate_bytes
 *   [output]    socket, hook, hook_timeout_ms, json_stdout (yes|no)
 *
 * Parsing is strict: an unknown section or key, a bad value or a missing
 * required key is an error naming the line (or the key).
 */
#ifndef YN_CONFIG_H
#define YN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define YN_CONFIG_MAX_READERS 4
#define YN_CONFIG_MAX_KEYS 8
#define YN_CONFIG_PATH 512

enum yn_role {
	YN_ROLE_NONE = 0,
	YN_ROLE_GATE,
	YN_ROLE_CANTEEN,
	YN_ROLE_SERVICE,
};

struct yn_config {
	char terminal_id[17];
	uint32_t terminal_number;	/* on the card's trip and benefit records */
	enum yn_role role;
	uint16_t line;			/* gate: line (operator's id) */
	uint16_t station;		/* gate: station or stop id */
	uint8_t gate_kind;		/* gate: 1 entry, 2 exit, 3 board, 4 alight */
	uint8_t premium;		/* gate: premium/express class (never free) */
	uint8_t canteen_open;		/* canteen: the till serves subsidised meals */
	char district[32];		/* canteen/service: district name, e.g. "futian" */
	uint32_t price_fen;		/* canteen: the meal price in fen */
	uint32_t budget_ms;		/* tap deadline from card presence (default 300) */

	char readers[YN_CONFIG_MAX_READERS][256];
	size_t n_readers;

	char keys_dir[YN_CONFIG_PATH];
	char policy_file[YN_CONFIG_PATH];	/* empty: built-in Shenzhen default */
	char denylist_file[YN_CONFIG_PATH];
	char denylist_state[YN_CONFIG_PATH];
	char trusted_keys[YN_CONFIG_MAX_KEYS][YN_CONFIG_PATH];
	size_t n_trusted_keys;
	char journal_dir[YN_CONFIG_PATH];
	uint64_t journal_rotate_bytes;		/* 0 = default */

	char socket_path[YN_CONFIG_PATH];	/* empty: no socket */
	char hook[YN_CONFIG_PATH];		/* empty: no hook */
	uint32_t hook_timeout_ms;
	int json_stdout;
};

/* Parse path into *cfg (cleared first).  On error, returns YN_ECONFIG (or
 * YN_ENOENT/YN_EIO if the file cannot be read) and writes a message naming
 * the line or key into err (err_cap bytes). */
int yn_config_load(const char *path, struct yn_config *cfg, char *err, size_t err_cap);
/* The same from a string (tests, fuzzing).  name labels messages. */
int yn_config_parse(const char *text, const char *name, struct yn_config *cfg, char *err,
		    size_t err_cap);

const char *yn_role_name(enum yn_role r);
/* "gate" -> YN_ROLE_GATE; YN_ROLE_NONE if unknown. */
enum yn_role yn_role_from_name(const char *s);

#endif
