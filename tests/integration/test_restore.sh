#!/usr/bin/env bash
# snapshot restore and migrate v2-to-v3 against real etcd: empty targets in
# both APIs (plain, TLS + auth), dry runs, conflicts, skip/overwrite, prune,
# the Ready lock, a raced batch, a restore killed half-way and re-run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

rev() { h_etcdctl "$1" get /x -w json | jq .header.revision; }
v3val() { h_etcdctl "$1" get "$2" --print-value-only; }

h_etcd_start src --v2
SRC=$(h_endpoint src)
h_run "$DSCK_FIXTURE" --endpoint "$SRC" --hosts 5 --workloads-per-host 4 --seed 9
h_assert_rc 0 "load the fixture"
snap=$H_TMP/calico.snap
h_run "$DSCK" snapshot save "$snap" --api v2 --endpoints "$SRC"
h_assert_rc 0 "save the v2 snapshot"

# Restore into empty stores, both APIs.
h_etcd_start dst --v2
DST=$(h_endpoint dst)
before=$(rev dst)
h_run "$DSCK" snapshot restore "$snap" --endpoints "$DST" --dry-run -o json
h_assert_rc 0 "dry run"
h_assert_eq false "$(jq .summary.create==0 <<<"$H_OUT")" "dry run plans creates"
h_assert_eq create "$(jq -r '.plan[0].action' <<<"$H_OUT")" "dry run lists the plan"
h_assert_eq "$before" "$(rev dst)" "dry run: revision did not move"
h_run curl -s "$DST/v2/keys/calico"
h_assert_contains "$H_OUT" '"errorCode":100' "dry run: nothing written to v2"
for api in v2 v3; do
	h_run "$DSCK" snapshot restore "$snap" --to $api --endpoints "$DST"
	h_assert_rc 0 "restore into an empty $api store"
	h_run "$DSCK" diff "$snap" $api --endpoints "$DST"
	h_assert_rc 0 "$api store equals the snapshot after restore"
	h_run "$DSCK" snapshot restore "$snap" --to $api --endpoints "$DST" -o json
	h_assert_eq 0 "$(jq '.summary.create + .summary.update' <<<"$H_OUT")" "re-run: nothing to do in $api"
	h_pass "restore into empty $api, idempotent"
done
h_run h_etcdctl dst get /calico/felix --prefix --keys-only
h_assert_not_contains "$H_OUT" "/status" "TTL status keys not restored without --include-ephemeral"

# --include-ephemeral: TTL keys come back with their remaining TTL (v3: a lease).
h_etcd_start eph
h_run "$DSCK" snapshot save "$H_TMP/eph.snap" --api v2 --endpoints "$SRC" --include-ephemeral
h_assert_rc 0 "snapshot with the Felix status keys"
h_run "$DSCK" snapshot restore "$H_TMP/eph.snap" --to v3 --endpoints "$(h_endpoint eph)" --include-ephemeral
h_assert_rc 0 "restore TTL keys into v3"
leases=$(h_etcdctl eph lease list)
h_assert_contains "$leases" "found 5 leases" "one lease per TTL key, 5 hosts (jq cannot hold 64-bit ids)"
h_assert_not_contains "$(h_etcdctl eph get /calico/felix/v1/host/node-0001/status -w json)" '"lease":0' "the key is attached"
ttl=$(h_etcdctl eph lease timetolive "$(sed -n 2p <<<"$leases")" | grep -oE 'remaining\(([0-9]+)s\)' | grep -oE '[0-9]+')
((ttl > 3000 && ttl <= 3600)) || h_fail "lease TTL $ttl is not the remaining TTL"
h_pass "TTL keys restored with a lease of their remaining TTL"

# The Ready lock: Ready was false while the rest was written (v3 history).
h_etcd_start lock
h_run "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$(h_endpoint lock)"
h_assert_rc 0 "restore for the lock check"
h_assert_eq true "$(v3val lock /calico/v1/Ready)" "Ready ends as in the snapshot"
ready_rev=$(h_etcdctl lock get /calico/v1/Ready -w json | jq '.kvs[0].mod_revision')
max_other=$(h_etcdctl lock get /calico/ --prefix -w json | jq '[.kvs[] | select((.key | @base64d) != "/calico/v1/Ready") | .mod_revision] | max')
min_other=$(h_etcdctl lock get /calico/ --prefix -w json | jq '[.kvs[] | select((.key | @base64d) != "/calico/v1/Ready") | .mod_revision] | min')
((ready_rev > max_other)) || h_fail "Ready ($ready_rev) was not written last ($max_other)"
h_assert_eq false "$(h_etcdctl lock get /calico/v1/Ready --rev "$min_other" --print-value-only)" "Ready was false when the first key was written"
h_assert_eq false "$(h_etcdctl lock get /calico/v1/Ready --rev "$max_other" --print-value-only)" "Ready was false when the last key was written"
h_pass "Ready lock"

