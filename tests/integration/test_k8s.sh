#!/usr/bin/env bash
# Kubernetes-datastore checks (k8s-crd-migration, policy-semantics: docs/checks.md)
# against tests/k8s_api_server.py: HTTPS with a CA made here, bearer token,
# basic auth or client certificates, limit/continue paging (2 items a page),
# every fixture scenario of fixtures/k8s/ through a kubeconfig, and the same
# results from --from-dir over the same dumps.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}"
SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
source "$(dirname "${BASH_SOURCE[0]}")/../lib/k8sapi.sh"
k8s_setup
k8s_start_server --forbidden-token-file "$K8S_SECRETS/forbidden-token" \
	--basic-file "$K8S_SECRETS/basic" --default-scenario migrated
FIX=$K8S_FIX SCN=$K8S_SCN SECRETS=$K8S_SECRETS TOKEN=$K8S_TOKEN API=$K8S_API
SERVER_LOG=$K8S_SERVER_LOG PORT=${K8S_API##*:}
kubeconfig() { k8s_kubeconfig "$@"; }
KC=$H_TMP/kubeconfig
# kc SCENARIO: the path of a kubeconfig for SCENARIO with the valid token.
kc() {
	[[ -f $KC.$1 ]] || kubeconfig "$KC.$1" "$1" "    token: $TOKEN"
	printf '%s\n' "$KC.$1"
}

# with_token CMD...: CMD with K8S_API_TOKEN set (never on a command line).
with_token() { K8S_API_TOKEN=$(<"$SECRETS/token") "$@"; }

# Every output of dsck is kept, to prove at the end that no secret appears in it.
TRANSCRIPT=$H_TMP/transcript
run() {
	h_run "$@"
	printf '%s\n%s\n' "$H_OUT" "$H_ERR" >>"$TRANSCRIPT"
}

# codes JSON: "code=count ..." sorted by code
codes() { jq -r '[.findings[].code] | group_by(.) | map("\(.[0])=\(length)") | join(" ")'; }
# Compare API and --from-dir results without the fields that name the source.
same_json() {
	jq -S 'del(.source) | del(.summary.crd_api) |
		if .findings then .findings |= map(if .code == "tpr-api-unavailable" then del(.detail)
						   else . end) else . end'
}

# ---- k8s-crd-migration: every scenario, through the API and from the dumps
crd_case() { # SCENARIO EXIT CODES...
	local scn=$1 rc=$2 api
	shift 2
	run "$DSCK" check k8s-crd-migration --kubeconfig "$(kc "$scn")" -o json
	h_assert_rc "$rc" "$scn: exit $rc through the API"
	h_assert_eq "$*" "$(codes <<<"$H_OUT")" "$scn: finding codes through the API"
	api=$(same_json <<<"$H_OUT")
	CRD_JSON=$H_OUT
	run "$DSCK" check k8s-crd-migration --from-dir "$SCN/$scn" -o json
	h_assert_rc "$rc" "$scn: exit $rc from --from-dir"
	h_assert_eq "$api" "$(same_json <<<"$H_OUT")" "$scn: --from-dir gives the same result"
	h_pass "k8s-crd-migration $scn: ${*:-no findings} (API and --from-dir)"
}
# finding JSON CODE KEY: the detail of that finding
detail() { jq -r --arg c "$2" --arg k "$3" '.findings[] | select(.code == $c and .key == $k) | .detail' <<<"$1"; }

crd_case before-migration 1 crd-missing=5 object-not-migrated=10 rbac-missing=5 snp-not-migrated=1
h_assert_eq "quay.io/calico/node:v2.4.1 2.4 11 0" \
	"$(jq -r '.summary | "\(.calico_node_image) \(.calico_node_version) \(.tpr_objects) \(.crd_objects)"' <<<"$CRD_JSON")" \
	"before-migration: calico-node v2.4.1, 11 TPR objects, no CRD objects"
h_assert_contains "$(detail "$CRD_JSON" crd-missing crd/globalbgpconfigs.crd.projectcalico.org)" \
	"deletes it again" "the GlobalBGPConfig CRD gets the job's failure hint"
h_assert_contains "$(detail "$CRD_JSON" rbac-missing clusterrole/calico-node)" "get, list, watch, create, update" \
	"the v2.4 ClusterRole grants no CRD verbs"

crd_case migrated 0 ""
h_assert_eq "true 11 11 11 apiextensions.k8s.io/v1beta1 v1.7.16" \
	"$(jq -r '"\(.ok) \(.summary.tpr_objects) \(.summary.crd_objects) \(.summary.compared) \(.summary.crd_api) \(.summary.kubernetes_version)"' <<<"$CRD_JSON")" \
	"migrated: every object compared; CRDs from apiextensions v1beta1 (v1 answered 404)"
grep -q 'GET /migrated/apis/apiextensions.k8s.io/v1/customresourcedefinitions?limit=500 -> 404' "$SERVER_LOG" ||
	h_fail "apiextensions v1 was tried first"
grep -q 'GET /migrated/apis/projectcalico.org/v1/namespaces/kube-system/globalconfigs?limit=500&continue=' "$SERVER_LOG" ||
	h_fail "lists are paged with limit/continue" "$(grep globalconfigs "$SERVER_LOG")"
h_pass "CRD API fallback to v1beta1 and limit/continue paging"

crd_case rolled 0 crd-extra-object=1 tpr-leftover=5
h_assert_contains "$(codes <<<"$CRD_JSON")" "tpr-leftover" "leftover TPR definitions after the roll"
h_assert_contains "$(detail "$CRD_JSON" tpr-leftover thirdpartyresource/global-config.projectcalico.org)" \
	"kubectl delete thirdpartyresource global-config.projectcalico.org" "tpr-leftover says what to delete"
h_assert_contains "$(jq -r '.findings[] | select(.code == "crd-extra-object") | .key' <<<"$CRD_JSON")" \
	bgppeers.crd.projectcalico.org/10-0-0-9 "crd-extra-object names the object"
h_assert_eq info "$(jq -r '[.findings[].severity] | unique | join(",")' <<<"$CRD_JSON")" "both are info"

crd_case crd-missing 1 crd-missing=1 object-not-migrated=2
h_assert_eq "crd/globalbgpconfigs.crd.projectcalico.org" \
	"$(jq -r '.findings[] | select(.code == "crd-missing") | .key' <<<"$CRD_JSON")" "the missing CRD is named"

crd_case crd-invalid 1 crd-invalid=1
d=$(detail "$CRD_JSON" crd-invalid crd/ippools.crd.projectcalico.org)
h_assert_contains "$d" "scope 'Namespaced' (want 'Cluster')" "crd-invalid names the scope"
h_assert_contains "$d" "not Established" "crd-invalid names the Established condition"

crd_case object-not-migrated 1 object-not-migrated=1
h_assert_eq globalconfigs.projectcalico.org/logseverityscreen \
	"$(jq -r '.findings[0].key' <<<"$CRD_JSON")" "the unmigrated TPR object is named"

crd_case object-mismatch 1 object-mismatch=3
d=$(detail "$CRD_JSON" object-mismatch ippools.projectcalico.org/192-168-0-0-16)
h_assert_contains "$d" "ipip.mode: TPR 'always', CRD 'cross-subnet'" "pool: ipip.mode named"
h_assert_contains "$d" "nat-outgoing: TPR 'true', CRD 'false'" "pool: nat-outgoing named"
h_assert_contains "$(detail "$CRD_JSON" object-mismatch globalbgppeers.projectcalico.org/fd00--1)" \
	"asNumber: TPR '64568', CRD '64999'" "IPv6 peer: asNumber named"
h_assert_contains "$(detail "$CRD_JSON" object-mismatch globalconfigs.projectcalico.org/logseverityscreen)" \
	"spec.value: TPR 'info', CRD 'debug'" "Felix config: spec.value named"

crd_case tpr-value-unparseable 1 tpr-value-unparseable=1
h_assert_contains "$(detail "$CRD_JSON" tpr-value-unparseable ippools.projectcalico.org/10-0-0-0-8)" \
	"spec.value is not a JSON object" "the unparseable IpPool value is named"

crd_case snp-not-migrated 1 snp-not-migrated=1
crd_case rbac-missing 1 rbac-missing=5
crd_case node-rolled-too-early 1 crd-missing=5 node-rolled-too-early=1 object-not-migrated=10 \
	rbac-missing=5 snp-not-migrated=1
h_assert_contains "$(detail "$CRD_JSON" node-rolled-too-early daemonset/kube-system/calico-node)" \
	"quay.io/calico/node:v2.5.0" "node-rolled-too-early names the image"
# Kubernetes 1.8, migrated long ago: calico-node v2.5 runs on valid CRDs; the TPR data is gone.
crd_case tpr-api-unavailable 0 tpr-api-unavailable=1
h_assert_eq "info k8s,bgp,KDD" "$(jq -r '"\(.findings[0].severity) \(.summary.cluster_type)"' <<<"$CRD_JSON")" \
	"after the fact, tpr-api-unavailable is information"
h_assert_contains "$(jq -r '.findings[0].detail' <<<"$CRD_JSON")" "the migration was completed earlier" "and says why"
# The same Kubernetes 1.8 cluster with calico-node still on v2.4.1: it needs the TPR data.
crd_case tpr-api-unavailable-not-rolled 1 tpr-api-unavailable=1
h_assert_eq error "$(jq -r '.findings[0].severity' <<<"$CRD_JSON")" "before the roll it is an error"
h_assert_contains "$(jq -r '.findings[0].detail' <<<"$CRD_JSON")" "calico-node still runs a version before v2.5" "naming why"
crd_case cluster-type-not-kdd 0 cluster-type-not-kdd=1
h_assert_contains "$(detail "$CRD_JSON" cluster-type-not-kdd globalfelixconfig/clustertype)" "ClusterType is 'k8s,bgp', without KDD" \
	"a ClusterType without KDD is named"

# An empty dump directory: every Kubernetes check says "cannot check" (exit 2), never OK.
mkdir -p "$H_TMP/emptydump"
for c in k8s-crd-migration policy-semantics node-roll; do
	run "$DSCK" check "$c" --from-dir "$H_TMP/emptydump" -o json
	h_assert_rc 2 "$c on an empty dump directory: exit 2"
	# Only the error document (docs/json.md): nothing that reads as a result.
	h_assert_eq '["command","error","format_version","ok"] false 2' \
		"$(jq -r '"\(keys | tojson) \(.ok) \(.error.exit)"' <<<"$H_OUT")" "$c: no report"
	h_assert_contains "$H_ERR" "is missing or empty: cannot check without it (write it with: kubectl get" \
		"$c: names the file and the kubectl line"
done
h_pass "an empty dump directory: every check exit 2"

run "$DSCK" check k8s-crd-migration --kubeconfig "$(kc before-migration)"
h_assert_rc 1 "table output: exit 1"
h_assert_contains "$H_OUT" "k8s-crd-migration: FAILED" "table verdict"
h_assert_contains "$H_OUT" "ERROR crd-missing" "table lists findings"
h_pass "table output"

# ---- malformed answers: a clear error naming the URL or the file, never a crash
bad() { # SCENARIO API_MESSAGE DIR_MESSAGE
	run "$DSCK" check k8s-crd-migration --kubeconfig "$(kc "$1")" -o json
	h_assert_rc 5 "$1: exit 5 from the API"
	h_assert_contains "$H_ERR" "$2" "$1: the API error says what is wrong"
	h_assert_contains "$H_ERR" "$API/$1/apis/" "$1: the API error names the URL"
	h_assert_eq "false 5" "$(jq -r '"\(.ok) \(.error.exit)"' <<<"$H_OUT")" \
		"$1: only the error document on stdout"
	run "$DSCK" check k8s-crd-migration --from-dir "$SCN/$1" -o json
	h_assert_rc 2 "$1: exit 2 from --from-dir"
	h_assert_contains "$H_ERR" "$SCN/$1/$3" "$1: the dump error names the file and line"
	h_pass "$1: exit 5 from the API, 2 from --from-dir, with a clear message"
}
bad bad-json "invalid JSON from the API server" "crds.json:2:"
bad wrong-types "'items' must be a list" "daemonsets.json: 'items' must be a list"

run "$DSCK" check k8s-crd-migration --kubeconfig "$(kc expired-continue)"
h_assert_rc 5 "expired continue token: exit 5"
h_assert_contains "$H_ERR" "410 Gone" "410 Gone named"
h_assert_contains "$H_ERR" "run the check again" "and what to do"
h_pass "410 Gone on an expired continue token"

# ---- credentials
kubeconfig "$KC.badtoken" migrated "    token: not-the-$TOKEN"
run "$DSCK" check k8s-crd-migration --kubeconfig "$KC.badtoken"
h_assert_rc 4 "wrong token: exit 4"
h_assert_contains "$H_ERR" "401 Unauthorized" "401 named"
h_assert_contains "$H_ERR" "the token of user 'tester' in $KC.badtoken:" "the credential's source is named"
h_assert_not_contains "$H_ERR$H_OUT" "not-the-" "the rejected token is not printed"
h_pass "wrong token: exit 4 naming the kubeconfig user"

kubeconfig "$KC.forbidden" migrated "    tokenFile: $SECRETS/forbidden-token"
run "$DSCK" check policy-semantics --kubeconfig "$KC.forbidden"
h_assert_rc 4 "forbidden: exit 4"
h_assert_contains "$H_ERR" "403 Forbidden: the token file of user 'tester'" "403 named with the credential"
h_assert_contains "$H_ERR" "cannot list" "the server's reason is passed on"
h_pass "403 Forbidden (tokenFile): exit 4"

run env K8S_CA_FILE="$H_CA" "$DSCK" check k8s-crd-migration --k8s-api-endpoint "$API/migrated"
h_assert_rc 4 "endpoint without a token: exit 4"
h_assert_contains "$H_ERR" "no credential (give --k8s-token or K8S_API_TOKEN" "says which credential is missing"
run with_token env K8S_CA_FILE="$H_CA" "$DSCK" check k8s-crd-migration \
	--k8s-api-endpoint "$API/migrated" -o json
h_assert_rc 0 "--k8s-api-endpoint + K8S_API_TOKEN + K8S_CA_FILE"
h_assert_contains "$(jq -r .source <<<"$H_OUT")" "--k8s-api-endpoint" "the source is named"
run with_token "$DSCK" check k8s-crd-migration --k8s-api-endpoint "$API/migrated"
h_assert_rc 4 "TLS verified: an unknown CA fails with exit 4"
h_assert_contains "$H_ERR" "TLS failure" "a TLS failure"
h_pass "--k8s-api-endpoint with the token from the environment; TLS verified"

# The CA and a client certificate inline (-data), no token: client-certificate auth.
b64() { base64 -w0 <"$1"; }
kubeconfig "$KC.certdata" migrated "    client-certificate-data: $(b64 "$H_CERT")"$'\n'"    client-key-data: $(b64 "$H_KEY")"
sed -i "s|certificate-authority: .*|certificate-authority-data: $(b64 "$H_CA")|" "$KC.certdata"
run "$DSCK" check k8s-crd-migration --kubeconfig "$KC.certdata" -o json
h_assert_rc 0 "client certificate and CA from -data fields"
grep -q '(client-cert)$' "$SERVER_LOG" || h_fail "the server saw a client certificate"
h_pass "certificate-authority-data, client-certificate-data, client-key-data"

kubeconfig "$KC.basic" migrated "    username: admin"$'\n'"    password: $(cut -d: -f2 "$SECRETS/basic")"
run "$DSCK" check k8s-crd-migration --kubeconfig "$KC.basic"
h_assert_rc 0 "basic auth from the kubeconfig"
# User info in --k8s-api-endpoint is basic auth, as with kubectl, and is
# taken out of the URL: no message, JSON or debug line shows it.
PW=$(cut -d: -f2 "$SECRETS/basic")
n0=$(wc -l <"$SERVER_LOG")
run "$DSCK" check k8s-crd-migration --k8s-api-endpoint "https://admin:$PW@127.0.0.1:$PORT/" \
	--k8s-cacert "$H_CA" -o json --debug
h_assert_rc 0 "basic auth from the user info of --k8s-api-endpoint"
tail -n +"$((n0 + 1))" "$SERVER_LOG" | grep -q '(basic)$' || h_fail "the server saw no basic auth"
h_assert_not_contains "$H_OUT$H_ERR" "admin:" "the URL's user info is not shown"
run "$DSCK" check k8s-crd-migration --k8s-api-endpoint "https://admin:wrong-$PW@127.0.0.1:$PORT" \
	--k8s-cacert "$H_CA"
h_assert_rc 4 "a wrong password in the URL: exit 4"
h_assert_contains "$H_ERR" "user name and password from --k8s-api-endpoint" "the message names where the credential came from"
h_assert_contains "$H_ERR" "https://127.0.0.1:$PORT" "and the URL without its user info"
run "$DSCK" config --k8s-api-endpoint "https://admin:$PW@127.0.0.1:$PORT"
h_assert_contains "$H_OUT" "k8s-password" "dsck config lists the URL's password"
h_assert_not_contains "$H_OUT" "$PW" "as set, never its value"
h_pass "--k8s-api-endpoint with user info: basic auth, never shown"
kubeconfig "$KC.insecure" migrated "    token: $TOKEN"
sed -i "s|certificate-authority: .*|insecure-skip-tls-verify: true|" "$KC.insecure"
run "$DSCK" check k8s-crd-migration --kubeconfig "$KC.insecure"
h_assert_rc 0 "insecure-skip-tls-verify"
h_assert_contains "$H_ERR" "verification of the Kubernetes API is DISABLED" "and says so loudly"
h_pass "basic auth; insecure-skip-tls-verify warns"

# KUBECONFIG lists merge like kubectl: current-context from the first file that sets it.
printf 'apiVersion: v1\nkind: Config\ncurrent-context: test\n' >"$H_TMP/first.yaml"
run env KUBECONFIG="$H_TMP/missing.yaml:$H_TMP/first.yaml:$(kc migrated)" "$DSCK" check policy-semantics
h_assert_rc 0 "KUBECONFIG list: missing files skipped, entries merged"
h_pass "KUBECONFIG with several files"

# In a pod: the service account's token and CA (DSCK_K8S_SA_DIR stands in for
# /var/run/secrets/kubernetes.io/serviceaccount); the default scenario is served.
SA=$H_TMP/serviceaccount
(umask 077 && mkdir -p "$SA" && cp "$SECRETS/token" "$SA/token" && cp "$H_CA" "$SA/ca.crt")
run env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$PORT" DSCK_K8S_SA_DIR="$SA" \
	"$DSCK" check k8s-crd-migration -o json
h_assert_rc 0 "in-cluster service account"
h_assert_contains "$(jq -r .source <<<"$H_OUT")" "in-cluster service account ($SA)" "the source is named"
run env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$PORT" DSCK_K8S_SA_DIR="$H_TMP/none" \
	"$DSCK" check k8s-crd-migration
h_assert_rc 2 "in-cluster without a token file: exit 2"
h_assert_contains "$H_ERR" "cannot read token file '$H_TMP/none/token'" "the token file is named"
h_pass "in-cluster service account"

run "$DSCK" check k8s-crd-migration
h_assert_rc 2 "nothing configured: usage error"
h_assert_contains "$H_ERR" "no Kubernetes API configured" "says what to configure"
printf 'apiVersion: v1\nkind: Config\ncurrent-context: test\ncontexts:\n- name: test\n  context: [1]\n' \
	>"$H_TMP/broken.yaml"
run "$DSCK" check k8s-crd-migration --kubeconfig "$H_TMP/broken.yaml"
h_assert_rc 2 "bad kubeconfig: exit 2"
h_assert_contains "$H_ERR" "$H_TMP/broken.yaml:5: context 'test' has no 'context' mapping" "file:line"
run "$DSCK" check k8s-crd-migration --from-dir "$H_TMP/nonexistent"
h_assert_rc 2 "--from-dir of a missing directory: exit 2"
run "$DSCK" check k8s-crd-migration --from-dir "$SCN/migrated" --kubeconfig "$(kc migrated)"
h_assert_rc 2 "--from-dir with --kubeconfig: usage error"
h_pass "configuration errors: exit 2 with file and line"

# ---- policy-semantics
run "$DSCK" check policy-semantics --kubeconfig "$(kc policies)" -o json
h_assert_rc 1 "namespaces need ACTION: exit 1"
POL=$H_OUT
h_assert_eq "default=OK frontend=ACTION kube-system=OK legacy=WARN locked=ACTION lowercase=WARN oldlegacy=ACTION secure=OK typo=WARN" \
	"$(jq -r '[.namespaces[] | "\(.name)=\(.verdict)"] | join(" ")' <<<"$POL")" "a verdict per namespace (docs/kubernetes-datastore.md)"
ns() { jq -c --arg n "$1" '.namespaces[] | select(.name == $n)' <<<"$POL"; }
h_assert_eq '{"action":"kubectl delete networkpolicy -n frontend allow-metrics allow-web","annotation":null,"has_default_deny":false,"isolated":false,"policies":["allow-metrics","allow-web"],"verdict":"ACTION"}' \
	"$(ns frontend | jq -cS '{action,annotation,has_default_deny,isolated,policies,verdict}')" \
	"not annotated with policies: delete them"
h_assert_eq 'echo '\''{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"default-deny"},"spec":{"podSelector":{}}}'\'' | kubectl create -n locked -f -' \
	"$(ns locked | jq -r .action)" "annotated without a default-deny policy: the exact command to create one"
