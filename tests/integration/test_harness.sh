#!/usr/bin/env bash
# Proves that each topology of tests/lib/harness.sh is really up and really
# secured, using only curl and etcdctl, and that the harness cleans up after
# itself even when a script fails or is killed.
# shellcheck disable=SC2016 # nested scripts are single-quoted on purpose
set -euo pipefail
# shellcheck source=../lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

H_LIB=$H_LIB_DIR/harness.sh

# Every sub-step of the auth tests appends its output here; the root password
# must never show up in it.
TRANSCRIPT=$H_TMP/transcript

record() { printf '%s\n%s\n' "$H_OUT" "$H_ERR" >>"$TRANSCRIPT"; }

alive() { kill -0 "$1" 2>/dev/null; }

# stop_job PID: TERM a background job of this script (if still there) and reap it.
# shellcheck disable=SC2317 # called through h_defer
stop_job() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

test_v2_enabled() {
    h_etcd_start v2 --v2 --snapshot-count 500 -- --max-txn-ops 200
    h_assert_contains "$(tr '\0' ' ' <"/proc/$(h_pid v2)/cmdline")" \
        '--snapshot-count 500 --heartbeat-interval 50 --election-timeout 500' "member options used"
    h_assert_contains "$(tr '\0' ' ' <"/proc/$(h_pid v2)/cmdline")" \
        ' --max-txn-ops 200' "extra etcd arguments passed through"
    h_http v2 PUT /v2/keys/dsck/hello -d value=world
    h_assert_eq 201 "$H_STATUS" "v2 PUT creates the key"
    h_http v2 GET /v2/keys/dsck/hello
    h_assert_eq 200 "$H_STATUS" "v2 GET status"
    h_assert_contains "$H_OUT" '"value":"world"' "v2 GET returns the value"
    h_assert_contains "$H_HEADERS" 'X-Etcd-Cluster-Id: ' "v2 reply carries the cluster id"
    h_run h_etcdctl2 v2 get /dsck/hello
    h_assert_eq world "$H_OUT" "ETCDCTL_API=2 etcdctl get"
    h_pass "v2-enabled member: v2 PUT/GET (curl, etcdctl v2) work, X-Etcd-Cluster-Id present"

    h_run h_etcdctl v2 put /dsck/v3key v3value
    h_assert_rc 0 "v3 put"
    h_run h_etcdctl v2 get /dsck/v3key --print-value-only
    h_assert_eq v3value "$H_OUT" "v3 get returns the value"
    h_pass "v2-enabled member: v3 put/get via etcdctl work"
}

test_v2_disabled() {
    h_etcd_start nov2 --no-v2
    h_http nov2 GET /v2/keys/
    h_assert_eq 404 "$H_STATUS" "v2 keys API is off"
    h_assert_eq '404 page not found' "$H_OUT" "v2-off body is Go's plain-text 404"
    h_http nov2 GET /version
    h_assert_eq 200 "$H_STATUS" "/version still served"
    h_assert_contains "$H_OUT" '"etcdserver":"3.4.' "/version names etcd 3.4"
    h_pass "v2-disabled member: /v2/keys/ is 404 page not found, /version works"
}

test_cluster() {
    h_cluster_start c 3 --v2
    local urls
    urls=$(h_endpoints c)
    h_assert_eq "$(h_endpoint c-1),$(h_endpoint c-2),$(h_endpoint c-3)" "$urls" \
        "h_endpoints lists the members' client URLs"
    h_run h_etcdctl c-1 member list
    h_assert_rc 0 "member list"
    h_assert_eq 3 "$(grep -c ', started, c-[123], ' <<<"$H_OUT")" "3 started members"
    h_pass "3-member cluster: member list shows 3 started members"

    h_run h_etcdctl c-1 put /dsck/replicated yes
    h_assert_rc 0 "put via member 1"
    h_run h_etcdctl c-3 get /dsck/replicated --print-value-only --consistency=l
    h_assert_eq yes "$H_OUT" "read via member 3"
    h_run h_etcdctl c endpoint health
    h_assert_rc 0 "all endpoints healthy"
    h_assert_eq 3 "$(grep -c 'is healthy' <<<"$H_ERR$H_OUT")" "3 healthy endpoints"
    h_pass "3-member cluster: a write via member 1 is read via member 3"
}