# Conflicts: fail writes nothing, skip keeps, overwrite replaces.
h_etcdctl dst put /calico/v1/config/LogSeverityScreen debug >/dev/null
h_etcdctl dst del /calico/v1/config/ClusterType >/dev/null
before=$(rev dst)
h_run "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$DST"
h_assert_rc 1 "conflict with fail: exit 1"
h_assert_contains "$H_OUT" "conflict  /calico/v1/config/LogSeverityScreen" "conflict listed"
h_assert_contains "$H_ERR" "nothing was written" "conflict message"
h_assert_eq "$before" "$(rev dst)" "conflict: nothing written (revision unchanged)"
h_run "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$DST" --on-conflict skip -o json
h_assert_rc 0 "skip"
h_assert_eq '1 1' "$(jq -r '"\(.summary.skip) \(.summary.create)"' <<<"$H_OUT")" "skip plan"
h_assert_eq debug "$(v3val dst /calico/v1/config/LogSeverityScreen)" "skip keeps the live value"
h_assert_eq k8s,bgp "$(v3val dst /calico/v1/config/ClusterType)" "skip still creates what is missing"
h_run "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$DST" --on-conflict overwrite
h_assert_rc 0 "overwrite"
h_assert_eq info "$(v3val dst /calico/v1/config/LogSeverityScreen)" "overwrite restores the snapshot value"
h_pass "conflicts: fail, skip, overwrite"

# Prune deletes what the snapshot lacks (under the prefix only).
h_etcdctl dst put /calico/v1/config/Extra yes >/dev/null
h_etcdctl dst put /other/keep yes >/dev/null
h_run "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$DST" --prune
h_assert_rc 2 "prune without --yes and without a terminal is refused"
h_assert_contains "$H_ERR" "add --yes" "the refusal says what to do"
h_assert_eq yes "$(v3val dst /calico/v1/config/Extra)" "nothing was deleted"
h_run "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$DST" --prune --yes
h_assert_rc 0 "prune"
h_assert_eq "" "$(v3val dst /calico/v1/config/Extra)" "extra key pruned"
h_assert_eq yes "$(v3val dst /other/keep)" "keys outside the prefix untouched"
h_run "$DSCK" diff "$snap" v3 --endpoints "$DST"
h_assert_rc 0 "equal after prune"
curl -s -XPUT "$DST/v2/keys/calico/v1/extra/dir/leaf" -d value=x >/dev/null
h_run "$DSCK" snapshot restore "$snap" --endpoints "$DST" --prune --yes
h_assert_rc 0 "v2 prune"
h_run "$DSCK" diff "$snap" v2 --endpoints "$DST"
h_assert_rc 0 "v2 equal after pruning a directory tree"
h_pass "prune"

# A concurrent writer between plan and apply makes the batch fail loudly.
h_etcd_start race
RACE=$(h_endpoint race)
DSCK_TEST_PAUSE_MS=1500 "$DSCK" snapshot restore "$snap" --to v3 --endpoints "$RACE" \
	>"$H_TMP/race.out" 2>"$H_TMP/race.err" &
pid=$!
sleep 0.7
h_etcdctl race put /calico/v1/config/CalicoVersion v9.9.9 >/dev/null
rc=0; wait "$pid" || rc=$?
h_assert_eq 1 "$rc" "raced batch: exit 1"
h_assert_contains "$(<"$H_TMP/race.err")" "concurrent write detected: '/calico/v1/config/CalicoVersion'" "race names the key"
h_assert_eq v9.9.9 "$(v3val race /calico/v1/config/CalicoVersion)" "the concurrent write was not overwritten"
h_assert_contains "$(<"$H_TMP/race.err")" "put back to its previous state" "the failure says the lock was released"
h_assert_eq "" "$(v3val race /calico/v1/Ready)" "Ready is as before the run (absent), not left false"
h_pass "concurrent writer detected"

