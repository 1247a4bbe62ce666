/*
 * signals: SIGINT/SIGTERM/SIGHUP remove a half-written snapshot, or, while
 * restore holds the Calico lock, only ask the work to stop at a safe point.
 */
#ifndef DSCK_CLI_SIGNALS_H
#define DSCK_CLI_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Install SIGINT/SIGTERM handlers that remove a snapshot temp file. */
void cli_install_signal_cleanup(void);
/*
 * While on, SIGINT/SIGTERM/SIGHUP only set cli_stop_signal (for work that
 * must stop at a safe point); turning it off delivers a signal that came.
 */
extern volatile sig_atomic_t cli_stop_signal;
void cli_defer_signals(bool on);

#endif
