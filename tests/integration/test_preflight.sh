#!/usr/bin/env bash
# dsck preflight: a healthy datastore is a GO, each broken one a NO-GO with
# the right check failing, unreachable members exit 3 with everything
# reachable still reported, and the JUnit report is valid XML.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS KUBECONFIG K8S_API_ENDPOINT DATASTORE_TYPE
# Hermetic: no ~/.kube/config of the machine's user.
export HOME=$H_TMP/home
mkdir -p "$HOME"

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
h_assert_eq "GO" "$(jq -r .verdict <<<"$pf")" "verdict GO"
h_assert_contains "$(jq -r '.checks[] | select(.name == "connectivity") | .reason' <<<"$pf")" "1 of 1 members answer ($EP)" \
	"the member count says who answered"
h_assert_eq 600 "$(stat -c %a "$H_TMP/junit.xml")" "the JUnit file is mode 0600"
h_run "$DSCK" preflight --endpoints "$EP"
h_assert_contains "$H_OUT" "GO: next," "table verdict"
h_pass "healthy datastore"

# The way forward agrees with the findings: TTL keys call for --no-ttl.
ttl_findings() { jq '[.checks[].findings[]? | select(.code == "ttl-will-persist")] | length' <<<"$1"; }
reminder() {
	"$DSCK" check pre-migrate --endpoints "$EP" -o json |
		jq -r '.findings[] | select(.code == "backup-reminder") | .detail'
}
ttl_keys=$(curl -sS "$EP/v2/keys/calico?recursive=true" | jq -c '[.. | objects | select(.ttl? != null) | {key, value}]')
n_ttl=$(jq length <<<"$ttl_keys")
((n_ttl > 0)) || h_fail "the fixture has TTL keys"
h_assert_eq "$n_ttl" "$(ttl_findings "$pf")" "preflight finds each TTL key"
h_assert_contains "$(jq -r .next_step <<<"$pf")" "etcdctl migrate --data-dir DIR --no-ttl" \
	"next step leaves TTL keys out"
h_assert_contains "$(reminder)" "run etcdctl migrate --no-ttl on each data dir" "backup-reminder too"
while IFS= read -r k; do
	curl -sS -o /dev/null -XDELETE "$EP/v2/keys$k" || h_fail "delete $k"
done < <(jq -r '.[].key' <<<"$ttl_keys")
h_run "$DSCK" preflight --endpoints "$EP" -o json
h_assert_rc 0 "no TTL keys: GO"
h_assert_eq 0 "$(ttl_findings "$H_OUT")" "no TTL finding"
h_assert_not_contains "$(jq -r .next_step <<<"$H_OUT")" "--no-ttl" "no --no-ttl without TTL keys"
h_assert_contains "$(reminder)" "run etcdctl migrate on each data dir" "nor in backup-reminder"
while IFS=$'\t' read -r k v; do
	curl -sS -o /dev/null -XPUT "$EP/v2/keys$k?ttl=3600" --data-urlencode "value=$v" || h_fail "put $k"
done < <(jq -r '.[] | [.key, .value] | @tsv' <<<"$ttl_keys")
h_pass "next step and backup-reminder agree with the TTL findings (--no-ttl)"

# --junit never follows a symlink at FILE: the link is replaced, its target untouched.
echo "keep me" >"$H_TMP/target"
ln -s "$H_TMP/target" "$H_TMP/link.xml"
h_run "$DSCK" preflight --endpoints "$EP" --junit "$H_TMP/link.xml" -o json
h_assert_rc 0 "preflight with --junit at a symlink"
h_assert_eq "keep me" "$(<"$H_TMP/target")" "the symlink's target is untouched"
[[ -f $H_TMP/link.xml && ! -L $H_TMP/link.xml ]] || h_fail "FILE is now a regular file"
h_assert_eq 600 "$(stat -c %a "$H_TMP/link.xml")" "mode 0600"
[[ ! -e $H_TMP/link.xml.tmp ]] || h_fail "no temporary file left"
h_run xmllint --noout "$H_TMP/link.xml"
h_assert_rc 0 "and it is the JUnit report"
h_run "$DSCK" preflight --endpoints "$EP" --junit "$H_TMP/nodir/junit.xml"
h_assert_rc 6 "a JUnit file in a missing directory: exit 6"
h_assert_contains "$H_ERR" "cannot create '$H_TMP/nodir/junit.xml.tmp'" "names the file"
h_pass "--junit: temp file, rename, 0600, symlink not followed"

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
h_assert_contains "$(jq -r '.checks[] | select(.name == "connectivity") | .reason' <<<"$H_OUT")" \
	"1 of 2 members answer ($EP); no answer from http://127.0.0.1:$H_PORT" "who answered and who did not"
