#!/usr/bin/env bash
# Snapshots: save -> verify -> diff against the live store is equal, in both
# APIs; every kind of damaged file is rejected with its line number by verify
# and by diff; interrupted saves (SIGINT, server gone, disk full) leave no
# file; files are 0600.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

h_etcd_start one --v2
EP=$(h_endpoint one)
export DSCK_ENDPOINTS=$EP
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 6 --workloads-per-host 5 --seed 42
h_assert_rc 0 "load the Calico fixture into v2"
# The same leaves in v3 (what `etcdctl migrate` would produce, TTL keys aside).
"$DSCK_FIXTURE" --print --hosts 6 --workloads-per-host 5 --seed 42 |
	jq -r 'select((.dir | not) and ((.ttl // 0) == 0)) | [.key, .value] | @json' |
	while IFS= read -r kv; do
		h_etcdctl one put "$(jq -r '.[0]' <<<"$kv")" "$(jq -r '.[1]' <<<"$kv")" >/dev/null
	done
h_etcdctl one put /calico/bin/key $'\x01\xff\xfe binary' >/dev/null

snap=$H_TMP/snaps
mkdir -p "$snap"
for api in v2 v3; do
	h_run "$DSCK" snapshot save "$snap/$api.snap" --api "$api" -o json
	h_assert_rc 0 "save $api"
	h_assert_eq 600 "$(stat -c %a "$snap/$api.snap")" "$api snapshot mode 0600"
	[[ ! -e $snap/$api.snap.tmp ]] || h_fail "temp file left behind"
	records=$(jq .records <<<"$H_OUT")
	h_run "$DSCK" snapshot verify "$snap/$api.snap" -o json
	h_assert_rc 0 "verify $api"
	h_assert_eq "$records" "$(jq .counts.records <<<"$H_OUT")" "$api record count"
	h_assert_eq "$api" "$(jq -r .header.api <<<"$H_OUT")" "$api header"
	h_assert_eq 1 "$(jq .counts.kinds.ready <<<"$H_OUT")" "$api counts per Calico kind"
	h_assert_eq 30 "$(jq .counts.kinds.workload_endpoint <<<"$H_OUT")" "$api workload endpoints"
	h_run "$DSCK" diff "$snap/$api.snap" "$api"
	h_assert_rc 0 "diff $api snapshot against the live $api store"
	h_assert_contains "$H_OUT" "0 added, 0 removed, 0 changed" "$api round trip"
	h_pass "snapshot $api round-trips ($records records)"
done
h_run jq -c 'select(.key // "" | test("felix/v1/host/.*/status$"))' "$snap/v2.snap"
h_assert_eq "" "$H_OUT" "ephemeral Felix status keys excluded by default"
h_run "$DSCK" snapshot save "$snap/eph.snap" --api v2 --include-ephemeral -q
h_run jq -c 'select(.key // "" | test("felix/v1/host/.*/status$"))' "$snap/eph.snap"
h_assert_contains "$H_OUT" '"ttl"' "--include-ephemeral keeps them, with their TTL"
h_run "$DSCK" snapshot save "$snap/long.snap" --api v3 --prefix "/calico/$(printf 'x%.0s' {1..1100})"
h_assert_rc 2 "a prefix the header cannot hold is refused"
[[ ! -e $snap/long.snap ]] || h_fail "no file for a refused prefix"
h_run "$DSCK" snapshot save "$snap/ign.snap" --api v2 --ignore '/calico/v1/host/*' -q
h_run grep -c '"/calico/v1/host/' "$snap/ign.snap"
h_assert_eq 0 "$H_OUT" "--ignore drops matching keys"

# v2 vs v3: directories ignored, TTL keys excluded, the binary key only in v3.
h_run "$DSCK" diff "$snap/v2.snap" "$snap/v3.snap" -o json
h_assert_rc 1 "v2 and v3 snapshots differ by the v3-only key"
h_assert_eq '{"added":1,"changed":0,"dirs_added":0,"dirs_removed":0,"dirs_same":0,"removed":0}' \
	"$(jq -c '.summary | del(.same)' <<<"$H_OUT")" "only the binary key differs (directories are not compared with v3)"
h_assert_eq /calico/bin/key "$(jq -r '.added[0]' <<<"$H_OUT")" "added key listed"
h_etcdctl one put /calico/v1/config/LogSeverityScreen debug >/dev/null
h_run "$DSCK" diff "$snap/v3.snap" v3 --values
h_assert_rc 1 "a changed value is a difference"
h_assert_contains "$H_OUT" "~ /calico/v1/config/LogSeverityScreen" "changed key"
h_assert_contains "$H_OUT" "b: debug" "--values shows the new value"
h_pass "diff across APIs and after a change"

