// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http_negotiate.h"

/* Headers longer than this are not ranked: MHD bounds them anyway. */
#define ELEMENT_MAX 256

struct element {
	char type[ELEMENT_MAX]; /* "text/plain", lower case, trimmed */
	char version[32];	/* the version parameter, "" if none */
	double q;
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

/* Parses "type;param=v;q=0.5" (in place); false when it makes no sense. */
static bool parse_element(char *s, struct element *e)
{
	char *param, *rest = s;

	e->version[0] = 0;
	e->q = 1.0;
	s = trim(strsep(&rest, ";"));
	if (!*s || strlen(s) >= sizeof(e->type))
		return false;
	for (size_t i = 0; s[i]; i++)
		e->type[i] = (char)tolower((unsigned char)s[i]);
	e->type[strlen(s)] = 0;
	while ((param = strsep(&rest, ";"))) {
		char *val = strchr(param, '='), *end;

		if (!val)
			continue;
		*val++ = 0;
		param = trim(param);
		val = trim(val);
		if (*val == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = 0;
			val++;
		}
		if (!strcasecmp(param, "q")) {
			e->q = strtod(val, &end);
			if (end == val || *end || !(e->q >= 0) || e->q > 1)
				return false;
		} else if (!strcasecmp(param, "version") && strlen(val) < sizeof(e->version)) {
			strcpy(e->version, val);
		}
	}
	return true;
}

/* Calls fn on each element of a comma-separated header; copies it first. */
static void each_element(const char *header, void (*fn)(const struct element *, void *), void *arg)
{
	char buf[4096], *rest = buf, *tok;
	struct element e;

	if (!header || strlen(header) >= sizeof(buf))
		return;
	strcpy(buf, header);
	while ((tok = strsep(&rest, ",")))
		if (parse_element(tok, &e))
			fn(&e, arg);
}

struct ranks {
	double text, om;
};

static void rank_format(const struct element *e, void *arg)
{
	struct ranks *r = arg;

	if (!strcmp(e->type, "application/openmetrics-text") &&
	    (!e->version[0] || !strcmp(e->version, "1.0.0"))) {
		if (e->q > r->om)
			r->om = e->q;
	} else if ((!strcmp(e->type, "text/plain") &&
		    (!e->version[0] || !strcmp(e->version, "0.0.4"))) ||
		   !strcmp(e->type, "text/*") || !strcmp(e->type, "*/*")) {
		if (e->q > r->text)
			r->text = e->q;
	}
}

enum prom_format http_negotiate_format(const char *accept)
{
	struct ranks r = {0, 0};

	each_element(accept, rank_format, &r);
	return r.om > 0 && r.om > r.text ? PROM_OPENMETRICS_1_0 : PROM_TEXT_0_0_4;
}

struct gzip_rank {
	double gzip, star;
	bool gzip_named;
};

static void rank_encoding(const struct element *e, void *arg)
{
	struct gzip_rank *r = arg;

	if (!strcmp(e->type, "gzip") || !strcmp(e->type, "x-gzip")) {
		r->gzip_named = true;
		if (e->q > r->gzip)
			r->gzip = e->q;
	} else if (!strcmp(e->type, "*")) {
		r->star = e->q;
	}
}

bool http_accepts_gzip(const char *accept_encoding)
{
	struct gzip_rank r = {0, 0, false};

	each_element(accept_encoding, rank_encoding, &r);
	return r.gzip_named ? r.gzip > 0 : r.star > 0;
}
