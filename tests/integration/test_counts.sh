#!/usr/bin/env bash
# One definition of a count (docs/json.md, "Counts"): one fixture store with
# v2 directories, TTL'd and ephemeral Felix status keys (one in an endpoint
# status subtree, so with ephemeral directories), profiles and policies, read
# by status, inspect, snapshot save + verify, diff (against its own snapshot
# and an empty one), check pre-migrate, and after a real `etcdctl migrate`
# verify-migrate and status again. Every command must report the same keys,
# ephemeral keys, directories and objects, and those must equal the numbers
# counted here from what was loaded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

FIX=(--hosts 3 --workloads-per-host 4 --seed 7)
FIXTURE=$H_TMP/fixture.jsonl
"$DSCK_FIXTURE" --print --all-dirs "${FIX[@]}" >"$FIXTURE"

h_etcd_start one --v2
EP=$(h_endpoint one)
export DSCK_ENDPOINTS=$EP
h_run "$DSCK_FIXTURE" --endpoint "$EP" "${FIX[@]}"
h_assert_rc 0 "load the Calico fixture into v2"
# A Felix endpoint status: an ephemeral key whose parents are ephemeral directories.
EPS=/calico/felix/v1/host/node-0001/workload/k8s/default.web-1/endpoint/eth0
h_etcdctl2 one set -- "$EPS" '{"status":"up"}' >/dev/null
{
	for d in workload workload/k8s workload/k8s/default.web-1 workload/k8s/default.web-1/endpoint; do
		jq -nc --arg k "/calico/felix/v1/host/node-0001/$d" '{key: $k, dir: true}'
	done
	jq -nc --arg k "$EPS" '{key: $k, value: "{\"status\":\"up\"}"}'
} >>"$FIXTURE"

# ---------------------------------------------------------------- the known numbers
# Counted from the loaded items with the rules of docs/json.md, not by dsck.
EPH_RE='^/calico/felix/v1/host/[^/]+/(status|last_reported_status|workload(/.*)?|endpoint(/.*)?)$'
count() { jq -s --arg re "$EPH_RE" "$1" "$FIXTURE"; }
KEYS=$(count '[.[] | select((.dir | not) and (.key | test($re) | not))] | length')
EPHEMERAL=$(count '[.[] | select((.dir | not) and (.key | test($re)))] | length')
EPH_DIRS=$(count '[.[] | select(.dir and (.key | test($re)))] | length')
DIRS=$(count '[.[] | select(.dir and (.key | test($re) | not))] | length')
TTL=$(count '[.[] | select((.ttl // 0) > 0)] | length')
PROFILE_RE='^/calico/v1/policy/profile/([^/]+)/(tags|rules|labels)$'
PROFILES=$(jq -r 'select(.dir | not) | .key' "$FIXTURE" | sed -nE "s#$PROFILE_RE#\\1#p" | sort -u | wc -l)
PROFILE_KEYS=$(jq -r 'select(.dir | not) | .key' "$FIXTURE" | grep -cE "$PROFILE_RE")
POLICIES=$(jq -r 'select(.dir | not) | .key' "$FIXTURE" | grep -cE '^/calico/v1/policy/tier/[^/]+/policy/[^/]+$')
HOSTS=$(jq -r 'select(.dir | not) | .key' "$FIXTURE" |
	sed -nE 's#^/calico/v1/host/([^/]+)/(metadata|bird_ip|orchestrator_refs)$#\1#p' | sort -u | wc -l)
WEPS=$(jq -r 'select(.dir | not) | .key' "$FIXTURE" | grep -cE '^/calico/v1/host/[^/]+/workload/[^/]+/[^/]+/endpoint/[^/]+$')
for n in KEYS EPHEMERAL EPH_DIRS DIRS TTL PROFILES POLICIES HOSTS WEPS; do
	((${!n} > 0)) || h_fail "the fixture has no $n: the test would prove nothing"
done
((PROFILE_KEYS > PROFILES)) || h_fail "profiles must span several keys for this test"
h_log "fixture: $KEYS keys, $EPHEMERAL ephemeral ($EPH_DIRS ephemeral dirs), $DIRS directories," \
	"$TTL TTL, $PROFILES profiles ($PROFILE_KEYS keys), $POLICIES policies, $HOSTS hosts"
BASE="$KEYS $EPHEMERAL $DIRS"

# ---------------------------------------------------------------- status
h_run "$DSCK" status -o json
h_assert_rc 0 "status"
h_assert_eq "$BASE" "$(jq -r '.calico | "\(.v2_keys) \(.v2_ephemeral) \(.v2_dirs)"' <<<"$H_OUT")" \
	"status: v2 keys, ephemeral keys, directories"
h_assert_eq "0 0 0" "$(jq -r '.calico | "\(.v3_keys) \(.v3_ephemeral) \(.v3_model_keys)"' <<<"$H_OUT")" \
	"status: v3 holds nothing yet"
h_run "$DSCK" status
h_assert_contains "$H_OUT" "$(printf '  %-24s %s' 'v2 keys' "$KEYS")" "status table: keys"
h_assert_contains "$H_OUT" "$(printf '  %-24s %s' 'v2 ephemeral keys' "$EPHEMERAL")" \
	"status table: ephemeral keys"
