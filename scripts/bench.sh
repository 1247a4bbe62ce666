#!/usr/bin/env bash
# dsck benchmarks, side by side with etcdctl, curl and sha256sum, as ratios
# (docs/benchmarks.md). Starts throwaway etcd servers on loopback, generates
# the data, runs every measurement BENCH_RUNS times (default 3) and prints the
# median with the spread (min-max), the etcd server's own CPU time next to
# each wall time, and a yes/no against each target. Not part of the test
# suite: a full run takes several minutes on an otherwise idle machine.
#
#   scripts/bench.sh                                   # 1,000,000 keys, 2 shapes
#   BENCH_V3_KEYS=200000 BENCH_GROWTH="" scripts/bench.sh   # a quick run
#   BENCH_GROWTH="100000 1000000 3000000"              # the linear-growth rows
#   BENCH_GROWTH_RUNS=5                                # their alternating rounds
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
V3_KEYS=${BENCH_V3_KEYS:-1000000}
V2_HOSTS=${BENCH_V2_HOSTS:-500}      # x 95 workloads: ~100,000 v2 keys
RUNS=${BENCH_RUNS:-3}
PAIR_RUNS=${BENCH_PAIR_RUNS:-10}    # the v2 save and curl, in ABBA order (measure_pair)
GROWTH=${BENCH_GROWTH-100000 1000000 3000000}
GROWTH_RUNS=${BENCH_GROWTH_RUNS:-5} # rounds of the growth saves, sizes alternating

scripts/deps.sh
if [[ ! -f build-bench/build.ninja ]]; then
	meson setup build-bench --buildtype=release -Dtests=disabled >/dev/null
fi
ninja -C build-bench >/dev/null
DSCK=$root/build-bench/src/dsck
FIXTURE=$root/build-bench/tools/dsck-fixture
export ETCDCTL_API=3

source "$root/tests/lib/harness.sh"
H_ETCD_LOG_LEVEL=error
work=$H_TMP/bench
mkdir -p "$work"
tick=$(getconf CLK_TCK)

# Server CPU seconds (user + system) of a running etcd, from /proc.
srv_cpu() { awk -v t="$tick" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }

# run_once PID CMD...: run CMD once, from a clean $work/out; sets T_WALL,
# T_RSS (MiB), T_CPU (the server's CPU seconds meanwhile) and T_OWN (the
# command's own user + system CPU seconds).
run_once() {
	local pid=$1 c0 c1 w r
	shift
	rm -f "$work/out" "$work/out.tmp"
	sync
	c0=$(srv_cpu "$pid")
	/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >/dev/null
	c1=$(srv_cpu "$pid")
	read -r w r u s <"$work/time"
	T_WALL=$w T_RSS=$((r / 1024)) T_RSS_KIB=$r
	T_OWN=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	T_CPU=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
}
spread() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd-; }

