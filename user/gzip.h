/* SPDX-License-Identifier: MIT */
/* gzip (RFC 1952) of a buffer in memory, with zlib. */
#ifndef KPROF_GZIP_H
#define KPROF_GZIP_H

#include <stddef.h>

/*
 * Compresses in into a malloc'ed *out of *out_len bytes at a zlib level
 * (Z_BEST_SPEED .. Z_BEST_COMPRESSION, or Z_DEFAULT_COMPRESSION); 0 or
 * -ENOMEM/-EIO.
 */
int gzip_compress_level(const void *in, size_t len, int level, void **out, size_t *out_len);
/* The same at level 1, for /metrics (see gzip.c for why). */
int gzip_compress(const void *in, size_t len, void **out, size_t *out_len);

#endif /* KPROF_GZIP_H */
