#!/usr/bin/env bash
# dsck benchmarks, side by side with etcdctl/curl/sha256sum (SPEC §11).
# Starts a throwaway etcd on loopback, generates Calico-like data, prints wall
# time, peak RSS and the ratios. Not part of the test suite: it takes minutes.
#
#   scripts/bench.sh                 # 1,000,000 v3 keys, 100,000 v2 keys
#   BENCH_V3_KEYS=200000 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
V3_KEYS=${BENCH_V3_KEYS:-1000000}
V2_HOSTS=${BENCH_V2_HOSTS:-500}      # x 95 workloads ~ 100,000 v2 keys

scripts/deps.sh
if [[ ! -f build-bench/build.ninja ]]; then
	meson setup build-bench --buildtype=release -Dtests=disabled >/dev/null
fi
ninja -C build-bench >/dev/null
DSCK=$root/build-bench/src/dsck
FIXTURE=$root/build-bench/tools/dsck-fixture

source "$root/tests/lib/harness.sh"
H_ETCD_LOG_LEVEL=error
work=$H_TMP/bench
mkdir -p "$work"

# measure NAME CMD... : wall seconds and peak RSS (MiB) into M_WALL / M_RSS
measure() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
	read -r M_WALL M_RSS <"$work/time"
	M_RSS=$((M_RSS / 1024))
	printf '  %-44s %8.2f s %7d MiB\n' "$name" "$M_WALL" "$M_RSS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
results=()
row() { results+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$4")"); }

# A v3 snapshot of N Calico-like keys (~280-byte workload endpoint values),
# generated already sorted, with a valid trailer.
make_snapshot() {
	local n=$1 out=$2 body=$work/body
	printf '{"api":"v3","created":"2026-01-01T00:00:00Z","dsck_snapshot":1,"ephemeral":"excluded","prefix":"/calico","source":{"endpoint":"generated","revision":1},"tool":"bench"}\n' >"$body"
	awk -v n="$n" 'BEGIN {
		hosts = int((n + 99) / 100)
		for (h = 0; h < hosts; h++)
			for (p = 0; p < 100 && c < n; p++) {
				c++
				printf "{\"create_revision\":1,\"key\":\"/calico/v1/host/node-%05d/workload/k8s/default.pod-%05d/endpoint/eth0\",\"lease\":0,\"mod_revision\":1,\"value\":\"{\\\"state\\\":\\\"active\\\",\\\"name\\\":\\\"cali%011d\\\",\\\"active_instance_id\\\":\\\"%032d\\\",\\\"mac\\\":\\\"6a:1f:0c:44:b2:90\\\",\\\"profile_ids\\\":[\\\"k8s_ns.default\\\"],\\\"ipv4_nets\\\":[\\\"192.168.%d.%d/32\\\"],\\\"ipv6_nets\\\":[],\\\"labels\\\":{\\\"app\\\":\\\"bench\\\",\\\"calico/k8s_ns\\\":\\\"default\\\"}}\",\"version\":1}\n", h, p, c, c, int(c / 256) % 256, c % 256
			}
	}' >>"$body"
	local sum
	sum=$(sha256sum "$body" | cut -d' ' -f1)
	{ cat "$body"; printf '{"end":true,"records":%d,"sha256":"%s"}\n' "$n" "$sum"; } >"$out"
	rm -f "$body"
}

echo "== dsck benchmark on $(nproc) cores, etcd $(etcd --version | head -1 | awk '{print $3}'), $(date -u +%F)"
h_etcd_start bench --v2 -- --quota-backend-bytes=8589934592 --auto-compaction-retention=0
EP=$(h_endpoint bench)
export DSCK_ENDPOINTS=$EP ETCDCTL_API=3

echo "-- v3: $V3_KEYS keys"
make_snapshot "$V3_KEYS" "$work/gen.snap"
measure "dsck snapshot restore --to v3 (load)" "$DSCK" snapshot restore "$work/gen.snap" -q
restore_wall=$M_WALL
restore_rate=$(awk -v n="$V3_KEYS" -v t="$restore_wall" 'BEGIN { printf "%.0f", n / t }')
measure "etcdctl get --prefix /calico -w json > f" sh -c "etcdctl --endpoints $EP get --prefix /calico -w json > $work/etcdctl.json"
ctl_wall=$M_WALL ctl_rss=$M_RSS
measure "etcdctl get --prefix /calico > f" sh -c "etcdctl --endpoints $EP get --prefix /calico > $work/etcdctl.txt"
rm -f "$work/etcdctl.json" "$work/etcdctl.txt"
measure "dsck snapshot save --api v3" "$DSCK" snapshot save "$work/a.snap" --api v3 -q
save_wall=$M_WALL save_rss=$M_RSS
row "snapshot save --api v3, $V3_KEYS keys" "$(ratio "$save_wall" "$ctl_wall") x etcdctl json ($save_wall s vs $ctl_wall s)" "$save_rss MiB (etcdctl $ctl_rss MiB)" "<= 0.8 x, <= 64 MiB"

