#!/usr/bin/env bash
# Run dsck's main commands under valgrind memcheck against a throwaway etcd
# (docs/testing.md): zero memory errors and no definite leaks allowed.
#
#   scripts/valgrind.sh            VALGRIND_ARGS="--track-origins=yes" for more detail
#
# Builds a plain debug build (no ASan: valgrind and ASan do not mix) in
# build-valgrind, starts etcd 3.4 with the v2 API on 127.0.0.1 through
# tests/lib/harness.sh (stopped by PID at exit), loads a Calico v2.6
# datastore with dsck-fixture and walks the upgrade story: version, config,
# status, ls/get v2 and v3, check pre-migrate, snapshot save/verify, the real
# etcdctl migrate, verify-migrate, diff, inspect, check v2-content, preflight,
# snapshot restore into a second etcd, and a few failure paths. Every command runs under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
# with tests/valgrind.supp; each log is kept in build-valgrind/valgrind-logs/.
# Exits 1 if any command had a memory error or a definite leak, or did not
# exit with the status it should.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS

scripts/deps.sh valgrind

builddir=${VALGRIND_BUILDDIR:-build-valgrind}
if [[ ! -f $builddir/build.ninja ]]; then
	meson setup "$builddir" --buildtype=debug -Dtests=disabled >/dev/null
fi
ninja -C "$builddir" >/dev/null
DSCK=$root/$builddir/src/dsck
FIXTURE=$root/$builddir/tools/dsck-fixture
logs=$root/$builddir/valgrind-logs
rm -rf "$logs"
mkdir -p "$logs"

source tests/lib/harness.sh
H_ETCD_LOG_LEVEL=error
H_CMD_TIMEOUT=300

read -ra extra <<<"${VALGRIND_ARGS:-}"
vg_cmd=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
	--show-leak-kinds=definite,possible --num-callers=40 --child-silent-after-fork=yes
	--suppressions="$root/tests/valgrind.supp" "${extra[@]}")
n=0 bad=0
printf '%-34s %5s %7s %12s %7s  %s\n' command exit errors 'def. lost' seconds result

# vg EXPECTED_EXIT NAME DSCK_ARGS...: run dsck under valgrind and judge it.
vg() {
	local want=$1 name=$2 log t0 rc=0 errors lost verdict=ok
	shift 2
	n=$((n + 1))
	log=$(printf '%s/%02d-%s.log' "$logs" "$n" "$name")
	t0=$(date +%s.%N)
	timeout -k 5 "$H_CMD_TIMEOUT" "${vg_cmd[@]}" --log-file="$log" "$DSCK" "$@" \
		>"$log.out" 2>"$log.err" </dev/null || rc=$?
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n1)
	if [[ $rc == 99 || ${errors:-x} != 0 ]]; then
		verdict="MEMCHECK ERRORS, see $log"
	elif [[ $rc != "$want" ]]; then
		verdict="exit $rc, expected $want: $(head -c 300 "$log.err")"
	fi
	[[ $verdict == ok ]] || bad=$((bad + 1))
	printf '%-34s %5s %7s %12s %7.1f  %s\n' "$name" "$rc" "${errors:-?}" "${lost:-0}" \
		"$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$verdict"
}

h_etcd_start vg --v2
EP=$(h_endpoint vg)
export DSCK_ENDPOINTS=$EP
"$FIXTURE" --endpoint "$EP" --hosts 5 --workloads-per-host 4 --seed 3 >/dev/null 2>&1
work=$H_TMP/vg
mkdir -p "$work"
printf 'apiVersion: v1\nkind: calicoApiConfig\nspec:\n  etcdEndpoints: %s\n  etcdUsername: "root:secret"\n' \
	"$EP" >"$work/calicoctl.cfg"

vg 0 version version
vg 0 version-json version -o json
vg 0 config config
vg 0 config-file-json config --config "$work/calicoctl.cfg" -o json
vg 0 status status
vg 0 status-json status -o json
vg 0 ls-v2 ls /calico/v1/config --api v2
vg 0 ls-v2-json ls --api v2 -o json
vg 0 get-v2 get /calico/v1/Ready --api v2
vg 1 get-v2-missing get /calico/v1/nope --api v2
vg 0 check-pre-migrate check pre-migrate
vg 0 snapshot-save-v2 snapshot save "$work/v2.snap" --api v2
vg 0 snapshot-verify-v2 snapshot verify "$work/v2.snap"
vg 0 inspect-snapshot inspect "$work/v2.snap"
vg 0 inspect-v2 inspect --api v2 -o json

