#!/usr/bin/env bash
# dsck check calico-upgrade against real etcd: a realistic v2.6.5 datastore
# (dsck-fixture --upgradable plus hand-made objects) passes `before`; its
# conversion (dsck-upgrade-convert, checked against hand-written v3 objects)
# loaded into v3 passes `after`; six breaks of the v3 copy are each found;
# the lock states are judged; `before` catches the version, a non-empty v3
# store, a name clash and a conversion error; snapshots stand in for the
# stores; a check that cannot read its data says so with its exit code.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}" "${SRCDIR:?set SRCDIR}"
: "${DSCK_UPGRADE_CONVERT:?set DSCK_UPGRADE_CONVERT}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD
FIXDIR=$SRCDIR/fixtures/calico-upgrade
R=/calico/resources/v3/projectcalico.org

h_etcd_start one --v2
EP=$(h_endpoint one)
export DSCK_ENDPOINTS=$EP
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 3 --workloads-per-host 3 --seed 7 --upgradable
h_assert_rc 0 "load the upgradable Calico v2.6.5 fixture into v2"
while IFS= read -r line; do
	h_etcdctl2 one set -- "$(jq -r .key <<<"$line")" "$(jq -r .value <<<"$line")" >/dev/null
done <"$FIXDIR/v1/objects.jsonl"

v2put() { h_etcdctl2 one set -- "$1" "$2" >/dev/null; }
v3put() { h_etcdctl one put -- "$1" "$2" >/dev/null; }
v3get() { h_etcdctl one get --print-value-only -- "$1"; }
v3del() { h_etcdctl one del -- "$1" >/dev/null; }

check() { h_run "$DSCK" check calico-upgrade -o json "$@"; }
# count CODE [KEY]: findings of CODE (for KEY) in the last JSON report
count() { jq --arg c "$1" --arg k "${2:-}" \
	'[.findings[] | select(.code == $c and ($k == "" or .key == $k))] | length' <<<"$H_OUT"; }
detail() { jq -r --arg c "$1" '[.findings[] | select(.code == $c)][0].detail' <<<"$H_OUT"; }
# expect RC CODE KEY WHAT: the last check exited RC and found CODE for KEY
expect() {
	h_assert_rc "$1" "$4: exit status"
	h_assert_eq 1 "$(count "$2" "$3")" "$4: one $2 finding for $3"
	h_pass "$4"
}

# ---------------------------------------------------------------- before, clean

check
h_assert_rc 0 "before on a clean v2.6.5 datastore"
h_assert_eq '"before" true true' "$(jq -c .phase,.phase_auto,.ok <<<"$H_OUT" | tr '\n' ' ' | sed 's/ $//')" \
	"auto chose before (empty v3), ok"
h_assert_eq 0 "$(jq '.summary.conversion_errors + .summary.name_clashes' <<<"$H_OUT")" "no refusals"
h_assert_eq "$R/globalnetworkpolicies/default.my-policy-25c5e100" \
	"$(jq -r '.converted[] | select(.v1 == "/calico/v1/policy/tier/default/policy/My_Policy") | .v3' <<<"$H_OUT")" \
	"converted names list v1 key -> v3 key"
h_assert_eq 1 "$(count upgrade-skipped /calico/v1/policy/profile/k8s_ns.default)" \
	"namespace profiles are listed as skipped"
h_assert_eq warning "$(jq -r '.findings[] | select(.code == "upgrade-namespace-selector") | .severity' <<<"$H_OUT")" \
	"a rule selector on calico/k8s_ns is a warning (it matches nothing in v3)"
h_assert_eq /calico/v1/policy/tier/default/policy/ns-rule \
	"$(jq -r '.findings[] | select(.code == "upgrade-namespace-selector") | .key' <<<"$H_OUT")" \
	"and names the policy"
converted=$(jq .summary.converted <<<"$H_OUT")
h_run "$DSCK" check calico-upgrade
h_assert_rc 0 "table output"
h_assert_contains "$H_OUT" "phase: before" "table names the phase"
h_assert_contains "$H_OUT" "calico-upgrade (before): OK" "table verdict"
h_run "$DSCK" preflight -o json
h_assert_eq true "$(jq '.checks[] | select(.name == "calico-upgrade") | .skipped' <<<"$H_OUT")" \
	"preflight: no calico-upgrade under way, the check is skipped"
