// SPDX-License-Identifier: MIT
/*
 * TCP workload for the tcp collector's tests, counts known in advance.
 *
 *   tcp_xfer server ADDR PORT N          accept N connections one by one; read
 *                                        each to EOF, answer one byte, close
 *   tcp_xfer client ADDR PORT N BYTES    N connections: send BYTES, shut down
 *                                        writing, read to EOF, close
 *   tcp_xfer refused ADDR PORT N         N connects that must be refused
 *
 * ADDR is IPv4 or IPv6. Client modes first read one line from stdin (a go
 * signal; EOF also starts them) so that a test can learn their pid first.
 * The server prints "listening" once it listens. Exit 0 only if every
 * connection did what it should.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static socklen_t make_addr(const char *host, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		return sizeof(*in6);
	}
	fprintf(stderr, "tcp_xfer: bad address %s\n", host);
	exit(2);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void read_to_eof(int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		die("read");
}

static int server(const struct sockaddr_storage *ss, socklen_t len, int n)
{
	int one = 1, lfd = socket(ss->ss_family, SOCK_STREAM, 0);

	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (const struct sockaddr *)ss, len) || listen(lfd, 128))
		die("bind/listen");
	printf("listening\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			die("accept");
		read_to_eof(fd);
		if (write(fd, "k", 1) != 1)
			die("write");
		close(fd);
	}
	close(lfd);
	return 0;
}

static void wait_for_go(void)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
		die("stdin");
}

static int client(const struct sockaddr_storage *ss, socklen_t len, int n, long bytes)
{
	static char buf[65536];

	wait_for_go();
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < n; i++) {
		int fd = socket(ss->ss_family, SOCK_STREAM, 0);
		long left = bytes;

		if (fd < 0)
			die("socket");
		if (connect(fd, (const struct sockaddr *)ss, len))
			die("connect");
		while (left > 0) {
			ssize_t w =
				write(fd, buf, left < (long)sizeof(buf) ? left : (long)sizeof(buf));

			if (w <= 0)
				die("write");
			left -= w;
		}
		shutdown(fd, SHUT_WR);
		read_to_eof(fd);
		close(fd);
	}
	return 0;
}

static int refused(const struct sockaddr_storage *ss, socklen_t len, int n)
{
	wait_for_go();
	for (int i = 0; i < n; i++) {
		int fd = socket(ss->ss_family, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket");
		if (!connect(fd, (const struct sockaddr *)ss, len) || errno != ECONNREFUSED) {
			fprintf(stderr, "tcp_xfer: connect %d was not refused\n", i);
			return 1;
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc < 5) {
		fprintf(stderr, "usage: tcp_xfer server|client|refused ADDR PORT N [BYTES]\n");
		return 2;
	}
	len = make_addr(argv[2], argv[3], &ss);
	if (!strcmp(argv[1], "server"))
		return server(&ss, len, atoi(argv[4]));
	if (!strcmp(argv[1], "client") && argc == 6)
		return client(&ss, len, atoi(argv[4]), atol(argv[5]));
	if (!strcmp(argv[1], "refused"))
		return refused(&ss, len, atoi(argv[4]));
	fprintf(stderr, "tcp_xfer: bad mode %s\n", argv[1]);
	return 2;
}
