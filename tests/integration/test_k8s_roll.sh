#!/usr/bin/env bash
# dsck check node-roll (docs/checks.md) against tests/k8s_api_server.py:
# clusters before, during and after a roll of calico-node v2.5.1 -> v2.6.2,
# and one cluster per fault (fixtures/k8s/roll-*), through a kubeconfig with a
# bearer token over HTTPS (2 items a page), and the same results from
# --from-dir over the same dumps.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}"
SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
source "$(dirname "${BASH_SOURCE[0]}")/../lib/k8sapi.sh"
k8s_setup
k8s_start_server
FIX=$K8S_FIX TOKEN=$K8S_TOKEN API=$K8S_API SERVER_LOG=$K8S_SERVER_LOG SCN=$K8S_SCN
kc() { k8s_kc "$@"; }

TRANSCRIPT=$H_TMP/transcript
run() {
	h_run "$@"
	printf '%s\n%s\n' "$H_OUT" "$H_ERR" >>"$TRANSCRIPT"
}

# "severity:code=count ..." sorted
codes() { jq -r '[.findings[] | "\(.severity):\(.code)"] | group_by(.) | map("\(.[0])=\(length)") | join(" ")'; }
# members JSON CODE: the nodes that findings of CODE name, sorted
members() { jq -r --arg c "$2" '[.findings[] | select(.code == $c) | .member] | sort | join(" ")' <<<"$1"; }
keys() { jq -r --arg c "$2" '[.findings[] | select(.code == $c) | .key] | sort | join(" ")' <<<"$1"; }
detail() { jq -r --arg c "$2" '[.findings[] | select(.code == $c) | .detail] | join("\n")' <<<"$1"; }

# roll_case SCENARIO EXIT CODES...: through the API, then the same from --from-dir.
roll_case() {
	local scn=$1 rc=$2 api
	shift 2
	run "$DSCK" check node-roll --kubeconfig "$(kc "$scn")" -o json
	h_assert_rc "$rc" "$scn: exit $rc through the API"
	h_assert_eq "node-roll 1" "$(jq -r '"\(.check) \(.format_version)"' <<<"$H_OUT")" "$scn: check and format_version"
	h_assert_eq "$*" "$(codes <<<"$H_OUT")" "$scn: findings through the API"
	h_assert_eq "$([[ $rc == 0 ]] && echo true || echo false)" "$(jq -r .ok <<<"$H_OUT")" "$scn: ok"
	ROLL=$H_OUT
	api=$(jq -S 'del(.source)' <<<"$H_OUT")
	run "$DSCK" check node-roll --from-dir "$SCN/$scn" -o json
	h_assert_rc "$rc" "$scn: exit $rc from --from-dir"
	h_assert_eq "$api" "$(jq -S 'del(.source)' <<<"$H_OUT")" "$scn: --from-dir gives the same result"
	h_pass "node-roll $scn: exit $rc, ${*:-no findings} (API and --from-dir)"
}
summary() { jq -r ".summary | $1" <<<"$ROLL"; }
UNPROVEN="info:config-not-applied=1"

# ---- before, during and after a roll of calico-node v2.5.1 -> v2.6.2
roll_case roll-before 0 "$UNPROVEN"
h_assert_eq "complete 4 4 quay.io/calico/node:v2.5.1 RollingUpdate calico-policy-controller:Recreate:1:1" \
	"$(summary '"\(.roll) \(.nodes) \(.nodes_updated) \(.desired_image) \(.update_strategy) \(.controllers | map("\(.name):\(.strategy):\(.replicas):\(.running)") | join(","))"')" \
	"before: steady on v2.5.1, one Recreate policy controller"
h_assert_contains "$(detail "$ROLL" config-not-applied)" "cannot be proven" \
	"without managedFields the restart cannot be proven"
