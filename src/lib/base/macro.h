/*
 * macro: small helpers shared by every module: cleanup attributes for
 * temporaries, ownership transfer, array size.
 */
#ifndef DSCK_MACRO_H
#define DSCK_MACRO_H

#include <stdio.h>
#include <stdlib.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The name of enum value @v in a designated-initializer table, "?" when it has none. */
#define ENUM_NAME(names, v) ((size_t)(v) < ARRAY_SIZE(names) && (names)[v] ? (names)[v] : "?")

/* Hand the pointer over to a new owner and forget it here. */
#define TAKE_PTR(p) ({ __typeof__(p) p_taken_ = (p); (p) = NULL; p_taken_; })

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#endif
