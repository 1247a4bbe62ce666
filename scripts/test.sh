#!/usr/bin/env bash
# The whole test suite: install dependencies, build with -Werror and
# ASan/UBSan (build-dev.ini), run the cmocka unit tests and the integration
# tests against real etcd servers started by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
builddir=${BUILDDIR:-build-test}
if [[ ! -f $builddir/build.ninja ]]; then
	meson setup "$builddir" --native-file build-dev.ini >/dev/null
fi
ninja -C "$builddir"

# LeakSanitizer must not miss leaks, and UBSan must fail the test it fires in.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

rc=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || rc=$?

# One summary line in the form CI systems read.
log=$builddir/meson-logs/testlog.json
if [[ -f $log ]]; then
	passed=$(grep -c '"result": "OK"' "$log" || true)
	failed=$(grep -Ec '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
	skipped=$(grep -c '"result": "SKIP"' "$log" || true)
	echo "$passed passed, $failed failed, $skipped skipped"
fi
exit "$rc"