# The real offline migration, as an operator runs it.
h_etcd_stop vg
ETCDCTL_API=3 etcdctl migrate --data-dir "$(h_datadir vg)" >/dev/null
h_etcd_restart vg --v2

vg 0 verify-migrate verify-migrate --before "$work/v2.snap"
vg 0 ls-v3 ls /calico/v1/config --api v3
vg 0 ls-v3-json ls --api v3 -o json
vg 0 get-v3 get /calico/v1/Ready --api v3
vg 1 get-v3-missing get /calico/v1/nope --api v3
vg 0 snapshot-save-v3 snapshot save "$work/v3.snap" --api v3
vg 0 snapshot-verify-v3 snapshot verify "$work/v3.snap" -o json
vg 0 diff-snapshot-v2 diff "$work/v2.snap" v2
vg 0 diff-v3-snapshot-v3 diff "$work/v3.snap" v3 --values
vg 0 diff-v2-v3 diff v2 v3
vg 0 inspect-v3 inspect --api v3
vg 1 check-v2-content check v2-content
vg 0 preflight preflight --junit "$work/preflight.xml"

# Restore into a second, empty etcd, in both APIs, then prove it with diff.
h_etcd_start target --v2
TARGET=$(h_endpoint target)
vg 0 restore-dry-run snapshot restore "$work/v3.snap" --endpoints "$TARGET" --dry-run
vg 0 restore-v3 snapshot restore "$work/v3.snap" --endpoints "$TARGET"
vg 0 restore-v2 snapshot restore "$work/v2.snap" --endpoints "$TARGET"
vg 0 diff-restored-v3 diff "$work/v3.snap" v3 --endpoints "$TARGET"
vg 0 restore-again-same snapshot restore "$work/v3.snap" --endpoints "$TARGET" -o json

# Failure paths: bad input, nothing listening, conflicts.
head -c 2000 "$work/v3.snap" >"$work/truncated.snap"
vg 2 verify-truncated snapshot verify "$work/truncated.snap"
vg 2 diff-missing-file diff "$work/none.snap" v3
h_free_port
vg 3 status-refused status --endpoints "http://127.0.0.1:$H_PORT" --dial-timeout 1s
vg 3 save-refused snapshot save "$work/x.snap" --api v3 --endpoints "http://127.0.0.1:$H_PORT" \
	--dial-timeout 1s
ETCDCTL_API=3 etcdctl --endpoints "$TARGET" put /calico/v1/config/LogSeverityScreen changed \
	>/dev/null
vg 1 restore-conflict snapshot restore "$work/v3.snap" --endpoints "$TARGET"
vg 1 diff-changed diff "$work/v3.snap" v3 --endpoints "$TARGET" --values

# TLS with client certificates (OpenSSL through libcurl and gRPC), and a CA
# that does not match.
h_etcd_start sec --v2 --tls
SEC=$(h_endpoint sec)
tls=(--endpoints "$SEC" --cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY")
vg 0 tls-status status "${tls[@]}"
vg 0 tls-ls-v2 ls --api v2 "${tls[@]}"
vg 0 tls-snapshot-save-v3 snapshot save "$work/tls.snap" --api v3 "${tls[@]}"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other-ca \
	-keyout "$work/other-ca.key" -out "$work/other-ca.crt" 2>/dev/null
vg 4 tls-wrong-ca-v3 ls --api v3 --endpoints "$SEC" --cacert "$work/other-ca.crt" \
	--cert "$H_CERT" --key "$H_KEY"
vg 4 tls-wrong-ca-v2 ls --api v2 --endpoints "$SEC" --cacert "$work/other-ca.crt" \
	--cert "$H_CERT" --key "$H_KEY"

echo
echo "$n commands under valgrind in $((SECONDS - start)) s; logs in $logs"
if ((bad)); then
	echo "valgrind: $bad of $n commands failed" >&2
	exit 1
fi
echo "valgrind: $n commands, 0 errors, no definite leaks"
