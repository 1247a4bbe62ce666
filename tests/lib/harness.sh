# shellcheck shell=bash
#
# tests/lib/harness.sh - real-etcd integration test harness for dsck.
#
# Source it from an integration test script (bash, `set -euo pipefail` safe):
#     source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
# Every etcd runs on 127.0.0.1, on free ports, in a per-script temp root. An
# EXIT/INT/TERM trap stops each etcd the script started (by PID: TERM, up to 5 s,
# then KILL) and removes the temp root. If the script fails it prints the tail of
# every etcd log and keeps the temp root (as does KEEP_TMP=1). A missing tool is
# a hard failure (exit 1), never a skip. The trap is the harness's own: add
# extra cleanup with h_defer instead of calling `trap ... EXIT`.
#
# Members (NAME: letters, digits, '.', '_', '-'):
#   h_etcd_start NAME [OPTS] [-- ETCD_ARGS]  start one member, wait for /health
#       OPTS: --v2 | --no-v2 (default, as in etcd 3.4), --tls (client-cert auth),
#             --snapshot-count N, --no-wait
#   h_cluster_start NAME [SIZE] [OPTS] [-- ETCD_ARGS]  static cluster of SIZE
#                                  (default 3) members NAME-1 .. NAME-SIZE
#   h_etcd_stop NAME [--kill]      stop by PID (TERM, or KILL); data dir kept
#   h_etcd_restart NAME [--v2|--no-v2] [--no-wait]  same data dir and ports
#   h_etcd_wait NAME               poll /health until ready (H_START_TIMEOUT s)
# Accessors (print to stdout):
#   h_endpoint NAME                client URL (http:// or https://)
#   h_endpoints CLUSTER            comma-separated client URLs of all members
#   h_members CLUSTER              member names, space-separated
#   h_peer_url NAME                peer URL
#   h_pid NAME                     PID of the running member (fails if stopped)
#   h_datadir NAME / h_logfile NAME
# Security:
#   h_tls_certs DIR                make CA, server and client certs; sets H_CA,
#                                  H_CERT, H_KEY (client), H_SERVER_CERT/KEY;
#                                  the first --tls member calls it if needed
#   h_v3_auth_enable NAME          v3 user root + `auth enable`
#   h_v2_auth_enable NAME          v2 user root, auth enable, guest loses kv
#   H_ROOT_USER, H_PASSWORD_FILE, H_NETRC   root's name and 0600 secret files;
#                                  the password is never put on a command line
# Clients (NAME may also be a cluster name: then all members are endpoints):
#   h_etcdctl [--root] NAME ARGS   ETCDCTL_API=3 etcdctl, endpoint/TLS/auth set
#   h_etcdctl2 NAME ARGS           ETCDCTL_API=2 etcdctl (no auth support)
#   h_http [--root] NAME METHOD PATH [CURL_ARGS]  curl one request; sets
#                                  H_STATUS, H_HEADERS, H_OUT, H_ERR, H_RC
# Test helpers:
#   h_run CMD...                   run; set H_OUT, H_ERR, H_RC (never trips -e;
#                                  a shell function runs in a subshell)
#   h_assert_eq EXPECTED ACTUAL MSG / h_assert_rc EXPECTED MSG
#   h_assert_fails MSG             the last h_run exited non-zero
#   h_assert_contains HAYSTACK NEEDLE MSG / h_assert_not_contains ...
#   h_pass MSG                     print "ok - MSG" and count it
#   h_fail MSG                     print "not ok - MSG" + last h_run, exit 1
#   h_done                         print "N passed, 0 failed", exit 0
#   h_log MSG                      diagnostic line on stderr
#   h_free_port                    set H_PORT to a free, not yet used port
#   h_defer CMD...                 run CMD at exit, before etcds are stopped
#
# Globals: H_TMP (the script's temp root), H_LIB_DIR (this directory).
# Tunables (environment): KEEP_TMP=1, H_START_TIMEOUT (20 s), H_CMD_TIMEOUT
# (30 s per external command), H_ETCD_LOG_LEVEL (info), H_ETCD, H_ETCDCTL.

[[ -n ${H_LOADED:-} ]] && return 0
H_LOADED=1

