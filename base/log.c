#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level = -1;
static int journald = -1;
static const char *ident = "yinian";

static int parse_level(const char *s)
{
	static const char *names[] = { "err", "warn", "notice", "info", "debug" };
	int i;

	if (s[0] >= '3' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return YN_LOG_ERR + i;
	return YN_LOG_NOTICE;
}

static void init(void)
{
	const char *s;

	if (level < 0) {
		s = getenv("YN_LOG_LEVEL");
		level = s ? parse_level(s) : YN_LOG_NOTICE;
	}
	/* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
	if (journald < 0)
		journald = getenv("JOURNAL_STREAM") != NULL;
}

void yn_log_set_level(int l)
{
	level = l;
}

int yn_log_get_level(void)
{
	init();
	return level;
}

void yn_log_set_ident(const char *s)
{
	ident = s;
}

void yn_log(int l, const char *fmt, ...)
{
	static const char *tags[] = { "error", "warning", "notice", "info", "debug" };
	char line[1024];
	va_list ap;
	int n;

	init();
	if (l > level)
		return;
	if (l < YN_LOG_ERR)
		l = YN_LOG_ERR;
	if (l > YN_LOG_DEBUG)
		l = YN_LOG_DEBUG;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (journald)
		fprintf(stderr, "<%d>%s\n", l, line);
	else
		fprintf(stderr, "%s: %s: %s\n", ident, tags[l - YN_LOG_ERR], line);
}
