// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include "caps.h"
#include "session.h"

#define ALL_CAPS (~(caps_mask)0)
#define BIT(c)	 ((caps_mask)1 << (c))

static int bad(struct kprof_error *err, const char *what)
{
	snprintf(err->msg, sizeof(err->msg),
		 "bad --capabilities.keep '%.100s': expected capability names such as "
		 "CAP_SYS_PTRACE,CAP_SYSLOG, or none, or all",
		 what);
	return -EINVAL;
}

int caps_parse_keep(const char *list, caps_mask *keep, struct kprof_error *err)
{
	char buf[512], *rest = buf, *tok;

	if (!*list || strlen(list) >= sizeof(buf))
		return bad(err, list);
	if (!strcasecmp(list, "all")) {
		*keep = ALL_CAPS;
		return 0;
	}
	*keep = 0;
	if (!strcasecmp(list, "none"))
		return 0;
	strcpy(buf, list);
	while ((tok = strsep(&rest, ","))) {
		char name[64];
		cap_value_t c;

		for (char *p = tok; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!*tok || strlen(tok) > 40)
			return bad(err, list);
		snprintf(name, sizeof(name), "%s%s", strncmp(tok, "cap_", 4) ? "cap_" : "", tok);
		/* cap_from_name also takes numbers; only names are accepted here. */
		if (isdigit((unsigned char)name[4]) || cap_from_name(name, &c) || c < 0 || c > 63) {
			snprintf(err->msg, sizeof(err->msg),
				 "bad --capabilities.keep: unknown capability '%.60s'", tok);
			return -EINVAL;
		}
		*keep |= BIT(c);
	}
	return 0;
}

caps_mask caps_default_keep(const struct session *s)
{
	for (int i = 0; i < s->n; i++) {
		const char *name = s->collectors[i].desc->name;

		/* The stack collectors symbolize while running, others never. */
		if (!strcmp(name, "cpu") || !strcmp(name, "offcpu"))
			return BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYSLOG);
	}
	return 0;
}

static int fail(struct kprof_error *err, const char *step)
{
	int ret = -errno;

	snprintf(err->msg, sizeof(err->msg), "could not drop capabilities (%s): %s", step,
		 strerror(errno));
	return ret;
}

int caps_drop_except(caps_mask keep, struct kprof_error *err)
{
	cap_value_t last = cap_max_bits();
	cap_flag_value_t setpcap = CAP_CLEAR, permitted;
	cap_t now, want;
	int ret = 0;

	if (keep == ALL_CAPS)
		return 0;
	now = cap_get_proc();
	if (!now)
		return fail(err, "reading them");
	cap_get_flag(now, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	/* The bounding set first: dropping from it needs CAP_SETPCAP, dropped below. */
	for (cap_value_t c = 0; setpcap == CAP_SET && c < last && c < 64; c++) {
		if (!(keep & BIT(c)) && cap_get_bound(c) == 1 && cap_drop_bound(c)) {
			ret = fail(err, "bounding set");
			goto out_free;
		}
	}
	if (cap_reset_ambient() && errno != EINVAL) {
		ret = fail(err, "ambient set");
		goto out_free;
	}
	want = cap_init();
	if (!want) {
		ret = fail(err, "out of memory");
		goto out_free;
	}
	/* Keep only what is both asked for and still held: nothing can be raised. */
	for (cap_value_t c = 0; c < last && c < 64; c++) {
		if (!(keep & BIT(c)) || cap_get_flag(now, c, CAP_PERMITTED, &permitted) ||
		    permitted != CAP_SET)
			continue;
		cap_set_flag(want, CAP_EFFECTIVE, 1, &c, CAP_SET);
		cap_set_flag(want, CAP_PERMITTED, 1, &c, CAP_SET);
	}
	if (cap_set_proc(want))
		ret = fail(err, "setting them");
	else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		ret = fail(err, "no_new_privs");
	cap_free(want);
out_free:
	cap_free(now);
	return ret;
}

void caps_format(caps_mask m, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	if (!m || m == ALL_CAPS) {
		snprintf(buf, len, "%s", m ? "all" : "none");
		return;
	}
	for (cap_value_t c = 0; c < 64 && off < len; c++) {
		char *name;

		if (!(m & BIT(c)))
			continue;
		name = cap_to_name(c);
		off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", name ? name : "?");
		cap_free(name);
	}
}
