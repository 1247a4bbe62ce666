#!/usr/bin/env bash
# The dsck demo: an etcd 2 -> 3 upgrade of a Calico v2.6 datastore, checked
# at every step. Installs what is missing, builds, starts a throwaway etcd 3.4
# on loopback, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/deps.sh
if [[ ! -f build/build.ninja ]]; then
	meson setup build --buildtype=release -Dtests=disabled >/dev/null
fi
ninja -C build >/dev/null
export PATH=$root/build/src:$PATH
fixture=$root/build/tools/dsck-fixture

source "$root/tests/lib/harness.sh"
H_ETCD_LOG_LEVEL=error

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || printf '(exit status %d)\n' "$?"; }

step "Start a throwaway etcd 3.4 with the v2 API, as Calico v2.x needs"
h_etcd_start demo --v2
export DSCK_ENDPOINTS=$(h_endpoint demo)
echo "etcd is listening on $DSCK_ENDPOINTS (data in $(h_datadir demo))"

step "Load a realistic Calico v2.6 datastore (20 nodes, 10 pods each) over the v2 API"
"$fixture" --endpoint "$DSCK_ENDPOINTS" --hosts 20 --workloads-per-host 10 --seed 1

step "Where does the Calico data live?"
run dsck version
run dsck config
run dsck status

step "A look at the raw keys"
run dsck ls /calico/v1/config --api v2
run dsck get /calico/v1/Ready --api v2

step "Is it safe to run etcdctl migrate now? (v3 empty, v2 served, TTL keys)"
run dsck check pre-migrate

snap=$H_TMP/calico-before-migrate.snap
step "Back up the v2 data before touching etcd"
run dsck snapshot save "$snap" --api v2
run dsck snapshot verify "$snap"

step "Stop etcd and run the real 'etcdctl migrate' on its data dir (offline; --no-ttl, as pre-migrate advised)"
h_etcd_stop demo
run env ETCDCTL_API=3 etcdctl migrate --data-dir "$(h_datadir demo)" --no-ttl

step "Start etcd again, still serving v2"
h_etcd_restart demo --v2
run dsck status

step "Prove it: v2 still served and untouched, every leaf copied into v3, member by member"
run dsck verify-migrate --before "$snap"

step "The same, as a key-level diff (directories are not keys in v3)"
run dsck diff "$snap" v2
run dsck diff "$snap" v3

step "What a broken migration looks like: a v3 copy lost, a v2 key changed"
ETCDCTL_API=3 etcdctl --endpoints "$DSCK_ENDPOINTS" del /calico/v1/config/ClusterType >/dev/null
curl -s -XPUT "$DSCK_ENDPOINTS/v2/keys/calico/v1/config/LogSeverityScreen" -d value=debug >/dev/null
run dsck verify-migrate --before "$snap"

step "Done. etcd is stopped and its data removed."
