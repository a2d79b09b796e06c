// SPDX-License-Identifier: MIT
/*
 * scrape: N concurrent scrapers GET a path on 127.0.0.1:PORT in a loop for
 * SECONDS, one HTTP/1.1 request per connection (as Prometheus does after an
 * idle interval), reading the whole answer.
 *
 *   scrape PORT PATH CONCURRENCY SECONDS
 *
 * Prints "p50_ms p99_ms scrapes_per_s errors bytes_per_scrape".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define MAX_SAMPLES 200000

struct scraper {
	pthread_t th;
	double *lat_ms;
	long n, errors;
	long long bytes;
};

static unsigned short port;
static const char *path;
static double deadline;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One scrape; returns the bytes read, or -1 if it was not a 200. */
static long long scrape_once(char *buf, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[512];
	long long total = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok = 0, rlen;
	ssize_t n;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rlen = snprintf(req, sizeof(req),
			"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || write(fd, req, rlen) != rlen) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, len)) > 0) {
		if (!total && n >= 12 && !strncmp(buf + 8, " 200", 4))
			ok = 1;
		total += n;
	}
	close(fd);
	return ok ? total : -1;
}

static void *run(void *arg)
{
	struct scraper *s = arg;
	char *buf = malloc(1 << 16);

	if (!buf)
		return NULL;
	while (now_ms() < deadline && s->n < MAX_SAMPLES) {
		double t = now_ms();
		long long b = scrape_once(buf, 1 << 16);

		if (b < 0) {
			s->errors++;
			continue;
		}
		s->lat_ms[s->n++] = now_ms() - t;
		s->bytes += b;
	}
	free(buf);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct scraper *s;
	double *all, start, secs;
	long n = 0, errors = 0;
	long long bytes = 0;
	int conc;

	if (argc != 5 || (conc = atoi(argv[3])) < 1 || conc > 256 || atof(argv[4]) <= 0) {
		fprintf(stderr, "usage: scrape PORT PATH CONCURRENCY(1-256) SECONDS\n");
		return 2;
	}
	port = atoi(argv[1]);
	path = argv[2];
	s = calloc(conc, sizeof(*s));
	all = malloc(sizeof(double) * MAX_SAMPLES * conc);
	if (!s || !all)
		return 1;
	start = now_ms();
	deadline = start + atof(argv[4]) * 1e3;
	for (int i = 0; i < conc; i++) {
		s[i].lat_ms = all + (size_t)i * MAX_SAMPLES;
		pthread_create(&s[i].th, NULL, run, &s[i]);
	}
	for (int i = 0; i < conc; i++)
		pthread_join(s[i].th, NULL);
	secs = (now_ms() - start) / 1e3;
	for (int i = 0; i < conc; i++) {
		memmove(all + n, s[i].lat_ms, s[i].n * sizeof(double));
		n += s[i].n;
		errors += s[i].errors;
		bytes += s[i].bytes;
	}
	if (!n) {
		fprintf(stderr, "scrape: no successful scrape of 127.0.0.1:%u%s\n", port, path);
		return 1;
	}
	qsort(all, n, sizeof(double), cmp);
	printf("%.3f %.3f %.1f %ld %lld\n", all[n / 2], all[(n * 99) / 100], n / secs, errors,
	       bytes / n);
	return 0;
}