test_tls() {
    h_etcd_start tls --tls --v2
    local url
    url=$(h_endpoint tls)
    h_assert_contains "$url" 'https://127.0.0.1:' "TLS member has an https URL"
    h_run curl -sS --max-time 5 --cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY" "$url/health"
    h_assert_rc 0 "https with CA and client cert"
    h_assert_contains "$H_OUT" '"health":"true"' "health over https"
    h_run h_etcdctl tls put /dsck/tls ok
    h_assert_rc 0 "etcdctl v3 over TLS with client cert"
    h_run h_etcdctl2 tls set /dsck/tls2 ok2
    h_assert_rc 0 "etcdctl v2 over TLS with client cert"
    h_pass "TLS: request with CA + client cert succeeds (curl, etcdctl v2 and v3)"

    h_run curl -sS --max-time 5 "http://${url#https://}/health"
    h_assert_fails "plain http to the TLS port must fail"
    h_assert_not_contains "$H_OUT" health "no health reply over plain http"
    h_pass "TLS: plain http:// request to the TLS port fails (curl rc $H_RC)"

    h_run curl -sS --max-time 5 --cacert "$H_CA" "$url/health"
    h_assert_fails "https without a client cert must fail"
    h_assert_not_contains "$H_OUT" health "no health reply without client cert"
    h_assert_contains "$(<"$(h_logfile tls)")" "client didn't provide a certificate" \
        "etcd logs the missing client certificate"
    h_pass "TLS: https request without a client certificate fails (curl rc $H_RC)"
}

assert_password_secret() {
    local what=$1 file
    h_assert_eq 32 "$(wc -c <"$H_PASSWORD_FILE")" "password file holds the password"
    for file in "$H_PASSWORD_FILE" "$H_NETRC"; do
        h_assert_eq 600 "$(stat -c %a "$file")" "$file is 0600"
    done
    if grep -qF -f "$H_PASSWORD_FILE" "$TRANSCRIPT" "$(h_logfile "$what")"; then
        h_fail "the root password leaked into the output or the etcd log"
    fi
}

test_v3_auth() {
    h_etcd_start auth3
    h_v3_auth_enable auth3 >>"$TRANSCRIPT" 2>&1
    h_run h_etcdctl auth3 get /dsck/secret
    record
    h_assert_fails "anonymous v3 get must fail"
    h_assert_contains "$H_ERR" 'user name is empty' "anonymous v3 get is refused"
    h_pass "v3 auth: etcdctl get without a user fails with 'user name is empty'"

    h_run h_etcdctl --root auth3 put /dsck/secret s3cr3t-value
    record
    h_assert_rc 0 "put as root"
    h_run h_etcdctl --root auth3 get /dsck/secret --print-value-only
    record
    h_assert_eq s3cr3t-value "$H_OUT" "get as root"
    # Even under xtrace the password is not shown: it travels in the env.
    (set -x; h_etcdctl --root auth3 get /dsck/secret) >>"$TRANSCRIPT" 2>&1
    h_assert_contains "$(<"$TRANSCRIPT")" 'read -r ETCDCTL_PASSWORD' "xtrace was captured"
    h_pass "v3 auth: etcdctl as root succeeds"

    assert_password_secret auth3
    h_pass "v3 auth: password never in output, xtrace or etcd log; secret files 0600"
}

test_v2_auth() {
    h_etcd_start auth2 --v2
    h_v2_auth_enable auth2 >>"$TRANSCRIPT" 2>&1
    h_http auth2 GET /v2/keys/
    record
    h_assert_eq 401 "$H_STATUS" "anonymous v2 GET is refused"
    h_assert_contains "$H_OUT" '"errorCode":110' "refusal is errorCode 110"
    h_http auth2 PUT /v2/keys/dsck/anon -d value=x
    record
    h_assert_eq 401 "$H_STATUS" "anonymous v2 PUT is refused"
    h_pass "v2 auth: anonymous GET/PUT get 401 errorCode 110"

    h_http --root auth2 PUT /v2/keys/dsck/k -d value=v
    record
    h_assert_eq 201 "$H_STATUS" "v2 PUT as root"
    h_http --root auth2 GET /v2/keys/dsck/k
    record
    h_assert_eq 200 "$H_STATUS" "v2 GET as root"
    h_assert_contains "$H_OUT" '"value":"v"' "v2 GET as root returns the value"
    assert_password_secret auth2
    h_pass "v2 auth: basic auth from the netrc file gets 200; password never shown"
}