h_assert_eq '{"ingress": {"isolation": "DefaultDeny"}} true false' \
	"$(ns locked | jq -r '"\(.annotation) \(.isolated) \(.has_default_deny)"')" "locked: raw annotation, isolated"
action_json=$(ns locked | jq -r .action | sed "s/^echo '\(.*\)' | kubectl.*/\1/")
h_assert_eq '{}' "$(jq -c .spec.podSelector <<<"$action_json")" "the policy it creates selects every pod"
h_assert_eq "true true null" "$(ns secure | jq -r '"\(.isolated) \(.has_default_deny) \(.action)"')" \
	"annotated with a default-deny policy: OK"
h_assert_eq "legacy:absent:true lowercase:not-default-deny:false typo:invalid-json:false" \
	"$(jq -r '[.namespaces[] | select(.verdict == "WARN") | "\(.name):\(.annotation_parse):\(.legacy_annotation)"] | join(" ")' <<<"$POL")" \
	"WARN: legacy annotation, not DefaultDeny, invalid JSON"
h_assert_eq '{"action":3,"info":0,"namespaces":9,"ok":3,"warn":3}' "$(jq -cS .summary <<<"$POL")" "summary counts"
h_assert_eq "kubectl delete networkpolicy -n oldlegacy allow-redis" "$(ns oldlegacy | jq -r .action)" \
	"the legacy alpha annotation with policies: the same ACTION as no annotation"
