#!/usr/bin/env bash
# CLI-level settings: precedence of every source, secrets never printed,
# config file errors, usage errors. No server needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}"
unset DSCK_ENDPOINTS ETCDCTL_ENDPOINTS ETCD_ENDPOINTS ETCDCTL_CACERT ETCD_CA_CERT_FILE \
	ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD ETCDCTL_PASSWORD DSCK_CONFIG KUBECONFIG \
	K8S_API_ENDPOINT K8S_API_TOKEN KUBERNETES_SERVICE_HOST ETCDCTL_API ETCDCTL_DIAL_TIMEOUT \
	ETCDCTL_COMMAND_TIMEOUT ETCDCTL_INSECURE_SKIP_TLS_VERIFY

field() { jq -r ".settings[\"${1//-/_}\"].$2" <<<"$H_OUT"; }

h_run "$DSCK" config -o json
h_assert_rc 0 "config runs with no settings"
h_assert_eq "http://127.0.0.1:2379" "$(field endpoints value)" "default endpoint"
h_assert_eq default "$(field endpoints source)" "default source"
h_assert_eq 1 "$(jq .format_version <<<"$H_OUT")" "format_version"
h_pass "defaults"

cfg=$H_TMP/calicoctl.cfg
cat >"$cfg" <<'YAML'
apiVersion: v1
kind: calicoApiConfig
metadata:
spec:
  datastoreType: "etcdv2"
  etcdEndpoints: "http://config-host:2379"
  etcdCACertFile: /config/ca.pem
  etcdUsername: cfguser
  etcdPassword: cfg-very-secret-1
YAML
h_run "$DSCK" config --config "$cfg" -o json
h_assert_eq "http://config-host:2379" "$(field endpoints value)" "config beats default"
h_assert_eq "$cfg:6" "$(field endpoints origin)" "config origin names file and line"
h_assert_eq "<set>" "$(field password value)" "password shown as <set>"
h_assert_not_contains "$H_OUT$H_ERR" "cfg-very-secret-1" "config password never printed"
h_pass "config file"

h_run env DSCK_CONFIG="$cfg" ETCD_ENDPOINTS=http://calico-env:2379 ETCD_CA_CERT_FILE=/env/ca.pem \
	"$DSCK" config -o json
h_assert_eq "http://calico-env:2379" "$(field endpoints value)" "env beats config"
h_assert_eq "ETCD_ENDPOINTS" "$(field endpoints origin)" "env origin"
h_assert_eq "/env/ca.pem" "$(field cacert value)" "Calico env name for the CA"
h_assert_eq "$cfg" "$(field config value)" "DSCK_CONFIG"

h_run env DSCK_CONFIG="$cfg" ETCD_ENDPOINTS=http://calico-env:2379 \
	ETCDCTL_ENDPOINTS=http://etcdctl-env:2379 "$DSCK" config -o json
h_assert_eq "http://etcdctl-env:2379" "$(field endpoints value)" "ETCDCTL_ beats ETCD_"

h_run env ETCDCTL_ENDPOINTS=http://etcdctl-env:2379 "$DSCK" config --config "$cfg" \
	--endpoints http://flag:2379 -o json
h_assert_eq "http://flag:2379" "$(field endpoints value)" "flag beats env"
h_assert_eq "flag" "$(field endpoints source)" "flag source"
h_pass "precedence flag > env > config > default"

h_run env ETCD_PASSWORD=env-very-secret-2 K8S_API_TOKEN=tok-very-secret-3 "$DSCK" config \
	--user root:flag-very-secret-4
h_assert_rc 0 "table config"
h_assert_contains "$H_OUT" "root" "user shown"
for s in env-very-secret-2 tok-very-secret-3 flag-very-secret-4; do
	h_assert_not_contains "$H_OUT$H_ERR" "$s" "secret $s never printed"
done
h_run env ETCD_PASSWORD=env-very-secret-2 "$DSCK" config --debug -o json
h_assert_not_contains "$H_OUT$H_ERR" "env-very-secret-2" "secret not printed with --debug"
h_pass "secrets never printed"

printf 'kind: calicoApiConfig\nspec:\n  etcdEndpoints: [a, b\n' >"$H_TMP/bad.cfg"
h_run "$DSCK" config --config "$H_TMP/bad.cfg"
h_assert_rc 2 "bad YAML exits 2"
h_assert_contains "$H_ERR" "$H_TMP/bad.cfg:4" "bad YAML names file and line"
printf 'kind: Pod\n' >"$H_TMP/kind.cfg"
h_run "$DSCK" ls --api v2 --config "$H_TMP/kind.cfg"
h_assert_rc 2 "wrong kind exits 2 before connecting"
h_assert_contains "$H_ERR" "unsupported kind 'Pod'" "wrong kind message"
h_run "$DSCK" config --config "$H_TMP/missing.cfg"
h_assert_rc 2 "missing config file"
h_pass "bad config files"

h_run "$DSCK" frobnicate
h_assert_rc 2 "unknown command"
h_assert_contains "$H_ERR" "dsck --help" "hint for unknown command"
h_run "$DSCK" ls --api v2 --bogus
h_assert_rc 2 "unknown flag"
h_assert_contains "$H_ERR" "dsck ls --help" "hint for unknown flag"
h_run "$DSCK" ls
h_assert_rc 2 "missing --api"
h_run "$DSCK" ls --api v4
h_assert_rc 2 "bad --api"
h_run "$DSCK" config -o yaml
h_assert_rc 2 "bad output format"
h_run "$DSCK" config --dial-timeout soon
h_assert_rc 2 "bad duration"
h_run "$DSCK" config --endpoints ftp://x
h_assert_rc 2 "bad endpoint scheme"
h_pass "usage errors exit 2 with a hint"

for cmd in version config status ls get; do
	h_run "$DSCK" $cmd --help
	h_assert_rc 0 "$cmd --help"
	h_assert_contains "$H_OUT" "Examples:" "$cmd help has examples"
done
h_run "$DSCK" --help
h_assert_rc 0 "dsck --help"
h_run "$DSCK" version -o json
h_assert_rc 0 "version"
for lib in grpc protobuf_c libcurl jansson libyaml; do
	h_assert_eq true "$(jq ".libraries | has(\"$lib\")" <<<"$H_OUT")" "version lists $lib"
done
h_pass "help and version"
h_done
