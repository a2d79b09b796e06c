/* SPDX-License-Identifier: MIT */
/* Task filters shared by every collector (--pid, --comm). */
#ifndef KPROF_FILTER_H
#define KPROF_FILTER_H

/* --pid is repeatable; this many processes at most. */
#define KPROF_MAX_PIDS 64
#define KPROF_COMM_LEN 16

#endif /* KPROF_FILTER_H */
