#!/usr/bin/env bash
# The etcd v2 client against real etcd: listings equal what etcdctl (v2)
# reads, awkward keys and values, errors and their exit codes, TLS, v2 auth,
# failover, and a 100,000-key listing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

h_etcd_start plain --v2
EP=$(h_endpoint plain)

# Awkward keys and values written through the v2 HTTP API.
put() { h_http plain PUT "/v2/keys$1" "${@:2}"; h_assert_contains "$H_STATUS" 20 "PUT $1"; }
put /calico/v1/Ready --data-urlencode value=true
put /calico/v1/config/Multi --data-urlencode value=$'line1\nline2\n'
put '/calico/v1/host/node%252f1/workload/k8s/ns.pod%2525x/endpoint/eth0' \
	--data-urlencode 'value={"state":"active","name":"cali12345678901"}'
put '/calico/weird/with%20space' --data-urlencode 'value=spaced out'
put '/calico/weird/%C3%BCnic%C3%B6de' --data-urlencode 'value=ümlaut ☃'
put /calico/weird/quote --data-urlencode 'value=say "hi" \ \t <tag>&amp;'
put /calico/weird/empty --data-urlencode 'value='
put /calico/a/b-c --data-urlencode value=1
put /calico/a/b/x --data-urlencode value=2
put /calico/v1/ipam/v4/pool -d dir=true
put /calico/felix/v1/host/node1/status --data-urlencode 'value={"time":"x"}' -d ttl=3600
put /calico/v1/_hidden --data-urlencode value=hidden
put /notcalico/other --data-urlencode value=outside

h_run "$DSCK" ls /calico --api v2 --endpoints "$EP" -o json
h_assert_rc 0 "ls v2 json"
json=$H_OUT
h_assert_eq v2 "$(jq -r .api <<<"$json")" "api field"
h_assert_eq 1 "$(jq .format_version <<<"$json")" "format_version"

# Key set (dirs with a trailing /) equals etcdctl v2's recursive listing.
dsck_keys=$(jq -r '.records[] | .key + (if .dir then "/" else "" end)' <<<"$json" | LC_ALL=C sort)
h_run h_etcdctl2 plain ls --recursive -p /calico
h_assert_rc 0 "etcdctl ls"
ctl_keys=$( (echo /calico/; printf '%s\n' "$H_OUT") | LC_ALL=C sort)
h_assert_eq "$ctl_keys" "$dsck_keys" "key set equals etcdctl v2 ls --recursive"
h_assert_not_contains "$dsck_keys" "_hidden" "hidden keys are not listed"
h_assert_not_contains "$dsck_keys" "notcalico" "prefix respected"

# Records are in byte order and unique.
order=$(jq -r '.records[].key' <<<"$json")
h_assert_eq "$(LC_ALL=C sort -u <<<"$order")" "$order" "records sorted in byte order, unique"
h_assert_contains "$order" $'/calico/a/b-c\n/calico/a/b/x' "b-c sorts before b/x"

# Every leaf value equals what etcdctl v2 reads (byte for byte).
n=0
while IFS= read -r key; do
	h_run h_etcdctl2 plain get "$key"
	want=$H_OUT
	got=$(jq -r --arg k "$key" '.records[] | select(.key == $k) | .value' <<<"$json")
	h_assert_eq "$want" "$got" "value of $key"
	n=$((n + 1))
done < <(jq -r '.records[] | select(.dir | not) | .key' <<<"$json")
h_assert_eq 10 "$n" "leaf count"

# A v2 snapshot holds the same values: those whose JSON text etcd wrote as
# dsck writes it (quotes, \n) are copied as they are, the others (etcd
# writes < > & as \u003c \u003e \u0026) decoded and written again.
h_run "$DSCK" snapshot save "$H_TMP/values.snap" --api v2 --endpoints "$EP" -q --include-ephemeral
h_assert_rc 0 "snapshot save --api v2"
h_assert_eq "$(jq -c '[.records[] | select(.dir | not) | [.key, .value]]' <<<"$json")" \
	"$(sed '1d;$d' "$H_TMP/values.snap" | jq -sc '[.[] | select(.dir | not) | [.key, .value]]')" \
	"the snapshot's values equal the listing's"
