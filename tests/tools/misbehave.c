/*
 * misbehave: a loopback TCP server that answers like a broken etcd, for the
 * fault tests. It serves every connection the same way and exits by itself
 * after --seconds (default 60), so a failing test never leaves it behind.
 *
 *   misbehave MODE PORT [--seconds N]
 *
 * Modes:
 *   close      accept and close at once
 *   hang       accept and never answer
 *   garbage    send random bytes and close
 *   bad-json   HTTP 200 application/json with a truncated JSON body
 *   wrong-type HTTP 200 with a v2 node whose "key" is a number
 *   huge       HTTP 200 with an endless JSON string (tests the size cap)
 *   html       HTTP 502 with an HTML error page (a proxy in the way)
 *   bad-chunked HTTP 200 with a chunked body whose chunk size is not hex
 *   big-headers HTTP 200 whose header block never ends (1 MiB of headers)
 *   blackhole  never completes a TCP handshake: the accept queue is kept
 *              full, so the kernel drops new SYNs (a dead address)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void http(int fd, const char *status, const char *type, const char *body)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 status, type, strlen(body));
	write_all(fd, head, strlen(head));
	write_all(fd, body, strlen(body));
}

static void serve(int fd, const char *mode, time_t deadline)
{
	char buf[4096];

	if (strcmp(mode, "close") == 0)
		return;
	if (strcmp(mode, "hang") == 0) {
		while (time(NULL) < deadline && read(fd, buf, sizeof(buf)) > 0)
			;
		return;
	}
	/* Read (some of) the request first, like a server would. */
	if (read(fd, buf, sizeof(buf)) <= 0)
		return;
	if (strcmp(mode, "garbage") == 0) {
		for (int i = 0; i < 64; i++) {
			for (size_t k = 0; k < sizeof(buf); k++)
				buf[k] = (char)rand();
			write_all(fd, buf, sizeof(buf));
		}
	} else if (strcmp(mode, "bad-json") == 0) {
		http(fd, "200 OK", "application/json",
		     "{\"action\":\"get\",\"node\":{\"key\":\"/calico\",\"dir\":true,\"nodes\":[{\"key\":");
	} else if (strcmp(mode, "wrong-type") == 0) {
		http(fd, "200 OK", "application/json",
		     "{\"action\":\"get\",\"node\":{\"key\":42,\"value\":\"x\"}}\n");
	} else if (strcmp(mode, "html") == 0) {
		http(fd, "502 Bad Gateway", "text/html", "<html><body>bad gateway</body></html>\n");
	} else if (strcmp(mode, "bad-chunked") == 0) {
		const char *r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
				"zz\r\n{\"node\":{}}\r\n0\r\n\r\n";

		write_all(fd, r, strlen(r));
	} else if (strcmp(mode, "big-headers") == 0) {
		const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";

		write_all(fd, head, strlen(head));
		for (int i = 0; i < 1024; i++) {
			char h[1100];

			snprintf(h, sizeof(h), "X-Filler-%d: %01000d\r\n", i, 0);
			write_all(fd, h, strlen(h));
		}
	} else if (strcmp(mode, "huge") == 0) {
		const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				   "Connection: close\r\n\r\n{\"node\":{\"key\":\"/calico\",\"value\":\"";

		write_all(fd, head, strlen(head));
		memset(buf, 'x', sizeof(buf));
		while (time(NULL) < deadline) {
			ssize_t k = write(fd, buf, sizeof(buf));

			if (k <= 0)
				break;
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int seconds = 60, one = 1, s;
	time_t deadline;

	if (argc < 3) {
		fprintf(stderr, "usage: misbehave MODE PORT [--seconds N]\n");
		return 2;
	}
	if (argc == 5 && strcmp(argv[3], "--seconds") == 0)
		seconds = atoi(argv[4]);
	signal(SIGPIPE, SIG_IGN);
	deadline = time(NULL) + seconds;
	alarm((unsigned)seconds + 1);
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, strcmp(argv[1], "blackhole") == 0 ? 0 : 16) < 0) {
		perror("misbehave: bind");
		return 1;
	}
	if (strcmp(argv[1], "blackhole") == 0) {
		/* Fill the accept queue ourselves and never accept. */
		for (int i = 0; i < 2; i++) {
			int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

			connect(c, (struct sockaddr *)&a, sizeof(a));
		}
		while (time(NULL) < deadline)
			sleep(1);
		return 0;
	}
	while (time(NULL) < deadline) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		serve(c, argv[1], deadline);
		close(c);
	}
	return 0;
}