# shellcheck disable=SC2034 # for the sourcing scripts
H_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
H_ETCD=${H_ETCD:-etcd}
H_ETCDCTL=${H_ETCDCTL:-etcdctl}
H_START_TIMEOUT=${H_START_TIMEOUT:-20}
H_STOP_TIMEOUT=5
H_CMD_TIMEOUT=${H_CMD_TIMEOUT:-30}
H_ETCD_LOG_LEVEL=${H_ETCD_LOG_LEVEL:-info}
H_LOG_TAIL_LINES=40
H_PORT_MIN=20000 # below the kernel's ephemeral range (32768-60999)
H_PORT_SPAN=12000
H_ROOT_USER=root
H_MAIN_PID=$BASHPID
H_PASSED=0
H_OUT='' H_ERR='' H_RC=0 H_STATUS='' H_HEADERS='' H_LAST_CMD=''
H_CA='' H_CERT='' H_KEY='' H_SERVER_CERT='' H_SERVER_KEY=''

declare -ga H_MEMBER_NAMES=() H_DEFERRED=()
declare -gA H_PID=() H_CLIENT_URL=() H_PEER_URL=() H_DATA=() H_LOG=() \
    H_V2=() H_TLS=() H_SNAP=() H_EXTRA=() H_INITIAL_CLUSTER=() H_TOKEN=() \
    H_CLUSTER=() H_PORT_USED=() H_LOG_OFFSET=()

# ---------------------------------------------------------------- output

h_log() { printf '# %s\n' "$*" >&2; }

h__die() {
    printf 'harness: %s\n' "$*" >&2
    exit 1
}

h__show_last_run() {
    [[ -n $H_LAST_CMD ]] || return 0
    printf '#   last h_run: %s (rc=%s)\n' "$H_LAST_CMD" "$H_RC"
    printf '#   stdout: %s\n' "${H_OUT//$'\n'/$'\n#           '}"
    printf '#   stderr: %s\n' "${H_ERR//$'\n'/$'\n#           '}"
}

