#!/usr/bin/env bash
# Fuzz the parsers (docs/testing.md) with libFuzzer for a bounded time each.
#
#   scripts/fuzz.sh [TARGET...]        every target (or the ones named), 20 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh snapshot     longer, one target
#
# Targets: snapshot (a whole snapshot file), etcd2 (v2 response bodies), jscan
# (the JSON scanner, checked against jansson), calico (key classifier and value
# shapes), config (calicoctl config files), kubeconfig, k8s (API objects), keys
# (the v2 key rules and the key text shown), physnap (etcd backend files:
# bbolt pages and mvcc records), upgrade (the calico-upgrade converter and
# comparison). The harnesses are in
# tests/fuzz/, the seed corpora in fixtures/fuzz/<target>/ (regenerate them
# with tests/fuzz/make-seeds.sh).
#
# Builds in build-fuzz (CC=clang, -Dfuzz=true: the library with coverage,
# ASan and UBSan; leaks count as crashes). New inputs found are kept in
# build-fuzz/corpus/<target>/, so each run starts where the last one ended.
# Exits 1 when any target crashed, leaked, timed out or ran out of memory,
# and prints the reproducer (build-fuzz/artifacts/<target>/crash-...).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
builddir=${FUZZ_BUILDDIR:-build-fuzz}
all=(snapshot snapshot_gz etcd2 jscan calico config kubeconfig k8s keys physnap upgrade num)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
	[[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (${all[*]})" >&2; exit 2; }
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_SECONDS must be a positive integer" >&2; exit 2; }

# Build dependencies, clang and its libFuzzer runtime (Debian 12).
scripts/deps.sh clang libclang-rt-14-dev

if [[ ! -f $builddir/build.ninja ]]; then
	CC=clang meson setup "$builddir" -Dfuzz=true -Dtests=disabled >/dev/null
fi
ninja -C "$builddir" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=()
printf '%-11s %10s %10s %8s %7s  %s\n' target runs exec/s corpus cov result
for t in "${targets[@]}"; do
	exe=$builddir/tests/fuzz/fuzz-$t
	corpus=$builddir/corpus/$t
	artifacts=$builddir/artifacts/$t/
	log=$builddir/logs/$t.log
	mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
	rc=0
	# New inputs go to the first directory; the committed seeds stay as they are.
	"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts" "$corpus" "fixtures/fuzz/$t" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	units=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
	if ((rc == 0)); then
		result=ok
	else
		repro=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n1)
		result="FAILED (exit $rc): ${repro:-no reproducer written, see $log}"
		failed+=("$t")
	fi
	printf '%-11s %10s %10s %8s %7s  %s\n' "$t" "${runs:-?}" "${speed:-?}" "${units:-?}" \
		"${cov:-?}" "$result"
done

for t in "${failed[@]}"; do
	log=$builddir/logs/$t.log
	repro=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n1)
	echo
	echo "== $t: $(grep -m1 -E 'ERROR: |invariant failed|runtime error' "$log" || echo 'see the log')"
	grep -E '^ +#[0-9]+ .* in ' "$log" | head -n 12 || true
	echo "   log:        $log"
	[[ -z $repro ]] || echo "   reproduce:  $builddir/tests/fuzz/fuzz-$t $repro"
done
echo
echo "Run longer:  FUZZ_SECONDS=3600 scripts/fuzz.sh [TARGET...]"
echo "   or both cores on one target:  $builddir/tests/fuzz/fuzz-TARGET -jobs=2 -workers=2" \
	"-max_total_time=3600 $builddir/corpus/TARGET fixtures/fuzz/TARGET"
echo "Replay the seeds only:  meson test -C $builddir --suite fuzz"
if ((${#failed[@]})); then
	echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each, no crash"