h_assert_eq "creationTimestamp 2017-09-01T08:30:00Z 0 0 5" \
	"$(summary '"\(.configmap_time_source) \(.configmap_changed) \(.config_applied) \(.config_not_applied) \(.config_unproven)"')" \
	"before: only the creation time is known; 4 calico-node pods and the controller unproven"
grep -q 'GET /roll-before/apis/apps/v1/namespaces/kube-system/deployments?limit=500 -> 404' "$SERVER_LOG" ||
	h_fail "apps/v1 Deployments were tried first"
grep -q 'GET /roll-before/apis/extensions/v1beta1/namespaces/kube-system/deployments?limit=500 -> 200' "$SERVER_LOG" ||
	h_fail "Deployments from extensions/v1beta1 (Kubernetes 1.7)"
grep -q 'GET /roll-before/api/v1/namespaces/kube-system/pods?limit=500&continue=' "$SERVER_LOG" ||
	h_fail "pods are paged with limit/continue" "$(grep pods "$SERVER_LOG")"
h_pass "Deployments: apps/v1 then extensions/v1beta1; pods paged"

roll_case roll-during 0 "info:config-not-applied=1 info:daemonset-version-skew=1"
h_assert_eq '{"quay.io/calico/node:v2.5.1":["node-2","node-3","node-4"],"quay.io/calico/node:v2.6.2":["node-1"]}' \
	"$(summary '.images | tojson')" "during: nodes per image in the summary"
h_assert_contains "$(detail "$ROLL" daemonset-version-skew)" \
	"quay.io/calico/node:v2.6.2 (desired) on node-1; quay.io/calico/node:v2.5.1 on node-2, node-3, node-4" \
	"during: the skew's detail lists the nodes per image"
h_assert_eq "rolling 1 calico-kube-controllers" "$(summary '"\(.roll) \(.nodes_updated) \(.controllers[0].name)"')" \
	"during: rolling, one node updated, calico-kube-controllers"
h_assert_eq "node-1:updated:false node-2:replacing:true node-3:old:false node-4:old:false" \
	"$(jq -r '[.nodes[] | "\(.name):\(.state):\(.unschedulable)"] | join(" ")' <<<"$ROLL")" \
	"during: node-2's pod terminates on a cordoned node; node-3 and node-4 wait (RollingUpdate)"

roll_case roll-after 0 "$UNPROVEN"
h_assert_eq "complete 4 4 0 0 quay.io/calico/node:v2.6.2" \
	"$(summary '"\(.roll) \(.nodes) \(.nodes_updated) \(.errors) \(.warnings) \(.desired_image)"')" \
	"after: a clean, finished roll passes"
h_assert_eq '{"quay.io/calico/node:v2.6.2":["node-1","node-2","node-3","node-4"]}' "$(summary '.images | tojson')" \
	"after: one image on every node"

# ---- one cluster per fault
roll_case roll-controller-not-recreate 1 "error:controller-not-recreate=1 $UNPROVEN"
h_assert_eq deployment/kube-system/calico-kube-controllers "$(keys "$ROLL" controller-not-recreate)" \
	"controller-not-recreate names the Deployment"
h_assert_contains "$(detail "$ROLL" controller-not-recreate)" "strategy RollingUpdate" "and its strategy"

roll_case roll-controller-replicas 1 "error:controller-replicas=1 $UNPROVEN"
d=$(detail "$ROLL" controller-replicas)
h_assert_contains "$d" "spec.replicas 2 and 2 running pods" "controller-replicas: asked and running"
h_assert_contains "$d" "calico-kube-controllers-2753045621-5b7xq, calico-kube-controllers-2753045621-p4r9d" \
	"controller-replicas names the running pods"

roll_case roll-legacy-replicaset 1 "error:legacy-replicaset=1 $UNPROVEN"
h_assert_eq replicaset/kube-system/calico-policy-controller "$(keys "$ROLL" legacy-replicaset)" \
	"legacy-replicaset names the pre-2.0 ReplicaSet"
