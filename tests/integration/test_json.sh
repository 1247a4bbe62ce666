#!/usr/bin/env bash
# -o json is one document on stdout in every case, and each command's
# document has the shape docs/json.md documents (checked with
# tests/tools/json_shape.py): every command against a real etcd, the
# Kubernetes checks against the test API server, and the error document for
# runtime and usage errors of every command.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${SRCDIR:?set SRCDIR}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
source "$SRCDIR/tests/lib/k8sapi.sh"
SHAPES=$SRCDIR/docs/json.md
CHECKER=$SRCDIR/tests/tools/json_shape.py

# doc SHAPE COMMAND-WORDS -- ARGS...: run dsck COMMAND ARGS -o json; stdout
# must be one document of SHAPE naming COMMAND, with ok true exactly on exit 0.
doc() {
	local shape=$1 cmd=$2 bad
	shift 3
	# shellcheck disable=SC2086 # COMMAND-WORDS are words
	h_run env ETCDCTL_ENDPOINTS="$EP" "$DSCK" $cmd "$@" -o json
	bad=$(python3 "$CHECKER" "$SHAPES" "$shape" <<<"$H_OUT" 2>&1) ||
		h_fail "dsck $cmd: not the documented '$shape' shape: $bad"
	h_assert_eq "$cmd" "$(jq -r .command <<<"$H_OUT")" "dsck $cmd: names the command"
	h_assert_eq "$([[ $H_RC == 0 ]] && echo true || echo false)" "$(jq .ok <<<"$H_OUT")" \
		"dsck $cmd: ok is true exactly on exit 0 (exit $H_RC)"
	if [[ $(jq 'has("error")' <<<"$H_OUT") == true ]]; then
		h_assert_eq "$H_RC" "$(jq .error.exit <<<"$H_OUT")" "dsck $cmd: error.exit is the exit code"
	fi
}

h_etcd_start one --v2
EP=$(h_endpoint one)
"$DSCK_FIXTURE" --endpoint "$EP" >/dev/null
S=$H_TMP/v2.snap B=$H_TMP/backend.db
h_etcdctl one put /calico/resources/v3/projectcalico.org/ippools/p1 '{"kind":"IPPool"}' >/dev/null
h_etcdctl one snapshot save "$B" >/dev/null

doc version version --
doc config config --
doc status status --
doc ls ls -- /calico --api v2
doc ls get -- /calico/v1/Ready --api v2
doc ls get -- /calico/resources/v3/projectcalico.org/ippools/p1 --api v3
doc inspect inspect -- --api v2
doc inspect inspect -- "$B"
doc "snapshot save" "snapshot save" -- "$S" --api v2
doc "snapshot verify" "snapshot verify" -- "$S"
doc "snapshot verify etcd-backend" "snapshot verify" -- "$B"
doc diff diff -- "$S" v2
h_etcdctl2 one set /calico/v1/config/LogSeverityScreen debug >/dev/null
h_etcdctl2 one set /calico/v1/config/Extra y >/dev/null
doc diff diff -- "$S" v2
h_assert_eq "1 1" "$(jq -r '[.summary.added, .summary.changed] | join(" ")' <<<"$H_OUT")" \
	"diff counts what changed"
doc restore "snapshot restore" -- "$S" --dry-run
doc restore "migrate v2-to-v3" -- --dry-run
doc "etcd check" "check pre-migrate" --
doc "etcd check" "check v2-content" --
doc "etcd check" verify-migrate --
doc preflight preflight --
doc explain explain -- v3-missing
doc "explain list" explain --
h_pass "every etcd command's JSON has its documented shape"

# Types, not strings: booleans and numbers where they belong, null when unread.
h_run "$DSCK" status -o json --endpoints "$EP"
h_assert_eq "boolean boolean number boolean" \
	"$(jq -r '[(.calico.ready|type), (.endpoints[0].v2_enabled|type), (.calico.v2_keys|type), (.ok|type)] | join(" ")' <<<"$H_OUT")" \
	"status: real booleans and numbers"
h_run "$DSCK" check v2-content -o json --endpoints "$EP"
h_assert_eq "null" "$(jq '.members[0].v3_keys' <<<"$H_OUT")" "what was not read is null"
h_assert_eq "0" "$(jq '[.. | objects | keys[] | select(test("-"))] | length' <<<"$H_OUT")" \
	"no kebab-case keys"
h_run "$DSCK" config -o json
h_assert_eq "0" "$(jq '[.. | objects | keys[] | select(test("-"))] | length' <<<"$H_OUT")" \
	"config: no kebab-case keys"

# Binary as *_b64, as in snapshots.
h_etcdctl one put $'/calico/bin\xff' $'v\xfe' >/dev/null
h_run "$DSCK" diff "$B" v3 -o json --endpoints "$EP"
h_assert_eq "$(printf '/calico/bin\xff' | base64)" \
	"$(jq -r '.added[] | objects | .key_b64' <<<"$H_OUT")" "diff: a binary key as key_b64"