h_assert_contains "$H_OUT" "$(printf '  %-24s %s' 'v2 directories' "$DIRS")" "status table: directories"
h_pass "status counts as defined"

# ---------------------------------------------------------------- inspect
OBJECTS='"\(.kinds.profile) \(.kind_keys.profile) \(.kinds.policy) \(.kinds.host) \(.kinds.workload_endpoint) \(.kinds.directory)"'
KNOWN_OBJECTS="$PROFILES $PROFILE_KEYS $POLICIES $HOSTS $WEPS $DIRS"
h_run "$DSCK" inspect --api v2 -o json
h_assert_rc 0 "inspect v2"
h_assert_eq "$BASE" "$(jq -r '"\(.keys) \(.ephemeral) \(.dirs)"' <<<"$H_OUT")" \
	"inspect: keys, ephemeral keys (left out, still counted), directories"
h_assert_eq "$KNOWN_OBJECTS" "$(jq -r "$OBJECTS" <<<"$H_OUT")" \
	"inspect: one profile is one object of three keys; policies, hosts, endpoints"
INSPECT_KINDS=$(jq -c '.kinds | del(.felix_status)' <<<"$H_OUT")
INSPECT_OBJECTS=$(jq .objects <<<"$H_OUT")
h_assert_eq "$INSPECT_OBJECTS" "$(jq '[.kinds | to_entries[] | select(.key != "directory") | .value] | add' \
	<<<"$H_OUT")" "inspect: objects is the sum of the kinds, directories aside"
h_run "$DSCK" inspect --api v2 -o json --include-ephemeral
h_assert_eq "$BASE $EPHEMERAL" "$(jq -r '"\(.keys) \(.ephemeral) \(.dirs) \(.kind_keys.felix_status)"' <<<"$H_OUT")" \
	"inspect --include-ephemeral: the same counts, Felix status keys classified"
h_run "$DSCK" inspect --api v2
h_assert_contains "$H_OUT" "$(printf '%-20s %8s %8s' profile "$PROFILES" "$PROFILE_KEYS")" \
	"inspect table: profile objects beside their keys"
h_assert_contains "$H_OUT" "$(printf '%-20s %8s' 'ephemeral keys' "$EPHEMERAL")" "inspect table: ephemeral keys"
h_assert_contains "$H_OUT" "$(printf '%-20s %8s' directories "$DIRS")" "inspect table: directories"
h_pass "inspect counts as defined"

# ---------------------------------------------------------------- snapshot save + verify
SNAP=$H_TMP/calico.snap
h_run "$DSCK" snapshot save "$SNAP" --api v2 -o json
h_assert_rc 0 "snapshot save"
h_assert_eq $((KEYS + DIRS)) "$(jq .records <<<"$H_OUT")" "snapshot save: records are keys and directories"
h_run "$DSCK" snapshot verify "$SNAP" -o json
h_assert_rc 0 "snapshot verify"
h_assert_eq "$KEYS null $DIRS $((KEYS + DIRS))" \
	"$(jq -r '.counts | "\(.keys) \(.ephemeral) \(.dirs) \(.records)"' <<<"$H_OUT")" \
	"snapshot verify: directories apart; ephemeral keys unknown (the snapshot left them out)"
h_assert_eq "$KNOWN_OBJECTS" "$(jq -r ".counts | $OBJECTS" <<<"$H_OUT")" "snapshot verify: objects as inspect"
h_assert_eq "$INSPECT_KINDS" "$(jq -c '.counts.kinds | del(.felix_status)' <<<"$H_OUT")" \
	"snapshot verify: every kind as inspect"
h_assert_eq "$INSPECT_OBJECTS" "$(jq .counts.objects <<<"$H_OUT")" "snapshot verify: objects total as inspect"
h_run "$DSCK" snapshot verify "$SNAP"
h_assert_contains "$H_OUT" "$(printf '%-20s %8s (not in the snapshot)' 'ephemeral keys' unknown)" \
	"verify table: unknown, not 0"
SNAP_E=$H_TMP/calico-e.snap
h_run "$DSCK" snapshot save "$SNAP_E" --api v2 --include-ephemeral
h_assert_rc 0 "snapshot save --include-ephemeral"
h_run "$DSCK" snapshot verify "$SNAP_E" -o json
h_assert_eq "$BASE $((KEYS + DIRS + EPHEMERAL + EPH_DIRS)) $TTL" \
	"$(jq -r '.counts | "\(.keys) \(.ephemeral) \(.dirs) \(.records) \(.ttl)"' <<<"$H_OUT")" \
	"verify of a snapshot with ephemeral keys: counted on their own, their directories in no count"
h_pass "snapshot verify counts as defined"

# ---------------------------------------------------------------- diff
h_run "$DSCK" diff v2 "$SNAP" -o json
h_assert_rc 0 "diff of the store and its own snapshot"
h_assert_eq "0 0 0 $KEYS 0 0 $DIRS" \
	"$(jq -r '.summary | "\(.added) \(.removed) \(.changed) \(.same) \(.dirs_added) \(.dirs_removed) \(.dirs_same)"' <<<"$H_OUT")" \
	"diff: keys and directories compared apart"