h_pass "before passes on the fixture ($converted objects convert)"

# ---------------------------------------------------------------- the conversion, by hand

v2put /calico/v1/Ready false      # what `calico-upgrade start` does first
h_run "$DSCK" snapshot save "$H_TMP/v2.snap" --api v2 -q
h_assert_rc 0 "v2 snapshot"
h_run "$DSCK_UPGRADE_CONVERT" "$H_TMP/v2.snap" "$H_TMP/conv.snap"
h_assert_rc 0 "dsck-upgrade-convert"
prune='walk(if type == "object" then with_entries(select(.value != [] and .value != {} and
	.value != "" and .value != false and .value != null)) else . end)'
for f in "$FIXDIR"/expected/*.json; do
	key=$(jq -r .key "$f")
	got=$(jq -c --arg k "$key" 'select(.key == $k) | .value | fromjson' "$H_TMP/conv.snap")
	[[ -n $got ]] || h_fail "conversion has no $key"
	h_assert_eq "$(jq -S "$prune | .value" "$f")" "$(jq -S "$prune" <<<"$got")" \
		"conversion of $(basename "$f" .json) equals the hand-written object"
done
h_pass "the converter's output matches $(ls "$FIXDIR"/expected/*.json | wc -l) hand-written v3 objects"
h_run "$DSCK" snapshot restore "$H_TMP/conv.snap" --to v3 -q
h_assert_rc 0 "load the conversion into v3"

# ---------------------------------------------------------------- after, complete

check
h_assert_rc 0 "after on a complete conversion"
h_assert_eq '"after" true' "$(jq -c .phase,.ok <<<"$H_OUT" | tr '\n' ' ' | sed 's/ $//')" \
	"auto chose after (v3 resources present)"
h_assert_eq '0 0 0' "$(jq -r '"\(.summary.missing) \(.summary.mismatched) \(.summary.extra)"' <<<"$H_OUT")" \
	"nothing missing, differing or extra"
h_assert_eq "$converted" "$(jq '[.converted[] | select(.state == "same")] | length' <<<"$H_OUT")" \
	"every converted object is in v3 unchanged"
h_assert_eq warning "$(jq -r '.findings[] | select(.code == "upgrade-paused") | .severity' <<<"$H_OUT")" \
	"paused with a complete copy: a warning to run calico-upgrade complete"
check_after=$H_OUT
h_run "$DSCK" preflight -o json
h_assert_eq 'false true' "$(jq -r '.checks[] | select(.name == "calico-upgrade") | "\(.skipped) \(.ok)"' <<<"$H_OUT")" \
	"preflight runs check calico-upgrade while the upgrade is under way"
h_assert_contains "$(jq -r '.checks[] | select(.name == "calico-upgrade") | .findings[].code' <<<"$H_OUT")" \
	upgrade-paused "preflight carries its findings"
h_pass "after passes on the correct conversion"

# inspect reads the v3 model: kinds per plural, ClusterInformation as Ready, affinity states.
h_run "$DSCK" inspect --api v3 -o json
h_assert_eq '"v3" false' "$(jq -c .model,.ready <<<"$H_OUT" | tr '\n' ' ' | sed 's/ $//')" \
	"inspect: a v3-only store, Ready from datastoreReady"
h_assert_eq 0 "$(jq .kinds.unknown <<<"$H_OUT")" "inspect: no unknown keys"
for kind in WorkloadEndpoint:workloadendpoints Node:nodes Profile:profiles IPPool:ippools \
	GlobalNetworkPolicy:globalnetworkpolicies ClusterInformation:clusterinformations; do
	want=$(jq --arg k "${kind%%:*}" '[.converted[] | select(.kind == $k)] | length' <<<"$check_after")
	h_assert_eq "$want" "$(jq --arg p "${kind#*:}" '.v3_kinds[$p]' <<<"$H_OUT")" \
		"inspect counts v3 ${kind#*:}"
done
h_assert_eq 3 "$(jq '.affinity_states.none' <<<"$H_OUT")" \
	"inspect: affinities as calico-upgrade writes them have no state yet"
h_pass "inspect understands the v3 store"

h_run "$DSCK" snapshot save "$H_TMP/v3.snap" --api v3 -q
h_assert_rc 0 "v3 snapshot"
h_run "$DSCK" snapshot save "$H_TMP/v2-paused.snap" --api v2 -q
check --v1-snapshot "$H_TMP/v2-paused.snap" --v3-snapshot "$H_TMP/v3.snap" --endpoints http://127.0.0.1:1
h_assert_rc 0 "snapshots stand in for both stores (no server needed)"
h_assert_eq "$converted" "$(jq .summary.converted <<<"$H_OUT")" "same conversion from snapshots"
check --v1-snapshot "$H_TMP/v3.snap" --v3-snapshot "$H_TMP/v3.snap"
h_assert_rc 2 "a v3 snapshot given as the v1 side is a usage error"
h_pass "snapshots as sources"

# ---------------------------------------------------------------- six breaks

POL=$R/globalnetworkpolicies/default.my-policy-25c5e100
pol=$(v3get "$POL")
v3del "$POL"
check
expect 1 upgrade-missing "$POL" "missing policy"
h_assert_eq error "$(jq -r '.findings[] | select(.code == "upgrade-paused") | .severity' <<<"$H_OUT")" \
	"paused with an incomplete copy is an error (abort)"
h_assert_contains "$(detail upgrade-paused)" "calico-upgrade abort" "says abort"
v3put "$POL" "$pol"

v3put "$POL" "$(jq -c '.spec.selector = "calico/k8s_ns == '\''prod'\'' && role == '\''db'\''"' <<<"$pol")"
check
expect 1 upgrade-mismatch "$POL" "selector not rewritten"
h_assert_contains "$(detail upgrade-mismatch)" "spec.selector" "the detail names the field"
v3put "$POL" "$pol"

PROF=$R/profiles/web-tier-38278387
prof=$(v3get "$PROF")
v3del "$PROF"
v3put "$R/profiles/Web_Tier" "$(jq -c '.metadata.name = "Web_Tier"' <<<"$prof")"
check
expect 1 upgrade-missing "$PROF" "profile name not converted"
h_assert_eq 1 "$(count upgrade-extra "$R/profiles/Web_Tier")" "the unconverted name is reported as extra"
v3del "$R/profiles/Web_Tier"
v3put "$PROF" "$prof"

BLOCK=$(jq -r 'select(.key? // "" | startswith("/calico/ipam/v2/assignment/")) | .key' "$H_TMP/conv.snap" | head -n 1)
block=$(v3get "$BLOCK")
v3del "$BLOCK"
check
expect 1 upgrade-ipam-missing "$BLOCK" "missing IPAM block"
v3put "$BLOCK" "$block"

WEP=$R/workloadendpoints/prod/node--0001-k8s-web--1-eth0
wep=$(v3get "$WEP")
v3del "$WEP"
v3put "$R/workloadendpoints/default/node--0001-k8s-web--1-eth0" "$(jq -c '.metadata.namespace = "default"' <<<"$wep")"
check
expect 1 upgrade-missing "$WEP" "workload endpoint in the wrong namespace"
h_assert_eq 1 "$(count upgrade-extra "$R/workloadendpoints/default/node--0001-k8s-web--1-eth0")" \
	"the misplaced endpoint is extra"
v3del "$R/workloadendpoints/default/node--0001-k8s-web--1-eth0"
v3put "$WEP" "$wep"

CI=$R/clusterinformations/default
ci=$(v3get "$CI")
v3del "$CI"
check
expect 1 upgrade-missing "$CI" "missing ClusterInformation"
h_assert_eq 1 "$(count upgrade-lock-unknown)" "without ClusterInformation the lock cannot be judged"
v3put "$CI" "$ci"

check
h_assert_rc 0 "all six breaks repaired: after passes again"

# ---------------------------------------------------------------- the lock

v3put "$CI" "$(jq -c '.spec.datastoreReady = true' <<<"$ci")"
check
h_assert_rc 0 "v1 locked, v3 ready: completed"
h_assert_eq 1 "$(count upgrade-completed)" "calico-upgrade complete has run"
v2put /calico/v1/Ready true
check
expect 1 upgrade-lock-contradiction /calico/v1/Ready "both datastores enabled"
v3put "$CI" "$ci"
check
h_assert_rc 0 "v1 enabled, v3 locked: aborted run (a warning)"
h_assert_eq 1 "$(count upgrade-aborted)" "aborted run leaves v3 data"
v2put /calico/v1/Ready false
check
h_assert_eq 1 "$(count upgrade-paused)" "paused again"
check --phase before
expect 1 upgrade-paused /calico/v1/Ready "before refuses when v1 Ready is already false"
h_assert_eq 1 "$(count upgrade-v3-not-empty /calico/)" "before: the v3 store holds the conversion"
h_assert_contains "$(detail upgrade-v3-not-empty)" "v3 resources come from an earlier calico-upgrade" \
	"v3 resources are named as such"
v2put /calico/v1/Ready true

# ---------------------------------------------------------------- before refusals

h_etcdctl one del --prefix /calico/ >/dev/null
v3put /calico/v1/Ready true
v3put /calico/v1/config/CalicoVersion v2.6.5
check
expect 1 upgrade-v3-not-empty /calico/ "etcdctl migrate copies in v3"
h_assert_eq before "$(jq -r .phase <<<"$H_OUT")" "copies alone do not mean calico-upgrade ran"
h_assert_contains "$(detail upgrade-v3-not-empty)" "ETCDCTL_API=3 etcdctl del --prefix /calico/v1/" \
	"the del line clears only the v1 copies"
h_etcdctl one del --prefix /calico/v1/ >/dev/null

v2put /calico/v1/config/CalicoVersion v2.6.4
check
expect 1 upgrade-version-too-old /calico/v1/config/CalicoVersion "CalicoVersion below 2.6.5"
h_etcdctl2 one rm /calico/v1/config/CalicoVersion >/dev/null
check
expect 1 upgrade-version-unknown /calico/v1/config/CalicoVersion "no CalicoVersion"
v2put /calico/v1/config/CalicoVersion v2.6.5

v2put /calico/v1/host/NODE-0001/metadata '{}'
check
expect 1 upgrade-name-clash /calico/v1/host/NODE-0001 "two nodes normalise to one name"
h_assert_contains "$(detail upgrade-name-clash)" "/calico/v1/host/node-0001 and /calico/v1/host/NODE-0001" \
	"the clash names both v1 keys"
h_assert_contains "$(detail upgrade-name-clash)" "$R/nodes/node-0001" "and the v3 key"
h_etcdctl2 one rm --recursive /calico/v1/host/NODE-0001 >/dev/null

BAD=/calico/v1/host/node-0002/workload/k8s/nonamespace/endpoint/eth0
v2put "$BAD" '{"state":"active","name":"cali1","profile_ids":[],"ipv4_nets":[],"ipv6_nets":[]}'
check
expect 1 upgrade-conversion-error "$BAD" "k8s workload ID without a namespace"
h_etcdctl2 one rm "$BAD" >/dev/null

check
h_assert_rc 0 "before passes again once everything is undone"

# ---------------------------------------------------------------- cannot check

h_etcd_start empty --v2
h_run "$DSCK" check calico-upgrade --endpoints "$(h_endpoint empty)"
h_assert_rc 2 "no v1 data: cannot check (exit 2), not OK"
h_assert_contains "$H_ERR" "no Calico v1 data" "says why"
h_free_port
h_run "$DSCK" check calico-upgrade --endpoints "http://127.0.0.1:$H_PORT" --dial-timeout 1s
h_assert_rc 3 "unreachable etcd: exit 3"
h_run "$DSCK" check calico-upgrade --phase sideways
h_assert_rc 2 "bad --phase: usage error"
h_pass "cannot-check cases"
h_done
