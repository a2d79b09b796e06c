// SPDX-License-Identifier: MIT
/*
 * tcploop: the TCP workload of the benchmark. A server thread on 127.0.0.1
 * and a client that, for DURATION seconds, connects, sends BYTES, half-closes,
 * reads a one-byte reply and closes: every connection walks the whole TCP
 * state machine (SYN, ESTABLISHED, FIN, TIME_WAIT) and moves data, which is
 * what the tcp collector and tcplife/tcpstates trace.
 *
 *   tcploop [-d SECONDS] [-b BYTES] [-p PORTS]
 *
 * With -p N the server listens on N consecutive ports and the client
 * cycles through them (more series for --tcp-by lport). Prints
 * "<connections> <seconds> <connections per second>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define MAX_PORTS 4096

static int listeners[MAX_PORTS];
static unsigned short ports[MAX_PORTS];
static int nports = 1;
static size_t bytes = 16384;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tcploop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_any(unsigned short *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024))
		die("bind/listen on 127.0.0.1");
	if (getsockname(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	*port = ntohs(a.sin_port);
	return fd;
}

/* Reads to EOF, answers one byte, closes; one connection at a time. */
static void *server(void *arg __attribute__((unused)))
{
	struct pollfd *pfd = calloc(nports, sizeof(*pfd));
	char *buf = malloc(65536);

	if (!pfd || !buf)
		die("malloc");
	for (int i = 0; i < nports; i++)
		pfd[i] = (struct pollfd){ .fd = listeners[i], .events = POLLIN };
	for (;;) {
		if (poll(pfd, nports, -1) < 0)
			continue;
		for (int i = 0; i < nports; i++) {
			int c;

			if (!(pfd[i].revents & POLLIN))
				continue;
			c = accept(listeners[i], NULL, NULL);
			if (c < 0)
				continue;
			while (read(c, buf, 65536) > 0)
				;
			if (write(c, "k", 1) != 1)
				perror("tcploop: write");
			close(c);
		}
	}
	return NULL;
}

static int one_connection(unsigned short port, const char *data)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t sent = 0;
	char reply;

	if (fd < 0)
		die("socket");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect to 127.0.0.1");
	while (sent < bytes) {
		ssize_t n = write(fd, data + sent, bytes - sent);

		if (n <= 0)
			die("write");
		sent += n;
	}
	shutdown(fd, SHUT_WR);
	if (read(fd, &reply, 1) != 1)
		die("read reply");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	double duration = 2, start, t;
	unsigned long conns = 0;
	pthread_t th;
	char *data;
	int opt;

	while ((opt = getopt(argc, argv, "d:b:p:")) != -1) {
		switch (opt) {
		case 'd': duration = atof(optarg); break;
		case 'b': bytes = strtoul(optarg, NULL, 10); break;
		case 'p': nports = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: tcploop [-d SECONDS] [-b BYTES] [-p PORTS]\n");
			return 2;
		}
	}
	if (duration <= 0 || nports < 1 || nports > MAX_PORTS || bytes > (1 << 26)) {
		fprintf(stderr, "tcploop: -d > 0, 1 <= -p <= %d, -b <= 64 MiB\n", MAX_PORTS);
		return 2;
	}
	data = calloc(1, bytes + 1);
	if (!data)
		die("malloc");
	for (int i = 0; i < nports; i++)
		listeners[i] = listen_any(&ports[i]);
	if (pthread_create(&th, NULL, server, NULL))
		die("pthread_create");
	start = now_s();
	do {
		one_connection(ports[conns % nports], data);
		conns++;
		t = now_s();
	} while (t - start < duration);
	printf("%lu %.3f %.1f\n", conns, t - start, conns / (t - start));
	return 0;
}