h_assert_eq "applies kubernetes 2.2 pods 2.3 null false" \
	"$(jq -r '"\(.scope) \(.datastore) \(.running_version) \(.running_from) \(.boundary) \(.target_version) \(.namespaces[0].conditional)"' <<<"$POL")" \
	"calico-node v2.2.1 pods on the Kubernetes datastore: the v2.3 change applies"
api=$(same_json <<<"$POL")
run "$DSCK" check policy-semantics --from-dir "$SCN/policies" -o json
h_assert_rc 1 "the same from --from-dir: exit 1"
h_assert_eq "$api" "$(same_json <<<"$H_OUT")" "--from-dir gives the same namespaces and verdicts"
h_pass "policy-semantics: verdicts, exact kubectl actions, API and --from-dir"

run "$DSCK" check policy-semantics --kubeconfig "$(kc policies)"
h_assert_contains "$H_OUT" '$ kubectl delete networkpolicy -n frontend allow-metrics allow-web' "table shows the command"
h_assert_contains "$H_OUT" "policy-semantics: applies, 3 OK, 3 ACTION, 3 WARN, 0 INFO" "table summary"
h_assert_contains "$H_OUT" "running v2.2 from the pods, target unknown" "table names the versions"
run "$DSCK" check policy-semantics --kubeconfig "$(kc migrated)" -o json
h_assert_rc 0 "no namespace needs ACTION: exit 0"
h_assert_eq "true 3" "$(jq -r '"\(.ok) \(.summary.ok)"' <<<"$H_OUT")" "three OK namespaces"
h_pass "policy-semantics: table output; exit 0 when nothing needs ACTION"

