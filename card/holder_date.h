/*
 * Calendar dates as the Yinian card formats use them (card-format.md §5.1).
 *
 * In memory a date is a uint32_t holding the decimal number YYYYMMDD
 * (19560314), so dates compare as integers and whole years of age are
 * (day - birth) / 10000.  On the card it is the same eight digits in packed
 * BCD, big-endian: 19 56 03 14.  0 means "no date" where a format allows it.
 * Valid dates run from 1900-01-01 to 2099-12-31 (proleptic Gregorian).
 * Local time for every rule is Asia/Shanghai: UTC+8, no daylight saving
 * since 1991.
 */
#ifndef YN_HOLDER_DATE_H
#define YN_HOLDER_DATE_H

#include <stdint.h>

struct yn_rd;
struct yn_wr;

#define YN_YMD_MIN 19000101u
#define YN_YMD_MAX 20991231u
#define YN_YMD_UTC_OFFSET (8 * 3600)

/* 1 if ymd is a real calendar day between YN_YMD_MIN and YN_YMD_MAX. */
int yn_ymd_valid(uint32_t ymd);
/* Days since 1970-01-01 (negative before).  ymd must be valid. */
int32_t yn_ymd_to_days(uint32_t ymd);
/* The date days after 1970-01-01; 0 if outside the valid range. */
uint32_t yn_ymd_from_days(int32_t days);
/* The Asia/Shanghai calendar date of Unix time t; 0 if outside the range. */
uint32_t yn_ymd_from_unix(int64_t t);
/* Unix time of 00:00 Asia/Shanghai on ymd (valid). */
int64_t yn_ymd_to_unix(uint32_t ymd);
/* Whole years of age on day for someone born on birth (both valid, birth <=
 * day); someone born on 29 February turns a year older on 1 March in
 * common years. */
int yn_ymd_age(uint32_t birth, uint32_t day);

/* Four BCD bytes YYYYMMDD.  Read: YN_ETRUNC if short (cursor unchanged),
 * YN_EFORMAT if a nibble is not a decimal digit (cursor unchanged); the
 * value is not checked against the calendar (0 passes: callers decide).
 * Write: YN_ERANGE if ymd has more than 8 digits, YN_ENOSPC if no room. */
int yn_ymd_get_bcd(struct yn_rd *r, uint32_t *ymd);
int yn_ymd_put_bcd(struct yn_wr *w, uint32_t ymd);

/* "YYYY-MM-DD" exactly (no time, no spaces); YN_EFORMAT otherwise, YN_ERANGE
 * for a well-formed string that is not a valid date.  *ymd set on success. */
int yn_ymd_parse(const char *s, uint32_t *ymd);
/* "YYYY-MM-DD" into out (11 bytes with the NUL). */
void yn_ymd_format(uint32_t ymd, char out[11]);

#endif
