/* SPDX-License-Identifier: MIT */
/*
 * Daemon logs: one line per event on stderr, with time and level, in logfmt
 * (time=... level=info msg="..." key=value) or JSON. Thread-safe: each line
 * leaves in one write(2). Library code does not log; commands do.
 */
#ifndef KPROF_LOG_H
#define KPROF_LOG_H

#include <stddef.h>

enum klog_level {
	KLOG_DEBUG,
	KLOG_INFO,
	KLOG_WARN,
	KLOG_ERROR,
};

enum klog_format {
	KLOG_LOGFMT,
	KLOG_JSON,
};

/* "debug" ... "error"; 0 or -EINVAL. */
int klog_parse_level(const char *s, enum klog_level *level);
/* "logfmt" or "json"; 0 or -EINVAL. */
int klog_parse_format(const char *s, enum klog_format *format);

/* Lines below level are dropped; fd is where lines go (2 for stderr). */
void klog_setup(enum klog_level level, enum klog_format format, int fd);
int klog_enabled(enum klog_level level);

/*
 * Logs msg with key/value string pairs, NULL-terminated:
 * klog(KLOG_INFO, "listening", "address", ":19434", NULL).
 */
void klog(enum klog_level level, const char *msg, ...) __attribute__((sentinel));

/* Formats one line into buf (no newline handling for the caller); its length. */
size_t klog_format_line(char *buf, size_t len, enum klog_format format, const char *time,
			enum klog_level level, const char *msg, const char *const *kv, int nkv);

#endif /* KPROF_LOG_H */
