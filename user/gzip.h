/* SPDX-License-Identifier: MIT */
/* gzip (RFC 1952) of a buffer in memory, with zlib. */
#ifndef KPROF_GZIP_H
#define KPROF_GZIP_H

#include <stddef.h>

/* Compresses in into a malloc'ed *out of *out_len bytes; 0 or -ENOMEM/-EIO. */
int gzip_compress(const void *in, size_t len, void **out, size_t *out_len);

#endif /* KPROF_GZIP_H */