test_stop_start() {
    h_etcd_start keep --v2
    h_run h_etcdctl keep put /dsck/kept v3-kept
    h_assert_rc 0 "v3 put before stop"
    h_http keep PUT /v2/keys/dsck/kept -d value=v2-kept
    h_assert_eq 201 "$H_STATUS" "v2 put before stop"
    local old_pid old_url old_data new_pid
    old_pid=$(h_pid keep) old_url=$(h_endpoint keep) old_data=$(h_datadir keep)

    h_etcd_stop keep
    alive "$old_pid" && h_fail "old etcd pid $old_pid still alive after stop"
    h_assert_eq true "$([[ -d $old_data/member/wal ]] && echo true)" "data dir kept"
    h_run h_pid keep
    h_assert_fails "h_pid of a stopped member must fail"
    h_pass "stop: etcd is gone by PID, data dir kept, h_pid refuses"

    h_etcd_restart keep --v2 --no-wait
    h_etcd_wait keep
    new_pid=$(h_pid keep)
    [[ $new_pid != "$old_pid" ]] || h_fail "restart must give a new PID"
    h_assert_eq "$old_url" "$(h_endpoint keep)" "restart keeps the client URL"
    h_run h_etcdctl keep get /dsck/kept --print-value-only
    h_assert_eq v3-kept "$H_OUT" "v3 key survives restart"
    h_http keep GET /v2/keys/dsck/kept
    h_assert_contains "$H_OUT" '"value":"v2-kept"' "v2 key survives restart"
    h_pass "restart: same data dir and ports, new PID, v2 and v3 keys kept"

    h_etcd_restart keep --no-v2
    h_http keep GET /v2/keys/dsck/kept
    h_assert_eq 404 "$H_STATUS" "v2 off after restart with --no-v2"
    h_run h_etcdctl keep get /dsck/kept --print-value-only
    h_assert_eq v3-kept "$H_OUT" "v3 key still there"
    h_pass "restart with --no-v2: v2 API off, v3 data kept"

    old_pid=$(h_pid keep)
    h_etcd_stop keep --kill
    alive "$old_pid" && h_fail "SIGKILLed etcd $old_pid still alive"
    h_etcd_restart keep
    h_run h_etcdctl keep get /dsck/kept --print-value-only
    h_assert_eq v3-kept "$H_OUT" "v3 key survives SIGKILL"
    h_pass "stop --kill: SIGKILLed member restarts with its data"
}

# nested SCRIPT: run a bash script that sources the harness; H_OUT/H_ERR/H_RC.
nested() {
    h_run env TMPDIR="$H_TMP/nested" KEEP_TMP=0 \
        bash -c "set -euo pipefail; source \"\$1\"; $1" _ "$H_LIB"
}