# measure NAME PID CMD... : run CMD RUNS times; M_WALL/M_CPU/M_RSS are the
# medians, M_SPREAD "min-max" of the wall times. The output of CMD goes to
# $work/out (removed before each run so every run writes from scratch).
measure() {
	local name=$1 pid=$2 walls=() cpus=() rsss=()
	shift 2
	for ((i = 0; i < RUNS; i++)); do
		run_once "$pid" "$@"
		walls+=("$T_WALL") rsss+=("$T_RSS") cpus+=("$T_CPU")
	done
	M_WALL=$(median "${walls[@]}") M_CPU=$(median "${cpus[@]}") M_RSS=$(median "${rsss[@]}")
	M_SPREAD=$(spread "${walls[@]}")
	printf '  %-52s %7.2f s (%s) server %6.2f s %6d MiB\n' "$name" "$M_WALL" "$M_SPREAD" \
		"$M_CPU" "$M_RSS"
}
# measure_pair NAME_A CMD_A NAME_B PID CMD_B...: like measure for two
# commands, PAIR_RUNS times each in ABBA order (A B B A A B ...), so both see
# the same server state: etcd's v2 GET time swings with its garbage
# collector, which runs every few GETs, and a plain A B A B order can let it
# land on one side more often. CMD_A is one shell string. Sets A_WALL,
# A_SPREAD, A_CPU and M_WALL/M_SPREAD/M_CPU/M_RSS (and M_RSS_KIB, unrounded)
# for B.
measure_pair() {
	local na=$1 ca=$2 nb=$3 pid=$4 wa=() ca_cpu=() wb=() cpus=() rsss=() kibs=() k order
	shift 4
	for ((i = 0; i < PAIR_RUNS; i++)); do
		order="a b"
		((i % 2 == 0)) || order="b a"
		for k in $order; do
			if [[ $k == a ]]; then
				run_once "$pid" sh -c "$ca"
				wa+=("$T_WALL") ca_cpu+=("$T_CPU")
			else
				run_once "$pid" "$@"
				wb+=("$T_WALL") rsss+=("$T_RSS") cpus+=("$T_CPU") kibs+=("$T_RSS_KIB")
			fi
		done
	done
	A_WALL=$(median "${wa[@]}") A_SPREAD=$(spread "${wa[@]}") A_CPU=$(median "${ca_cpu[@]}")
	M_WALL=$(median "${wb[@]}") M_CPU=$(median "${cpus[@]}") M_RSS=$(median "${rsss[@]}")
	M_SPREAD=$(spread "${wb[@]}") M_RSS_KIB=$(median "${kibs[@]}")
	printf '  %-52s %7.2f s (%s) server %6.2f s\n' "$na" "$A_WALL" "$A_SPREAD" "$A_CPU"
	printf '  %-52s %7.2f s (%s) server %6.2f s %6d MiB\n' "$nb" "$M_WALL" "$M_SPREAD" \
		"$M_CPU" "$M_RSS"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# yes when $1 <= $2 (or >= with "ge")
meets() { awk -v a="$1" -v b="$2" -v ge="${3:-}" 'BEGIN { print ((ge ? a >= b : a <= b) ? "yes" : "no") }'; }
results=()
row() { results+=("$(printf '| %s | %s | %s | %s | %s |' "$1" "$2" "$3" "$4" "$5")"); }

# A v3 snapshot of N keys, generated already sorted, with a valid trailer.
#   wep: Calico workload endpoints, ~280-byte JSON values full of quotes
#   seq: sequential keys, ~300-byte plain values
make_snapshot() {
	local shape=$1 n=$2 out=$3 body=$work/body
	printf '{"api":"v3","created":"2026-01-01T00:00:00Z","dsck_snapshot":1,"ephemeral":"excluded","prefix":"/calico","source":{"endpoint":"generated","revision":1},"tool":"bench"}\n' >"$body"
	awk -v n="$n" -v shape="$shape" 'BEGIN {
		pad = sprintf("%270s", ""); gsub(/ /, "v", pad)
		if (shape == "seq") {
			for (c = 0; c < n; c++)
				printf "{\"create_revision\":1,\"key\":\"/calico/seq/%09d\",\"lease\":0,\"mod_revision\":1,\"value\":\"%09d-%s\",\"version\":1}\n", c, c, pad
			exit
		}
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

# One counter of etcd's /metrics.
metric() { curl -s "$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }

# CPU ticks of each thread of a process: "TID TICKS" lines.
thread_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v id="${t##*/}" '{ print id, $14 + $15 }' "$t/stat" 2>/dev/null || true
	done
}

# Sample etcd's goroutines every quarter second until file $2 appears; print
# "SAMPLES BUSY": how many dumps were taken, and in how many etcd's apply
# loop was applying. etcd applies every committed entry on one goroutine,
# in order (docs/benchmarks.md, "Restore: when is etcd the limit").
apply_sampler() {
	local ep=$1 stop=$2 n=0 busy=0
	while [[ ! -e $stop ]]; do
		if curl -s --max-time 5 "$ep/debug/pprof/goroutine?debug=2" >"$work/gdump" 2>/dev/null &&
			[[ -s $work/gdump ]]; then
			n=$((n + 1))
			grep -q 'applyAll(' "$work/gdump" && busy=$((busy + 1))
		fi
		sleep 0.25
	done
	echo "$n $busy"
}

# etcd's own time handling Txn requests, gRPC handler in to out (seconds, count).
txn_handling() {
	curl -s "$1/metrics" | awk '/^grpc_server_handling_seconds_(sum|count)\{grpc_method="Txn"/ {
		if ($1 ~ /_sum/) s = $2; else c = $2 } END { printf "%s %s", s + 0, c + 0 }'
}

# A fresh etcd loaded with N keys of SHAPE, with IN_FLIGHT Txn batches in
# flight (default: dsck's own). Sets EP and PID, LOAD_RATE, LOAD_SRV (the
# server's CPU share of the load's wall time), LOAD_THREAD (the busiest etcd
# thread's share), LOAD_DSCK (dsck's own share), LOAD_FSYNC (WAL fsync's
# share), LOAD_APPLY (the share of goroutine samples in which etcd's apply
# loop was busy) and LOAD_LATENCY (etcd's mean time handling one Txn, ms).
fresh_etcd() {
	local name=$1 shape=$2 n=$3 inflight=${4:-} c0 c1 w u s h0 h1 sampler
	h_etcd_start "$name" -- --quota-backend-bytes=8589934592 --auto-compaction-retention=0 \
		--enable-pprof --metrics=extensive
	EP=$(h_endpoint "$name") PID=$(h_pid "$name")
	make_snapshot "$shape" "$n" "$work/gen.snap"
	thread_ticks "$PID" >"$work/threads0"
	metric "$EP" etcd_disk_wal_fsync_duration_seconds_sum >"$work/fsync0"
	h0=$(txn_handling "$EP")
	rm -f "$work/load.done"
	apply_sampler "$EP" "$work/load.done" >"$work/apply" &
	sampler=$!
	c0=$(srv_cpu "$PID")
	env ${inflight:+DSCK_RESTORE_IN_FLIGHT=$inflight} /usr/bin/time -f '%e %U %S' -o "$work/time" \
		"$DSCK" snapshot restore "$work/gen.snap" --to v3 --endpoints "$EP" -q >/dev/null
	c1=$(srv_cpu "$PID")
	touch "$work/load.done"
	wait "$sampler"
	thread_ticks "$PID" >"$work/threads1"
	h1=$(txn_handling "$EP")
	read -r w u s <"$work/time"
	LOAD_FSYNC=$(awk -v a="$(<"$work/fsync0")" -v b="$(metric "$EP" etcd_disk_wal_fsync_duration_seconds_sum)" \
		-v t="$w" 'BEGIN { printf "%.2f", (b - a) / t }')
	LOAD_RATE=$(awk -v n="$n" -v t="$w" 'BEGIN { printf "%.0f", n / t }')
	LOAD_SRV=$(awk -v a="$c0" -v b="$c1" -v t="$w" 'BEGIN { printf "%.2f", (b - a) / t }')
	LOAD_DSCK=$(awk -v u="$u" -v s="$s" -v t="$w" 'BEGIN { printf "%.2f", (u + s) / t }')
	LOAD_THREAD=$(awk -v hz="$tick" -v t="$w" 'NR == FNR { before[$1] = $2; next }
		{ d = ($2 - before[$1]) / hz / t; if (d > max) max = d }
		END { printf "%.2f", max }' "$work/threads0" "$work/threads1")
	LOAD_APPLY=$(awk '{ printf "%.2f (%d of %d samples)", ($1 ? $2 / $1 : 0), $2, $1 }' "$work/apply")
	LOAD_LATENCY=$(awk -v a="$h0" -v b="$h1" 'BEGIN { split(a, x, " "); split(b, y, " ");
		printf "%.1f", (y[2] > x[2] ? (y[1] - x[1]) / (y[2] - x[2]) * 1000 : 0) }')
	printf '  %-52s %7.2f s = %s keys/s, etcd busy %s cores (busiest thread %s, WAL fsync %s of the time), apply loop busy %s, %s ms a Txn in etcd, dsck %s cores\n' \
		"load $n $shape keys (restore${inflight:+, $inflight in flight})" "$w" "$LOAD_RATE" "$LOAD_SRV" \
		"$LOAD_THREAD" "$LOAD_FSYNC" "$LOAD_APPLY" "$LOAD_LATENCY" "$LOAD_DSCK"
	rm -f "$work/gen.snap" "$work/threads0" "$work/threads1" "$work/fsync0" "$work/apply" "$work/gdump"
}

ctl() { etcdctl --command-timeout=600s --endpoints "$EP" "$@"; }

echo "== dsck benchmark on $(nproc) cores, etcd $(etcd --version | head -1 | awk '{print $3}'), $(date -u +%F), $RUNS runs each"
declare -A SAVE_WALL
for shape in wep seq; do
	echo "-- v3 save, $V3_KEYS $shape keys"
	# The same load with 4 x the batches in flight, on its own fresh etcd:
	# if etcd had room, more concurrent Txns would go faster; if it is the
	# limit, they only wait longer inside it (docs/benchmarks.md). Loads
	# alternate, 64 then 16 in flight, RUNS times each; the last etcd loaded
	# with 16 stays for the saves.
	q_rates=() q_lats=() n_rates=() n_lats=()
	for ((k = 0; k < RUNS; k++)); do
		fresh_etcd "v3${shape}q$k" "$shape" "$V3_KEYS" 64
		q_rates+=("$LOAD_RATE") q_lats+=("$LOAD_LATENCY")
		h_etcd_stop "v3${shape}q$k"
		rm -rf "$(h_datadir "v3${shape}q$k")"
		name=v3$shape
		((k + 1 == RUNS)) || name=v3${shape}n$k
		fresh_etcd "$name" "$shape" "$V3_KEYS"
		n_rates+=("$LOAD_RATE") n_lats+=("$LOAD_LATENCY")
		if [[ $name != "v3$shape" ]]; then
			h_etcd_stop "$name"
			rm -rf "$(h_datadir "$name")"
		fi
	done
	q_rate=$(median "${q_rates[@]}") q_latency=$(median "${q_lats[@]}")
	load_rate=$(median "${n_rates[@]}") load_spread=$(spread "${n_rates[@]}")
	LOAD_LATENCY=$(median "${n_lats[@]}")
	# Each 64-in-flight load against the 16-in-flight load right after it:
	# the machine's speed drifts between pairs more than within one.
	pair_rate=() pair_lat=()
	for ((k = 0; k < RUNS; k++)); do
		pair_rate+=("$(ratio "${q_rates[$k]}" "${n_rates[$k]}")")
		pair_lat+=("$(ratio "${q_lats[$k]}" "${n_lats[$k]}")")
	done
	sat_rate=$(median "${pair_rate[@]}") sat_lat=$(median "${pair_lat[@]}")
	# The server's shares below are those of the last load.
	load_srv=$LOAD_SRV load_thread=$LOAD_THREAD load_dsck=$LOAD_DSCK
	load_fsync=$LOAD_FSYNC load_apply=$LOAD_APPLY load_latency=$LOAD_LATENCY
	# Saturated (docs/benchmarks.md): 4 x the batches in flight is not 10 %
	# faster, and a Txn then spends at least 3 x as long inside etcd: the
	# extra requests queue in the server instead of being served. Both are
	# medians of the paired ratios.
	load_sat=$(awk -v r="$sat_rate" -v l="$sat_lat" 'BEGIN { print ((r <= 1.1 && l >= 3) ? "yes" : "no") }')
	measure "etcdctl get --prefix /calico > f" "$PID" sh -c "etcdctl --command-timeout=600s --endpoints $EP get --prefix /calico > $work/out"
	ctl_wall=$M_WALL ctl_cpu=$M_CPU ctl_rss=$M_RSS
	measure "etcdctl get --prefix /calico -w json > f" "$PID" sh -c "etcdctl --command-timeout=600s --endpoints $EP get --prefix /calico -w json > $work/out"
	json_wall=$M_WALL
	measure "dsck snapshot save --api v3" "$PID" "$DSCK" snapshot save "$work/out" --api v3 --endpoints "$EP" -q
	save_wall=$M_WALL save_cpu=$M_CPU save_rss=$M_RSS save_spread=$M_SPREAD
	SAVE_WALL[$shape]=$save_wall
	"$DSCK" snapshot save "$work/a.snap" --api v3 --endpoints "$EP" -q >/dev/null
	size=$(stat -c %s "$work/a.snap")
	measure "disk: write and fsync $((size / 1048576)) MiB" "$PID" dd if=/dev/zero of="$work/out" bs=1M count=$((size / 1048576)) conv=fsync status=none
	disk_wall=$M_WALL
	row "snapshot save --api v3, $V3_KEYS $shape keys" \
		"$save_wall s ($save_spread) = **$(ratio "$save_wall" "$ctl_wall") x** etcdctl plain ($ctl_wall s), $(ratio "$save_wall" "$json_wall") x etcdctl json ($json_wall s); limits: etcd serves one range in $ctl_cpu s CPU, disk writes the $((size / 1048576)) MiB in $disk_wall s" \
		"etcd CPU $save_cpu s = $(ratio "$save_cpu" "$ctl_cpu") x that of etcdctl's one range ($ctl_cpu s); RSS $save_rss MiB (etcdctl $ctl_rss MiB)" \
		"<= 0.6 x etcdctl plain; etcd CPU <= 1.3 x; <= 64 MiB" \
		"$(meets "$(ratio "$save_wall" "$ctl_wall")" 0.6) / $(meets "$(ratio "$save_cpu" "$ctl_cpu")" 1.3) / $(meets "$save_rss" 64)"
	row "snapshot restore --to v3, $V3_KEYS $shape keys into an empty etcd" \
		"$load_rate keys/s ($load_spread) = $(ratio "$load_rate" 52659) x the 52,659 keys/s of the first release" \
		"etcd busy $load_srv cores (busiest thread $load_thread, WAL fsync $load_fsync of the time), dsck $load_dsck cores, of $(nproc); etcd's apply loop busy $load_apply; a Txn spends $load_latency ms in etcd; with 64 batches in flight instead of 16: $q_rate keys/s, $q_latency ms a Txn in etcd (medians of $RUNS alternating loads each); paired, each 64-in-flight load against the 16-in-flight one after it: $sat_rate x the rate (${pair_rate[*]}), $sat_lat x the Txn time (${pair_lat[*]})" \
		">= 1.5 x, or etcd saturated" \
		"$(meets "$(ratio "$load_rate" 52659)" 1.5 ge) / saturated: $load_sat"
	if [[ $shape == wep ]]; then
		"$DSCK" snapshot save "$work/b.snap" --api v3 --endpoints "$EP" -q >/dev/null
		measure "sha256sum A B" "$PID" sha256sum "$work/a.snap" "$work/b.snap"
		sha_wall=$M_WALL
		measure "dsck diff A B" "$PID" "$DSCK" diff "$work/a.snap" "$work/b.snap" -q
		row "diff A B, two $V3_KEYS-key snapshots" "$M_WALL s ($M_SPREAD) = $(ratio "$M_WALL" "$sha_wall") x sha256sum A B ($sha_wall s)" "$M_RSS MiB" "<= 2 x, <= 64 MiB" \
			"$(meets "$(ratio "$M_WALL" "$sha_wall")" 2) / $(meets "$M_RSS" 64)"
		# The same store as an etcd backend file (docs/physical-snapshots.md).
		ctl snapshot save "$work/phys.db" >/dev/null 2>&1
		measure "sha256sum phys.db" "$PID" sha256sum "$work/phys.db"
		psha_wall=$M_WALL
		measure "dsck snapshot verify phys.db" "$PID" "$DSCK" snapshot verify "$work/phys.db" -q
		row "snapshot verify of an etcdctl snapshot file, $V3_KEYS keys ($(($(stat -c %s "$work/phys.db") / 1048576)) MiB)" "$M_WALL s = $(ratio "$M_WALL" "$psha_wall") x sha256sum ($psha_wall s)" "$M_RSS MiB" "<= 2 x" "$(meets "$(ratio "$M_WALL" "$psha_wall")" 2)"
		measure "dsck diff phys.db A" "$PID" "$DSCK" diff "$work/phys.db" "$work/a.snap" -q
		row "diff etcdctl snapshot file vs logical snapshot, $V3_KEYS keys" "$M_WALL s = $(ratio "$M_WALL" "$psha_wall") x sha256sum of the file" "$M_RSS MiB" "<= 2 x" "$(meets "$(ratio "$M_WALL" "$psha_wall")" 2)"
		rm -f "$work/phys.db" "$work/b.snap"
		# One etcdctl process per key, on a sample (far too slow for all keys).
		sample=500 start=$(date +%s.%N)
		for i in $(seq 1 $sample); do ctl put "/bench/put/$i" "value-$i" >/dev/null; done
		put_rate=$(awk -v n=$sample -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", n / (b - a) }')
		row "snapshot restore vs one etcdctl put per key" "$load_rate keys/s = $(ratio "$load_rate" "$put_rate") x ($put_rate keys/s)" "-" ">= 100 x" "$(meets "$(ratio "$load_rate" "$put_rate")" 100 ge)"
	fi
	rm -f "$work/a.snap"
	h_etcd_stop "v3$shape"
	rm -rf "$(h_datadir "v3$shape")"
done

if [[ -n $GROWTH ]]; then
	# Every size is loaded first, each into its own etcd, and the saves then
	# alternate between sizes, GROWTH_RUNS rounds, the order reversed every
	# other round: a slow spell of the VM lands on every size alike instead
	# of on the one measured during it (docs/benchmarks.md, "Run to run").
	echo "-- linear growth: snapshot save --api v3 of wep keys, sizes alternating, $GROWTH_RUNS rounds"
	declare -A PERKEY PEAK GSRV GEP GPID GWALLS GRSS GCPU GOWN OWNKEY
	for n in $GROWTH; do
		fresh_etcd "grow$n" wep "$n"
		GEP[$n]=$EP GPID[$n]=$PID
	done
	set -- $GROWTH
	first=$1 last=${!#}
	mid=${2:-$first}
	reversed=$(printf '%s\n' $GROWTH | tac | paste -sd' ')
	for ((r = 0; r < GROWTH_RUNS; r++)); do
		order=$GROWTH
		((r % 2 == 0)) || order=$reversed
		for n in $order; do
			run_once "${GPID[$n]}" "$DSCK" snapshot save "$work/out" --api v3 --endpoints "${GEP[$n]}" -q
			GWALLS[$n]+="$T_WALL " GRSS[$n]+="$T_RSS " GCPU[$n]+="$T_CPU " GOWN[$n]+="$T_OWN "
		done
	done
	for n in $GROWTH; do
		# shellcheck disable=SC2086
		w=$(median ${GWALLS[$n]}) sp=$(spread ${GWALLS[$n]})
		# shellcheck disable=SC2086
		PEAK[$n]=$(median ${GRSS[$n]}) GSRV[$n]=$(median ${GCPU[$n]})
		# shellcheck disable=SC2086
		own=$(median ${GOWN[$n]})
		OWNKEY[$n]=$(awk -v t="$own" -v n="$n" 'BEGIN { printf "%.3f", t / n * 1e6 }')
		PERKEY[$n]=$(awk -v t="$w" -v n="$n" 'BEGIN { printf "%.3f", t / n * 1e6 }')
		printf '  %-52s %7.2f s (%s) server %6.2f s %6d MiB, dsck CPU %.2f s\n' \
			"dsck snapshot save --api v3, $n keys" "$w" "$sp" "${GSRV[$n]}" "${PEAK[$n]}" "$own"
		h_etcd_stop "grow$n"
		rm -rf "$(h_datadir "grow$n")"
	done
	g=$(ratio "${PERKEY[$last]}" "${PERKEY[$mid]}")
	desc=""
	for n in $GROWTH; do desc+="$n: ${PERKEY[$n]} µs/key (dsck CPU ${OWNKEY[$n]} µs/key, etcd CPU ${GSRV[$n]} s), ${PEAK[$n]} MiB; "; done
	row "snapshot save --api v3, growth $first..$last keys" "$desc" "time per key at $last = $g x that at $mid, dsck's own CPU per key $(ratio "${OWNKEY[$last]}" "${OWNKEY[$mid]}") x, etcd's $(ratio "$(awk -v c="${GSRV[$last]}" -v n="$last" 'BEGIN { print c / n }')" "$(awk -v c="${GSRV[$mid]}" -v n="$mid" 'BEGIN { print c / n }')") x (medians of $GROWTH_RUNS alternating rounds)" "<= 1.15 x, memory flat" "$(meets "$g" 1.15)"
fi

echo "-- v2: Calico fixture, $V2_HOSTS hosts x 95 workloads"
h_etcd_start v2 --v2
V2=$(h_endpoint v2) PID=$(h_pid v2)
"$FIXTURE" --endpoint "$V2" --hosts "$V2_HOSTS" --workloads-per-host 95 --seed 11 2>/dev/null
# One unmeasured GET first: the first recursive GET after a load is slower for anyone.
curl -s "$V2/v2/keys/calico?recursive=true&sorted=true&quorum=true" >/dev/null
curl -s "$V2/v2/keys/calico?recursive=true&sorted=true&quorum=true" >"$work/v2.json"
body_kib=$(( $(stat -c %s "$work/v2.json") / 1024 ))
measure_pair "curl recursive GET > f" "curl -s '$V2/v2/keys/calico?recursive=true&sorted=true&quorum=true' > $work/out" \
	"dsck snapshot save --api v2" "$PID" "$DSCK" snapshot save "$work/out" --api v2 --endpoints "$V2" -q
curl_wall=$A_WALL
v2save=$M_WALL
"$DSCK" snapshot save "$work/v2.snap" --api v2 --endpoints "$V2" -q >/dev/null
leaves=$(grep -c '"key"' "$work/v2.snap" || true)
row "snapshot save --api v2, $leaves records" "$v2save s ($M_SPREAD) = **$(ratio "$v2save" "$curl_wall") x** curl of the same GET ($curl_wall s)" "etcd CPU $M_CPU s during dsck's GET, $A_CPU s during curl's; $(mib "$M_RSS_KIB") MiB for a $(mib "$body_kib") MiB response ($(ratio "$M_RSS_KIB" "$body_kib") x)" "<= 1.3 x curl, <= 1.5 x response" \
	"$(meets "$(ratio "$v2save" "$curl_wall")" 1.3) / $(meets "$(ratio "$M_RSS_KIB" "$body_kib")" 1.5)"
"$DSCK" migrate v2-to-v3 --endpoints "$V2" -q >/dev/null
measure "dsck snapshot save --api v3 (the copy)" "$PID" "$DSCK" snapshot save "$work/out" --api v3 --endpoints "$V2" -q
v3save=$M_WALL
measure "dsck verify-migrate" "$PID" "$DSCK" verify-migrate --endpoints "$V2" -q -o json
row "verify-migrate, the same store" "$M_WALL s = $(ratio "$M_WALL" "$(awk -v a="$v2save" -v b="$v3save" 'BEGIN{print a+b}')") x (v2 + v3 snapshot)" "$M_RSS MiB" "<= 1.2 x" \
	"$(meets "$(ratio "$M_WALL" "$(awk -v a="$v2save" -v b="$v3save" 'BEGIN{print a+b}')")" 1.2)"

echo
echo "| operation | result (median of $RUNS, spread) | server CPU / memory | target | met |"
echo "|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
