#include "card/serial_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "card/holder_date.h"

#define LINE_MAX_LEN 256

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

struct entry {
	uint64_t serial;
	uint8_t uid[YN_UID_LEN];
	int has_uid;
	char date[11];
};

static int note_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 32)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* Next space-separated token of line; NULL at the end. */
static char *token(char **p)
{
	char *s = *p, *t;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	t = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return t;
}

/*
 * One line: "SERIAL UID DATE NOTE" (docs/issuance.md §5).  SERIAL decimal
 * without sign or leading zero, UID 14 hex digits or "-", DATE YYYY-MM-DD,
 * NOTE one word; nothing after the note.  1 = entry, 0 = comment/blank,
 * YN_ECORRUPT otherwise.
 */
static int parse_line(char *line, struct entry *e)
{
	char *p = line, *ser, *uid, *date, *note, *end;
	unsigned long long v;
	uint32_t ymd;
	size_t n;

	memset(e, 0, sizeof(*e));
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	ser = token(&p);
	uid = token(&p);
	date = token(&p);
	note = token(&p);
	if (ser == NULL || uid == NULL || date == NULL || note == NULL || token(&p) != NULL)
		return YN_ECORRUPT;
	if (ser[0] < '1' || ser[0] > '9' || strlen(ser) > 20)
		return YN_ECORRUPT;
	errno = 0;
	v = strtoull(ser, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return YN_ECORRUPT;
	e->serial = v;
	if (strcmp(uid, "-") != 0) {
		if (strlen(uid) != 2 * YN_UID_LEN || yn_hex_decode(uid, e->uid, YN_UID_LEN, &n) != 0 ||
		    n != YN_UID_LEN)
			return YN_ECORRUPT;
		e->has_uid = 1;
	}
	if (yn_ymd_parse(date, &ymd) != 0)
		return YN_ECORRUPT;
	memcpy(e->date, date, 11);
	if (!note_ok(note))
		return YN_ECORRUPT;
	return 1;
}

struct scan {
	uint64_t max;
	int found_want;			/* want seen */
	struct entry want_e;
	int found_uid;			/* last entry for uid */
	uint64_t uid_serial;
};

static int scan_file(FILE *f, const char *path, uint64_t want, const uint8_t *uid, struct scan *s,
		     char *err, size_t errlen)
{
	char line[LINE_MAX_LEN];
	struct entry e;
	unsigned lineno = 0;
	int r;

	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			return seterr(err, errlen, YN_ECORRUPT, "%s line %u: longer than %d bytes",
				      path, lineno, LINE_MAX_LEN - 2);
		if ((r = parse_line(line, &e)) < 0)
			return seterr(err, errlen, YN_ECORRUPT,
				      "%s line %u: not \"SERIAL UID DATE NOTE\" (docs/issuance.md)",
				      path, lineno);
		if (r == 0)
			continue;
		if (e.serial > s->max)
			s->max = e.serial;
		if (want != 0 && e.serial == want && !s->found_want) {
			s->found_want = 1;
			s->want_e = e;
		}
		if (uid != NULL && e.has_uid && memcmp(e.uid, uid, YN_UID_LEN) == 0) {
			s->found_uid = 1;
			s->uid_serial = e.serial;
		}
	}
	if (ferror(f))
		return seterr(err, errlen, YN_EIO, "%s: read error", path);
	return 0;
}

int yn_serial_reserve(const char *path, const uint8_t uid[YN_UID_LEN], uint64_t want,
		      int reuse_uid, const char *note, int64_t now, uint64_t *serial, char *err,
		      size_t errlen)
{
	char uidhex[2 * YN_UID_LEN + 1], date[11], out[LINE_MAX_LEN];
	struct scan s;
	FILE *f = NULL;
	uint64_t pick;
	uint32_t ymd;
	int fd = -1, r, n;

	if (serial != NULL)
		*serial = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || uid == NULL || serial == NULL || !note_ok(note))
		return seterr(err, errlen, YN_EINVAL, "serial allocator: bad argument");
	if ((ymd = yn_ymd_from_unix(now)) == 0)
		return seterr(err, errlen, YN_ERANGE, "serial allocator: clock out of range");
	yn_ymd_format(ymd, date);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) != 0) {
		r = seterr(err, errlen, YN_EIO, "%s: lock: %s", path, strerror(errno));
		goto out;
	}
	if ((f = fdopen(fd, "r+")) == NULL) {
		r = seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;	/* transferred */
	if ((r = scan_file(f, path, want, uid, &s, err, errlen)) != 0)
		goto out;
	yn_hex_encode(uid, YN_UID_LEN, uidhex, sizeof(uidhex));
	if (want != 0) {
		if (s.found_want) {
			char other[2 * YN_UID_LEN + 1];

			yn_hex_encode(s.want_e.uid, YN_UID_LEN, other, sizeof(other));
			if (s.want_e.has_uid && memcmp(s.want_e.uid, uid, YN_UID_LEN) == 0) {
				*serial = want;
				r = 0;
				goto out;
			}
			r = seterr(err, errlen, YN_EEXIST,
				   "serial: %llu was already given out on %s (%s %s); serials are "
				   "never reused: leave \"serial\" out to get a new one",
				   (unsigned long long)want, s.want_e.date,
				   s.want_e.has_uid ? "to card" : "reserved",
				   s.want_e.has_uid ? other : "without a card");
			goto out;
		}
		pick = want;
	} else if (reuse_uid && s.found_uid) {
		*serial = s.uid_serial;
		r = 0;
		goto out;
	} else {
		if (s.max == UINT64_MAX) {
			r = seterr(err, errlen, YN_ERANGE, "%s: serials exhausted", path);
			goto out;
		}
		pick = s.max + 1;
	}
	n = snprintf(out, sizeof(out), "%llu %s %s %s\n", (unsigned long long)pick, uidhex, date,
		     note);
	if (n < 0 || (size_t)n >= sizeof(out)) {
		r = seterr(err, errlen, YN_EINTERNAL, "serial line too long");
		goto out;
	}
	if (fseek(f, 0, SEEK_END) != 0 || fputs(out, f) == EOF || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		r = seterr(err, errlen, YN_EIO, "%s: write: %s", path, strerror(errno));
		goto out;
	}
	*serial = pick;
	r = 0;
out:
	if (f != NULL)
		fclose(f);	/* also drops the lock */
	if (fd >= 0)
		close(fd);
	return r;
}

int yn_serial_lookup(const char *path, uint64_t serial, uint8_t uid[YN_UID_LEN], char *err,
		     size_t errlen)
{
	struct scan s;
	FILE *f;
	int r;

	if (uid != NULL)
		memset(uid, 0, YN_UID_LEN);
	if (path == NULL || uid == NULL || serial == 0)
		return YN_EINVAL;
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? YN_ENOENT
				       : seterr(err, errlen, YN_EIO, "%s: %s", path, strerror(errno));
	(void)flock(fileno(f), LOCK_SH);
	r = scan_file(f, path, serial, NULL, &s, err, errlen);
	fclose(f);
	if (r != 0)
		return r;
	if (!s.found_want)
		return YN_ENOENT;
	memcpy(uid, s.want_e.uid, YN_UID_LEN);
	return 0;
}
