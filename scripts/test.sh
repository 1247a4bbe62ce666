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

# The parsers under libFuzzer for a few seconds each, and the main commands
# under valgrind (docs/testing.md). DSCK_QUICK=1 leaves them out on a developer box.
extra_pass=0 extra_fail=0
if [[ ${DSCK_QUICK:-0} != 1 ]]; then
	for step in "FUZZ_SECONDS=${FUZZ_SECONDS:-5} bash scripts/fuzz.sh" "bash scripts/valgrind.sh"; do
		echo "== $step"
		if env $step; then
			extra_pass=$((extra_pass + 1))
			echo "ok - $step"
		else
			extra_fail=$((extra_fail + 1))
			echo "not ok - $step"
			rc=1
		fi
	done
fi

# One summary line in the form CI systems read.
log=$builddir/meson-logs/testlog.json
passed=0 failed=0 skipped=0
if [[ -f $log ]]; then
	passed=$(grep -c '"result": "OK"' "$log" || true)
	failed=$(grep -Ec '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
	skipped=$(grep -c '"result": "SKIP"' "$log" || true)
fi
echo "$((passed + extra_pass)) passed, $((failed + extra_fail)) failed, $skipped skipped"
exit "$rc"
