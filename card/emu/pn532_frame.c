/*
 * PN532 host-interface frame codec.  Layouts in pn532_frame.h.
 */
#include "card/emu/pn532_frame.h"

#include <string.h>

#include "base/bytes.h"
#include "base/err.h"

const uint8_t yn_pn532_ack[6] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
const uint8_t yn_pn532_nack[6] = { 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00 };
const uint8_t yn_pn532_error[8] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };

/* Index of the first start code 00 FF, or len if there is none. */
static size_t find_start(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == 0x00 && buf[i + 1] == 0xFF)
			return i;
	return len;
}

/*
 * After the start code:
 *   00 FF                         ACK
 *   FF 00                         NACK
 *   FF FF LENM LENL LCS body DCS  extended information frame
 *   LEN LCS body DCS              normal information frame
 * where body = TFI PD0..PDn (LEN bytes).
 */
static int parse_after_start(struct yn_rd *rd, struct yn_pn532_frame *f)
{
	struct yn_rd body;
	uint8_t a, b, lenm, lenl, lcs, dcs, tfi, sum;
	size_t n, i;
	int r;

	if ((r = yn_rd_u8(rd, &a)) != 0 || (r = yn_rd_u8(rd, &b)) != 0)
		return r;
	if (a == 0x00 && b == 0xFF) {
		f->kind = YN_PN532_FRAME_ACK;
		return 0;
	}
	if (a == 0xFF && b == 0x00) {
		f->kind = YN_PN532_FRAME_NACK;
		return 0;
	}
	if (a == 0xFF && b == 0xFF) {
		if ((r = yn_rd_u8(rd, &lenm)) != 0 || (r = yn_rd_u8(rd, &lenl)) != 0 ||
		    (r = yn_rd_u8(rd, &lcs)) != 0)
			return r;
		if ((uint8_t)(lenm + lenl + lcs) != 0)
			return YN_EFORMAT;
		n = (size_t)lenm << 8 | lenl;
		f->extended = 1;
	} else {
		if ((uint8_t)(a + b) != 0)
			return YN_EFORMAT;
		n = a;
	}
	if (n == 0)
		return YN_EFORMAT;
	if (n > YN_PN532_FRAME_DATA_MAX)
		return YN_ERANGE;
	if ((r = yn_rd_sub(rd, &body, n)) != 0 || (r = yn_rd_u8(rd, &dcs)) != 0)
		return r;
	sum = dcs;
	for (i = 0; i < n; i++)
		sum = (uint8_t)(sum + body.p[i]);
	if (sum != 0)
		return YN_EFORMAT;
	(void)yn_rd_u8(&body, &tfi);
	f->tfi = tfi;
	f->data = yn_rd_cur(&body);
	f->len = yn_rd_left(&body);
	f->kind = tfi == YN_PN532_TFI_ERROR && f->len == 0 ? YN_PN532_FRAME_ERROR :
							     YN_PN532_FRAME_INFO;
	return 0;
}

int yn_pn532_frame_parse(const uint8_t *buf, size_t len, struct yn_pn532_frame *f,
			 size_t *consumed)
{
	struct yn_rd rd;
	size_t start;
	int r;

	memset(f, 0, sizeof(*f));
	start = find_start(buf, len);
	if (start == len) {
		/* Keep a trailing 00: it may be the first half of a start code. */
		*consumed = len > 0 && buf[len - 1] == 0x00 ? len - 1 : len;
		return YN_ETRUNC;
	}
	yn_rd_init(&rd, buf + start + 2, len - start - 2);
	r = parse_after_start(&rd, f);
	if (r == 0) {
		*consumed = start + 2 + rd.off;
		return 0;
	}
	memset(f, 0, sizeof(*f));
	*consumed = r == YN_ETRUNC ? start : start + 2;
	return r;
}

int yn_pn532_frame_build(uint8_t tfi, const uint8_t *data, size_t data_len, uint8_t *out,
			 size_t cap, size_t *out_len)
{
	struct yn_wr w;
	size_t n, i;
	uint8_t sum;
	int r;

	if (data_len >= YN_PN532_FRAME_DATA_MAX)
		return YN_ERANGE;
	n = data_len + 1;
	if (cap < n + (n > 255 ? 10 : 7))
		return YN_ENOSPC;
	yn_wr_init(&w, out, cap);
	r = yn_wr_u8(&w, 0x00);
	if (r == 0)
		r = yn_wr_u16be(&w, 0x00FF);
	if (r == 0 && n > 255) {
		r = yn_wr_u16be(&w, 0xFFFF);
		if (r == 0)
			r = yn_wr_u16be(&w, (uint16_t)n);
		if (r == 0)
			r = yn_wr_u8(&w, (uint8_t)(0x100 - ((n >> 8) + (n & 0xFF))));
	} else if (r == 0) {
		r = yn_wr_u8(&w, (uint8_t)n);
		if (r == 0)
			r = yn_wr_u8(&w, (uint8_t)(0x100 - n));
	}
	sum = tfi;
	for (i = 0; i < data_len; i++)
		sum = (uint8_t)(sum + data[i]);
	if (r == 0)
		r = yn_wr_u8(&w, tfi);
	if (r == 0)
		r = yn_wr_bytes(&w, data, data_len);
	if (r == 0)
		r = yn_wr_u8(&w, (uint8_t)(0x100 - sum));
	if (r == 0)
		r = yn_wr_u8(&w, 0x00);
	if (r != 0)
		return YN_EINTERNAL;	/* the capacity was checked above */
	*out_len = w.len;
	return 0;
}