h_fail() {
    {
        printf 'not ok - %s\n' "$1"
        shift
        (($# == 0)) || printf '#   %s\n' "$@"
        h__show_last_run
    } >&2
    exit 1
}

h_pass() {
    H_PASSED=$((H_PASSED + 1))
    printf 'ok - %s\n' "$1"
}

h_done() {
    printf '%d passed, 0 failed\n' "$H_PASSED"
    exit 0
}

# ---------------------------------------------------------------- assertions

h_assert_eq() {
    [[ $1 == "$2" ]] || h_fail "$3" "expected: '$1'" "actual:   '$2'"
}

h_assert_contains() {
    [[ $1 == *"$2"* ]] || h_fail "$3" "expected to contain: '$2'" "actual: '$1'"
}

h_assert_not_contains() {
    [[ $1 != *"$2"* ]] || h_fail "$3" "expected NOT to contain: '$2'" "actual: '$1'"
}

h_assert_rc() {
    [[ $H_RC == "$1" ]] || h_fail "$2" "expected exit status $1, got $H_RC"
}

h_assert_fails() {
    [[ $H_RC != 0 ]] || h_fail "$1" "expected a non-zero exit status, got 0"
}

# h_run CMD...: external commands are bounded by H_CMD_TIMEOUT. Shell functions
# run in a subshell (an exit in them cannot end the script; they cannot change
# harness state); the h_* client wrappers bound their own time.
h_run() {
    local out=$H_TMP/.run.out err=$H_TMP/.run.err
    H_LAST_CMD=$(printf '%q ' "$@")
    if [[ $(type -t "$1") == function ]]; then
        if ("$@") >"$out" 2>"$err"; then H_RC=0; else H_RC=$?; fi
    else
        if timeout -k 5 "$H_CMD_TIMEOUT" "$@" >"$out" 2>"$err"; then H_RC=0; else H_RC=$?; fi
    fi
    H_OUT=$(<"$out")
    H_ERR=$(<"$err")
}

# ---------------------------------------------------------------- setup

h__require_tools() {
    local tool
    for tool in "$H_ETCD" "$H_ETCDCTL" curl openssl ss timeout; do
        command -v "$tool" >/dev/null 2>&1 ||
            h__die "required tool '$tool' not found in PATH (integration tests never skip)"
    done
}

h__init() {
    h__require_tools
    # Hermetic clients and servers: no inherited ETCD_*/ETCDCTL_* settings.
    local var
    for var in ${!ETCD_@} ${!ETCDCTL_@}; do unset "$var"; done
    H_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dsck-it.XXXXXX")
    H_PASSWORD_FILE=$H_TMP/secrets/root.password
    H_NETRC=$H_TMP/secrets/netrc
    set -o errtrace
    trap 'h__on_err $? $LINENO' ERR
    trap h__on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# h__on_err STATUS LINE: with `set -e`, name the command that ends the script.
h__on_err() {
    [[ $- == *e* ]] || return 0
    printf "harness: exit status %s from '%s' at %s:%s (in %s)\n" "$1" "$BASH_COMMAND" \
        "${BASH_SOURCE[1]}" "$2" "${FUNCNAME[1]:-top level}" >&2
}

h_defer() { H_DEFERRED+=("$(printf '%q ' "$@")"); }

# ---------------------------------------------------------------- processes

h__alive() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# h__terminate SIGNAL PID: signal, wait up to H_STOP_TIMEOUT s, then KILL.
# Stop cluster members one at a time: a leader that gets SIGTERM hands its
# leadership to a live peer first, and stalls ~6 s if that peer is exiting too.
h__terminate() {
    local sig=$1 pid=$2 tries
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((tries = H_STOP_TIMEOUT * 20; tries > 0; tries--)); do
        h__alive "$pid" || break
        sleep 0.05
    done
    if h__alive "$pid"; then
        h_log "pid $pid ignored SIG$sig for ${H_STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# h__stop_all NAME...: stop each running member, in order.
h__stop_all() {
    local name
    for name in "$@"; do
        [[ -z ${H_PID[$name]} ]] || h__terminate TERM "${H_PID[$name]}"
        H_PID[$name]=''
    done
}

h__print_log_tails() {
    local name
    for name in "${H_MEMBER_NAMES[@]}"; do
        printf -- '---- etcd %s (pid %s) log tail: %s ----\n' \
            "$name" "${H_PID[$name]:-stopped}" "${H_LOG[$name]}"
        tail -n "$H_LOG_TAIL_LINES" "${H_LOG[$name]}" 2>/dev/null | sed 's/^/  | /'
    done >&2
}

h__on_exit() {
    local rc=$? cmd
    [[ $BASHPID == "$H_MAIN_PID" ]] || return "$rc"
    set +e
    trap - EXIT INT TERM ERR
    for cmd in "${H_DEFERRED[@]}"; do eval "$cmd"; done
    if ((rc != 0)); then
        printf 'harness: script failed (exit status %d); %d passed before the failure\n' \
            "$rc" "$H_PASSED" >&2
        h__print_log_tails
    fi
    h__stop_all "${H_MEMBER_NAMES[@]}"
    if ((rc != 0)) || [[ ${KEEP_TMP:-0} == 1 ]]; then
        printf 'harness: kept temp dir: %s\n' "$H_TMP" >&2
    else
        rm -rf "$H_TMP"
    fi
    exit "$rc"
}

# ---------------------------------------------------------------- ports

h__port_listening() { [[ -n $(ss -Htln "sport = :$1") ]]; }

h_free_port() {
    local tries port
    for ((tries = 0; tries < 200; tries++)); do
        port=$((H_PORT_MIN + SRANDOM % H_PORT_SPAN))
        [[ -z ${H_PORT_USED[$port]:-} ]] || continue
        H_PORT_USED[$port]=1
        h__port_listening "$port" && continue
        H_PORT=$port
        return 0
    done
    h__die "no free port found"
}

# ---------------------------------------------------------------- members

h__check_name() {
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || h__die "bad member name '$1'"
}

h__known() { [[ -n ${H_DATA[$1]:-} ]] || h__die "unknown etcd member '$1'"; }

h__in_main_shell() {
    [[ $BASHPID == "$H_MAIN_PID" ]] ||
        h__die "$1 must run in the main shell, not in \$(...) or a pipeline"
}

# h__parse_opts ARGS...: member options into the H__OPT_* globals.
h__parse_opts() {
    H__OPT_V2=false H__OPT_TLS=0 H__OPT_SNAP=10000 H__OPT_WAIT=1
    H__OPT_EXTRA=()
    while (($#)); do
        case $1 in
        --v2) H__OPT_V2=true ;;
        --no-v2) H__OPT_V2=false ;;
        --tls) H__OPT_TLS=1 ;;
        --no-wait) H__OPT_WAIT=0 ;;
        --snapshot-count) H__OPT_SNAP=${2:?--snapshot-count needs a value}; shift ;;
        --) shift; H__OPT_EXTRA=("$@"); break ;;
        *) h__die "unknown member option '$1'" ;;
        esac
        shift
    done
}

