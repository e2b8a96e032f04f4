/*
 * Bounded byte cursors.
 *
 * struct yn_rd is a read view over borrowed bytes; struct yn_wr writes into
 * a caller's buffer.  Every operation checks the length first, in a form that
 * cannot overflow (n > remaining), and a failed operation changes nothing: the
 * cursor is exactly as it was, out-parameters are left untouched (reads) and
 * nothing is written (writes).
 *
 * Multi-byte integers: _be is big-endian (ISO 7816, our file formats),
 * _le is little-endian (DESFire payloads).
 */
#ifndef YN_BYTES_H
#define YN_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct yn_rd {
	const uint8_t *p;
	size_t len;	/* bytes in the view */
	size_t off;	/* bytes consumed */
};

struct yn_wr {
	uint8_t *p;
	size_t cap;	/* capacity of p */
	size_t len;	/* bytes written */
};

/* A view over buf[0..len).  buf may be NULL only when len is 0. */
void yn_rd_init(struct yn_rd *r, const void *buf, size_t len);
/* Bytes not yet consumed. */
size_t yn_rd_left(const struct yn_rd *r);
/* Pointer to the first unconsumed byte. */
const uint8_t *yn_rd_cur(const struct yn_rd *r);

/* Reads; YN_ETRUNC if fewer bytes remain than needed. */
int yn_rd_u8(struct yn_rd *r, uint8_t *v);
int yn_rd_u16be(struct yn_rd *r, uint16_t *v);
int yn_rd_u16le(struct yn_rd *r, uint16_t *v);
int yn_rd_u24be(struct yn_rd *r, uint32_t *v);
int yn_rd_u24le(struct yn_rd *r, uint32_t *v);
int yn_rd_u32be(struct yn_rd *r, uint32_t *v);
int yn_rd_u32le(struct yn_rd *r, uint32_t *v);
int yn_rd_u64be(struct yn_rd *r, uint64_t *v);
int yn_rd_u64le(struct yn_rd *r, uint64_t *v);
/* Copy n bytes into dst. */
int yn_rd_bytes(struct yn_rd *r, void *dst, size_t n);
/* Borrow n bytes: *p points into the view, valid as long as its buffer. */
int yn_rd_ptr(struct yn_rd *r, const uint8_t **p, size_t n);
/* Consume n bytes as a new view *sub (for a length-prefixed field). */
int yn_rd_sub(struct yn_rd *r, struct yn_rd *sub, size_t n);
int yn_rd_skip(struct yn_rd *r, size_t n);
/* 0 if everything was consumed, YN_ETRAILING otherwise. */
int yn_rd_end(const struct yn_rd *r);

/* A writer into buf[0..cap). */
void yn_wr_init(struct yn_wr *w, void *buf, size_t cap);
size_t yn_wr_room(const struct yn_wr *w);

/* Writes; YN_ENOSPC if the buffer cannot hold them. */
int yn_wr_u8(struct yn_wr *w, uint8_t v);
int yn_wr_u16be(struct yn_wr *w, uint16_t v);
int yn_wr_u16le(struct yn_wr *w, uint16_t v);
int yn_wr_u24be(struct yn_wr *w, uint32_t v);	/* YN_ERANGE if v > 0xFFFFFF */
int yn_wr_u24le(struct yn_wr *w, uint32_t v);	/* YN_ERANGE if v > 0xFFFFFF */
int yn_wr_u32be(struct yn_wr *w, uint32_t v);
int yn_wr_u32le(struct yn_wr *w, uint32_t v);
int yn_wr_u64be(struct yn_wr *w, uint64_t v);
int yn_wr_u64le(struct yn_wr *w, uint64_t v);
int yn_wr_bytes(struct yn_wr *w, const void *src, size_t n);
int yn_wr_zero(struct yn_wr *w, size_t n);
/* Reserve n bytes and return where they start, for in-place filling. */
int yn_wr_reserve(struct yn_wr *w, size_t n, uint8_t **p);

/* Plain helpers for fixed buffers already bounds-checked by the caller. */
static inline uint16_t yn_get_u16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint16_t yn_get_u16le(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t yn_get_u24le(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16); }
static inline uint32_t yn_get_u32be(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static inline uint32_t yn_get_u32le(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static inline void yn_put_u16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void yn_put_u16le(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void yn_put_u24le(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); }
static inline void yn_put_u32be(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static inline void yn_put_u32le(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

/* Hex: parse (whitespace and ':' between byte pairs allowed) and format.
 * yn_hex_decode: YN_EFORMAT on a bad digit or odd count, YN_ENOSPC if out is
 * too small; *out_len set on success only.  yn_hex_encode writes 2*n+1 bytes
 * (NUL-terminated, upper case) and returns YN_ENOSPC if cap is too small. */
int yn_hex_decode(const char *s, uint8_t *out, size_t cap, size_t *out_len);
int yn_hex_encode(const uint8_t *p, size_t n, char *out, size_t cap);

#endif
