/* SPDX-License-Identifier: MIT */
/*
 * Least privilege: once every program is loaded and attached, kprof needs
 * almost none of the capabilities it started with (docs/fleet.md says which
 * it keeps and why). Loaded programs, links and map fds keep working: the
 * kernel checks capabilities when they are created, not when they are used.
 */
#ifndef KPROF_CAPS_H
#define KPROF_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include "collector.h"

struct session;

/* Bit n stands for capability n (CAP_SYS_PTRACE is bit 19). */
typedef uint64_t caps_mask;

/*
 * Parses --capabilities.keep: a comma-separated list of capability names
 * (CAP_SYS_PTRACE or sys_ptrace, any case), "none" for an empty set, or
 * "all" to drop nothing. 0, or -EINVAL with one sentence in err.
 */
int caps_parse_keep(const char *list, caps_mask *keep, struct kprof_error *err);

/*
 * What a session needs after start-up: symbolization of stacks (cpu and
 * offcpu collectors) reads /proc/PID/maps and /proc/PID/root of every
 * process and /proc/kallsyms; the other collectors need nothing.
 */
caps_mask caps_default_keep(const struct session *s);

/*
 * Drops every capability not in keep from the effective, permitted,
 * inheritable and ambient sets, and from the bounding set when this process
 * may (CAP_SETPCAP), then sets no_new_privs so that no later exec can
 * regain them. 0 or -errno with one sentence in err.
 */
int caps_drop_except(caps_mask keep, struct kprof_error *err);

/* "cap_sys_ptrace,cap_syslog" (or "none") into buf. */
void caps_format(caps_mask m, char *buf, size_t len);

#endif /* KPROF_CAPS_H */
