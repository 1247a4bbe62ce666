#!/usr/bin/env bash
# dsck inspect against real etcd: the fixture datastore inspects clean in v2
# and, copied leaf by leaf, in v3; a snapshot inspects exactly like its live
# store; then one deliberate break per finding code, in both stores, each
# asserting the exit status, the code, its severity and the key; usage errors.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

FIX=(--hosts 4 --workloads-per-host 6 --seed 42)
FIXTURE=$H_TMP/fixture.jsonl
"$DSCK_FIXTURE" --print "${FIX[@]}" >"$FIXTURE"

h_etcd_start one --v2
EP=$(h_endpoint one)
export DSCK_ENDPOINTS=$EP
h_run "$DSCK_FIXTURE" --endpoint "$EP" "${FIX[@]}"
h_assert_rc 0 "load the Calico fixture into v2"
# The same leaves in v3, as `etcdctl migrate --no-ttl` would copy them.
jq -j 'select((.dir | not) and ((.ttl // 0) == 0)) | .key, "\u0000", .value, "\u0000"' "$FIXTURE" |
	while IFS= read -r -d '' k && IFS= read -r -d '' v; do
		h_etcdctl one put -- "$k" "$v" >/dev/null
	done

# ---------------------------------------------------------------- helpers

value_of() { jq -r --arg k "$1" 'select(.key == $k) | .value' "$FIXTURE"; }
first_key() { jq -r --arg re "$1" 'select(.key | test($re)) | .key' "$FIXTURE" | head -n 1; }

put() { # API KEY VALUE
	if [[ $1 == v2 ]]; then h_etcdctl2 one set -- "$2" "$3"; else h_etcdctl one put -- "$2" "$3"; fi >/dev/null
}
del() { # API KEY
	if [[ $1 == v2 ]]; then h_etcdctl2 one rm -- "$2"; else h_etcdctl one del -- "$2"; fi >/dev/null
}
restore() { put "$1" "$2" "$(value_of "$2")"; }

inspect() { h_run "$DSCK" inspect --api "$1" -o json "${@:2}"; }

# expect API RC CODE SEVERITY KEY WHAT: after a break, inspect exits RC and
# reports exactly one CODE finding of SEVERITY for KEY.
expect() {
	local api=$1 rc=$2 code=$3 sev=$4 key=$5 what=$6
	inspect "$api"
	h_assert_rc "$rc" "$api, $what: exit status"
	h_assert_eq "$([[ $rc == 0 ]] && echo true || echo false)" "$(jq .ok <<<"$H_OUT")" \
		"$api, $what: ok"
	h_assert_eq 1 "$(jq --arg c "$code" --arg s "$sev" --arg k "$key" \
		'[.findings[] | select(.code == $c and .severity == $s and .key == $k)] | length' \
		<<<"$H_OUT")" "$api, $what: one $code ($sev) finding for $key"
	h_pass "$api: $what -> $code"
}

expect_clean() { # API WHAT
	inspect "$1"
	h_assert_rc 0 "$1, $2: exit status"
	h_assert_eq '[]' "$(jq -c .findings <<<"$H_OUT")" "$1, $2: no findings"
}

# ---------------------------------------------------------------- the clean datastore

