/*
 * array: the growth rule of every list the library keeps in a plain C
 * array (pointer, count, allocated): double when full, check the
 * multiplication, leave the array as it was on failure.
 */
#ifndef DSCK_ARRAY_H
#define DSCK_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Room for element @n in *@items (an array of *@alloc elements of @size
 * bytes, @items the address of its pointer). False when out of memory.
 */
bool array_grow(void *items, size_t *alloc, size_t n, size_t size);
/*
 * Release the @n elements of @items (each of @size bytes) with @release,
 * which gets the address of one element, then free the array itself.
 */
void array_free(void *items, size_t n, size_t size, void (*release)(void *elem));

#endif