# Past the boundary: calico-node v2.4.1 on the Kubernetes datastore already runs the
# v1 semantics (since v2.3): a stale annotation is information, no ACTION.
for src in "--kubeconfig $(kc policies-v24)" "--from-dir $SCN/policies-v24"; do
	# shellcheck disable=SC2086
	run "$DSCK" check policy-semantics $src -o json
	h_assert_rc 0 "v2.4 KDD cluster ($src): exit 0"
	h_assert_eq "not-applicable 0 6 null" \
		"$(jq -r '"\(.scope) \(.summary.action) \(.summary.info) \([.namespaces[].action | select(. != null)] | length | if . == 0 then null else . end)"' <<<"$H_OUT")" \
		"not applicable, no ACTION, six informational namespaces, no command"
	h_assert_contains "$(jq -r '.namespaces[] | select(.name == "locked") | "\(.verdict) \(.reason)"' <<<"$H_OUT")" \
		"INFO the DefaultDeny annotation is stale" "the stale annotation is informational"
done
run "$DSCK" check policy-semantics --kubeconfig "$(kc policies-v24)"
h_assert_not_contains "$H_OUT" "ACTION " "no ACTION line in the table"
h_assert_not_contains "$H_OUT" '$ kubectl' "no command in the table"
h_assert_contains "$H_OUT" "not-applicable: calico-node v2.4 (Kubernetes datastore, read from the pods) already runs" "says why"
# An upgrade that stays below the boundary does not cross it either.
run "$DSCK" check policy-semantics --kubeconfig "$(kc policies)" --to-version v2.2.2 -o json
h_assert_rc 0 "v2.2.1 -> v2.2.2: exit 0"
h_assert_eq "not-applicable 2.2 --to-version 0" "$(jq -r '"\(.scope) \(.target_version) \(.target_from) \(.summary.action)"' <<<"$H_OUT")" \
	"the upgrade stays below v2.3"