h_assert_contains "$(detail "$ROLL" legacy-replicaset)" \
	"kubectl scale replicaset calico-policy-controller -n kube-system --replicas=0" "and how to scale it to 0"
h_assert_eq "calico-policy-controller:1" "$(summary '.controllers | map("\(.name):\(.running)") | join(",")')" \
	"the legacy ReplicaSet's pod is not counted as the Deployment's"

roll_case roll-version-skew 0 "$UNPROVEN warning:daemonset-version-skew=1"
h_assert_contains "$(detail "$ROLL" daemonset-version-skew)" \
	"quay.io/calico/node:v2.5.0 on node-4; quay.io/calico/node:v2.5.1 on node-1, node-2, node-3" \
	"version-skew (warning): the nodes per image"
h_assert_contains "$(detail "$ROLL" daemonset-version-skew)" "none of them the DaemonSet's quay.io/calico/node:v2.6.2" \
	"version-skew (warning): no pod on the desired image, so not this roll"
h_assert_eq not-started "$(summary .roll)" "version-skew: the roll has not started"

roll_case roll-node-not-cordoned 0 "$UNPROVEN info:daemonset-version-skew=1 warning:node-not-cordoned=1"
h_assert_eq node-2 "$(members "$ROLL" node-not-cordoned)" "node-not-cordoned names node-2"
h_assert_contains "$(detail "$ROLL" node-not-cordoned)" "terminates: new pods placed there may get no network; kubectl cordon node-2" \
	"node-not-cordoned says why and what to run"

roll_case roll-node-left-cordoned 0 "$UNPROVEN warning:node-left-cordoned=1"
h_assert_eq node-3 "$(members "$ROLL" node-left-cordoned)" "node-left-cordoned names node-3"
h_assert_contains "$(detail "$ROLL" node-left-cordoned)" "kubectl uncordon node-3" "and the command"

roll_case roll-config-not-applied 0 "warning:config-not-applied=3"
h_assert_eq "pod/kube-system/calico-kube-controllers-2753045621-5b7xq pod/kube-system/calico-node-9hd2c pod/kube-system/calico-node-kq7vx" \
	"$(keys "$ROLL" config-not-applied)" "config-not-applied names the pods started before the change"
h_assert_eq "node-1 node-1 node-2" "$(members "$ROLL" config-not-applied)" "and their nodes"
h_assert_contains "$(detail "$ROLL" config-not-applied)" \
	"calico-node-9hd2c on node node-1 started 2017-10-10T09:01:05Z, before ConfigMap calico-config changed (2017-10-10T09:08:00Z, managedFields)" \
	"the detail compares the two times"
h_assert_eq "managedFields 2 3 0" \
	"$(summary '"\(.configmap_time_source) \(.config_applied) \(.config_not_applied) \(.config_unproven)"')" \
	"node-3 and node-4 restarted after the change: proven applied"

roll_case roll-ondelete 1 "error:pod-not-ready=1 $UNPROVEN info:daemonset-update-strategy=1 info:daemonset-version-skew=1"
h_assert_eq node-2 "$(members "$ROLL" daemonset-update-strategy)" \
	"OnDelete: only the node being rolled now is named, not every old one"
h_assert_contains "$(detail "$ROLL" daemonset-update-strategy)" \
	"node node-2 is being rolled now (pod calico-node-kq7vx); once its new pod is Ready and BIRD's graceful-restart window (90 s) has passed, kubectl uncordon node-2" \
	"and what to wait for before uncordoning it"
h_assert_eq node-2 "$(members "$ROLL" pod-not-ready)" "the new pod that is not Ready is an error on node-2"
h_assert_eq "OnDelete node-2:replacing:true" \
	"$(jq -r '"\(.summary.update_strategy) \(.nodes[1].name):\(.nodes[1].state):\(.nodes[1].unschedulable)"' <<<"$ROLL")" \
	"node-2's new pod is not ready yet, on a cordoned node"