h_run "$DSCK" preflight --endpoints "http://127.0.0.1:$H_PORT"
h_assert_rc 3 "nothing reachable: exit 3"
h_assert_contains "$H_OUT" "NO-GO" "verdict"
h_assert_contains "$H_OUT" "            " "the findings' details are shown"
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
k8s_start_server --default-scenario before-migration
export DATASTORE_TYPE=kubernetes
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc migrated)" --junit "$H_TMP/k8s.xml" -o json
h_assert_rc 0 "a migrated Kubernetes-datastore cluster: GO"
h_assert_eq "true true" "$(check "$H_OUT" etcd)" "no etcd checks for the Kubernetes datastore"
for c in k8s-crd-migration node-roll; do
	h_assert_eq "true false" "$(check "$H_OUT" $c)" "$c ran and passed"
done
h_assert_eq "true true" "$(check "$H_OUT" policy-semantics)" "policy-semantics does not apply to calico-node v2.4 (KDD)"
h_assert_contains "$(jq -r '.checks[] | select(.name == "policy-semantics") | .reason' <<<"$H_OUT")" \
	"already runs the v1 NetworkPolicy semantics" "SKIP with the reason"
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc before-migration)" --junit "$H_TMP/k8s.xml" -o json
h_assert_rc 1 "TPR data not migrated yet: NO-GO"
h_assert_eq "false false" "$(check "$H_OUT" k8s-crd-migration)" "k8s-crd-migration failed"
h_assert_contains "$(jq -r '.checks[].findings[].code' <<<"$H_OUT")" object-not-migrated "finding named"
h_run xmllint --xpath 'count(//testcase)' "$H_TMP/k8s.xml"
h_assert_eq 4 "$H_OUT" "four checks in the JUnit report (etcd skipped)"
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc policies)" -o json
h_assert_rc 1 "namespaces that need ACTION: NO-GO"
h_assert_contains "$(jq -r '.checks[] | select(.name == "policy-semantics") | .findings[].code' <<<"$H_OUT")" namespace-needs-action "policy finding"
h_run "$DSCK" preflight --kubeconfig "$(k8s_kc policies)"
h_assert_contains "$H_OUT" "run: kubectl delete networkpolicy -n frontend allow-metrics allow-web" \
	"the table shows the failing check's action, not only its code"
h_pass "Kubernetes datastore preflight"

# The default ~/.kube/config, as the single checks use it, and --datastore-type.
unset DATASTORE_TYPE
mkdir -p "$HOME/.kube" && cp "$(k8s_kc before-migration)" "$HOME/.kube/config"
h_run "$DSCK" preflight --datastore-type kubernetes -o json
h_assert_rc 1 "~/.kube/config with a broken migration: NO-GO"
h_assert_eq "NO-GO false false" "$(jq -r '"\(.verdict) \(.checks[] | select(.name == "k8s-crd-migration") | "\(.ok) \(.skipped)")"' <<<"$H_OUT")" \
	"k8s-crd-migration ran through ~/.kube/config and failed"