run "$DSCK" check policy-semantics --kubeconfig "$(kc policies)" --to-version v2.6.2 -o json
h_assert_rc 1 "v2.2.1 -> v2.6.2: exit 1"
h_assert_eq "applies 2.6" "$(jq -r '"\(.scope) \(.target_version)"' <<<"$H_OUT")" "crosses v2.3"
run "$DSCK" check policy-semantics --kubeconfig "$(kc policies)" --to-version latest
h_assert_rc 2 "--to-version that is not a version: exit 2"
h_assert_contains "$H_ERR" "'latest' is not a version" "names the value"
# No DaemonSet and no pods readable: the version is unknown, the actions conditional.
mkdir -p "$H_TMP/nover" && cp "$SCN/policies/namespaces.json" "$SCN/policies/networkpolicies.json" "$H_TMP/nover/"
run "$DSCK" check policy-semantics --from-dir "$H_TMP/nover" -o json
h_assert_rc 1 "version unknown: ACTION kept, exit 1"
h_assert_eq "version-unknown true" "$(jq -r '"\(.scope) \(.namespaces[] | select(.name == "locked") | .conditional)"' <<<"$H_OUT")" \
	"the actions are conditional"
run "$DSCK" check policy-semantics --from-dir "$H_TMP/nover"
h_assert_contains "$H_OUT" "only if the upgrade crosses the change: \$ kubectl delete" "the table says the action is conditional"
# Calico's own record where it can be read: the GlobalConfig calicoversion and clustertype (KDD).
cp "$SCN/before-migration/tpr-globalconfigs.json" "$H_TMP/nover/"
run "$DSCK" check policy-semantics --from-dir "$H_TMP/nover" -o json
h_assert_rc 0 "CalicoVersion v2.4.1 with ClusterType KDD: past v2.3, exit 0"
h_assert_eq "not-applicable 2.4 CalicoVersion record kubernetes" \
	"$(jq -r '"\(.scope) \(.running_version) \(.running_from) \(.datastore)"' <<<"$H_OUT")" \
	"the version and datastore from Calico's own record"
