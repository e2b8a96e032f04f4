/*
 * Card serial allocator: the desk's record of every serial it has given out,
 * so that a serial is never given to two cards (docs/issuance.md §5).
 *
 * The file (default KEYDIR/serials, mode 0600) is text, one line per serial:
 *     SERIAL UID DATE NOTE
 * SERIAL decimal (1..2^64-1), UID 14 hex digits or "-" (reserved without a
 * card, e.g. to start numbering at 1000000), DATE YYYY-MM-DD (Asia/Shanghai),
 * NOTE one word ("issue", "replace", "reserve").  Lines starting with '#' and
 * empty lines are ignored.  Lines are only ever appended, under flock(2),
 * and fsync'd before the serial is used.
 */
#ifndef YN_SERIAL_ALLOC_H
#define YN_SERIAL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "card/yinian_app.h"

#define YN_SERIAL_FILE "serials"

/*
 * Reserve a serial for the card uid, appending its line to the file at path
 * (created 0600 if absent).
 *   want != 0: that serial.  If the file already gives it to uid, nothing is
 *     appended (a resumed issuance); if it gives it to another card (or "-"),
 *     YN_EEXIST with err naming the card and date.
 *   want == 0: a new serial, one above the largest in the file (1 for an
 *     empty file).  With reuse_uid, the serial last given to uid is returned
 *     instead if the file has one (a resumed issuance that had allocated).
 * note is the NOTE word (letters, digits, '-', '_'; YN_EINVAL otherwise).
 * now: Unix seconds for DATE.  YN_ECORRUPT (err names the line) for a
 * malformed file, YN_EIO on a read/write/sync error, YN_ERANGE when the
 * serials are exhausted.  *serial is 0 after a failure and the file is
 * unchanged.
 */
int yn_serial_reserve(const char *path, const uint8_t uid[YN_UID_LEN], uint64_t want,
		      int reuse_uid, const char *note, int64_t now, uint64_t *serial, char *err,
		      size_t errlen);

/*
 * Look a serial up: 0 and uid (zero bytes for "-") if the file has it,
 * YN_ENOENT if not (also when the file does not exist), YN_ECORRUPT / YN_EIO
 * as above.
 */
int yn_serial_lookup(const char *path, uint64_t serial, uint8_t uid[YN_UID_LEN], char *err,
		     size_t errlen);

#endif
