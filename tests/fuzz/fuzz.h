/*
 * fuzz: what the libFuzzer harnesses share.
 *
 * Each harness defines LLVMFuzzerTestOneInput; libFuzzer supplies main().
 * The parsers that read a file by name get the input through fuzz_file():
 * a memfd, named by its /proc/self/fd path, so nothing touches the disk and
 * the library needs no in-memory variant.
 */
#ifndef DSCK_FUZZ_H
#define DSCK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path whose contents are exactly @data; valid until the next call. Aborts on failure. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* A malloc'd copy of exactly @size bytes (ASan sees any read past it); aborts on failure. */
char *fuzz_copy(const uint8_t *data, size_t size);

/* Abort with a message: libFuzzer records the input as a crash. */
#define FUZZ_ASSERT(cond) \
	((cond) ? (void)0 : fuzz_assert_failed(#cond, __FILE__, __LINE__))
void fuzz_assert_failed(const char *cond, const char *file, int line)
	__attribute__((noreturn));

#endif
