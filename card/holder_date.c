#include "card/holder_date.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"

static int leap(uint32_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t mdays(uint32_t y, uint32_t m)
{
	static const uint8_t n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : n[m - 1];
}

int yn_ymd_valid(uint32_t ymd)
{
	uint32_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;

	if (ymd < YN_YMD_MIN || ymd > YN_YMD_MAX)
		return 0;
	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays(y, m);
}

/* Days from civil, the well-known era-based algorithm (March-based years so
 * that the leap day is the last day of the year). */
int32_t yn_ymd_to_days(uint32_t ymd)
{
	int32_t y = (int32_t)(ymd / 10000), m = (int32_t)(ymd / 100 % 100), d = (int32_t)(ymd % 100);
	int32_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

uint32_t yn_ymd_from_days(int32_t days)
{
	int32_t z = days + 719468, era, doe, yoe, y, doy, mp, d, m;
	uint32_t ymd;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	if (y < 1900 || y > 2099)
		return 0;
	ymd = (uint32_t)y * 10000 + (uint32_t)m * 100 + (uint32_t)d;
	return ymd;
}

uint32_t yn_ymd_from_unix(int64_t t)
{
	int64_t s = t + YN_YMD_UTC_OFFSET, days;

	days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	if (days < -30000 || days > 60000)
		return 0;
	return yn_ymd_from_days((int32_t)days);
}

int64_t yn_ymd_to_unix(uint32_t ymd)
{
	return (int64_t)yn_ymd_to_days(ymd) * 86400 - YN_YMD_UTC_OFFSET;
}

int yn_ymd_age(uint32_t birth, uint32_t day)
{
	return (int)((day - birth) / 10000);
}

int yn_ymd_get_bcd(struct yn_rd *r, uint32_t *ymd)
{
	const uint8_t *p;
	uint32_t v = 0;
	size_t i;
	int e;

	if (yn_rd_left(r) < 4)
		return YN_ETRUNC;
	p = yn_rd_cur(r);
	for (i = 0; i < 4; i++) {
		if ((p[i] >> 4) > 9 || (p[i] & 0x0F) > 9)
			return YN_EFORMAT;
		v = v * 100 + (uint32_t)(p[i] >> 4) * 10 + (p[i] & 0x0F);
	}
	if ((e = yn_rd_skip(r, 4)) != 0)
		return e;
	*ymd = v;
	return 0;
}

int yn_ymd_put_bcd(struct yn_wr *w, uint32_t ymd)
{
	uint8_t b[4];
	int i;

	if (ymd > 99999999u)
		return YN_ERANGE;
	for (i = 3; i >= 0; i--) {
		b[i] = (uint8_t)((ymd % 10) | ((ymd / 10 % 10) << 4));
		ymd /= 100;
	}
	return yn_wr_bytes(w, b, sizeof(b));
}

int yn_ymd_parse(const char *s, uint32_t *ymd)
{
	uint32_t v = 0;
	int i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return YN_EFORMAT;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return YN_EFORMAT;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (!yn_ymd_valid(v))
		return YN_ERANGE;
	*ymd = v;
	return 0;
}

void yn_ymd_format(uint32_t ymd, char out[11])
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(ymd / 10000 % 10000),
		 (unsigned)(ymd / 100 % 100), (unsigned)(ymd % 100));
}
