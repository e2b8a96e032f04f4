/*
 * DESFire framing: native commands wrapped in ISO 7816-4 APDUs (CLA 0x90),
 * 91 AF chaining both ways (desfire.md §2), frame and size limits against a
 * hostile card, APDU and byte counters.
 *
 * Command frame:   90 INS 00 00 [Lc data] 00      (INS = AF for continuations)
 * Response frame:  data 91 SW2                    (SW2 = AF: more follows)
 */
#include "card/desfire_int.h"

#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "reader/reader.h"

/* One APDU out, one response frame back into df->rframe; checks the SW1 and
 * the frame size.  *data_len excludes the SW. */
static int exchange_frame(struct yn_desfire *df, uint8_t ins, uint8_t cmd, const uint8_t *data,
			  size_t n, const char *what, uint8_t *sw2, size_t *data_len,
			  uint64_t deadline)
{
	size_t alen = 0, rlen = 0;
	int r;

	*sw2 = 0;
	*data_len = 0;
	if (yn_deadline_passed(deadline)) {
		df_log(df, "DESFire %s%s%s: deadline passed before the card answered",
		       yn_df_cmd_name(ins), *what ? " " : "", what);
		return YN_ETIMEOUT;
	}
	if (n > YN_DESFIRE_FRAME_MAX)
		return YN_EINTERNAL;
	df->frame[alen++] = 0x90;
	df->frame[alen++] = cmd;
	df->frame[alen++] = 0x00;
	df->frame[alen++] = 0x00;
	if (n > 0) {
		df->frame[alen++] = (uint8_t)n;
		memcpy(df->frame + alen, data, n);
		alen += n;
	}
	df->frame[alen++] = 0x00;	/* Le: whatever the card has */

	df->apdus++;
	df->bytes_tx += alen;
	r = yn_reader_transmit(df->reader, df->frame, alen, df->rframe, sizeof(df->rframe), &rlen,
			       deadline);
	if (r == YN_ENOSPC) {
		df_log(df, "DESFire %s%s%s: the card answered more than %d bytes in one frame",
		       yn_df_cmd_name(ins), DF_SP(what), what, YN_DESFIRE_RFRAME_MAX);
		return YN_EPROTO;
	}
	if (r != 0) {
		df_log(df, "DESFire %s%s%s: %s", yn_df_cmd_name(ins), DF_SP(what), what, yn_strerror(r));
		return r;
	}
	df->bytes_rx += rlen;
	if (rlen < 2) {
		df_log(df, "DESFire %s%s%s: answer of %zu bytes has no status word",
		       yn_df_cmd_name(ins), DF_SP(what), what, rlen);
		return YN_EPROTO;
	}
	if (rlen > YN_DESFIRE_RFRAME_MAX) {
		df_log(df, "DESFire %s%s%s: the card answered %zu bytes in one frame (limit %d)",
		       yn_df_cmd_name(ins), DF_SP(what), what, rlen, YN_DESFIRE_RFRAME_MAX);
		return YN_EPROTO;
	}
	if (df->rframe[rlen - 2] != 0x91) {
		df_log(df, "DESFire %s%s%s: status word %02X%02X is not a DESFire status (91xx): "
		       "not a DESFire card, or the card refused the wrapping",
		       yn_df_cmd_name(ins), DF_SP(what), what, df->rframe[rlen - 2], df->rframe[rlen - 1]);
		return YN_EPROTO;
	}
	*sw2 = df->rframe[rlen - 1];
	*data_len = rlen - 2;
	return 0;
}

int yn_df_transceive(struct yn_desfire *df, uint8_t ins, const uint8_t *body, size_t len,
		     unsigned flags, const char *what, uint8_t *sw2, size_t *rsp_len,
		     uint64_t deadline)
{
	size_t off = 0, n, got = 0, dlen;
	unsigned frames = 0;
	uint8_t cmd = (flags & DF_F_CONTINUE) ? DF_INS_ADDITIONAL_FRAME : ins, st = 0;
	int r;

	*sw2 = 0;
	*rsp_len = 0;
	if (what == NULL)
		what = "";
	if (flags & DF_F_ONE_APDU) {
		if (len > YN_DESFIRE_FRAME_MAX) {
			df_log(df, "DESFire %s%s%s: %zu bytes do not fit one APDU", yn_df_cmd_name(ins),
			       DF_SP(what), what, len);
			return YN_ERANGE;
		}
	}

	/* Command frames: the card acknowledges each but the last with an
	 * empty 91 AF; any other answer ends the command early. */
	for (;;) {
		n = len - off;
		if (!(flags & DF_F_ONE_APDU) && n > df->frame_max)
			n = df->frame_max;
		r = exchange_frame(df, ins, cmd, body + off, n, what, &st, &dlen, deadline);
		if (r != 0)
			return r;
		off += n;
		cmd = DF_INS_ADDITIONAL_FRAME;
		if (off == len)
			break;
		if (st != DF_ST_MORE) {
			if (st == DF_ST_OK || st == DF_ST_SIGNATURE) {
				df_log(df, "DESFire %s%s%s: the card ended the command after %zu of "
				       "%zu bytes", yn_df_cmd_name(ins), DF_SP(what), what, off, len);
				return YN_EPROTO;
			}
			break;	/* an error status: the caller maps it */
		}
		if (dlen != 0) {
			df_log(df, "DESFire %s%s%s: the card sent data while the command was still "
			       "being sent", yn_df_cmd_name(ins), DF_SP(what), what);
			return YN_EPROTO;
		}
	}

	/* Response frames: gather while the card says 91 AF, within the
	 * size and frame-count caps. */
	for (;;) {
		frames++;
		if (dlen > sizeof(df->rsp) - got) {
			df_log(df, "DESFire %s%s%s: the card's answer exceeds %zu bytes",
			       yn_df_cmd_name(ins), DF_SP(what), what, sizeof(df->rsp));
			memset(df->rsp, 0, got);
			return YN_EPROTO;
		}
		memcpy(df->rsp + got, df->rframe, dlen);
		got += dlen;
		if (st != DF_ST_MORE || (flags & DF_F_RAW_AF) || off < len)
			break;
		if (frames >= YN_DESFIRE_FRAMES_MAX) {
			df_log(df, "DESFire %s%s%s: the card keeps asking for more frames (%u)",
			       yn_df_cmd_name(ins), DF_SP(what), what, frames);
			memset(df->rsp, 0, got);
			return YN_EPROTO;
		}
		r = exchange_frame(df, ins, DF_INS_ADDITIONAL_FRAME, NULL, 0, what, &st, &dlen,
				   deadline);
		if (r != 0) {
			memset(df->rsp, 0, got);
			return r;
		}
	}
	*sw2 = st;
	*rsp_len = got;
	return 0;
}
