#include "base/bytes.h"

#include <string.h>

#include "base/err.h"

void yn_rd_init(struct yn_rd *r, const void *buf, size_t len)
{
	r->p = buf;
	r->len = buf ? len : 0;
	r->off = 0;
}

size_t yn_rd_left(const struct yn_rd *r)
{
	return r->len - r->off;
}

const uint8_t *yn_rd_cur(const struct yn_rd *r)
{
	return r->p ? r->p + r->off : r->p;
}

/* The one bounds check every read goes through: n > remaining cannot overflow. */
static int take(struct yn_rd *r, size_t n, const uint8_t **p)
{
	if (n > r->len - r->off)
		return YN_ETRUNC;
	*p = r->p + r->off;
	r->off += n;
	return 0;
}

int yn_rd_u8(struct yn_rd *r, uint8_t *v)
{
	const uint8_t *p;
	int e = take(r, 1, &p);

	if (e == 0)
		*v = p[0];
	return e;
}

int yn_rd_u16be(struct yn_rd *r, uint16_t *v)
{
	const uint8_t *p;
	int e = take(r, 2, &p);

	if (e == 0)
		*v = yn_get_u16be(p);
	return e;
}

int yn_rd_u16le(struct yn_rd *r, uint16_t *v)
{
	const uint8_t *p;
	int e = take(r, 2, &p);

	if (e == 0)
		*v = yn_get_u16le(p);
	return e;
}

int yn_rd_u24be(struct yn_rd *r, uint32_t *v)
{
	const uint8_t *p;
	int e = take(r, 3, &p);

	if (e == 0)
		*v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
	return e;
}

int yn_rd_u24le(struct yn_rd *r, uint32_t *v)
{
	const uint8_t *p;
	int e = take(r, 3, &p);

	if (e == 0)
		*v = yn_get_u24le(p);
	return e;
}

int yn_rd_u32be(struct yn_rd *r, uint32_t *v)
{
	const uint8_t *p;
	int e = take(r, 4, &p);

	if (e == 0)
		*v = yn_get_u32be(p);
	return e;
}

int yn_rd_u32le(struct yn_rd *r, uint32_t *v)
{
	const uint8_t *p;
	int e = take(r, 4, &p);

	if (e == 0)
		*v = yn_get_u32le(p);
	return e;
}

int yn_rd_u64be(struct yn_rd *r, uint64_t *v)
{
	const uint8_t *p;
	int e = take(r, 8, &p);

	if (e == 0)
		*v = ((uint64_t)yn_get_u32be(p) << 32) | yn_get_u32be(p + 4);
	return e;
}

int yn_rd_u64le(struct yn_rd *r, uint64_t *v)
{
	const uint8_t *p;
	int e = take(r, 8, &p);

	if (e == 0)
		*v = ((uint64_t)yn_get_u32le(p + 4) << 32) | yn_get_u32le(p);
	return e;
}

int yn_rd_bytes(struct yn_rd *r, void *dst, size_t n)
{
	const uint8_t *p;
	int e = take(r, n, &p);

	if (e == 0 && n > 0)
		memcpy(dst, p, n);
	return e;
}

int yn_rd_ptr(struct yn_rd *r, const uint8_t **out, size_t n)
{
	const uint8_t *p;
	int e = take(r, n, &p);

	if (e == 0)
		*out = p;
	return e;
}

int yn_rd_sub(struct yn_rd *r, struct yn_rd *sub, size_t n)
{
	const uint8_t *p;
	int e = take(r, n, &p);

	if (e == 0)
		yn_rd_init(sub, p, n);
	return e;
}

int yn_rd_skip(struct yn_rd *r, size_t n)
{
	const uint8_t *p;

	return take(r, n, &p);
}

int yn_rd_end(const struct yn_rd *r)
{
	return r->off == r->len ? 0 : YN_ETRAILING;
}

void yn_wr_init(struct yn_wr *w, void *buf, size_t cap)
{
	w->p = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
}

size_t yn_wr_room(const struct yn_wr *w)
{
	return w->cap - w->len;
}

int yn_wr_reserve(struct yn_wr *w, size_t n, uint8_t **p)
{
	if (n > w->cap - w->len)
		return YN_ENOSPC;
	*p = w->p + w->len;
	w->len += n;
	return 0;
}

int yn_wr_u8(struct yn_wr *w, uint8_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 1, &p);

	if (e == 0)
		p[0] = v;
	return e;
}

int yn_wr_u16be(struct yn_wr *w, uint16_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 2, &p);

	if (e == 0)
		yn_put_u16be(p, v);
	return e;
}

int yn_wr_u16le(struct yn_wr *w, uint16_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 2, &p);

	if (e == 0)
		yn_put_u16le(p, v);
	return e;
}

int yn_wr_u24be(struct yn_wr *w, uint32_t v)
{
	uint8_t *p;
	int e;

	if (v > 0xFFFFFFu)
		return YN_ERANGE;
	e = yn_wr_reserve(w, 3, &p);
	if (e == 0) {
		p[0] = (uint8_t)(v >> 16);
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)v;
	}
	return e;
}

int yn_wr_u24le(struct yn_wr *w, uint32_t v)
{
	uint8_t *p;
	int e;

	if (v > 0xFFFFFFu)
		return YN_ERANGE;
	e = yn_wr_reserve(w, 3, &p);
	if (e == 0)
		yn_put_u24le(p, v);
	return e;
}

int yn_wr_u32be(struct yn_wr *w, uint32_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 4, &p);

	if (e == 0)
		yn_put_u32be(p, v);
	return e;
}

int yn_wr_u32le(struct yn_wr *w, uint32_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 4, &p);

	if (e == 0)
		yn_put_u32le(p, v);
	return e;
}

int yn_wr_u64be(struct yn_wr *w, uint64_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 8, &p);

	if (e == 0) {
		yn_put_u32be(p, (uint32_t)(v >> 32));
		yn_put_u32be(p + 4, (uint32_t)v);
	}
	return e;
}

int yn_wr_u64le(struct yn_wr *w, uint64_t v)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, 8, &p);

	if (e == 0) {
		yn_put_u32le(p, (uint32_t)v);
		yn_put_u32le(p + 4, (uint32_t)(v >> 32));
	}
	return e;
}

int yn_wr_bytes(struct yn_wr *w, const void *src, size_t n)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, n, &p);

	if (e == 0 && n > 0)
		memcpy(p, src, n);
	return e;
}

int yn_wr_zero(struct yn_wr *w, size_t n)
{
	uint8_t *p;
	int e = yn_wr_reserve(w, n, &p);

	if (e == 0 && n > 0)
		memset(p, 0, n);
	return e;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int yn_hex_decode(const char *s, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ' ' || *s == ':' || *s == '\t' || *s == '\n') {
			if (hi >= 0)
				return YN_EFORMAT;
			continue;
		}
		v = hexval(*s);
		if (v < 0)
			return YN_EFORMAT;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return YN_ENOSPC;
		out[n++] = (uint8_t)((hi << 4) | v);
		hi = -1;
	}
	if (hi >= 0)
		return YN_EFORMAT;
	*out_len = n;
	return 0;
}

int yn_hex_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	if (cap == 0 || n > (cap - 1) / 2)
		return YN_ENOSPC;
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}