# The Kubernetes checks, from the test API server.
k8s_setup
k8s_start_server --default-scenario migrated
doc "k8s check" "check k8s-crd-migration" -- --kubeconfig "$(k8s_kc migrated)"
doc "k8s check" "check policy-semantics" -- --kubeconfig "$(k8s_kc policies)"
doc "k8s check" "check node-roll" -- --kubeconfig "$(k8s_kc roll-during)"
h_pass "the Kubernetes checks' JSON has its documented shape"

# ------------------------------------------------------------- errors
h_free_port
DEAD=http://127.0.0.1:$H_PORT
# err_doc COMMAND-WORDS -- ARGS...: a failing run prints one document, the
# error document unless the command printed its own result.
err_doc() {
	local cmd=$1 bad
	shift 2
	# shellcheck disable=SC2086
	h_run "$DSCK" $cmd "$@" -o json
	[[ $H_RC != 0 ]] || h_fail "dsck $cmd $*: expected a failure"
	[[ $(jq -s length <<<"$H_OUT") == 1 ]] || h_fail "dsck $cmd $*: not exactly one document"
	h_assert_eq false "$(jq .ok <<<"$H_OUT")" "dsck $cmd: ok false on exit $H_RC"
	h_assert_eq "$cmd" "$(jq -r .command <<<"$H_OUT")" "dsck $cmd: names the command"
	if [[ $(jq -c keys <<<"$H_OUT") == '["command","error","format_version","ok"]' ]]; then
		bad=$(python3 "$CHECKER" "$SHAPES" error <<<"$H_OUT" 2>&1) ||
			h_fail "dsck $cmd: not the documented error shape: $bad"
	fi
	if [[ $(jq 'has("error")' <<<"$H_OUT") == true ]]; then
		h_assert_eq '["code","exit","hint","message"]' "$(jq -c '.error | keys' <<<"$H_OUT")" \
			"dsck $cmd: the error object"
		h_assert_eq "$H_RC" "$(jq .error.exit <<<"$H_OUT")" "dsck $cmd: error.exit"
		[[ -n $(jq -r .error.message <<<"$H_OUT") ]] || h_fail "dsck $cmd: empty message"
	fi
}

# Usage errors: every command of the help, unknown option and bad value.
# Read the whole help first: awk stops early, and dsck exits 141 on a closed pipe.
help=$("$DSCK" --help)
commands=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { n = substr($0, 3, 25); sub(/ +$/, "", n); print n } on && /^$/ { exit }' <<<"$help")
n=0
while read -r cmd; do
	err_doc "$cmd" -- --no-such-option
	h_assert_eq "usage 2" "$(jq -r '"\(.error.code) \(.error.exit)"' <<<"$H_OUT")" \
		"dsck $cmd: a usage error is code usage, exit 2"
	h_assert_contains "$(jq -r .error.hint <<<"$H_OUT")" "dsck $cmd --help" "dsck $cmd: hint"
	n=$((n + 1))
done <<<"$commands"
((n >= 18)) || h_fail "only $n commands"
h_run "$DSCK" no-such-command -o json
h_assert_eq "null usage 2" "$(jq -r '"\(.command) \(.error.code) \(.error.exit)"' <<<"$H_OUT")" \
	"an unknown command is an error document too"
h_run "$DSCK" ls --output=json --api v9
h_assert_eq "usage" "$(jq -r .error.code <<<"$H_OUT")" "--output=json before a bad value"
h_pass "usage errors of all $n commands are one JSON error document"

# Runtime errors: nothing listens, a file that is not there, a missing key.
for c in "status" "ls --api v2" "ls --api v3" "inspect --api v3" "snapshot save $H_TMP/x.snap --api v2" \
	 "migrate v2-to-v3" "check pre-migrate" "check v2-content" "verify-migrate" "preflight" \
	 "diff v2 v3" "snapshot restore $S --to v2"; do
	read -ra w <<<"$c"
	case ${w[0]} in snapshot|check|migrate) cmd="${w[0]} ${w[1]}"; rest=("${w[@]:2}") ;;
		*) cmd=${w[0]}; rest=("${w[@]:1}") ;; esac
	err_doc "$cmd" -- "${rest[@]}" --endpoints "$DEAD" --dial-timeout 1s
	[[ $H_RC == 3 || $H_RC == 1 ]] || h_fail "dsck $c: exit $H_RC, expected 3 (or 1 for a NO-GO)"
done
err_doc "snapshot verify" -- "$H_TMP/nothing.snap"
h_assert_eq "input 2" "$(jq -r '"\(.error.code) \(.error.exit)"' <<<"$H_OUT")" "missing file: input, 2"
err_doc "get" -- /calico/none --api v2 --endpoints "$EP"
h_assert_eq "not-found 1" "$(jq -r '"\(.error.code) \(.error.exit)"' <<<"$H_OUT")" "missing key"
err_doc "explain" -- no-such-code
err_doc "check node-roll" -- --kubeconfig "$H_TMP/none"
err_doc "check k8s-crd-migration" -- --from-dir "$H_TMP/none"
h_pass "runtime errors are one JSON document with ok false"

h_done
