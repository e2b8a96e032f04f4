#include "card/apdu.h"

#include "base/bytes.h"
#include "base/err.h"

int yn_apdu_build(const struct yn_apdu *a, int force_ext, uint8_t *out, size_t cap,
		  size_t *out_len)
{
	struct yn_wr w;
	int ext, r;

	if (a->lc > 65535 || a->le > 65536)
		return YN_ERANGE;
	if (a->lc > 0 && a->data == NULL)
		return YN_EINVAL;
	ext = force_ext || a->lc > 255 || a->le > 256;
	yn_wr_init(&w, out, cap);
	if ((r = yn_wr_u8(&w, a->cla)) != 0 || (r = yn_wr_u8(&w, a->ins)) != 0 ||
	    (r = yn_wr_u8(&w, a->p1)) != 0 || (r = yn_wr_u8(&w, a->p2)) != 0)
		return r;
	if (a->lc > 0) {
		if (ext) {
			if ((r = yn_wr_u8(&w, 0)) != 0 ||
			    (r = yn_wr_u16be(&w, (uint16_t)a->lc)) != 0)
				return r;
		} else if ((r = yn_wr_u8(&w, (uint8_t)a->lc)) != 0) {
			return r;
		}
		if ((r = yn_wr_bytes(&w, a->data, a->lc)) != 0)
			return r;
	}
	if (a->le > 0) {
		if (ext) {
			/* Without data the extended Le carries its own 00 marker. */
			if (a->lc == 0 && (r = yn_wr_u8(&w, 0)) != 0)
				return r;
			if ((r = yn_wr_u16be(&w, (uint16_t)(a->le & 0xFFFF))) != 0)
				return r;
		} else if ((r = yn_wr_u8(&w, (uint8_t)(a->le & 0xFF))) != 0) {
			return r;
		}
	}
	*out_len = w.len;
	return 0;
}

/*
 * Layout (ISO 7816-3 §12.1.3): header, then by body length L:
 *   L = 0: case 1;  L = 1: case 2S;  L = 1 + B1 (B1 != 0): case 3S;
 *   L = 2 + B1 (B1 != 0): case 4S;  B1 = 0 and L = 3: case 2E;
 *   B1 = 0, L = 3 + (B2B3): case 3E;  B1 = 0, L = 5 + (B2B3): case 4E.
 */
int yn_apdu_parse(const uint8_t *buf, size_t len, struct yn_apdu *a)
{
	struct yn_rd rd;
	struct yn_apdu t = { 0 };
	uint8_t b1;
	uint16_t n;
	size_t body;
	int r;

	yn_rd_init(&rd, buf, len);
	if ((r = yn_rd_u8(&rd, &t.cla)) != 0 || (r = yn_rd_u8(&rd, &t.ins)) != 0 ||
	    (r = yn_rd_u8(&rd, &t.p1)) != 0 || (r = yn_rd_u8(&rd, &t.p2)) != 0)
		return r;
	body = yn_rd_left(&rd);
	if (body == 0)
		goto done;
	if ((r = yn_rd_u8(&rd, &b1)) != 0)
		return r;
	if (body == 1) {
		t.le = b1 ? b1 : 256;
		goto done;
	}
	if (b1 != 0) {
		t.lc = b1;
		if ((r = yn_rd_ptr(&rd, &t.data, t.lc)) != 0)
			return r;
		if (yn_rd_left(&rd) == 1) {
			uint8_t le;

			(void)yn_rd_u8(&rd, &le);
			t.le = le ? le : 256;
		}
		goto done;
	}
	/* extended */
	t.extended = 1;
	if ((r = yn_rd_u16be(&rd, &n)) != 0)
		return YN_EFORMAT;
	if (yn_rd_left(&rd) == 0) {
		t.le = n ? n : 65536;
		goto done;
	}
	if (n == 0)
		return YN_EFORMAT;
	t.lc = n;
	if ((r = yn_rd_ptr(&rd, &t.data, t.lc)) != 0)
		return r;
	if (yn_rd_left(&rd) == 2) {
		(void)yn_rd_u16be(&rd, &n);
		t.le = n ? n : 65536;
	}
done:
	if (yn_rd_end(&rd) != 0)
		return YN_EFORMAT;
	*a = t;
	return 0;
}

int yn_apdu_split(const uint8_t *resp, size_t len, const uint8_t **data, size_t *data_len,
		  uint16_t *sw)
{
	if (len < 2)
		return YN_ETRUNC;
	*data = resp;
	*data_len = len - 2;
	*sw = yn_get_u16be(resp + len - 2);
	return 0;
}
