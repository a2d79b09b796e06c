// SPDX-License-Identifier: MIT
/*
 * A line reader with hard bounds, for files a container may control:
 * memory is max_line plus one read chunk whatever the file holds, an
 * overlong line is skipped whole, and reading stops after max_total bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "symbolize_internal.h"

#define CHUNK 16384

static int lr_alloc(struct line_reader *lr, size_t max_line)
{
	lr->max_line = max_line;
	lr->cap = max_line + 1 + CHUNK;
	lr->buf = malloc(lr->cap);
	return lr->buf ? 0 : -ENOMEM;
}

int lr_init_fd(struct line_reader *lr, int fd, size_t max_line, uint64_t max_total)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	lr->max_total = max_total;
	return lr_alloc(lr, max_line);
}

int lr_init_mem(struct line_reader *lr, const char *mem, size_t len, size_t max_line)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
	lr->mem = mem;
	lr->mem_len = len;
	lr->max_total = len;
	return lr_alloc(lr, max_line);
}

/* Appends up to the free space at the end of buf; sets eof at the end. */
static void lr_fill(struct line_reader *lr)
{
	size_t room = lr->cap - 1 - lr->end;
	ssize_t got;

	if (lr->total >= lr->max_total) {
		lr->eof = true;
		return;
	}
	if (room > lr->max_total - lr->total)
		room = lr->max_total - lr->total;
	if (lr->fd < 0) {
		got = (ssize_t)(lr->mem_len - lr->mem_pos < room ? lr->mem_len - lr->mem_pos
								 : room);
		memcpy(lr->buf + lr->end, lr->mem + lr->mem_pos, (size_t)got);
		lr->mem_pos += (size_t)got;
	} else {
		do
			got = read(lr->fd, lr->buf + lr->end, room);
		while (got < 0 && errno == EINTR);
	}
	if (got <= 0) {
		lr->eof = true;
		return;
	}
	lr->end += (size_t)got;
	lr->total += (uint64_t)got;
}

bool lr_next(struct line_reader *lr, char **line, size_t *len)
{
	bool skipping = false;

	if (!lr->buf)
		return false;
	for (;;) {
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);

		if (nl) {
			size_t l = (size_t)(nl - (lr->buf + lr->start));
			char *s = lr->buf + lr->start;

			lr->start += l + 1;
			if (skipping || l > lr->max_line) {
				if (!skipping)
					lr->overlong++;
				skipping = false;
				continue;
			}
			*nl = 0;
			*line = s;
			*len = l;
			return true;
		}
		/* No newline in what is buffered. */
		if (lr->end - lr->start > lr->max_line) {
			if (!skipping)
				lr->overlong++;
			skipping = true;
			lr->start = lr->end = 0;
		}
		if (lr->eof) {
			size_t l = lr->end - lr->start;

			if (l == 0 || skipping)
				return false;
			lr->buf[lr->end] = 0;
			*line = lr->buf + lr->start;
			*len = l;
			lr->start = lr->end;
			return true;
		}
		if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		lr_fill(lr);
	}
}

void lr_free(struct line_reader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

bool parse_hex_u64(char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	for (;; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			break;
		if (++n > 16)
			return false; /* more than 64 bits */
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return n > 0;
}
