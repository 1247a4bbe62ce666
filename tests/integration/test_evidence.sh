#!/usr/bin/env bash
# The etcd side of "verdicts only from evidence" (docs/checks.md): `status`
# exits non-zero with the reason when it could not read a store (v3 auth
# without a user, the peer port given as a client URL, plain HTTP to a TLS
# port); an unreachable member is an error finding in verify-migrate and
# check v2-content, not a silent "0 errors"; endpoints of two clusters are
# one named error and their members are not compared.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

codes() { jq -r '[.findings[] | "\(.severity):\(.code)"] | group_by(.) | map("\(.[0])=\(length)") | join(" ")'; }

# ---- status
h_etcd_start auth --v2
h_run "$DSCK_FIXTURE" --endpoint "$(h_endpoint auth)" --hosts 2 --workloads-per-host 2 --seed 3
h_assert_rc 0 "load the fixture"
h_v3_auth_enable auth
h_run "$DSCK" status --endpoints "$(h_endpoint auth)" -o json
h_assert_rc 4 "v3 auth refused without --user: exit 4, not 'unknown' with exit 0"
h_assert_contains "$(jq -r .calico.error <<<"$H_OUT")" "authentication is enabled" "the JSON says why"
h_assert_contains "$H_ERR" "could not read the Calico data: v3 store:" "stderr names the store"
h_assert_contains "$H_ERR" "give --user" "and the next step"
h_run "$DSCK" status --endpoints "$(h_endpoint auth)" --user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE" -o json
h_assert_rc 0 "with the user: exit 0"
h_assert_eq null "$(jq .calico.error <<<"$H_OUT")" "no error"
h_pass "status: v3 auth without a user is exit 4 with the reason"

h_etcd_start plain --v2
h_run "$DSCK" status --endpoints "$(h_peer_url plain)"
h_assert_rc 2 "the peer port as a client URL: exit 2"
h_assert_contains "$H_OUT" "$(h_peer_url plain) is the peer URL of member plain, not a client URL: use $(h_endpoint plain)" \
	"says it is the peer URL and which client URL to use"
h_pass "status: the peer port is named, with the client URL"

h_etcd_start tls --tls
TLS_EP=$(h_endpoint tls)
h_run "$DSCK" status --endpoints "${TLS_EP/https:/http:}" -o json
h_assert_rc 3 "plain HTTP to a TLS port: exit 3"
h_assert_contains "$(jq -r '.endpoints[0].error' <<<"$H_OUT")" "is it a TLS endpoint? use https://" "the hint is shown"
h_pass "status: http:// to a TLS port says to use https://"

# ---- an unreachable member is an error, not "0 errors"
EP=$(h_endpoint plain)
h_run "$DSCK_FIXTURE" --endpoint "$EP" --hosts 2 --workloads-per-host 2 --seed 4
h_free_port
DOWN=http://127.0.0.1:$H_PORT
h_run "$DSCK" migrate v2-to-v3 --endpoints "$EP" -q
h_assert_rc 0 "copy v2 into v3"
h_run "$DSCK" verify-migrate --endpoints "$EP,$DOWN" -o json
h_assert_rc 3 "verify-migrate with an unreachable member: exit 3"
h_assert_eq "error:member-unreachable $DOWN" \
	"$(jq -r '.findings[] | select(.code == "member-unreachable") | "\(.severity):\(.code) \(.member)"' <<<"$H_OUT")" \
	"the unreachable member is an error finding naming it"
h_assert_eq "1 1" "$(jq -r '"\(.summary.errors) \(.summary.unreachable)"' <<<"$H_OUT")" "the summary counts it"
h_run "$DSCK" verify-migrate --endpoints "$EP,$DOWN"
h_assert_contains "$H_OUT" "member-unreachable" "the table lists it"
h_assert_not_contains "$H_OUT" "0 errors" "no '0 errors'"
h_run "$DSCK" check v2-content --endpoints "$EP,$DOWN" -o json
h_assert_rc 3 "check v2-content with an unreachable member: exit 3"
h_assert_eq "$DOWN" "$(jq -r '.findings[] | select(.code == "member-unreachable") | .member' <<<"$H_OUT")" \
	"v2-content names it too"
h_run "$DSCK" check pre-migrate --endpoints "$EP,$DOWN" -o json
h_assert_eq 1 "$(jq '[.findings[] | select(.code == "member-unreachable")] | length' <<<"$H_OUT")" \
	"pre-migrate reports it once, as before"
h_pass "an unreachable member is an error finding in verify-migrate, v2-content and pre-migrate"

# ---- endpoints of two different clusters
OTHER=$(h_endpoint auth)
h_run "$DSCK" check v2-content --endpoints "$EP,$(h_endpoint auth)" --user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE" -o json
h_assert_eq 1 "$(jq '[.findings[] | select(.code == "mixed-clusters")] | length' <<<"$H_OUT")" \
	"check v2-content: one mixed-clusters error"
h_assert_contains "$(jq -r '.findings[] | select(.code == "mixed-clusters") | .detail' <<<"$H_OUT")" \
	"$EP in cluster" "it names each endpoint's cluster"
h_assert_contains "$(jq -r '.findings[] | select(.code == "mixed-clusters") | .detail' <<<"$H_OUT")" \
	"$OTHER in cluster" "both of them"
h_assert_eq error "$(jq -r '.findings[] | select(.code == "mixed-clusters") | .severity' <<<"$H_OUT")" "an error"
h_run "$DSCK" verify-migrate --endpoints "$EP,$OTHER" --user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE" -o json
h_assert_rc 1 "verify-migrate over two clusters: exit 1"
h_assert_eq "1 0" "$(jq -r '"\([.findings[] | select(.code == "mixed-clusters")] | length) \([.findings[] | select(.code == "member-divergence")] | length)"' <<<"$H_OUT")" \
	"one mixed-clusters error and no member comparison"
h_pass "endpoints of two clusters: one named error before any member comparison"
h_done