h_assert_contains "$(cat "$H_TMP/values.snap")" 'say \"hi\" \\ \\t <tag>&amp;' "a value etcd escaped as \\u003c is written plainly"
h_pass "snapshot save --api v2 writes every value as the listing reads it"
multi=$(jq -j '.records[] | select(.key == "/calico/v1/config/Multi") | .value' <<<"$json"; printf x)
h_assert_eq $'line1\nline2\nx' "$multi" "trailing newline kept"
h_assert_eq true "$(jq '.records[] | select(.key == "/calico/felix/v1/host/node1/status") | (.ttl > 3500 and (.expiration | length) > 0)' <<<"$json")" "TTL and expiration recorded"
h_assert_eq true "$(jq '.records[] | select(.key == "/calico/v1/ipam/v4/pool") | .dir' <<<"$json")" "empty directory kept"
h_assert_eq "$(h_run h_etcdctl2 plain ls / >/dev/null; curl -s -D - -o /dev/null "$EP/v2/keys/" | tr -d '\r' | sed -n 's/^X-Etcd-Index: //Ip')" \
	"$(jq .etcd_index <<<"$json")" "etcd_index is X-Etcd-Index"
h_pass "v2 listing equals etcdctl, awkward keys and values"

h_run "$DSCK" get '/calico/v1/host/node%2f1/workload/k8s/ns.pod%25x/endpoint/eth0' --api v2 --endpoints "$EP" -o json
h_assert_rc 0 "get escaped key"
h_assert_eq '{"state":"active","name":"cali12345678901"}' "$(jq -r '.records[0].value' <<<"$H_OUT")" "escaped key value"
h_run "$DSCK" get /calico/v1/_hidden --api v2 --endpoints "$EP" -o json
h_assert_eq hidden "$(jq -r '.records[0].value' <<<"$H_OUT")" "hidden key by exact path"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$EP"
h_assert_rc 0 "get table"
h_assert_contains "$H_OUT" "/calico/v1/Ready = true" "table row"
h_run "$DSCK" get /calico/nope --api v2 --endpoints "$EP"
h_assert_rc 1 "missing key exits 1"
h_assert_contains "$H_ERR" "'/calico/nope' not found" "missing key message"
h_run "$DSCK" ls /nothing/here --api v2 --endpoints "$EP" -o json
h_assert_rc 0 "absent prefix is an empty listing"
h_assert_eq 0 "$(jq '.records | length' <<<"$H_OUT")" "no records"
h_run "$DSCK" ls --api v2 --serializable --endpoints "$EP" -o json
# The remaining TTL may tick between two reads: compare without it.
recs() { jq -c '[.records[] | del(.ttl)]'; }
h_assert_eq "$(recs <<<"$json")" "$(recs <<<"$H_OUT")" "serializable read equals quorum read"
h_pass "get, missing keys, serializable"

# Failover: a dead endpoint first.
h_free_port
h_run "$DSCK" ls --api v2 --endpoints "http://127.0.0.1:$H_PORT,$EP" -o json
h_assert_rc 0 "failover to the second endpoint"
h_assert_eq "$(recs <<<"$json")" "$(recs <<<"$H_OUT")" "same data via failover"
h_run "$DSCK" ls --api v2 --endpoints "http://127.0.0.1:$H_PORT"
h_assert_rc 3 "nothing listening: exit 3"
h_assert_contains "$H_ERR" "127.0.0.1:$H_PORT" "message names the endpoint"
h_pass "failover and connection refused"

# A member without the v2 API.
h_etcd_start nov2 --no-v2
h_run "$DSCK" ls --api v2 --endpoints "$(h_endpoint nov2)"
h_assert_rc 5 "v2 disabled: exit 5"
h_assert_contains "$H_ERR" "--enable-v2=true" "v2 disabled message says what to do"
h_etcd_stop nov2
h_run "$DSCK" ls --api v2 --endpoints "$(h_endpoint nov2)"
h_assert_rc 3 "stopped member: exit 3"
h_pass "v2 disabled and stopped member"

# TLS with client certificates.
h_etcd_start tls --v2 --tls
TEP=$(h_endpoint tls)
h_http tls PUT /v2/keys/calico/v1/Ready --data-urlencode value=true
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$TEP" --cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY" -o json
h_assert_rc 0 "TLS with client cert"
h_assert_eq true "$(jq -r '.records[0].value' <<<"$H_OUT")" "TLS read"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$TEP" --cacert "$H_CA"
h_assert_rc 4 "TLS without client cert: exit 4"
h_assert_contains "$H_ERR" "--cert" "message names the missing certificate"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$TEP" --cert "$H_CERT" --key "$H_KEY"
h_assert_rc 4 "TLS without the CA: exit 4"
h_assert_contains "$H_ERR" "--cacert" "message names --cacert"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "http://${TEP#https://}"
h_assert_rc 4 "plain HTTP to the TLS port: exit 4"
h_assert_contains "$H_ERR" "https://" "message says to use https"
h_run env ETCDCTL_CACERT="$H_CA" ETCDCTL_CERT="$H_CERT" ETCDCTL_KEY="$H_KEY" \
	"$DSCK" get /calico/v1/Ready --api v2 --endpoints "$TEP"
