#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("dsck-fuzz", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0) {
		perror("ftruncate");
		abort();
	}
	for (size_t off = 0; off < size;) {
		ssize_t k = pwrite(fd, data + off, size - off, (off_t)off);

		if (k <= 0) {
			perror("pwrite");
			abort();
		}
		off += (size_t)k;
	}
	return path;
}

char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

void fuzz_assert_failed(const char *cond, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, cond);
	abort();
}
