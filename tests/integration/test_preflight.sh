#!/usr/bin/env bash
# dsck preflight: a healthy datastore is a GO, each broken one a NO-GO with
# the right check failing, unreachable members exit 3 with everything
# reachable still reported, and the JUnit report is valid XML.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS KUBECONFIG K8S_API_ENDPOINT

check() { jq -r --arg n "$2" '.checks[] | select(.name == $n) | "\(.ok) \(.skipped)"' <<<"$1"; }

h_etcd_start one --v2
EP=$(h_endpoint one)
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 3 --workloads-per-host 3 --seed 2
h_assert_rc 0 "load the fixture"

h_run "$DSCK" preflight --endpoints "$EP" --junit "$H_TMP/junit.xml" -o json
h_assert_rc 0 "healthy v2 datastore before migration: GO"
pf=$H_OUT
h_assert_eq true "$(jq .ok <<<"$H_OUT")" "ok"
h_assert_eq "true false" "$(check "$H_OUT" connectivity)" "connectivity passed"
h_assert_eq "true false" "$(check "$H_OUT" pre-migrate)" "pre-migrate chosen and passed"
h_assert_eq "true true" "$(check "$H_OUT" k8s)" "Kubernetes checks skipped without an API"
h_assert_contains "$(jq -r .next_step <<<"$H_OUT")" "etcdctl migrate" "next step"
h_run xmllint --noout "$H_TMP/junit.xml"
h_assert_rc 0 "JUnit report is valid XML"
h_assert_eq "$(jq '.checks | length' <<<"$pf")" "$(grep -c '<testcase ' "$H_TMP/junit.xml")" "one testcase per check"
h_assert_eq "true false" "$(check "$pf" inspect)" "inspect passed"
h_assert_contains "$(<"$H_TMP/junit.xml")" "<skipped message=\"no Kubernetes API configured" "skipped check in JUnit"
h_run "$DSCK" preflight --endpoints "$EP"
h_assert_contains "$H_OUT" "GO: next," "table verdict"
h_pass "healthy datastore"

# v3 holds unrelated data: migrating now would destroy it.
h_etcdctl one put /registry/something x >/dev/null
h_run "$DSCK" preflight --endpoints "$EP" --junit "$H_TMP/junit2.xml" -o json
h_assert_rc 1 "v3 not empty: NO-GO"
h_assert_eq "false false" "$(check "$H_OUT" pre-migrate)" "pre-migrate failed"
h_assert_contains "$(jq -r '.checks[] | select(.name == "pre-migrate") | .findings[].code' <<<"$H_OUT")" v3-not-empty "finding named"
h_run xmllint --xpath 'count(//testcase/failure)' "$H_TMP/junit2.xml"
h_assert_eq 1 "$H_OUT" "one failure in JUnit"
h_assert_contains "$(<"$H_TMP/junit2.xml")" "v3-not-empty" "JUnit failure lists the finding"
h_etcdctl one del /registry/something >/dev/null
h_pass "pre-migrate failure"

# After a migration whose v3 copy drifted: verify-migrate is chosen and fails.
h_run "$DSCK" migrate v2-to-v3 --endpoints "$EP" -q
h_assert_rc 0 "copy v2 into v3"
h_etcdctl one put /calico/v1/config/LogSeverityScreen debug >/dev/null
h_run "$DSCK" preflight --endpoints "$EP" -o json
h_assert_rc 1 "drifted copy: NO-GO"
h_assert_eq "false false" "$(check "$H_OUT" verify-migrate)" "verify-migrate failed"
h_pass "verify-migrate failure"

# No Calico data at all (v2 off, v3 empty): a wrong endpoint, not a GO.
h_etcd_start empty
h_run "$DSCK" preflight --endpoints "$(h_endpoint empty)" -o json
h_assert_rc 1 "nothing to check: NO-GO"
h_assert_contains "$(jq -r '.checks[].findings[].code' <<<"$H_OUT")" no-calico-data "no-calico-data"
h_assert_eq null "$(jq .next_step <<<"$H_OUT")" "no next step on a NO-GO"

# One member unreachable: exit 3, the reachable one still reported.
h_free_port
h_run "$DSCK" preflight --endpoints "$EP,http://127.0.0.1:$H_PORT" -o json
h_assert_rc 3 "unreachable member: exit 3"
h_assert_contains "$(jq -r '.checks[] | select(.name == "connectivity") | .findings[] | "\(.code) \(.member)"' <<<"$H_OUT")" "member-unreachable http://127.0.0.1:$H_PORT" "unreachable member named"
h_assert_contains "$(jq -r '.checks[].name' <<<"$H_OUT")" verify-migrate "reachable member still checked"
h_run "$DSCK" preflight --endpoints "http://127.0.0.1:$H_PORT"
h_assert_rc 3 "nothing reachable: exit 3"
h_assert_contains "$H_OUT" "NO-GO" "verdict"
h_pass "unreachable endpoints"

# v2 disabled: Calico v2.x would break.
h_etcd_stop one
h_etcd_restart one --no-v2
h_run "$DSCK" preflight --endpoints "$EP" -o json
h_assert_rc 1 "v2 disabled: NO-GO"
h_assert_contains "$(jq -r '.checks[].findings[].code' <<<"$H_OUT")" v2-unavailable "v2-unavailable reported"
h_pass "v2 disabled"

# The Kubernetes datastore: no etcd; the Kubernetes checks through a kubeconfig.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/k8sapi.sh"
k8s_setup
k8s_start_server
export DATASTORE_TYPE=kubernetes
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc migrated)" --junit "$H_TMP/k8s.xml" -o json
h_assert_rc 0 "a migrated Kubernetes-datastore cluster: GO"
h_assert_eq "true true" "$(check "$H_OUT" etcd)" "no etcd checks for the Kubernetes datastore"
for c in k8s-crd-migration policy-semantics node-roll; do
	h_assert_eq "true false" "$(check "$H_OUT" $c)" "$c ran and passed"
done
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc before-migration)" --junit "$H_TMP/k8s.xml" -o json
h_assert_rc 1 "TPR data not migrated yet: NO-GO"
h_assert_eq "false false" "$(check "$H_OUT" k8s-crd-migration)" "k8s-crd-migration failed"
h_assert_contains "$(jq -r '.checks[].findings[].code' <<<"$H_OUT")" object-not-migrated "finding named"
h_run xmllint --xpath 'count(//testcase)' "$H_TMP/k8s.xml"
h_assert_eq 5 "$H_OUT" "five checks in the JUnit report (etcd, inspect skipped)"
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc policies)" -o json
h_assert_rc 1 "namespaces that need ACTION: NO-GO"
h_assert_contains "$(jq -r '.checks[] | select(.name == "policy-semantics") | .findings[].code' <<<"$H_OUT")" namespace-needs-action "policy finding"
h_pass "Kubernetes datastore preflight"
h_done