h_assert_rc 0 "TLS files from the etcdctl environment"
h_pass "TLS"

# v2 basic auth.
h_v2_auth_enable plain
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$EP"
h_assert_rc 4 "v2 auth without credentials: exit 4"
h_assert_contains "$H_ERR" "--user" "auth message says what to give"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$EP" --user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE" --debug -o json
h_assert_rc 0 "v2 auth with --password-file"
h_assert_eq true "$(jq -r '.records[0].value' <<<"$H_OUT")" "authenticated read"
h_assert_not_contains "$H_OUT$H_ERR" "$(<"$H_PASSWORD_FILE")" "password never printed"
printf 'wrong-password\n' >"$H_TMP/wrong.pw"
h_run "$DSCK" get /calico/v1/Ready --api v2 --endpoints "$EP" --user "$H_ROOT_USER" --password-file "$H_TMP/wrong.pw"
h_assert_rc 4 "wrong v2 password: exit 4"
h_assert_not_contains "$H_OUT$H_ERR" "wrong-password" "wrong password never printed"
h_pass "v2 basic auth"

# 100,000 keys from the Calico fixture generator.
if [[ ! -x ${DSCK_FIXTURE:-} ]]; then
	h_fail "DSCK_FIXTURE generator not built"
fi
h_etcd_start big --v2
# Loading 100k keys takes 10-40 s depending on the build and the machine.
H_CMD_TIMEOUT=240 h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint big)" --hosts 500 --workloads-per-host 95 --seed 7
h_assert_rc 0 "generator loads 100k keys"
want=$("$DSCK_FIXTURE" --print --hosts 500 --workloads-per-host 95 --seed 7 | jq -s '[.[] | select(.dir | not)] | length')
H_CMD_TIMEOUT=240 h_run "$DSCK" ls /calico --api v2 --endpoints "$(h_endpoint big)" -o json
h_assert_rc 0 "100k-key listing"
got=$(jq '[.records[] | select(.dir | not)] | length' <<<"$H_OUT")
h_assert_eq "$want" "$got" "every generated leaf listed"
((got >= 100000)) || h_fail "expected at least 100000 leaves, got $got"
h_pass "100,000-key v2 listing ($got leaves)"

# gRPC core is loaded only when a command speaks v3 (docs/architecture.md,
# "Seams"): with a broken libgrpc first on the loader's path, v2 commands
# work and v3 ones fail with exit 6 and the loader's message.
grpc_so=libgrpc.so.$("$DSCK" version -o json | jq -r .libraries.grpc | cut -d. -f1)
mkdir -p "$H_TMP/badlib"
printf 'not a library\n' >"$H_TMP/badlib/$grpc_so"
EPB=$(h_endpoint big)
h_run env LD_LIBRARY_PATH="$H_TMP/badlib" "$DSCK" snapshot save "$H_TMP/config.snap" --api v2 \
	--prefix /calico/v1/config --endpoints "$EPB"
h_assert_rc 0 "v2 save without gRPC core"
h_assert_eq 7 "$(grep -c '"key":"/calico/v1/config' "$H_TMP/config.snap")" \
	"the v2 save holds the config directory and its six keys"
h_run env LD_LIBRARY_PATH="$H_TMP/badlib" "$DSCK" ls /calico/v1/config --api v3 --endpoints "$EPB"
h_assert_rc 6 "v3 without gRPC core: exit 6"
h_assert_contains "$H_ERR" "cannot load gRPC core for the etcd v3 API" "says what is missing"
h_assert_contains "$H_ERR" "$grpc_so" "names the library"
h_run env LD_LIBRARY_PATH="$H_TMP/badlib" "$DSCK" version
h_assert_rc 0 "version without gRPC core"
h_assert_contains "$H_OUT" "not loaded" "version says gRPC core is not loaded"
h_pass "gRPC core loaded only for v3"
h_done