# Damaged files: verify and diff both reject them, naming the line.
damage() { # NAME LINE-EXPECTED MESSAGE-EXPECTED (file bad-NAME.snap)
	local f=$snap/bad-$1.snap
	h_run "$DSCK" snapshot verify "$f"
	h_assert_rc 2 "verify rejects $1"
	h_assert_contains "$H_ERR" "$f:$2:" "verify names the line for $1"
	h_assert_contains "$H_ERR" "$3" "verify explains $1"
	h_run "$DSCK" diff "$f" v2 -o json
	h_assert_rc 2 "diff rejects $1"
	h_assert_contains "$H_ERR" "$f:$2:" "diff names the line for $1"
	h_pass "damaged snapshot rejected: $1"
}
v2=$snap/v2.snap
v3=$snap/v3.snap
lines=$(wc -l <"$v2")
head -n 20 "$v2" >"$snap/bad-truncated.snap"
damage truncated 21 "truncated"
head -n $((lines - 1)) "$v2" >"$snap/bad-missing-trailer.snap"
damage missing-trailer "$lines" "missing trailer"
head -c -30 "$v2" >"$snap/bad-cut-mid-line.snap"
damage cut-mid-line "$lines" "no newline"
sed '5s/"modified_index":\([0-9]*\)/"modified_index":1\1/' "$v2" >"$snap/bad-flipped-byte.snap"
damage flipped-byte "$lines" "checksum mismatch"
sed '1s/"dsck_snapshot":1/"dsck_snapshot":2/' "$v2" >"$snap/bad-wrong-version.snap"
damage wrong-version 1 "unknown snapshot format version 2"
awk 'NR == 2 { held = $0; next } NR == 3 { print; print held; next } { print }' "$v2" >"$snap/bad-unsorted.snap"
damage unsorted 3 "not sorted"
sed '4p' "$v2" >"$snap/bad-duplicate.snap"
damage duplicate 5 "duplicate key"
bl=$(grep -n 'value_b64' "$v3" | cut -d: -f1)
sed "${bl}s/\"value_b64\":\"/\"value_b64\":\"!/" "$v3" >"$snap/bad-bad-base64.snap"
damage bad-base64 "$bl" "bad base64"
sed '1s/"api":"v3"/"api":"v2"/' "$v3" >"$snap/bad-wrong-api.snap"
damage wrong-api 2 "wrong API"
printf 'not json\n' >"$snap/bad-not-a-snapshot.snap"
damage not-a-snapshot 1 "not a dsck snapshot"

# Interrupted saves leave nothing under FILE.
for i in $(seq -w 1 400); do echo "put /calico/slow/key$i value$i"; done >"$H_TMP/cmds"
while read -r _ k v; do h_etcdctl one put "$k" "$v" >/dev/null; done <"$H_TMP/cmds"
out=$snap/int.snap
"$DSCK" snapshot save "$out" --api v3 --page-size 1 -q 2>"$H_TMP/int.err" &
pid=$!
for _ in $(seq 50); do [[ -e $out.tmp ]] && break; sleep 0.05; done
[[ -e $out.tmp ]] || h_fail "save did not start"
kill -STOP "$(h_pid one)"
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
kill -CONT "$(h_pid one)"
h_assert_eq 130 "$rc" "SIGINT ends the save"
[[ ! -e $out && ! -e $out.tmp ]] || h_fail "SIGINT left a file behind"
h_pass "SIGINT during save leaves no file"

"$DSCK" snapshot save "$out" --api v3 --page-size 1 --command-timeout 1s -q 2>"$H_TMP/gone.err" &
pid=$!
for _ in $(seq 50); do [[ -e $out.tmp ]] && break; sleep 0.05; done
kill -STOP "$(h_pid one)"
rc=0; wait "$pid" || rc=$?
kill -CONT "$(h_pid one)"
h_assert_eq 3 "$rc" "server gone mid-scan: exit 3"
h_assert_contains "$(<"$H_TMP/gone.err")" "timed out" "timeout message"
[[ ! -e $out && ! -e $out.tmp ]] || h_fail "a failed save left a file behind"
h_pass "server unreachable mid-scan leaves no file"

full=$H_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=16k tmpfs "$full" || h_fail "cannot mount a small tmpfs for the disk-full test"
h_defer umount "$full"
h_run "$DSCK" snapshot save "$full/s.snap" --api v2
h_assert_rc 6 "disk full: exit 6"
h_assert_contains "$H_ERR" "No space left" "disk full message"
[[ -z $(ls -A "$full") ]] || h_fail "disk full left a file behind: $(ls -A "$full")"
h_run "$DSCK" snapshot save - --api v2
h_assert_rc 0 "snapshot to stdout"
printf '%s\n' "$H_OUT" >"$snap/stdout.snap"
h_run "$DSCK" snapshot verify "$snap/stdout.snap"
h_assert_rc 0 "a snapshot written to stdout verifies"
h_pass "disk full and stdout"
h_done
