#include "card/issue_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/err.h"
#include "card/holder_date.h"

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* docs/denylist-format.md §3; card/ cannot use validator/denylist.h (the
 * dependencies point validator -> card), so the words are repeated here
 * and the pcsc/unit tests feed the CSV to the format's own rules. */
static const char *const reasons[] = {
	"lost", "stolen", "deceased", "replaced", "fraud", "suspended", "other",
};

const char *yn_replace_reason_word(const char *reason)
{
	size_t i;

	if (reason == NULL)
		return NULL;
	if (strcmp(reason, "damaged") == 0)
		return "replaced";
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reason, reasons[i]) == 0)
			return reasons[i];
	return NULL;
}

/* Does the line "serial,listed,reason" list serial?  Only the first cell
 * matters; the rest is the denylist tool's to check. */
static int line_lists(const char *line, const char *ser)
{
	size_t n = strlen(ser);

	return strncmp(line, ser, n) == 0 && line[n] == ',';
}

int yn_denylist_csv_append(const char *path, uint64_t serial, uint32_t listed,
			   const char *reason, int *appended, char *err, size_t errlen)
{
	char line[256], ser[24], d[11];
	const char *word = yn_replace_reason_word(reason);
	FILE *f = NULL;
	int fd, r, lineno = 0, empty = 1;

	*appended = 0;
	if (word == NULL)
		return seterr(err, errlen, YN_EINVAL,
			      "reason: must be lost, stolen, damaged, deceased, replaced, fraud, "
			      "suspended or other");
	if (path == NULL || serial == 0 || !yn_ymd_valid(listed))
		return seterr(err, errlen, YN_EINVAL, "denylist CSV: bad serial or date");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) != 0 || (f = fdopen(fd, "r+")) == NULL) {
		r = seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	snprintf(ser, sizeof(ser), "%llu", (unsigned long long)serial);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		empty = 0;
		if (lineno == 1) {
			line[strcspn(line, "\r\n")] = '\0';
			if (strcmp(line, YN_DENYLIST_CSV_HEADER) != 0) {
				r = seterr(err, errlen, YN_ECORRUPT,
					   "%s line 1: not the header \"%s\"", path,
					   YN_DENYLIST_CSV_HEADER);
				goto out;
			}
			continue;
		}
		if (line_lists(line, ser)) {
			r = 0;
			goto out;
		}
	}
	if (ferror(f)) {
		r = seterr(err, errlen, YN_EIO, "%s: read error", path);
		goto out;
	}
	yn_ymd_format(listed, d);
	if (fseek(f, 0, SEEK_END) != 0 ||
	    (empty && fputs(YN_DENYLIST_CSV_HEADER "\n", f) == EOF) ||
	    fprintf(f, "%s,%s,%s\n", ser, d, word) < 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		r = seterr(err, errlen, YN_EIO, "%s: write: %s", path, strerror(errno));
		goto out;
	}
	*appended = 1;
	r = 0;
out:
	fclose(f);
	return r;
}

int yn_replace_card(struct yn_reader *rd, const struct yn_keyset *ks,
		    const struct yn_issue_req *req, uint64_t old_serial, const char *reason,
		    const char *denylist_csv, int *listed, struct yn_issue_report *rep)
{
	struct yn_issue_req r2;
	char err[256];
	int r;

	*listed = 0;
	memset(rep, 0, sizeof(*rep));
	if (old_serial == 0) {
		snprintf(rep->msg, sizeof(rep->msg), "old serial: must be 1 or more");
		return YN_EINVAL;
	}
	if (yn_replace_reason_word(reason) == NULL) {
		snprintf(rep->msg, sizeof(rep->msg),
			 "reason: must be lost, stolen, damaged, deceased, replaced, fraud, "
			 "suspended or other");
		return YN_EINVAL;
	}
	if (req->serial_file == NULL) {
		snprintf(rep->msg, sizeof(rep->msg),
			 "a replacement needs the serial allocator file for its new serial");
		return YN_EINVAL;
	}
	r2 = *req;
	r2.holder.serial = 0;
	r2.serial_note = "replace";
	if ((r = yn_issue_card(rd, ks, &r2, rep)) != 0)
		return r;
	if (rep->serial == old_serial) {
		snprintf(rep->msg, sizeof(rep->msg), "the card presented already carries the old "
			 "serial %llu: present a blank card for the replacement",
			 (unsigned long long)old_serial);
		return YN_EEXIST;
	}
	if (denylist_csv != NULL &&
	    (r = yn_denylist_csv_append(denylist_csv, old_serial, yn_ymd_from_unix(req->now),
					reason, listed, err, sizeof(err))) != 0) {
		snprintf(rep->msg, sizeof(rep->msg), "new card serial %llu issued, but the old "
			 "serial was NOT denylisted: %s", (unsigned long long)rep->serial, err);
		return r;
	}
	return 0;
}