roll_case roll-ondelete-start 0 "$UNPROVEN info:daemonset-update-strategy=1"
h_assert_eq node-1 "$(members "$ROLL" daemonset-update-strategy)" "OnDelete, nothing rolled yet: only the next node"
h_assert_contains "$(detail "$ROLL" daemonset-update-strategy)" \
	"4 of 4 nodes still run a pod of an older template; next: kubectl cordon node-1, kubectl delete pod -n kube-system calico-node-4xk9p" \
	"the commands for that one node"
h_assert_not_contains "$(detail "$ROLL" daemonset-update-strategy)" "node-2" "no other node is told to cordon"
h_assert_eq "not-started 0" "$(summary '"\(.roll) \(.nodes_updated)"')" "the roll has not started"

roll_case roll-crashloop 1 "error:pod-not-ready=1 $UNPROVEN info:daemonset-version-skew=1"
h_assert_contains "$(detail "$ROLL" pod-not-ready)" \
	"calico-node pod calico-node-kq7vx on node node-2 (quay.io/calico/node:v2.6.2, current template) is not Ready: CrashLoopBackOff, 5 restarts, last exit Error" \
	"a crash-looping new pod: the reason and restarts"
h_assert_contains "$(detail "$ROLL" pod-not-ready)" "keep the node cordoned" "and not to uncordon"
h_assert_eq "CrashLoopBackOff, 5 restarts, last exit Error" "$(jq -r '.nodes[] | select(.name == "node-2") | .not_ready' <<<"$ROLL")" \
	"the node row says why"

roll_case roll-node-missing 1 "error:node-without-calico=1 $UNPROVEN"
h_assert_eq node-5 "$(members "$ROLL" node-without-calico)" "the schedulable node without calico-node is named (the cordoned node-6 is not)"
h_assert_contains "$(detail "$ROLL" node-without-calico)" "pods placed there get no network" "and why it matters"

roll_case roll-cni-only 0 "$UNPROVEN warning:template-not-rolled=1"
h_assert_eq "not-started 0 3" "$(summary '"\(.roll) \(.nodes_updated) \(.template_generation)"')" \
	"a CNI-only template change: same calico-node image, yet no node is updated"
h_assert_contains "$(detail "$ROLL" template-not-rolled)" \
	"at generation 3 but 4 of 4 nodes run pods of an older one, with the same calico-node image quay.io/calico/node:v2.6.2" \
	"the detail says the roll is not complete"
h_assert_eq "false false false false" "$(jq -r '[.nodes[].current_template] | map(tostring) | join(" ")' <<<"$ROLL")" \
	"no pod is of the current template"

# Only the updateStrategy changed (generation 3, no templateGeneration as in apps/v1), and the
# DaemonSet reports every pod updated: the pods' generation-2 labels do not make a roll.
roll_case roll-strategy-bump 0 "$UNPROVEN"
h_assert_eq "complete 4 3" "$(summary '"\(.roll) \(.nodes_updated) \(.template_generation)"')" \
	"a DaemonSet that reports every pod updated is complete"

roll_case roll-k8s15-replicaset 0 "$UNPROVEN"
h_assert_eq "calico-policy-controller:1" "$(summary '.controllers | map("\(.name):\(.running)") | join(",")')" \
	"Kubernetes 1.5: the Deployment's ReplicaSet (DEPLOYMENT-HASH, no owner) is not a legacy one; its pod counts"

roll_case roll-controller-absent 0 "$UNPROVEN warning:controller-missing=1"
h_assert_contains "$(detail "$ROLL" controller-missing)" \
	"calico-node uses the etcd datastore, but no policy controller Deployment exists in kube-system" \
	"etcd datastore without a policy controller: a warning"
h_assert_eq etcdv2 "$(summary .datastore)" "the datastore read from calico-node's environment"