# h__define NAME TOKEN: record a new member from the H__OPT_* values.
h__define() {
    local name=$1
    h__check_name "$name"
    [[ -z ${H_DATA[$name]:-} ]] || h__die "etcd member '$name' already exists"
    H_MEMBER_NAMES+=("$name")
    H_DATA[$name]=$H_TMP/$name.data
    H_LOG[$name]=$H_TMP/$name.log
    H_PID[$name]=''
    H_V2[$name]=$H__OPT_V2
    H_TLS[$name]=$H__OPT_TLS
    H_SNAP[$name]=$H__OPT_SNAP
    H_EXTRA[$name]=''
    ((${#H__OPT_EXTRA[@]} == 0)) || H_EXTRA[$name]=$(printf '%q ' "${H__OPT_EXTRA[@]}")
    H_TOKEN[$name]=$2
    ((H__OPT_TLS == 0)) || [[ -n $H_CA ]] || h_tls_certs "$H_TMP/tls"
}

h__assign_ports() {
    local name=$1 scheme=http
    ((H_TLS[$name] == 0)) || scheme=https
    h_free_port
    H_CLIENT_URL[$name]=$scheme://127.0.0.1:$H_PORT
    h_free_port
    H_PEER_URL[$name]=http://127.0.0.1:$H_PORT
}

h__launch() {
    local name=$1 extra args
    eval "extra=(${H_EXTRA[$name]})"
    args=(--name "$name" --data-dir "${H_DATA[$name]}"
        --listen-client-urls "${H_CLIENT_URL[$name]}"
        --advertise-client-urls "${H_CLIENT_URL[$name]}"
        --listen-peer-urls "${H_PEER_URL[$name]}"
        --initial-advertise-peer-urls "${H_PEER_URL[$name]}"
        --initial-cluster "${H_INITIAL_CLUSTER[$name]}"
        --initial-cluster-state new --initial-cluster-token "${H_TOKEN[$name]}"
        --enable-v2="${H_V2[$name]}" --snapshot-count "${H_SNAP[$name]}"
        --heartbeat-interval 50 --election-timeout 500
        --auto-compaction-retention 0
        --logger zap --log-outputs stderr --log-level "$H_ETCD_LOG_LEVEL")
    if ((H_TLS[$name])); then
        args+=(--cert-file "$H_SERVER_CERT" --key-file "$H_SERVER_KEY"
            --trusted-ca-file "$H_CA" --client-cert-auth)
    fi
    printf '==== %s: etcd %s\n' "$(date -u +%FT%T)" "${args[*]}" >>"${H_LOG[$name]}"
    H_LOG_OFFSET[$name]=$(stat -c %s "${H_LOG[$name]}")
    "$H_ETCD" "${args[@]}" "${extra[@]}" </dev/null >>"${H_LOG[$name]}" 2>&1 &
    H_PID[$name]=$!
}

# h__curl_tls NAME: the curl options reaching NAME's client URL, one per line.
h__curl_tls() {
    ((H_TLS[$1])) || return 0
    printf '%s\n' --cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY"
}

# h__healthy NAME: NAME's own process listens on its client port (not some
# other process that won a port race) and /health there says true.
h__healthy() {
    local tls port=${H_CLIENT_URL[$1]##*:}
    [[ $(ss -Htlnp "sport = :$port") == *"pid=${H_PID[$1]},"* ]] || return 1
    mapfile -t tls < <(h__curl_tls "$1")
    [[ $(curl -s --max-time 1 "${tls[@]}" "${H_CLIENT_URL[$1]}/health" 2>/dev/null) == \
        *'"health":"true"'* ]]
}

# h__new_log NAME: what NAME's log gained since its last launch.
h__new_log() { tail -c "+$((H_LOG_OFFSET[$1] + 1))" "${H_LOG[$1]}"; }

# h__await NAME...: 0 when all are healthy; 2 if one died of a port clash
# (its ports may be retried); otherwise fails loudly.
h__await() {
    local deadline=$((SECONDS + H_START_TIMEOUT)) name pending=("$@") left
    while ((${#pending[@]})); do
        left=()
        for name in "${pending[@]}"; do
            if ! h__alive "${H_PID[$name]}"; then
                wait "${H_PID[$name]}" 2>/dev/null || true
                H_PID[$name]=''
                grep -q 'address already in use' < <(h__new_log "$name") && return 2
                h__die "etcd '$name' exited during startup (see log tail below)"
            fi
            h__healthy "$name" || left+=("$name")
        done
        pending=("${left[@]}")
        ((${#pending[@]})) || break
        ((SECONDS < deadline)) ||
            h__die "etcd ${pending[*]} not healthy after ${H_START_TIMEOUT}s (see log tail below)"
        sleep 0.1
    done
}

# h__boot NAME...: assign ports and launch the members, retrying on port clashes.
h__boot() {
    local attempt name initial
    for attempt in 1 2 3; do
        initial=''
        for name in "$@"; do
            h__assign_ports "$name"
            initial+=${initial:+,}$name=${H_PEER_URL[$name]}
        done
        for name in "$@"; do
            H_INITIAL_CLUSTER[$name]=$initial
            h__launch "$name"
        done
        ((H__OPT_WAIT)) || return 0
        if h__await "$@"; then return 0; fi
        h_log "port clash starting etcd $* (attempt $attempt); retrying on new ports"
        h__stop_all "$@"
        for name in "$@"; do rm -rf "${H_DATA[$name]}"; done
    done
    h__die "could not start etcd $* after 3 port clashes"
}

h_etcd_start() {
    local name=${1:?h_etcd_start NAME [OPTS]}; shift
    h__in_main_shell h_etcd_start
    h__parse_opts "$@"
    h__define "$name" "dsck-$name-$$"
    h__boot "$name"
}

h_cluster_start() {
    local cluster=${1:?h_cluster_start NAME [SIZE] [OPTS]} size=3 i members=()
    shift
    if [[ ${1:-} =~ ^[0-9]+$ ]]; then size=$1; shift; fi
    h__in_main_shell h_cluster_start
    h__check_name "$cluster"
    [[ -z ${H_CLUSTER[$cluster]:-} ]] || h__die "cluster '$cluster' already exists"
    h__parse_opts "$@"
    for ((i = 1; i <= size; i++)); do
        h__define "$cluster-$i" "dsck-$cluster-$$"
        members+=("$cluster-$i")
    done
    H_CLUSTER[$cluster]=${members[*]}
    h__boot "${members[@]}"
}

h_etcd_wait() {
    h__known "$1"
    [[ -n ${H_PID[$1]} ]] || h__die "etcd '$1' is not running"
    h__await "$1" || h__die "etcd '$1' could not bind its ports"
}

h_etcd_stop() {
    local name=${1:?h_etcd_stop NAME [--kill]} sig=TERM
    [[ ${2:-} == --kill ]] && sig=KILL
    h__known "$name"
    h__in_main_shell h_etcd_stop
    [[ -n ${H_PID[$name]} ]] || h__die "etcd '$name' is not running"
    h__terminate "$sig" "${H_PID[$name]}"
    H_PID[$name]=''
}

h_etcd_restart() {
    local name=${1:?h_etcd_restart NAME [--v2|--no-v2] [--no-wait]} wait=1
    shift
    h__known "$name"
    h__in_main_shell h_etcd_restart
    [[ -z ${H_PID[$name]} ]] || h_etcd_stop "$name"
    while (($#)); do
        case $1 in
        --v2) H_V2[$name]=true ;;
        --no-v2) H_V2[$name]=false ;;
        --no-wait) wait=0 ;;
        *) h__die "unknown restart option '$1'" ;;
        esac
        shift
    done
    h__launch "$name"
    ((wait == 0)) || h_etcd_wait "$name"
}

# ---------------------------------------------------------------- accessors

h_endpoint() { h__known "$1" && printf '%s\n' "${H_CLIENT_URL[$1]}"; }
h_peer_url() { h__known "$1" && printf '%s\n' "${H_PEER_URL[$1]}"; }
h_datadir() { h__known "$1" && printf '%s\n' "${H_DATA[$1]}"; }
h_logfile() { h__known "$1" && printf '%s\n' "${H_LOG[$1]}"; }

h_pid() {
    h__known "$1"
    [[ -n ${H_PID[$1]} ]] || h__die "etcd '$1' is not running"
    printf '%s\n' "${H_PID[$1]}"
}

h_members() {
    [[ -n ${H_CLUSTER[$1]:-} ]] || h__die "unknown cluster '$1'"
    printf '%s\n' "${H_CLUSTER[$1]}"
}

h_endpoints() {
    local name urls=()
    [[ -n ${H_CLUSTER[$1]:-} ]] || h__die "unknown cluster '$1'"
    for name in ${H_CLUSTER[$1]}; do urls+=("${H_CLIENT_URL[$name]}"); done
    (IFS=,; printf '%s\n' "${urls[*]}")
}

# h__target NAME: sets H__URLS (comma list) and H__FIRST (member for TLS settings).
h__target() {
    if [[ -n ${H_CLUSTER[$1]:-} ]]; then
        H__URLS=$(h_endpoints "$1")
        H__FIRST=${H_CLUSTER[$1]%% *}
    else
        h__known "$1"
        H__URLS=${H_CLIENT_URL[$1]}
        H__FIRST=$1
    fi
}

# ---------------------------------------------------------------- TLS

# h__openssl_quiet ARGS...: openssl with its output shown only on failure.
h__openssl_quiet() {
    local out
    out=$(openssl "$@" 2>&1) || h__die "openssl $1 failed: $out"
}

# h__issue DIR NAME CN EXTFILE: an EC key and a cert for it signed by DIR/ca.
h__issue() {
    local dir=$1 name=$2
    h__openssl_quiet req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$3"
    h__openssl_quiet x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$4" -out "$dir/$name.crt"
}

h_tls_certs() {
    local dir=${1:?h_tls_certs DIR}
    mkdir -p "$dir"
    (umask 077 && h__openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -days 2 -subj /CN=dsck-test-ca -keyout "$dir/ca.key" -out "$dir/ca.crt")
    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
        'extendedKeyUsage=serverAuth,clientAuth' 'keyUsage=digitalSignature,keyEncipherment' \
        >"$dir/server.ext"
    printf '%s\n' 'extendedKeyUsage=clientAuth' 'keyUsage=digitalSignature' >"$dir/client.ext"
    (umask 077 && h__issue "$dir" server localhost "$dir/server.ext" &&
        h__issue "$dir" client dsck-test-client "$dir/client.ext")
    H_CA=$dir/ca.crt
    H_SERVER_CERT=$dir/server.crt H_SERVER_KEY=$dir/server.key
    H_CERT=$dir/client.crt H_KEY=$dir/client.key
}

# ---------------------------------------------------------------- secrets and auth

# h__secrets: root's random password and the files derived from it, all 0600,
# made once per script. The password only moves file-to-file: it is never put
# in argv, a variable of the main shell, or any output.
h__secrets() {
    [[ ! -s $H_PASSWORD_FILE ]] || return 0
    local dir=${H_PASSWORD_FILE%/*}
    (
        umask 077
        mkdir -p "$dir"
        openssl rand -hex 16 | tr -d '\n' >"$H_PASSWORD_FILE"
        { printf 'machine 127.0.0.1 login %s password ' "$H_ROOT_USER"
          cat "$H_PASSWORD_FILE"; printf '\n'; } >"$H_NETRC"
        { printf '{"user":"%s","password":"' "$H_ROOT_USER"
          cat "$H_PASSWORD_FILE"; printf '"}'; } >"$dir/v2-root-user.json"
    )
}

# h__must CMD...: run CMD quietly; on failure die showing its output.
h__must() {
    local out
    if ! out=$("$@" 2>&1); then h__die "failed: $* :: $out"; fi
}

h_v3_auth_enable() {
    local name=${1:?h_v3_auth_enable NAME}
    h__secrets
    h__must h_etcdctl "$name" user add "$H_ROOT_USER" --interactive=false <"$H_PASSWORD_FILE"
    h__must h_etcdctl "$name" auth enable
}

# h__http_expect STATUS ARGS...: h_http ARGS and require the HTTP status.
h__http_expect() {
    local want=$1; shift
    h_http "$@"
    [[ $H_STATUS == "$want" ]] ||
        h__die "expected HTTP $want from: h_http $* :: got '$H_STATUS' rc=$H_RC $H_OUT $H_ERR"
}

h_v2_auth_enable() {
    local name=${1:?h_v2_auth_enable NAME} json=(-H 'Content-Type: application/json')
    h__secrets
    h__http_expect 201 "$name" PUT "/v2/auth/users/$H_ROOT_USER" "${json[@]}" \
        --data-binary "@$H_TMP/secrets/v2-root-user.json"
    h__http_expect 200 "$name" PUT /v2/auth/enable
    h__http_expect 200 --root "$name" PUT /v2/auth/roles/guest "${json[@]}" \
        --data-binary '{"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}}'
}

# ---------------------------------------------------------------- clients

h_etcdctl() {
    local root=0
    [[ ${1:-} == --root ]] && { root=1; shift; }
    h__target "${1:?h_etcdctl [--root] NAME ARGS}"; shift
    local tls=()
    ((H_TLS[$H__FIRST] == 0)) || tls=(--cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY")
    ((root == 0)) || h__secrets
    (
        export ETCDCTL_API=3
        if ((root)); then
            export ETCDCTL_USER=$H_ROOT_USER ETCDCTL_PASSWORD
            # `read`, not $(<file): xtrace shows values of assignments and tests.
            # (It returns 1 at the file's end: the file has no newline.)
            read -r ETCDCTL_PASSWORD <"$H_PASSWORD_FILE" || true
        fi
        exec timeout -k 5 "$H_CMD_TIMEOUT" "$H_ETCDCTL" --endpoints="$H__URLS" "${tls[@]}" \
            --dial-timeout=2s --command-timeout=10s "$@"
    )
}

h_etcdctl2() {
    h__target "${1:?h_etcdctl2 NAME ARGS}"; shift
    local tls=()
    ((H_TLS[$H__FIRST] == 0)) || tls=(--ca-file "$H_CA" --cert-file "$H_CERT" --key-file "$H_KEY")
    ETCDCTL_API=2 timeout -k 5 "$H_CMD_TIMEOUT" "$H_ETCDCTL" --no-sync \
        --endpoints="$H__URLS" "${tls[@]}" --total-timeout=10s "$@"
}

h_http() {
    local auth=()
    if [[ ${1:-} == --root ]]; then h__secrets; auth=(--netrc-file "$H_NETRC"); shift; fi
    local name=${1:?h_http [--root] NAME METHOD PATH [CURL_ARGS]} method=${2:?} path=${3:?}
    shift 3
    h__known "$name"
    local hdr=$H_TMP/.http.headers tls method_opt=()
    mapfile -t tls < <(h__curl_tls "$name")
    [[ $method == GET ]] || method_opt=(-X "$method")
    : >"$hdr"
    h_run curl -sS --max-time 10 -D "$hdr" "${method_opt[@]}" "${tls[@]}" "${auth[@]}" \
        "$@" "${H_CLIENT_URL[$name]}$path"
    H_HEADERS=$(tr -d '\r' <"$hdr")
    H_STATUS=$(awk '/^HTTP\//{code = $2} END {print code}' <<<"$H_HEADERS")
}

h__init
