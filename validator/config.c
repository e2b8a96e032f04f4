#include "validator/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "base/err.h"

/* inih (Debian's build) does not pass line numbers to the handler; this
 * reader counts lines as inih pulls them, and inih calls the handler right
 * after reading each line, so the count is the handler's line. */
struct line_stream {
	FILE *f;
	const char *text;
	int line;
	int section_line;	/* line of the last [section] header */
};

static void note_section(struct line_stream *ls, const char *str)
{
	while (*str == ' ' || *str == '\t')
		str++;
	if (*str == '[')
		ls->section_line = ls->line;
}

static char *read_line(char *str, int num, void *stream)
{
	struct line_stream *ls = stream;
	size_t n = 0;

	if (num < 2)
		return NULL;
	if (ls->f != NULL) {
		if (fgets(str, num, ls->f) == NULL)
			return NULL;
		ls->line++;
		note_section(ls, str);
		return str;
	}
	if (ls->text == NULL || *ls->text == '\0')
		return NULL;
	while (ls->text[n] != '\0' && ls->text[n] != '\n' && n < (size_t)num - 2)
		n++;
	if (ls->text[n] == '\n')
		n++;
	memcpy(str, ls->text, n);
	str[n] = '\0';
	ls->text += n;
	ls->line++;
	note_section(ls, str);
	return str;
}

struct parse_state {
	struct line_stream ls;
	struct yn_config *cfg;
	char *err;
	size_t err_cap;
	int failed;
	int fail_line;
	int line;
	int have_id, have_role, have_keys, have_journal, have_denylist;
};

static void fail(struct parse_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->failed)
		return;
	st->failed = 1;
	st->fail_line = st->line;
	va_start(ap, fmt);
	vsnprintf(st->err, st->err_cap, fmt, ap);
	va_end(ap);
}

const char *yn_role_name(enum yn_role r)
{
	switch (r) {
	case YN_ROLE_GATE: return "gate";
	case YN_ROLE_CANTEEN: return "canteen";
	case YN_ROLE_SERVICE: return "service";
	default: return "none";
	}
}

enum yn_role yn_role_from_name(const char *s)
{
	if (strcmp(s, "gate") == 0)
		return YN_ROLE_GATE;
	if (strcmp(s, "canteen") == 0)
		return YN_ROLE_CANTEEN;
	if (strcmp(s, "service") == 0)
		return YN_ROLE_SERVICE;
	return YN_ROLE_NONE;
}

static int copy(struct parse_state *st, const char *key, char *dst, size_t cap, const char *v)
{
	if (v[0] == '\0') {
		fail(st, "line %d: %s is empty", st->line, key);
		return 0;
	}
	if (strlen(v) >= cap) {
		fail(st, "line %d: %s is too long (at most %zu characters)", st->line, key,
		     cap - 1);
		return 0;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 1;
}

static int number(struct parse_state *st, const char *key, const char *v, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (v[0] < '0' || v[0] > '9') {
		fail(st, "line %d: %s must be a number, not '%s'", st->line, key, v);
		return 0;
	}
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		fail(st, "line %d: %s must be a whole number from %llu to %llu, not '%s'", st->line,
		     key, (unsigned long long)min, (unsigned long long)max, v);
		return 0;
	}
	*out = n;
	return 1;
}