KINDS='["bgp_global","bgp_host","bgp_peer","directory","felix_status","global_config","host",
"host_config","host_endpoint","ip_pool","ipam_affinity","ipam_block","ipam_config","ipam_handle",
"policy","profile","ready","unknown","v3_resource","workload_endpoint"]'
DOC_KEYS='["affinity_states","api","calico_version","check","cluster_guid","command","dirs","ephemeral",
"findings","format_version","keys","kind_keys","kinds","model","objects","ok","ready","source","summary","v3_kinds"]'
GUID=$(value_of /calico/v1/config/ClusterGUID)
for api in v2 v3; do
	expect_clean "$api" "the fixture"
	h_assert_eq "$(jq -c . <<<"$DOC_KEYS")" "$(jq -c keys <<<"$H_OUT")" "$api: document fields"
	h_assert_eq "$(jq -c . <<<"$KINDS")" "$(jq -c '.kinds | keys' <<<"$H_OUT")" "$api: every kind"
	h_assert_eq "inspect $api v1 true v2.6.5 $GUID true" \
		"$(jq -r '[.check, .api, .model, .ready, .calico_version, .cluster_guid, .ok] | join(" ")' \
			<<<"$H_OUT")" "$api: summary values"
	h_assert_eq "24 3 10 5 2 4 4 24 1 6 0 0" \
		"$(jq -r '.kinds | [.workload_endpoint, .host_endpoint, .profile, .policy, .ip_pool,
			.ipam_block, .ipam_affinity, .ipam_handle, .ready, .global_config,
			.felix_status, .unknown] | join(" ")' <<<"$H_OUT")" "$api: objects per kind"
	h_assert_eq "30 12 4" "$(jq -r '"\(.kind_keys.profile) \(.kind_keys.host) \(.kinds.host)"' <<<"$H_OUT")" \
		"$api: a profile is three keys, a host three (docs/json.md, Counts)"
	h_pass "$api: the fixture inspects clean"
done
inspect v2
h_assert_eq true "$(jq '.kinds.directory > 0' <<<"$H_OUT")" "v2 directories are counted"
inspect v3
h_assert_eq 0 "$(jq '.kinds.directory' <<<"$H_OUT")" "v3 has no directories"
inspect v2 --include-ephemeral
h_assert_rc 0 "--include-ephemeral: exit status"
h_assert_eq "8 0" "$(jq -r '[.kinds.felix_status, (.findings | length)] | join(" ")' <<<"$H_OUT")" \
	"--include-ephemeral classifies the Felix status keys, still clean"
h_run "$DSCK" inspect --api v2
h_assert_rc 0 "table output: exit status"
h_assert_contains "$H_OUT" "workload_endpoint" "table lists the kinds"
h_assert_contains "$H_OUT" "0 errors, 0 warnings, 0 info" "table sums up the findings"
h_assert_contains "$H_OUT" "inspect: OK" "table verdict"
h_pass "ephemeral keys and table output"

for api in v2 v3; do
	h_run "$DSCK" snapshot save "$H_TMP/$api.snap" --api "$api" -q
	h_assert_rc 0 "$api: snapshot save"
	inspect "$api"
	live=$(jq -S 'del(.source, .ephemeral)' <<<"$H_OUT")
	# 4 hosts' status and last_reported_status; v3 got no TTL key (see the copy above).
	h_assert_eq "$([[ $api == v2 ]] && echo 8 || echo 4)" "$(jq .ephemeral <<<"$H_OUT")" \
		"$api: the live store's ephemeral keys are counted"
	h_run "$DSCK" inspect "$H_TMP/$api.snap" -o json
	h_assert_rc 0 "$api snapshot: exit status"
	h_assert_eq "$live" "$(jq -S 'del(.source, .ephemeral)' <<<"$H_OUT")" "$api: snapshot result equals live"
	h_assert_eq null "$(jq .ephemeral <<<"$H_OUT")" "$api: a snapshot without ephemeral keys cannot count them"
	h_pass "$api: inspect SNAPSHOT equals the live result"
done

# ---------------------------------------------------------------- one break per finding code