h_assert_eq "$BASE | $KEYS null $DIRS" \
	"$(jq -r '.counts | "\(.a.keys) \(.a.ephemeral) \(.a.dirs) | \(.b.keys) \(.b.ephemeral) \(.b.dirs)"' <<<"$H_OUT")" \
	"diff: what each side holds"
EMPTY=$H_TMP/empty.snap
h_run "$DSCK" snapshot save "$EMPTY" --api v2 --prefix /nothing-here
h_assert_rc 0 "an empty snapshot"
h_run "$DSCK" diff "$EMPTY" v2 --prefix /calico -o json
h_assert_rc 1 "diff against an empty snapshot differs"
h_assert_eq "$KEYS 0 0 0 $DIRS" \
	"$(jq -r '.summary | "\(.added) \(.removed) \(.same) \(.changed) \(.dirs_added)"' <<<"$H_OUT")" \
	"diff against empty: every key added, directories apart"
h_assert_eq "0 null 0 | $BASE" \
	"$(jq -r '.counts | "\(.a.keys) \(.a.ephemeral) \(.a.dirs) | \(.b.keys) \(.b.ephemeral) \(.b.dirs)"' <<<"$H_OUT")" \
	"diff against empty: what each side holds"
h_run "$DSCK" diff v2 "$SNAP"
h_assert_contains "$H_OUT" "a: $KEYS keys, $EPHEMERAL ephemeral keys, $DIRS directories" "diff table: side a"
h_assert_contains "$H_OUT" "b: $KEYS keys, ephemeral keys unknown" "diff table: side b"
h_pass "diff counts as defined"

# ---------------------------------------------------------------- checks
h_run "$DSCK" check pre-migrate -o json
h_assert_rc 0 "pre-migrate"
MEMBER='.members[0] | "\(.v2_keys) \(.v2_ephemeral) \(.v2_dirs) \(.v2_ttl_keys) \(.v3_keys) \(.v3_ephemeral)"'
h_assert_eq "$BASE $TTL 0 0" "$(jq -r "$MEMBER" <<<"$H_OUT")" "pre-migrate: the same counts"
h_assert_eq "$TTL" "$(jq '[.findings[] | select(.code == "ttl-will-persist")] | length' <<<"$H_OUT")" \
	"pre-migrate: one warning per TTL key"

h_etcd_stop one
h_run env ETCDCTL_API=3 "${H_ETCDCTL:-etcdctl}" migrate --data-dir "$(h_datadir one)"
h_assert_rc 0 "etcdctl migrate"
h_etcd_restart one --v2
h_run "$DSCK" verify-migrate -o json
h_assert_rc 0 "verify-migrate after a clean migrate"
# migrate copies every leaf (TTL keys too, without --no-ttl) and no directory.
h_assert_eq "$BASE $TTL $KEYS $EPHEMERAL" "$(jq -r "$MEMBER" <<<"$H_OUT")" "verify-migrate: the same counts"
h_run "$DSCK" status -o json
h_assert_eq "$BASE $KEYS $EPHEMERAL 0" \
	"$(jq -r '.calico | "\(.v2_keys) \(.v2_ephemeral) \(.v2_dirs) \(.v3_keys) \(.v3_ephemeral) \(.v3_model_keys)"' <<<"$H_OUT")" \
	"status after migrate: v3 holds the same keys and ephemeral keys"
h_run "$DSCK" inspect --api v3 -o json
h_assert_eq "$KEYS $EPHEMERAL 0" "$(jq -r '"\(.keys) \(.ephemeral) \(.dirs)"' <<<"$H_OUT")" "inspect v3: the same counts"
h_assert_eq "$INSPECT_KINDS" "$(jq -c '.kinds | del(.felix_status) | .directory = '"$DIRS" <<<"$H_OUT")" \
	"inspect v3: the same objects, directories aside"
h_pass "checks count as defined, before and after etcdctl migrate"

# The v3 store as `etcdctl snapshot save` writes it: the same Calico counts.
DB=$H_TMP/v3.db
h_etcdctl one snapshot save "$DB" >/dev/null
h_run "$DSCK" snapshot verify "$DB" -o json
h_assert_rc 0 "verify the etcd backend file"
# It holds the ephemeral keys too: each is one felix_status object.
h_assert_eq "$KEYS $EPHEMERAL 0 $((INSPECT_OBJECTS + EPHEMERAL)) $EPHEMERAL" \
	"$(jq -r '.counts | "\(.keys) \(.ephemeral) \(.dirs) \(.objects) \(.kinds.felix_status)"' <<<"$H_OUT")" \
	"etcd backend file: the same keys, ephemeral keys and objects"
h_assert_eq "$INSPECT_KINDS" "$(jq -c '.counts.kinds | del(.felix_status) | .directory = '"$DIRS" <<<"$H_OUT")" \
	"etcd backend file: the same objects per kind"
h_pass "snapshot verify of an etcd backend file counts as defined"

h_done