static int yesno(struct parse_state *st, const char *key, const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = 1;
		return 1;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
		*out = 0;
		return 1;
	}
	fail(st, "line %d: %s must be yes or no, not '%s'", st->line, key, v);
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	struct yn_config *c = st->cfg;
	uint64_t n;

	st->line = st->ls.line;
	if (st->failed)
		return 0;
	if (strcmp(section, "terminal") == 0) {
		if (strcmp(name, "id") == 0) {
			const char *q;

			for (q = value; *q; q++)
				if (*q < 0x21 || *q > 0x7E) {
					fail(st, "line %d: terminal id must be printable ASCII without "
					     "spaces", st->line);
					return 0;
				}
			return (st->have_id = copy(st, "terminal id", c->terminal_id,
						   sizeof(c->terminal_id), value));
		}
		if (strcmp(name, "role") == 0) {
			c->role = yn_role_from_name(value);
			if (c->role == YN_ROLE_NONE) {
				fail(st, "line %d: role must be gate, canteen or service, not '%s'",
				     st->line, value);
				return 0;
			}
			st->have_role = 1;
			return 1;
		}
		if (strcmp(name, "number") == 0) {
			if (!number(st, name, value, 1, UINT32_MAX, &n))
				return 0;
			c->terminal_number = (uint32_t)n;
			return 1;
		}
		if (strcmp(name, "line") == 0) {
			if (!number(st, name, value, 0, UINT16_MAX, &n))
				return 0;
			c->line = (uint16_t)n;
			return 1;
		}
		if (strcmp(name, "station") == 0) {
			if (!number(st, name, value, 1, UINT16_MAX, &n))
				return 0;
			c->station = (uint16_t)n;
			return 1;
		}
		if (strcmp(name, "kind") == 0) {
			static const char *kinds[] = { "entry", "exit", "board", "alight" };
			size_t k;

			for (k = 0; k < 4; k++)
				if (strcmp(value, kinds[k]) == 0) {
					c->gate_kind = (uint8_t)(k + 1);
					return 1;
				}
			fail(st, "line %d: kind must be entry, exit, board or alight, not '%s'",
			     st->line, value);
			return 0;
		}
		if (strcmp(name, "class") == 0) {
			if (strcmp(value, "ordinary") == 0 || strcmp(value, "premium") == 0) {
				c->premium = value[0] == 'p';
				return 1;
			}
			fail(st, "line %d: class must be ordinary or premium, not '%s'", st->line,
			     value);
			return 0;
		}
		if (strcmp(name, "open") == 0) {
			int v;

			if (!yesno(st, name, value, &v))
				return 0;
			c->canteen_open = (uint8_t)v;
			return 1;
		}
		if (strcmp(name, "district") == 0)
			return copy(st, name, c->district, sizeof(c->district), value);
		if (strcmp(name, "price_fen") == 0) {
			if (!number(st, name, value, 1, 100000, &n))
				return 0;
			c->price_fen = (uint32_t)n;
			return 1;
		}
		if (strcmp(name, "budget_ms") == 0) {
			if (!number(st, name, value, 50, 10000, &n))
				return 0;
			c->budget_ms = (uint32_t)n;
			return 1;
		}
	} else if (strcmp(section, "readers") == 0) {
		if (strcmp(name, "reader") == 0) {
			if (c->n_readers >= YN_CONFIG_MAX_READERS) {
				fail(st, "line %d: at most %d readers", st->line,
				     YN_CONFIG_MAX_READERS);
				return 0;
			}
			if (!copy(st, "reader", c->readers[c->n_readers],
				  sizeof(c->readers[0]), value))
				return 0;
			c->n_readers++;
			return 1;
		}
	} else if (strcmp(section, "keys") == 0) {
		if (strcmp(name, "dir") == 0)
			return (st->have_keys = copy(st, "keys dir", c->keys_dir,
						     sizeof(c->keys_dir), value));
	} else if (strcmp(section, "policy") == 0) {
		if (strcmp(name, "file") == 0)
			return copy(st, "policy file", c->policy_file, sizeof(c->policy_file),
				    value);
	} else if (strcmp(section, "denylist") == 0) {
		if (strcmp(name, "file") == 0)
			return (st->have_denylist = copy(st, "denylist file", c->denylist_file,
							 sizeof(c->denylist_file), value));
		if (strcmp(name, "state") == 0)
			return copy(st, "denylist state", c->denylist_state,
				    sizeof(c->denylist_state), value);
		if (strcmp(name, "trusted_key") == 0) {
			if (c->n_trusted_keys >= YN_CONFIG_MAX_KEYS) {
				fail(st, "line %d: at most %d trusted keys", st->line,
				     YN_CONFIG_MAX_KEYS);
				return 0;
			}
			if (!copy(st, "trusted_key", c->trusted_keys[c->n_trusted_keys],
				  sizeof(c->trusted_keys[0]), value))
				return 0;
			c->n_trusted_keys++;
			return 1;
		}
	} else if (strcmp(section, "journal") == 0) {
		if (strcmp(name, "dir") == 0)
			return (st->have_journal = copy(st, "journal dir", c->journal_dir,
							sizeof(c->journal_dir), value));
		if (strcmp(name, "rotate_bytes") == 0) {
			if (!number(st, name, value, 4096, (uint64_t)1 << 40, &n))
				return 0;
			c->journal_rotate_bytes = n;
			return 1;
		}
	} else if (strcmp(section, "output") == 0) {
		if (strcmp(name, "socket") == 0)
			return copy(st, name, c->socket_path, sizeof(c->socket_path), value);
		if (strcmp(name, "hook") == 0)
			return copy(st, name, c->hook, sizeof(c->hook), value);
		if (strcmp(name, "hook_timeout_ms") == 0) {
			if (!number(st, name, value, 10, 60000, &n))
				return 0;
			c->hook_timeout_ms = (uint32_t)n;
			return 1;
		}
		if (strcmp(name, "json_stdout") == 0)
			return yesno(st, name, value, &c->json_stdout);
	} else {
		fail(st, "line %d: unknown section [%s] (known: terminal, readers, keys, policy, "
		     "denylist, journal, output)", st->ls.section_line, section);
		return 0;
	}
	fail(st, "line %d: unknown key '%s' in [%s]", st->line, name, section);
	return 0;
}