test_cleanup_on_failure() {
    mkdir -p "$H_TMP/nested"
    nested 'h_etcd_start doomed --v2; echo "pid=$(h_pid doomed) tmp=$H_TMP"; false'
    h_assert_rc 1 "failing nested script keeps its exit status"
    local pid=${H_OUT#pid=} tmp=${H_OUT#* tmp=}
    pid=${pid%% *}
    alive "$pid" && h_fail "etcd $pid of the failed script is still running"
    h_assert_contains "$H_ERR" 'harness: script failed (exit status 1)' "failure reported"
    h_assert_contains "$H_ERR" "---- etcd doomed (pid $pid) log tail" "log tail header"
    h_assert_contains "$H_ERR" '  | {"level":' "log tail lines"
    h_assert_contains "$H_ERR" "harness: kept temp dir: $tmp" "kept temp dir reported"
    [[ -f $tmp/doomed.log ]] || h_fail "temp dir $tmp not kept on failure"
    h_pass "failing script: etcd stopped by the trap, log tail printed, temp dir kept"

    nested 'h_etcd_start fine; echo "pid=$(h_pid fine) tmp=$H_TMP"; h_pass nested; h_done'
    h_assert_rc 0 "passing nested script"
    pid=${H_OUT#pid=} tmp=${H_OUT#* tmp=}
    pid=${pid%% *} tmp=${tmp%%$'\n'*}
    alive "$pid" && h_fail "etcd $pid of the passing script is still running"
    h_assert_contains "$H_OUT" $'ok - nested\n1 passed, 0 failed' "summary line"
    [[ ! -e $tmp ]] || h_fail "temp dir $tmp left behind by a passing script"
    h_pass "passing script: etcd stopped, temp dir removed, summary printed"
}

test_cleanup_on_sigterm() {
    local ready=$H_TMP/nested-ready bg rc shell_pid etcd_pid tries
    mkdir -p "$H_TMP/nested"
    TMPDIR=$H_TMP/nested KEEP_TMP=0 timeout 30 bash -c 'set -euo pipefail; source "$1"
        h_etcd_start victim
        echo "$$ $(h_pid victim)" >"$2.tmp" && mv "$2.tmp" "$2"
        while :; do sleep 0.1; done' _ "$H_LIB" "$ready" >/dev/null 2>&1 &
    bg=$!
    h_defer stop_job "$bg"
    for ((tries = 200; tries > 0; tries--)); do
        [[ ! -s $ready ]] || break
        sleep 0.1
    done
    [[ -s $ready ]] || h_fail "nested script did not start its etcd"
    read -r shell_pid etcd_pid <"$ready"
    alive "$etcd_pid" || h_fail "nested etcd not running"
    kill -TERM "$shell_pid"
    if wait "$bg"; then rc=0; else rc=$?; fi
    h_assert_eq 143 "$rc" "SIGTERM'd script exits 143"
    alive "$etcd_pid" && h_fail "etcd $etcd_pid survived its script's SIGTERM"
    h_pass "SIGTERM to a script: its trap stops etcd $etcd_pid"
}

test_port_clash_retry() {
    # Hand out the port of a running etcd once, as if another process had
    # grabbed a free port between h_free_port and etcd's bind.
    nested 'h_etcd_start first
        clash=${H_CLIENT_URL[first]##*:}
        eval "$(declare -f h_free_port | sed 1s/h_free_port/real_free_port/)"
        h_free_port() { if [[ -n $clash ]]; then H_PORT=$clash clash=; else real_free_port; fi; }
        h_etcd_start second --v2
        h_http second GET /v2/keys/
        echo "status=$H_STATUS"'
    h_assert_rc 0 "nested script with a port clash"
    h_assert_contains "$H_ERR" "port clash starting etcd second (attempt 1)" "clash detected"
    h_assert_contains "$H_OUT" "status=200" "second etcd serves after the retry"
    h_pass "a port taken between h_free_port and bind is retried on new ports"
}

test_misc() {
    h_run env H_ETCD=/nonexistent/etcd bash -c 'source "$1"; echo reached' _ "$H_LIB"
    h_assert_rc 1 "missing etcd is a failure"
    h_assert_contains "$H_ERR" "required tool '/nonexistent/etcd' not found" "clear message"
    h_assert_not_contains "$H_OUT" reached "no silent skip"
    h_pass "missing etcd fails with exit 1, never skips"

    nested 'h_run sh -c "echo out; echo err >&2; exit 3"; h_assert_eq a b demo'
    h_assert_rc 1 "failed assertion exits 1"
    h_assert_contains "$H_ERR" "not ok - demo" "assertion names itself"
    h_assert_contains "$H_ERR" "expected: 'a'" "expected value shown"
    h_assert_contains "$H_ERR" "actual:   'b'" "actual value shown"
    h_assert_contains "$H_ERR" "(rc=3)" "last h_run status shown"
    h_assert_contains "$H_ERR" "stderr: err" "last h_run stderr shown"
    h_pass "failed assertion prints expected/actual and the last h_run"

    local ports=() i port
    for ((i = 0; i < 20; i++)); do
        h_free_port
        ports+=("$H_PORT")
    done
    h_assert_eq 20 "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" "20 distinct ports"
    for port in "${ports[@]}"; do
        [[ -z $(ss -Htln "sport = :$port") ]] || h_fail "port $port is in use"
        [[ $(h_endpoint v2) != *":$port" ]] || h_fail "port $port reused"
    done
    h_pass "h_free_port hands out distinct, unused ports"
}

main() {
    local start=$SECONDS
    test_v2_enabled
    test_v2_disabled
    test_cluster
    test_tls
    test_v3_auth
    test_v2_auth
    test_stop_start
    test_cleanup_on_failure
    test_cleanup_on_sigterm
    test_port_clash_retry
    test_misc
    h_log "test_harness.sh took $((SECONDS - start))s"
    h_done
}

main "$@"
