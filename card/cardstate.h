/*
 * The mutable files of the Yinian application: trip-log records (file
 * YN_FILE_TRIPLOG) and the benefit state (file YN_FILE_BENEFIT).
 * Byte layouts: docs/card-format.md §6 and §7.  All integers big-endian;
 * dates packed BCD YYYYMMDD (card/holder_date.h), 0 = never.
 */
#ifndef YN_CARDSTATE_H
#define YN_CARDSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "card/yinian_app.h"

#define YN_TRIPREC_VERSION 1
#define YN_TRIPREC_LEN YN_TRIPLOG_REC_SIZE	/* 16 */
#define YN_BENEFITREC_VERSION 1
#define YN_BENEFITREC_LEN YN_BENEFIT_FILE_SIZE	/* 32 */

enum yn_triprec_kind {
	YN_TRIPREC_METRO_ENTRY = 1,	/* metro gate, entering */
	YN_TRIPREC_METRO_EXIT = 2,		/* metro gate, leaving */
	YN_TRIPREC_BUS_BOARD = 3,		/* bus validator, boarding */
	YN_TRIPREC_BUS_ALIGHT = 4,		/* bus validator, leaving (distance fares) */
};
#define YN_TRIPREC_KIND_MAX YN_TRIPREC_BUS_ALIGHT

enum yn_triprec_dir {
	YN_TRIPREC_DIR_NONE = 0,	/* not known or not relevant (metro) */
	YN_TRIPREC_DIR_UP = 1,		/* 上行 */
	YN_TRIPREC_DIR_DOWN = 2,	/* 下行 */
};
#define YN_TRIPREC_DIR_MAX YN_TRIPREC_DIR_DOWN

struct yn_triprec {
	uint8_t kind;		/* enum yn_triprec_kind */
	uint32_t time;		/* Unix seconds, != 0 */
	uint16_t line;		/* operator's line id */
	uint16_t station;	/* operator's station or stop id */
	uint32_t terminal;	/* terminal id of the writer */
	uint8_t direction;	/* enum yn_triprec_dir */
};

/* 16 bytes into out (cap >= YN_TRIPREC_LEN).  YN_ERANGE (kind, direction, time 0;
 * *why names the field), YN_ENOSPC; out zeroed on failure. */
int yn_triprec_encode(const struct yn_triprec *t, uint8_t *out, size_t cap, size_t *out_len,
		   const char **why);
/* Parse one record.  YN_ETRUNC, YN_ETRAILING, YN_EVERSION, YN_ERANGE,
 * YN_EFORMAT (reserved byte not 0), each with *why naming the field; *t
 * zeroed on entry and on failure. */
int yn_triprec_decode(const uint8_t *buf, size_t len, struct yn_triprec *t, const char **why);

/*
 * A ReadRecords answer: len / 16 records, oldest first, into out[0..cap).
 * YN_ETRUNC if len is not a multiple of 16, YN_ENOSPC if more than cap
 * records, else the first failing record's error (*why names it).  *n is
 * the count on success, 0 on failure (out is then zeroed).
 */
int yn_triprec_decode_list(const uint8_t *buf, size_t len, struct yn_triprec *out, size_t cap,
			   size_t *n, const char **why);

struct yn_benefitrec {
	uint32_t last_meal;	/* date of the last subsidised meal, 0 = never */
	uint8_t meals_on_last;	/* subsidised meals on that date (1.. ; 0 if never) */
	uint32_t meal_count;	/* subsidised meals since issue */
	uint32_t subsidy_total;	/* subsidy granted since issue, fen (0.01 yuan) */
	uint32_t last_service;	/* date of the last home-care service, 0 = never */
	uint32_t service_count;	/* services since issue */
	uint32_t updated_at;	/* Unix seconds of the last write, 0 = never */
	uint32_t updated_by;	/* terminal id of the last writer */
};

/* 32 bytes into out (cap >= YN_BENEFITREC_LEN).  YN_EFORMAT for a date that is
 * neither 0 nor a calendar date, YN_ERANGE for meals_on_last inconsistent
 * with last_meal (*why names the field), YN_ENOSPC; out zeroed on failure.  A freshly personalised card holds the encoding of an all-zero
 * struct. */
int yn_benefitrec_encode(const struct yn_benefitrec *b, uint8_t *out, size_t cap, size_t *out_len,
		      const char **why);
/* Parse the file.  YN_ETRUNC, YN_ETRAILING, YN_EVERSION, YN_EFORMAT (bad
 * date, reserved bytes not 0), YN_ERANGE (meals_on_last), each with *why;
 * *b zeroed on entry and on failure. */
int yn_benefitrec_decode(const uint8_t *buf, size_t len, struct yn_benefitrec *b, const char **why);

#endif
