/* SPDX-License-Identifier: MIT */
/*
 * A minimal protocol-buffers writer: varints, length-delimited fields and
 * packed repeated varints into a growing buffer. Enough for profile.proto;
 * a nested message is written into its own pb_buf, then added as bytes.
 */
#ifndef KPROF_PB_WRITER_H
#define KPROF_PB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_buf {
	unsigned char *data;
	size_t len, cap;
	bool oom; /* set on the first failed allocation; later writes do nothing */
};

void pb_free(struct pb_buf *b);
/* Empties b, keeping its memory for the next message. */
static inline void pb_reset(struct pb_buf *b)
{
	b->len = 0;
}

void pb_varint(struct pb_buf *b, uint64_t v);
/* Field of wire type 0 (int64, uint64, bool); zero is written too. */
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);
/* Field of wire type 2: strings, bytes, nested messages. */
void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
void pb_string(struct pb_buf *b, uint32_t field, const char *s);
void pb_message(struct pb_buf *b, uint32_t field, const struct pb_buf *msg);
/* Packed repeated varints. */
void pb_packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n);

#endif /* KPROF_PB_WRITER_H */