"$DSCK" snapshot save "$work/b.snap" --api v3 -q
measure "sha256sum A B" sha256sum "$work/a.snap" "$work/b.snap"
sha_wall=$M_WALL
measure "dsck diff A B" "$DSCK" diff "$work/a.snap" "$work/b.snap" -q
diff_wall=$M_WALL diff_rss=$M_RSS
row "diff A B, two $V3_KEYS-key snapshots" "$(ratio "$diff_wall" "$sha_wall") x sha256sum ($diff_wall s vs $sha_wall s)" "$diff_rss MiB" "<= 2 x, <= 64 MiB"

# The same store as an etcd backend file (docs/physical-snapshots.md): verify
# it, and diff it against the logical snapshot A, next to sha256sum of the file.
etcdctl --endpoints "$EP" snapshot save "$work/phys.db" >/dev/null 2>&1
measure "sha256sum phys.db" sha256sum "$work/phys.db"
psha_wall=$M_WALL
measure "dsck snapshot verify phys.db" "$DSCK" snapshot verify "$work/phys.db" -q
pver_wall=$M_WALL pver_rss=$M_RSS
measure "dsck diff phys.db A" "$DSCK" diff "$work/phys.db" "$work/a.snap" -q
pdiff_wall=$M_WALL pdiff_rss=$M_RSS
row "snapshot verify of an etcdctl snapshot file, $V3_KEYS keys ($(($(stat -c %s "$work/phys.db") / 1048576)) MiB)" "$(ratio "$pver_wall" "$psha_wall") x sha256sum ($pver_wall s vs $psha_wall s)" "$pver_rss MiB" "<= 2 x, <= 64 MiB + mapping"
row "diff etcdctl snapshot file vs logical snapshot, $V3_KEYS keys" "$(ratio "$pdiff_wall" "$psha_wall") x sha256sum of the file ($pdiff_wall s)" "$pdiff_rss MiB" "<= 2 x, <= 64 MiB + mapping"
rm -f "$work/phys.db"

# One etcdctl process per key, on a sample (it is far too slow for all keys).
sample=2000
start=$(date +%s.%N)
for i in $(seq 1 $sample); do etcdctl --endpoints "$EP" put "/bench/put/$i" "value-$i" >/dev/null; done
end=$(date +%s.%N)
put_rate=$(awk -v n=$sample -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
printf '  %-44s %8s keys/s\n' "etcdctl put, one process per key" "$put_rate"
printf '  %-44s %8s keys/s\n' "dsck snapshot restore --to v3" "$restore_rate"
row "snapshot restore --to v3, $V3_KEYS keys into an empty etcd" "$restore_rate keys/s ($(ratio "$restore_rate" "$put_rate") x one etcdctl put per key: $put_rate keys/s)" "-" ">= 20,000 keys/s, >= 100 x"
rm -f "$work/a.snap" "$work/b.snap" "$work/gen.snap"

echo "-- v2: Calico fixture, $V2_HOSTS hosts x 95 workloads"
h_etcd_start v2 --v2
V2=$(h_endpoint v2)
"$FIXTURE" --endpoint "$V2" --hosts "$V2_HOSTS" --workloads-per-host 95 --seed 11 2>/dev/null
# One unmeasured GET first: the first recursive GET after a load is slower for anyone.
curl -s "$V2/v2/keys/calico?recursive=true&sorted=true&quorum=true" >/dev/null
measure "curl recursive GET > f" sh -c "curl -s '$V2/v2/keys/calico?recursive=true&sorted=true&quorum=true' > $work/v2.json"
curl_wall=$M_WALL
body=$(( $(stat -c %s "$work/v2.json") / 1048576 ))
measure "dsck snapshot save --api v2" "$DSCK" snapshot save "$work/v2.snap" --api v2 --endpoints "$V2" -q
row "snapshot save --api v2, $(grep -c '"key"' "$work/v2.snap") records" "$(ratio "$M_WALL" "$curl_wall") x curl ($M_WALL s vs $curl_wall s)" "$M_RSS MiB for a $body MiB response ($(ratio "$M_RSS" "$body") x)" "<= 2 x, <= 1.5 x response"
v2save=$M_WALL
"$DSCK" migrate v2-to-v3 --endpoints "$V2" -q >/dev/null
measure "dsck snapshot save --api v3 (the copy)" "$DSCK" snapshot save "$work/v3.snap" --api v3 --endpoints "$V2" -q
v3save=$M_WALL
measure "dsck verify-migrate" "$DSCK" verify-migrate --endpoints "$V2" -q -o json
verify_wall=$M_WALL
row "verify-migrate, $(grep -c '"key"' "$work/v3.snap") v3 keys" "$(ratio "$verify_wall" "$(awk -v a="$v2save" -v b="$v3save" 'BEGIN{print a+b}')") x (v2 + v3 snapshot)" "$M_RSS MiB" "<= 1.2 x"

echo
echo "| operation | time | peak RSS | target |"
echo "|---|---|---|---|"
printf '%s\n' "${results[@]}"
