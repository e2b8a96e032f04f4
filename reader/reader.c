#include "reader/reader.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "reader/hostile.h"

static const struct yn_reader_ops *const backends[] = {
	&yn_reader_pcsc_ops,
	&yn_reader_nfc_ops,
	&yn_reader_emu_ops,
	&yn_reader_hostile_ops,	/* tests: a card that lies (reader/hostile.h) */
};

int yn_reader_uri_split(const char *uri, char *scheme, size_t scheme_cap, const char **arg)
{
	const char *colon = strchr(uri, ':');
	size_t n;

	if (colon == NULL || colon == uri)
		return YN_EINVAL;
	n = (size_t)(colon - uri);
	if (n >= scheme_cap)
		return YN_ENOSPC;
	memcpy(scheme, uri, n);
	scheme[n] = '\0';
	*arg = colon + 1;
	return 0;
}

int yn_reader_open(const char *uri, struct yn_reader **out)
{
	char scheme[16];
	const char *arg;
	size_t i;
	int r;

	*out = NULL;
	if (strlen(uri) >= sizeof(((struct yn_reader *)0)->uri)) {
		yn_err("reader URI too long: %.40s...", uri);
		return YN_EINVAL;
	}
	if (yn_reader_uri_split(uri, scheme, sizeof(scheme), &arg) != 0) {
		yn_err("reader URI '%s' has no scheme: use pcsc:NAME, nfc:CONNSTRING or "
		       "emu:STATEFILE", uri);
		return YN_EINVAL;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strcmp(backends[i]->scheme, scheme) != 0)
			continue;
		r = backends[i]->open(arg, out);
		if (r == 0)
			snprintf((*out)->uri, sizeof((*out)->uri), "%s", uri);
		return r;
	}
	yn_err("reader URI '%s': unknown scheme '%s' (known: pcsc, nfc, emu, hostile)", uri, scheme);
	return YN_EINVAL;
}

void yn_reader_close(struct yn_reader *r)
{
	if (r != NULL && r->ops->close != NULL)
		r->ops->close(r);
}

int yn_reader_wait_card(struct yn_reader *r, uint64_t deadline_ns)
{
	return r->ops->wait_card ? r->ops->wait_card(r, deadline_ns) : YN_ENOTSUP;
}

int yn_reader_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	memset(info, 0, sizeof(*info));
	return r->ops->card_info ? r->ops->card_info(r, info) : YN_ENOTSUP;
}

int yn_reader_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		       size_t resp_cap, size_t *resp_len, uint64_t deadline_ns)
{
	int e;

	*resp_len = 0;
	if (r->ops->transmit == NULL)
		return YN_ENOTSUP;
	e = r->ops->transmit(r, cmd, cmd_len, resp, resp_cap, resp_len, deadline_ns);
	if (e != 0)
		*resp_len = 0;
	return e;
}

int yn_reader_release(struct yn_reader *r, enum yn_release how)
{
	return r->ops->release ? r->ops->release(r, how) : YN_ENOTSUP;
}

int yn_reader_wait_removed(struct yn_reader *r, uint64_t deadline_ns)
{
	return r->ops->wait_removed ? r->ops->wait_removed(r, deadline_ns) : YN_ENOTSUP;
}

const char *yn_reader_uri(const struct yn_reader *r)
{
	return r->uri;
}
