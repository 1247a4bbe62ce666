#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "prompt.h"

char *cli_prompt_password(const char *user)
{
	struct termios old, quiet;
	char line[512];
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	FILE *tty;
	char *pw = NULL;
	bool echo_off = false;

	if (fd < 0)
		return NULL;
	tty = fdopen(fd, "r+");
	if (!tty) {
		close(fd);
		return NULL;
	}
	fprintf(tty, "Password for etcd user '%s': ", user);
	fflush(tty);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (fgets(line, sizeof(line), tty)) {
		line[strcspn(line, "\r\n")] = '\0';
		pw = strdup(line);
	}
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	explicit_bzero(line, sizeof(line));
	fclose(tty);
	return pw;
}
