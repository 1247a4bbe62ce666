#!/usr/bin/env bash
# The etcd 2 -> 3 story with the real `etcdctl migrate`: check pre-migrate,
# verify-migrate on a single member and on a 3-member cluster, every finding
# of docs/checks.md produced for real and asserted with its code, key and member.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

# codes JSON -> "code key member" lines, sorted
findings() { jq -r '.findings[] | "\(.code) \(.key // "-") \(.member // "-")"' | sort; }
has() { # JSON CODE KEY MEMBER MSG
	h_assert_contains "$(findings <<<"$1")" "$2 $3 $4" "$5"
}
migrate() { # NAME [--no-ttl]
	h_run env ETCDCTL_API=3 "${H_ETCDCTL:-etcdctl}" migrate --data-dir "$(h_datadir "$1")" "${@:2}"
	h_assert_rc 0 "etcdctl migrate $1"
	h_assert_contains "$H_OUT" "finished transforming keys" "migrate finished on $1"
}

# ---- single member ----
h_etcd_start one --v2
EP=$(h_endpoint one)
export DSCK_ENDPOINTS=$EP
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 4 --workloads-per-host 3 --seed 5
h_assert_rc 0 "load the fixture"
status_key=/calico/felix/v1/host/node-0001/status

h_run "$DSCK" check pre-migrate -o json
h_assert_rc 0 "pre-migrate passes on a v2-only member"
h_assert_eq true "$(jq .ok <<<"$H_OUT")" "pre-migrate ok"
has "$H_OUT" ttl-will-persist "$status_key" "$EP" "TTL keys that migrate will make permanent"
has "$H_OUT" backup-reminder - - "backup reminder"
before=$H_TMP/before.snap
h_run "$DSCK" snapshot save "$before" --api v2
h_assert_rc 0 "snapshot before the migration"

# An ephemeral key that will expire while etcd is down for the migration:
# written just before the stop, so that slow checks above cannot outlive it.
h_http one PUT /v2/keys/calico/felix/v1/host/gone-node/status --data-urlencode 'value={"time":"x"}' -d ttl=3
h_etcd_stop one
sleep 4    # the short TTL key expires while etcd is down
migrate one
h_etcd_restart one --v2
sleep 1    # the leader's SYNC reaps the expired key from v2

h_run "$DSCK" verify-migrate --before "$before" -o json
h_assert_rc 0 "clean migration: exit 0"
h_assert_eq true "$(jq .ok <<<"$H_OUT")" "verify-migrate ok"
clean=$H_OUT
has "$clean" ttl-persisted "$status_key" "$EP" "a v2 TTL key became a permanent v3 key"
has "$clean" expired-during-migration /calico/felix/v1/host/gone-node/status "$EP" "key expired while down"
has "$clean" v3-not-empty-for-calico-upgrade - - "calico-upgrade would refuse"
h_assert_eq 0 "$(jq '.summary.errors' <<<"$clean")" "no errors"
((  $(jq .summary.compared <<<"$clean") > 50 )) || h_fail "too few keys compared"
h_run "$DSCK" verify-migrate --before "$before"
h_assert_contains "$H_OUT" "verify-migrate: OK" "table verdict"
h_pass "clean single-member migration verified"

h_run "$DSCK" check pre-migrate -o json
h_assert_rc 1 "pre-migrate refuses a member with v3 data"
has "$H_OUT" v3-not-empty - "$EP" "v3-not-empty named"
h_pass "pre-migrate refuses to migrate over v3 data"

h_etcdctl one del /calico/v1/config/ClusterType >/dev/null
h_etcdctl one put /calico/v1/config/LogSeverityScreen debug >/dev/null
h_http one PUT /v2/keys/calico/v1/config/IpInIpEnabled --data-urlencode value=false
h_run "$DSCK" verify-migrate --before "$before" -o json
h_assert_rc 1 "damaged migration: exit 1"
has "$H_OUT" v3-missing /calico/v1/config/ClusterType "$EP" "v3 key deleted"
has "$H_OUT" v3-changed /calico/v1/config/LogSeverityScreen "$EP" "v3 key changed"
has "$H_OUT" v2-changed /calico/v1/config/IpInIpEnabled "$EP" "v2 key changed since the snapshot"
# One v2 edit after the migration: the v2 side is blamed, not the v3 copy that kept the value.
has "$H_OUT" v3-matches-before /calico/v1/config/IpInIpEnabled "$EP" "the v3 copy holds the snapshot's value"
h_assert_eq 0 "$(jq '[.findings[] | select(.code == "v3-changed" and .key == "/calico/v1/config/IpInIpEnabled")] | length' <<<"$H_OUT")" \
	"no v3-changed for the good copy"