# Killed half-way, run again: ends equal to the snapshot. A bigger store, so
# that the restore is still writing when the kill comes, however loaded the
# machine is (v2 writes are one request per key).
h_etcd_start big --v2
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint big)" --hosts 40 --workloads-per-host 25 --seed 9
h_assert_rc 0 "load the bigger fixture"
h_run "$DSCK" snapshot save "$H_TMP/big.snap" --api v2 --endpoints "$(h_endpoint big)"
h_assert_rc 0 "snapshot of the bigger fixture"
h_etcd_stop big
bigsnap=$H_TMP/big.snap
h_etcd_start kill --v2
KILL=$(h_endpoint kill)
"$DSCK" snapshot restore "$bigsnap" --endpoints "$KILL" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
	n=$(curl -s "$KILL/v2/keys/calico?recursive=true" | { grep -o '"key"' || true; } | wc -l)
	((n > 20)) && break
	sleep 0.02
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
h_run "$DSCK" diff "$bigsnap" v2 --endpoints "$KILL"
h_assert_rc 1 "a killed restore is incomplete"
h_run "$DSCK" snapshot restore "$bigsnap" --endpoints "$KILL"
h_assert_rc 1 "re-run after kill -9: the Ready=false left behind is a conflict, never lifted silently"
h_assert_contains "$H_ERR" "Calico is paused" "the re-run says why"
h_assert_eq false "$(curl -s "$KILL/v2/keys/calico/v1/Ready" | jq -r .node.value)" "Ready stays false"
h_run "$DSCK" snapshot restore "$bigsnap" --endpoints "$KILL" --on-conflict overwrite
h_assert_rc 0 "re-run with --on-conflict overwrite"
h_run "$DSCK" diff "$bigsnap" v2 --endpoints "$KILL"
h_assert_rc 0 "re-run converges to the snapshot"
h_pass "restore killed half-way and re-run"

# TLS + auth targets, both APIs.
h_etcd_start sec --v2 --tls
h_v3_auth_enable sec
h_v2_auth_enable sec
small=$H_TMP/small.snap
h_run "$DSCK" snapshot save "$small" --api v2 --prefix /calico/v1/config --endpoints "$SRC"
h_assert_rc 0 "small snapshot"
tls=(--endpoints "$(h_endpoint sec)" --cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY"
	--user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE")
for api in v2 v3; do
	h_run "$DSCK" snapshot restore "$small" --to $api "${tls[@]}"
	h_assert_rc 0 "restore over TLS + auth into $api"
	h_run "$DSCK" diff "$small" $api "${tls[@]}"
	h_assert_rc 0 "TLS + auth $api equals the snapshot"
	h_assert_not_contains "$H_OUT$H_ERR" "$(<"$H_PASSWORD_FILE")" "password not printed"
done
h_pass "restore over TLS with v2 and v3 auth"

# Online migrate v2-to-v3: twice, the second run changes nothing.
h_run "$DSCK" migrate v2-to-v3 --endpoints "$SRC" --dry-run -o json
h_assert_rc 0 "migrate dry run"
h_assert_eq 0 "$(jq .written <<<"$H_OUT")" "migrate dry run writes nothing"
before=$(rev src)
h_run "$DSCK" migrate v2-to-v3 --endpoints "$SRC"
h_assert_rc 0 "migrate v2-to-v3"
h_assert_contains "$H_OUT" "verified:" "migration verified"
h_run "$DSCK" diff v2 v3 --endpoints "$SRC"
h_assert_rc 0 "v2 and v3 hold the same leaves"
after=$(rev src)
h_run "$DSCK" migrate v2-to-v3 --endpoints "$SRC" -o json
h_assert_rc 0 "second migrate"
h_assert_eq 0 "$(jq .written <<<"$H_OUT")" "second migrate writes nothing"
h_assert_eq "$after" "$(rev src)" "second migrate: revision unchanged"
h_run "$DSCK" migrate v2-to-v3 --endpoints "$SRC"
h_assert_rc 0 "third migrate"
h_assert_contains "$H_OUT" "nothing to do: v3 already holds every key" "nothing to do says so"
h_assert_not_contains "$H_OUT" "keys written" "and reports no empty write"
h_assert_eq "$after" "$(rev src)" "third migrate: revision unchanged"
((after > before)) || h_fail "first migrate wrote nothing"
h_run h_etcdctl src get /calico/felix --prefix --keys-only
h_assert_not_contains "$H_OUT" "/status" "TTL keys are not migrated unless asked"
h_pass "migrate v2-to-v3 twice"
h_done
