#include <signal.h>
#include <string.h>

#include "signals.h"
#include "store/snapshot.h"

volatile sig_atomic_t cli_stop_signal;
static volatile sig_atomic_t defer_signals;

static void on_signal(int sig)
{
	/* While restore holds the Calico lock it stops at the next key and unlocks. */
	if (defer_signals) {
		cli_stop_signal = sig;
		return;
	}
	snapshot_writer_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_defer_signals(bool on)
{
	defer_signals = on;
	if (!on && cli_stop_signal) {
		signal(cli_stop_signal, SIG_DFL);
		raise(cli_stop_signal);
	}
}

void cli_install_signal_cleanup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