# ---- table output
run "$DSCK" check node-roll --kubeconfig "$(kc roll-node-not-cordoned)"
h_assert_rc 0 "table: exit 0"
h_assert_contains "$H_OUT" "updateStrategy RollingUpdate" "table: the DaemonSet line"
h_assert_contains "$H_OUT" "Roll:         rolling, 1 of 4 nodes updated" "table: roll progress"
h_assert_contains "$H_OUT" "node-3  no        calico-node-f3n8w  yes    old" "table: one row per node"
h_assert_contains "$H_OUT" "WARN  node-not-cordoned" "table: findings"
h_assert_contains "$H_OUT" "node-roll: OK" "table: verdict"
run "$DSCK" check node-roll --from-dir "$SCN/roll-legacy-replicaset"
h_assert_rc 1 "table: exit 1 with an error"
h_assert_contains "$H_OUT" "ERROR legacy-replicaset" "table: the error"
h_assert_contains "$H_OUT" "node-roll: FAILED" "table: verdict FAILED"
h_pass "table output"

# ---- what cannot be read
run "$DSCK" check node-roll --kubeconfig "$(kc no-such-cluster)" -o json
h_assert_rc 5 "nothing served (every list 404): cannot check, exit 5"
h_assert_eq '["command","error","format_version","ok"] false 5' \
	"$(jq -r '"\(keys | tojson) \(.ok) \(.error.exit)"' <<<"$H_OUT")" \
	"no report that could be read as a result: only the error document"
h_assert_contains "$H_ERR" "the API server does not serve daemonsets" "names what is not served"
run "$DSCK" check node-roll --kubeconfig "$(kc migrated)" -o json
h_assert_rc 0 "a Kubernetes-datastore cluster (no policy controller needed)"
h_assert_eq "kubernetes 0" "$(jq -r '"\(.summary.datastore) \([.findings[] | select(.code == "controller-missing")] | length)"' <<<"$H_OUT")" \
	"the Kubernetes datastore needs no policy controller Deployment"
cp -r "$SCN/roll-ondelete" "$H_TMP/no-nodes" && rm "$H_TMP/no-nodes/nodes.json"
run "$DSCK" check node-roll --from-dir "$H_TMP/no-nodes" -o json
h_assert_rc 2 "no nodes.json: cannot check, exit 2"
h_assert_contains "$H_ERR" "'$H_TMP/no-nodes/nodes.json' is missing or empty: cannot check without it (write it with: kubectl get nodes -o json)" \
	"names the file and the kubectl line"
cp -r "$SCN/roll-after" "$H_TMP/no-ds"
jq '.items |= map(select(.metadata.name != "calico-node"))' "$SCN/roll-after/daemonsets.json" >"$H_TMP/no-ds/daemonsets.json"
run "$DSCK" check node-roll --from-dir "$H_TMP/no-ds"
h_assert_rc 2 "no calico-node DaemonSet: cannot check, exit 2"
h_assert_contains "$H_ERR" "no calico-node (or canal) DaemonSet in kube-system" "says so"
mkdir -p "$H_TMP/empty"
run "$DSCK" check node-roll --from-dir "$H_TMP/empty"
h_assert_rc 2 "an empty dump directory: exit 2"
kc roll-before >/dev/null
sed -i "s/token: .*/token: not-the-token/" "$H_TMP/kubeconfig.roll-before"
run "$DSCK" check node-roll --kubeconfig "$H_TMP/kubeconfig.roll-before"
h_assert_rc 4 "wrong token: exit 4"
printf '{"items": [' >"$H_TMP/no-nodes/pods.json"
run "$DSCK" check node-roll --from-dir "$H_TMP/no-nodes"
h_assert_rc 2 "a cut-off dump: exit 2"
h_assert_contains "$H_ERR" "$H_TMP/no-nodes/pods.json:1:" "the error names the file and line"
h_pass "missing lists, missing Node objects, no DaemonSet, a bad token and a bad dump: cannot check"

if grep -qF -- "$TOKEN" "$TRANSCRIPT"; then h_fail "the token appears in dsck's output"; fi
h_pass "no token in any output"
h_done
