/*
 * A holder description in JSON, as the issuance desk prepares it
 * (docs/examples/holder.json documents every field), parsed into a
 * struct yn_holder ready to be signed (yn_holder_sign) and written.
 *
 * Only what the card stores is taken; "name" and "note" are accepted for the
 * desk's paperwork and dropped (the card carries no name).  Any other
 * unknown member is refused, so a misspelt field is never silently ignored.
 */
#ifndef YN_HOLDER_JSON_H
#define YN_HOLDER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "card/holder.h"

/* The card is for people of this age or over on the issue date. */
#define YN_HOLDER_MIN_AGE 60

/*
 * Parse text[0..len).  now (Unix seconds) is the issue time when the
 * description has no "issued_at".  On success *h holds every field except
 * issuer_key_id and sig (zero: the signer fills them) and, if the
 * description has no "uid", uid (zero: the issuing desk takes it from the
 * card).  On failure *h is zeroed and err (if not NULL) holds one line that
 * names the field, e.g. "birth_date: holder is 58 on the issue date
 * 2026-11-29 (must be 60 or over)".  Returns YN_EFORMAT (not JSON, wrong
 * type, missing or unknown member, malformed value), YN_ERANGE (a value out
 * of its range or dates out of order), YN_ENOENT (unknown district,
 * residency or category name).
 */
int yn_holder_json_parse(const char *text, size_t len, int64_t now, struct yn_holder *h,
			 char *err, size_t errlen);

/* The same from a file; YN_EIO / YN_ENOENT if it cannot be read. */
int yn_holder_json_load(const char *path, int64_t now, struct yn_holder *h, char *err,
			size_t errlen);

/*
 * The holder as JSON (for `yinian inspect` and logs): the members parse
 * reads, with the names parse takes (district and categories by id,
 * dates as "YYYY-MM-DD", issued_at as "...+08:00"), plus "issuer_key_id"
 * and "signature" in hex, which parse does not take.  *out is a NUL-ended
 * string the caller frees with free().  YN_EINVAL if h fails
 * yn_holder_check, YN_ENOMEM.
 */
int yn_holder_json_dump(const struct yn_holder *h, char **out);

/*
 * "2026-11-29T10:00:00+08:00" (or ...Z, or ±HHMM) to Unix seconds.
 * YN_EFORMAT if malformed, YN_ERANGE if a field is out of range.
 */
int yn_holder_json_parse_time(const char *s, int64_t *t);

#endif