WEP=$(first_key '^/calico/v1/host/[^/]+/workload/k8s/')
BLOCK=$(first_key '^/calico/ipam/v2/assignment/ipv4/block/')
BLOCK_HOST=$(value_of "$BLOCK" | jq -r '.affinity | ltrimstr("host:")')
AFFINITY=/calico/ipam/v2/host/$BLOCK_HOST/ipv4/block/${BLOCK##*/}
HANDLE=$(first_key '^/calico/ipam/v2/handle/k8s-pod-network\.')
OUTSIDE=/calico/ipam/v2/assignment/ipv4/block/10.99.0.0-26
OTHER_TIER=/calico/v1/policy/tier/other/policy/allow-all
UNKNOWN=/calico/v1/unexpected/key
for api in v2 v3; do
	put "$api" /calico/v1/Ready false
	expect "$api" 1 ready-not-true error /calico/v1/Ready "Ready=false"
	restore "$api" /calico/v1/Ready

	put "$api" "$WEP" '{"state":"active","name":'
	expect "$api" 1 malformed-value error "$WEP" "a workload endpoint with invalid JSON"
	restore "$api" "$WEP"

	put "$api" "$WEP" "$(value_of "$WEP" | jq -c '.profile_ids = ["k8s_ns.gone"]')"
	expect "$api" 0 profile-missing warning "$WEP" "an endpoint naming a missing profile"
	restore "$api" "$WEP"

	del "$api" "$AFFINITY"
	expect "$api" 0 block-without-affinity warning "$BLOCK" "a deleted affinity"
	restore "$api" "$AFFINITY"

	del "$api" "$BLOCK"
	expect "$api" 0 affinity-without-block warning "$AFFINITY" "a deleted block"
	restore "$api" "$BLOCK"

	put "$api" "$OUTSIDE" "$(jq -nc '{cidr: "10.99.0.0/26", affinity: null, strictAffinity: false,
		allocations: [range(64) | null], unallocated: [range(64)], attributes: []}')"
	expect "$api" 0 block-outside-pools warning "$OUTSIDE" "a block outside the pools"
	del "$api" "$OUTSIDE"

	put "$api" "$HANDLE" "$(value_of "$HANDLE" | jq -c '.block |= map_values(. + 1)')"
	expect "$api" 0 handle-count-mismatch warning "$HANDLE" "a handle with a wrong count"
	restore "$api" "$HANDLE"

	put "$api" "$UNKNOWN" x
	expect "$api" 0 unknown-key info "$UNKNOWN" "an unknown key"
	del "$api" "$UNKNOWN"

	put "$api" "$OTHER_TIER" '{"order":10,"selector":"all()","inbound_rules":[{"action":"allow"}]}'
	expect "$api" 0 non-default-tier warning "$OTHER_TIER" "a policy in tier other"
	del "$api" "$OTHER_TIER"

	put "$api" /calico/v1/config/CalicoVersion v2.6.4
	expect "$api" 0 version-too-old-for-calico-upgrade info /calico/v1/config/CalicoVersion \
		"CalicoVersion v2.6.4"
	restore "$api" /calico/v1/config/CalicoVersion

	expect_clean "$api" "after every repair"
	h_pass "$api: clean again after the repairs"
done

# v3-model keys next to the migrated v1 copy: a mixed store.
CI=/calico/resources/v3/projectcalico.org/clusterinformations/default
put v3 "$CI" '{"kind":"ClusterInformation","apiVersion":"projectcalico.org/v3",
"metadata":{"name":"default"},"spec":{"calicoVersion":"v3.0.1","datastoreReady":true}}'
expect_clean v3 "a v3 ClusterInformation"
h_assert_eq "mixed 1 v2.6.5" "$(jq -r '[.model, .kinds.v3_resource, .calico_version] | join(" ")' \
	<<<"$H_OUT")" "v1 and v3 keys: a mixed store; the v1 keys speak for the version"
h_pass "v3: a mixed store"

# ---------------------------------------------------------------- usage and failures

h_run "$DSCK" inspect
h_assert_rc 2 "no --api and no snapshot"
h_run "$DSCK" inspect "$H_TMP/v2.snap" --api v2
h_assert_rc 2 "--api with a snapshot"
h_run "$DSCK" inspect "$H_TMP/v2.snap" "$H_TMP/v3.snap"
h_assert_rc 2 "two snapshots"
head -n 5 "$H_TMP/v2.snap" >"$H_TMP/cut.snap"
h_run "$DSCK" inspect "$H_TMP/cut.snap"
h_assert_rc 2 "a truncated snapshot"
h_assert_contains "$H_ERR" "cut.snap" "the error names the file"
h_free_port
h_run "$DSCK" inspect --api v3 --endpoints "http://127.0.0.1:$H_PORT" --dial-timeout 1s
h_assert_rc 3 "no server"
h_pass "usage errors, a damaged snapshot, no server"

h_done