h_http one DELETE /v2/keys/calico/v1/config/ReportingIntervalSecs
h_run "$DSCK" verify-migrate --before "$before" -o json
has "$H_OUT" v2-missing /calico/v1/config/ReportingIntervalSecs "$EP" "v2 key deleted since the snapshot"
h_pass "v3-missing, v3-changed, v2-changed, v2-missing"

h_etcd_stop one
h_etcd_restart one --no-v2
h_run "$DSCK" verify-migrate -o json
h_assert_rc 1 "member without v2: exit 1"
has "$H_OUT" v2-unavailable - "$EP" "v2-unavailable"
h_pass "v2-unavailable"

# ---- --no-ttl ----
h_etcd_start nottl --v2
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint nottl)" --hosts 2 --workloads-per-host 2 --seed 6
h_etcd_stop nottl
migrate nottl --no-ttl
h_etcd_restart nottl --v2
h_run "$DSCK" verify-migrate --endpoints "$(h_endpoint nottl)" -o json
h_assert_rc 0 "--no-ttl migration verifies"
h_assert_not_contains "$(findings <<<"$H_OUT")" ttl-persisted "no ttl-persisted with --no-ttl"
h_run h_etcdctl nottl get /calico/felix --prefix --keys-only
h_assert_not_contains "$H_OUT" /status "TTL keys were left out"
h_pass "migrate --no-ttl"

# ---- 3-member cluster, each data dir migrated while the cluster is down ----
h_cluster_start c 3 --v2
CEPS=$(h_endpoints c)
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint c-1)" --hosts 3 --workloads-per-host 3 --seed 8
h_assert_rc 0 "load the cluster"
h_run "$DSCK" check pre-migrate --endpoints "$CEPS" -o json
h_assert_rc 0 "pre-migrate on the cluster"
h_assert_eq 3 "$(jq '[.members[] | select(.reachable and .v2_enabled)] | length' <<<"$H_OUT")" "three members checked"
for m in c-3 c-2 c-1; do h_etcd_stop "$m"; done
for m in c-1 c-2 c-3; do migrate "$m"; done
for m in c-1 c-2 c-3; do h_etcd_restart "$m" --v2 --no-wait; done
for m in c-1 c-2 c-3; do h_etcd_wait "$m"; done
h_run "$DSCK" verify-migrate --endpoints "$CEPS" -o json
h_assert_rc 0 "clean 3-member migration: exit 0"
h_assert_eq 3 "$(jq '[.members[] | select(.v3_keys > 0)] | length' <<<"$H_OUT")" "every member has its v3 copy"
h_assert_not_contains "$(findings <<<"$H_OUT")" member-divergence "members agree"
h_pass "3-member cluster migrated and verified"

h_cluster_start d 3 --v2
DEPS=$(h_endpoints d)
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint d-1)" --hosts 2 --workloads-per-host 2 --seed 4
for m in d-3 d-2 d-1; do h_etcd_stop "$m"; done
for m in d-1 d-2; do migrate "$m"; done   # d-3 forgotten
for m in d-1 d-2 d-3; do h_etcd_restart "$m" --v2 --no-wait; done
for m in d-1 d-2 d-3; do h_etcd_wait "$m"; done
h_run "$DSCK" verify-migrate --endpoints "$DEPS" -o json
h_assert_rc 1 "a member not migrated: exit 1"
h_assert_contains "$(findings <<<"$H_OUT")" "member-divergence /calico/v1/Ready $(h_endpoint d-3)" "divergence names the member and a key"
has "$H_OUT" v3-missing /calico/v1/Ready "$(h_endpoint d-3)" "the unmigrated member misses its v3 copy"
has "$H_OUT" v3-empty - "$(h_endpoint d-3)" "and the likely cause is said once"
h_assert_not_contains "$(findings <<<"$H_OUT" | grep v3-missing)" "$(h_endpoint d-1)" "migrated members are fine"
h_pass "member-divergence"

h_run "$DSCK" check v2-content --endpoints "$DEPS" -o json
h_assert_rc 1 "v2 data present before etcd 3.6: exit 1"
h_assert_eq 3 "$(jq '[.findings[] | select(.code == "v2-data-present")] | length' <<<"$H_OUT")" "every member reported"
h_assert_eq true "$(jq '.members[0].v2_prefixes["/calico"] > 0' <<<"$H_OUT")" "counts per top-level prefix"
h_pass "check v2-content"
h_done
