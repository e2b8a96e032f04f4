/*
 * Reader interface: one ops table, several backends.
 *
 * A reader is opened from a URI:
 *   pcsc:NAME        a PC/SC reader by its exact name; "pcsc:" = the first reader
 *   nfc:CONNSTRING   a libnfc device ("nfc:pn532_uart:/dev/ttyUSB0"); "nfc:" = first
 *   emu:STATEFILE    the software DESFire card, linked in-process
 *
 * Life of a tap:  wait_card (card present, connected, UID read) ->
 * transmit ... -> release.  Every call that talks to the reader takes an
 * absolute monotonic deadline (base/clock.h) and returns YN_ETIMEOUT rather
 * than block past it.  Errors: YN_ENOSERVICE, YN_ENOREADER, YN_ENOCARD,
 * YN_ECARDGONE (card left), YN_EREADER (anything else, logged with the
 * backend's native code).
 */
#ifndef YN_READER_H
#define YN_READER_H

#include <stddef.h>
#include <stdint.h>

#define YN_UID_MAX 10
#define YN_ATR_MAX 33
/* Largest response APDU any backend returns (data + SW1 SW2). */
#define YN_RAPDU_MAX 65538

struct yn_card_info {
	uint8_t uid[YN_UID_MAX];
	size_t uid_len;		/* 4, 7 or 10; 0 if the reader could not tell */
	uint8_t atr[YN_ATR_MAX];
	size_t atr_len;
};

/* What release does with the card. */
enum yn_release {
	YN_RELEASE_LEAVE = 0,	/* leave it powered (next wait_card sees it again) */
	YN_RELEASE_RESET = 1,	/* warm reset: the card drops its session */
	YN_RELEASE_UNPOWER = 2,	/* power off */
};

struct yn_reader;

struct yn_reader_ops {
	const char *scheme;	/* URI scheme without ':' */
	/* arg is the URI after "scheme:".  On success *out is a new reader. */
	int (*open)(const char *arg, struct yn_reader **out);
	/* Block until a card is present and connected, or the deadline. */
	int (*wait_card)(struct yn_reader *r, uint64_t deadline_ns);
	/* UID and ATR of the connected card. */
	int (*card_info)(struct yn_reader *r, struct yn_card_info *info);
	/* Send cmd, receive the response (data + SW) into resp. */
	int (*transmit)(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t resp_cap, size_t *resp_len, uint64_t deadline_ns);
	/* Disconnect from the card. */
	int (*release)(struct yn_reader *r, enum yn_release how);
	/* Block until the field is empty (card taken away), or the deadline. */
	int (*wait_removed)(struct yn_reader *r, uint64_t deadline_ns);
	void (*close)(struct yn_reader *r);
};

/* Every backend's struct starts with this. */
struct yn_reader {
	const struct yn_reader_ops *ops;
	char uri[256];
};

/* Open the reader named by uri.  YN_EINVAL for an unknown scheme (the
 * message lists the known ones), otherwise what the backend's open returns. */
int yn_reader_open(const char *uri, struct yn_reader **out);
/* Close r (NULL is allowed); releases any connected card. */
void yn_reader_close(struct yn_reader *r);

int yn_reader_wait_card(struct yn_reader *r, uint64_t deadline_ns);
int yn_reader_card_info(struct yn_reader *r, struct yn_card_info *info);
/* Transmit; *resp_len is 0 after a failure. */
int yn_reader_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		       size_t resp_cap, size_t *resp_len, uint64_t deadline_ns);
int yn_reader_release(struct yn_reader *r, enum yn_release how);
int yn_reader_wait_removed(struct yn_reader *r, uint64_t deadline_ns);
const char *yn_reader_uri(const struct yn_reader *r);

/* Split "scheme:arg"; YN_EINVAL if there is no ':' or the scheme is empty.
 * scheme gets the scheme NUL-terminated (YN_ENOSPC if scheme_cap is too
 * small), *arg points into uri. */
int yn_reader_uri_split(const char *uri, char *scheme, size_t scheme_cap, const char **arg);

/* The backends (each in its own file). */
extern const struct yn_reader_ops yn_reader_pcsc_ops;
extern const struct yn_reader_ops yn_reader_nfc_ops;
extern const struct yn_reader_ops yn_reader_emu_ops;

#endif
