/*
 * Card replacement: a new card (new serial) for a holder whose card is
 * lost, stolen or damaged, and the old serial as a denylist CSV line
 * (docs/issuance.md §8; the CSV is the denylist format's input:
 * header "serial,listed,reason", decimal serial, ISO date, reason word).
 */
#ifndef YN_ISSUE_REPLACE_H
#define YN_ISSUE_REPLACE_H

#include <stddef.h>
#include <stdint.h>

#include "card/issue.h"

#define YN_DENYLIST_CSV_HEADER "serial,listed,reason"

/*
 * The denylist reason word for reason (docs/denylist-format.md §3: lost,
 * stolen, deceased, replaced, fraud, suspended, other), or NULL if it is
 * none of them.  "damaged" is accepted for a card handed in damaged and
 * gives "replaced" (the old card is superseded by the new one).
 */
const char *yn_replace_reason_word(const char *reason);

/*
 * Append "serial,YYYY-MM-DD,reason" for listed (YYYYMMDD) to the CSV at
 * path, creating it (0644) with the header line first if absent; reason
 * goes through yn_replace_reason_word.  A file that already lists serial
 * is left as it is (*appended = 0).  YN_EINVAL for an unknown reason or
 * serial 0, YN_ECORRUPT (err says the line) if the
 * file does not start with the header, YN_EIO.  The line is fsync'd.
 */
int yn_denylist_csv_append(const char *path, uint64_t serial, uint32_t listed,
			   const char *reason, int *appended, char *err, size_t errlen);

/*
 * Issue a replacement card: req->holder gets a new serial from
 * req->serial_file (required: YN_EINVAL without), noted "replace"; its own
 * serial is ignored.  old_serial must not be the new card's.  After the
 * new card is issued and verified, old_serial goes to denylist_csv (if not
 * NULL) with reason and the date of req->now; *listed says whether a line
 * was appended.  A failed issuance appends nothing (run it again, with
 * --resume for a half-issued card).  Errors as yn_issue_card, with rep->msg.
 */
int yn_replace_card(struct yn_reader *rd, const struct yn_keyset *ks,
		    const struct yn_issue_req *req, uint64_t old_serial, const char *reason,
		    const char *denylist_csv, int *listed, struct yn_issue_report *rep);

#endif
