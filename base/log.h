/*
 * Logging: one line per event on stderr, with a syslog priority prefix
 * ("<3>") when stderr goes to journald, so that systemd keeps the level.
 * The daemon's decisions go elsewhere (JSON lines); this is for engineers.
 */
#ifndef YN_LOG_H
#define YN_LOG_H

enum yn_log_level {
	YN_LOG_ERR = 3,
	YN_LOG_WARN = 4,
	YN_LOG_NOTICE = 5,
	YN_LOG_INFO = 6,
	YN_LOG_DEBUG = 7,
};

/* Messages above level are dropped.  Default YN_LOG_NOTICE, or the value of
 * YN_LOG_LEVEL (a number 3..7 or err|warn|notice|info|debug) at first use. */
void yn_log_set_level(int level);
int yn_log_get_level(void);
/* Program name shown at the start of each line (default "yinian"). */
void yn_log_set_ident(const char *ident);

void yn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define yn_err(...) yn_log(YN_LOG_ERR, __VA_ARGS__)
#define yn_warn(...) yn_log(YN_LOG_WARN, __VA_ARGS__)
#define yn_notice(...) yn_log(YN_LOG_NOTICE, __VA_ARGS__)
#define yn_info(...) yn_log(YN_LOG_INFO, __VA_ARGS__)
#define yn_debug(...) yn_log(YN_LOG_DEBUG, __VA_ARGS__)

#endif