h_run "$DSCK" preflight --datastore-type kubernetes
h_assert_contains "$H_OUT" "NO-GO" "table verdict"
h_assert_contains "$H_OUT" "object-not-migrated" "the failing finding"
# One line per code (docs/conventions.md, "Findings"); JSON has every detail.
h_assert_eq 1 "$(grep -c 'ERROR object-not-migrated' <<<"$H_OUT")" "one line for the code"
h_assert_contains "$(grep 'object-not-migrated' <<<"$H_OUT")" "and 7 more: GlobalConfig" \
	"with its first detail and the count of the rest"
h_run "$DSCK" preflight --datastore-type kubernetes -o json
h_assert_contains "$H_OUT" "has no IPPool counterpart" "JSON has every finding's detail"

# 401 from the API: that check could not run; INCOMPLETE (not GO), exit 4, the report printed.
k8s_kubeconfig "$H_TMP/badtoken.yaml" migrated "    token: not-the-token"
h_run "$DSCK" preflight --datastore-type kubernetes --kubeconfig "$H_TMP/badtoken.yaml" -o json
h_assert_rc 4 "401 Unauthorized: exit 4, as the single checks"
h_assert_eq "INCOMPLETE false" "$(jq -r '"\(.verdict) \(.ok)"' <<<"$H_OUT")" "INCOMPLETE, not GO"
h_assert_eq "CANNOT-CHECK auth" "$(jq -r '.checks[] | select(.name == "node-roll") | "\(.status) \(.error)"' <<<"$H_OUT")" \
	"each check says it could not run, and why"
h_assert_contains "$(jq -r '.checks[] | select(.name == "node-roll") | .reason' <<<"$H_OUT")" "401 Unauthorized" "the reason"
h_run "$DSCK" preflight --datastore-type kubernetes --kubeconfig "$H_TMP/badtoken.yaml"
h_assert_contains "$H_OUT" "INCOMPLETE: not everything could be checked" "table verdict"
# The API unreachable: exit 3.
h_free_port
k8s_kubeconfig "$H_TMP/down.yaml" migrated "    token: $K8S_TOKEN"
sed -i "s|server: .*|server: https://127.0.0.1:$H_PORT|" "$H_TMP/down.yaml"
h_run "$DSCK" preflight --datastore-type kubernetes --kubeconfig "$H_TMP/down.yaml" -o json
h_assert_rc 3 "Kubernetes API unreachable: exit 3"
h_assert_eq INCOMPLETE "$(jq -r .verdict <<<"$H_OUT")" "INCOMPLETE"
# The Kubernetes datastore with no API configured at all: nothing checked, not GO.
rm "$HOME/.kube/config"
h_run "$DSCK" preflight --datastore-type kubernetes -o json
h_assert_rc 2 "Kubernetes datastore without any API: exit 2"
h_assert_eq "INCOMPLETE" "$(jq -r .verdict <<<"$H_OUT")" "not GO"
h_assert_contains "$(jq -r '.checks[] | select(.name == "node-roll") | .reason' <<<"$H_OUT")" "no Kubernetes API configured" "says what is missing"
h_run "$DSCK" preflight --datastore-type calico
h_assert_rc 2 "an unknown datastore type: usage error"
# In a pod: the service account, as the single checks use it (the server's default scenario).
SA=$H_TMP/serviceaccount
(umask 077 && mkdir -p "$SA" && cp "$K8S_SECRETS/token" "$SA/token" && cp "$H_CA" "$SA/ca.crt")
h_run env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="${K8S_API##*:}" DSCK_K8S_SA_DIR="$SA" \
	"$DSCK" preflight --datastore-type kubernetes -o json
h_assert_rc 1 "in a pod, a broken migration: NO-GO"
h_assert_eq "NO-GO false false" "$(jq -r '"\(.verdict) \(.checks[] | select(.name == "k8s-crd-migration") | "\(.ok) \(.skipped)")"' <<<"$H_OUT")" \
	"k8s-crd-migration ran through the service account"
h_pass "preflight: ~/.kube/config, in a pod, --datastore-type, 401/unreachable as 4/3, INCOMPLETE is not GO"
h_done
