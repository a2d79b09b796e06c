/* SPDX-License-Identifier: MIT */
/* The kernel's CPU list format ("0-3,8,10-11"), as in /sys/devices/system/cpu/online. */
#ifndef KPROF_CPU_ONLINE_H
#define KPROF_CPU_ONLINE_H

/* CPUs handled at most; a list naming a higher one is refused. */
#define KPROF_CPU_MAX 4096

/* Parses text into cpus (at most max); returns how many, or -EINVAL / -E2BIG. */
int cpu_list_parse(const char *text, int *cpus, int max);

/* The online CPUs of this machine; count or -errno. */
int cpu_online(int *cpus, int max);

#endif /* KPROF_CPU_ONLINE_H */