h_pass "policy-semantics: not applicable past v2.3 (KDD), below the boundary, or conditional when unknown"

# Missing dumps are not empty lists; a List with zero items is.
mkdir -p "$H_TMP/nonp" && cp "$SCN/policies/namespaces.json" "$H_TMP/nonp/"
run "$DSCK" check policy-semantics --from-dir "$H_TMP/nonp"
h_assert_rc 2 "networkpolicies.json missing: exit 2"
h_assert_contains "$H_ERR" "'$H_TMP/nonp/networkpolicies.json' is missing or empty" "names the file"
h_assert_contains "$H_ERR" "kubectl get networkpolicies --all-namespaces -o json" "and the kubectl line"
: >"$H_TMP/nonp/networkpolicies.json"
run "$DSCK" check policy-semantics --from-dir "$H_TMP/nonp"
h_assert_rc 2 "networkpolicies.json empty (kubectl failed): exit 2"
printf '{"apiVersion":"v1","kind":"List","items":[],"metadata":{"resourceVersion":"","selfLink":""}}\n' \
	>"$H_TMP/nonp/networkpolicies.json"
run "$DSCK" check policy-semantics --from-dir "$H_TMP/nonp" -o json
h_assert_rc 1 "a List with zero items is a real empty list (annotated namespaces still need ACTION)"
h_assert_eq "0 OK ACTION" "$(jq -r '"\([.namespaces[].policies[]] | length) \(.namespaces[] | select(.name == "frontend") | .verdict) \(.namespaces[] | select(.name == "secure") | .verdict)"' <<<"$H_OUT")" \
	"no policies: frontend has nothing to delete, secure now lacks its default-deny policy"
h_pass "policy-semantics: a missing or empty dump is exit 2 naming the file and the kubectl line"

# ---- secrets never printed
for secret in "$TOKEN" "$(<"$SECRETS/forbidden-token")" "$(cut -d: -f2 "$SECRETS/basic")"; do
	if grep -qF -- "$secret" "$TRANSCRIPT"; then h_fail "a secret appears in dsck's output"; fi
done
run with_token "$DSCK" config --kubeconfig "$(kc migrated)"
h_assert_not_contains "$H_OUT$H_ERR" "$TOKEN" "dsck config does not show the token"
h_pass "no token, password or key in any output"
h_done