static int finish(struct parse_state *st, int r, const char *name)
{
	struct yn_config *c = st->cfg;

	/* inih goes on after a syntax error and also counts a line our handler
	 * refused as an error: report whichever came first. */
	if (r > 0 && (!st->failed || r < st->fail_line)) {
		st->failed = 0;
		fail(st, "%s: line %d: syntax error (expected [section] or key = value)", name, r);
		return YN_ECONFIG;
	}
	if (st->failed)
		return YN_ECONFIG;
	if (r < 0) {
		fail(st, "%s: cannot read the file", name);
		return YN_ENOENT;
	}
	if (!st->have_id)
		fail(st, "%s: [terminal] id is missing", name);
	else if (!st->have_role)
		fail(st, "%s: [terminal] role is missing (gate, canteen or service)", name);
	else if (c->n_readers == 0)
		fail(st, "%s: [readers] needs at least one 'reader = URI' line", name);
	else if (!st->have_keys)
		fail(st, "%s: [keys] dir is missing", name);
	else if (!st->have_journal)
		fail(st, "%s: [journal] dir is missing", name);
	else if (!st->have_denylist)
		fail(st, "%s: [denylist] file is missing", name);
	else if (c->n_trusted_keys == 0)
		fail(st, "%s: [denylist] needs at least one 'trusted_key = PUBLIC KEY FILE'", name);
	else if (c->role == YN_ROLE_GATE && c->station == 0)
		fail(st, "%s: a gate needs [terminal] station (its line/station id)", name);
	else if ((c->role == YN_ROLE_CANTEEN || c->role == YN_ROLE_SERVICE) &&
		 c->district[0] == '\0')
		fail(st, "%s: a %s needs [terminal] district", name, yn_role_name(c->role));
	else if (c->role == YN_ROLE_CANTEEN && c->price_fen == 0)
		fail(st, "%s: a canteen needs [terminal] price_fen (the meal price in fen)", name);
	if (!st->failed && c->terminal_number == 0) {
		/* FNV-1a of the id: stable, and distinct for distinct ids in
		 * practice; set number explicitly where it must be unique. */
		uint32_t h = 2166136261u;
		const char *q;

		for (q = c->terminal_id; *q; q++)
			h = (h ^ (uint8_t)*q) * 16777619u;
		c->terminal_number = h ? h : 1;
	}
	return st->failed ? YN_ECONFIG : 0;
}

static void defaults(struct yn_config *c)
{
	memset(c, 0, sizeof(*c));
	c->budget_ms = 300;
	c->hook_timeout_ms = 1000;
	c->json_stdout = 1;
	c->gate_kind = 1;
	c->canteen_open = 1;
}

int yn_config_load(const char *path, struct yn_config *cfg, char *err, size_t err_cap)
{
	struct parse_state st = { .cfg = cfg, .err = err, .err_cap = err_cap };
	FILE *f;
	int r;

	defaults(cfg);
	if (err_cap)
		err[0] = '\0';
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, err_cap, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? YN_ENOENT : YN_EIO;
	}
	st.ls.f = f;
	r = ini_parse_stream(read_line, &st.ls, handler, &st);
	fclose(f);
	if (st.failed) {
		/* prefix the file name */
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		snprintf(err, err_cap, "%s", tmp);
	}
	return finish(&st, r, path);
}

int yn_config_parse(const char *text, const char *name, struct yn_config *cfg, char *err,
		    size_t err_cap)
{
	struct parse_state st = { .cfg = cfg, .err = err, .err_cap = err_cap };
	int r;

	defaults(cfg);
	if (err_cap)
		err[0] = '\0';
	st.ls.text = text;
	r = ini_parse_stream(read_line, &st.ls, handler, &st);
	return finish(&st, r, name);
}
