/*
 * thread: starting the library's helper threads (the v3 scan's next page,
 * restore's batches in flight). They never take signals: SIGINT and SIGTERM
 * stay with the main thread, whose handlers clean up temp files and locks.
 */
#ifndef DSCK_THREAD_H
#define DSCK_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread; 0 or an errno. */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
