#!/usr/bin/env bash
# The safety contract of restore and migrate (docs/restore-safety.md), item by
# item, against real etcd in both APIs: keys that would escape the prefix,
# the prefix comes from the user, v2 prune deletes only what the plan lists,
# only verified bytes are applied, migrate verifies against the stores, the
# Ready lock is the operator's, credentials in URLs, dial timeouts, and the
# stricter `snapshot verify`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}" "${MISBEHAVE:?set MISBEHAVE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

# mksnap FILE API PREFIX < records: a snapshot with a correct trailer, so that
# only the rule under test can reject it.
mksnap() {
	local f=$1 api=$2 prefix=$3 src
	if [[ $api == v3 ]]; then src='"revision":1'; else src='"etcd_index":1'; fi
	{
		printf '{"api":"%s","created":"2026-01-01T00:00:00Z","dsck_snapshot":1,"ephemeral":"excluded","prefix":"%s","source":{"endpoint":"test",%s},"tool":"test"}\n' "$api" "$prefix" "$src"
		cat
	} >"$f.body"
	local n sha
	n=$(($(wc -l <"$f.body") - 1))
	sha=$(sha256sum <"$f.body" | cut -d' ' -f1)
	{ cat "$f.body"; printf '{"end":true,"records":%d,"sha256":"%s"}\n' "$n" "$sha"; } >"$f"
	rm -f "$f.body"
}
v2rec() { printf '{"created_index":1,"key":"%s","modified_index":1,"value":"%s"}\n' "$1" "$2"; }
v2dir() { printf '{"created_index":1,"dir":true,"key":"%s","modified_index":1}\n' "$1"; }
v3rec() { printf '{"create_revision":1,"key":"%s","lease":0,"mod_revision":1,"value":"%s","version":1}\n' "$1" "$2"; }
v2get() { curl -s "$1/v2/keys$2" | jq -r '.node.value // .errorCode'; }
v3get() { h_etcdctl "$1" get "$2" --print-value-only; }
rev() { h_etcdctl "$1" get /x -w json | jq .header.revision; }
# during_pause NAME ACTION DSCK-ARGS...: run dsck with a pause between its plan
# and its apply (DSCK_TEST_PAUSE_MS), call the function ACTION once the plan
# is printed, wait; sets RC, output in $H_TMP/NAME.out and NAME.err.
during_pause() {
	local name=$1 action=$2 pid
	shift 2
	DSCK_TEST_PAUSE_MS=3000 "$DSCK" "$@" >"$H_TMP/$name.out" 2>"$H_TMP/$name.err" &
	pid=$!
	for _ in $(seq 500); do grep -q '^plan for' "$H_TMP/$name.out" && break; sleep 0.02; done
	grep -q '^plan for' "$H_TMP/$name.out" || h_fail "$name: no plan was printed"
	"$action"
	RC=0; wait "$pid" || RC=$?
}

h_etcd_start t --v2
T=$(h_endpoint t)

# --- 1. Keys are bytes, not paths --------------------------------------------
bad=$H_TMP/bad.snap
for case in dotdot dot empty nul ctrl; do
	case $case in
	dotdot) key=/calico/../other/key ;;
	dot) key=/calico/./v1/x ;;
	empty) key=/calico//x ;;
	nul) key='/calico/a\u0000b' ;;
	ctrl) key='/calico/\u001b[2J' ;;
	esac
	v2rec "$key" stolen | mksnap "$bad" v2 /calico
	h_run "$DSCK" snapshot verify "$bad"
	h_assert_rc 2 "v2 key with $case: verify exit 2"
	h_assert_contains "$H_ERR" "$bad:2: bad key" "the error names the file and line ($case)"
	h_run "$DSCK" snapshot restore "$bad" --endpoints "$T"
	h_assert_rc 2 "v2 key with $case: restore exit 2"
	h_assert_contains "$H_ERR" "refusing to restore" "restore refuses ($case)"
done
h_assert_eq 100 "$(v2get "$T" /other/key)" "nothing was created outside the prefix"
h_assert_eq 100 "$(v2get "$T" /calico)" "nothing was written at all"
h_pass "v2 keys with dot or empty segments, NUL or control bytes: rejected, nothing written"

# Every byte of a v2 key is encoded: the key written is the key read.
odd=$H_TMP/odd.snap
{
	v2dir /calico
	v2dir /calico/v1
	v2dir /calico/v1/host
	v2rec '/calico/v1/host/a b%2F?x=1#y+z&w;..v' odd
	v2rec '/calico/v1/host/n\u00efc\u00e9' utf8
} | mksnap "$odd" v2 /calico
h_run "$DSCK" snapshot restore "$odd" --endpoints "$T"
h_assert_rc 0 "restore keys with URL-special bytes into v2"
h_run "$DSCK" diff "$odd" v2 --endpoints "$T"
h_assert_rc 0 "the v2 store holds exactly the keys of the snapshot"
h_assert_eq odd "$(curl -s "$T/v2/keys/calico/v1/host/a%20b%252F%3Fx%3D1%23y%2Bz%26w%3B..v" | jq -r .node.value)" "the odd key is stored verbatim"
curl -s -XDELETE "$T/v2/keys/calico?recursive=true&dir=true" >/dev/null
h_pass "v2 keys with URL-special bytes round-trip"

# v3 keys may hold any byte, but are never printed raw (no forged plan lines).
forged=$H_TMP/forged.snap
v3rec '/calico/a\nupdate    /calico/forged\u001b[31m' x | mksnap "$forged" v3 /calico
h_run "$DSCK" snapshot restore "$forged" --endpoints "$T" --dry-run
h_assert_rc 0 "dry run of a v3 key with a newline and an escape"
h_assert_eq 2 "$(wc -l <<<"$H_OUT")" "one plan line and the summary, no forged line"
h_assert_contains "$H_OUT" 'create    /calico/a\x0aupdate    /calico/forged\x1b[31m' "the key is shown escaped"
h_run "$DSCK" snapshot restore "$forged" --endpoints "$T"
h_assert_rc 0 "v3 stores the key faithfully"
h_run "$DSCK" diff "$forged" v3 --endpoints "$T"
h_assert_rc 0 "and reads it back equal"
h_etcdctl t del /calico/ --prefix >/dev/null
h_pass "v3 keys with control bytes: stored faithfully, shown escaped"

# --- 2. The prefix comes from the user, never from the file ------------------
curl -s -XPUT "$T/v2/keys/coreos.com/network/config" -d value=keep >/dev/null
h_etcdctl t put /registry/pods/p keep >/dev/null
root=$H_TMP/root.snap
{ v2dir /calico; v2dir /calico/v1; v2rec /calico/v1/Ready true; } | mksnap "$root" v2 /
for api in v2 v3; do
	h_run "$DSCK" snapshot restore "$root" --to $api --endpoints "$T" --prune --yes
	h_assert_rc 0 "a snapshot whose header says '/' restores into $api"
	h_assert_contains "$H_OUT" "plan for $api under /calico:" "the plan is under /calico, not the header's /"
done
h_assert_eq keep "$(v2get "$T" /coreos.com/network/config)" "v2 prune kept /coreos.com"
h_assert_eq keep "$(v3get t /registry/pods/p)" "v3 prune kept /registry"
reg=$H_TMP/reg.snap
v3rec /registry/pods/q x | mksnap "$reg" v3 /registry
h_run "$DSCK" snapshot restore "$reg" --endpoints "$T" --prune --yes
h_assert_rc 2 "a snapshot of another prefix is refused"
h_assert_contains "$H_ERR" "outside the prefix '/calico'" "the refusal names both prefixes"
h_assert_eq "" "$(v3get t /registry/pods/q)" "nothing written"
h_run "$DSCK" snapshot restore "$reg" --endpoints "$T" --prefix /registry --dry-run
h_assert_rc 0 "with the prefix spelled out it is planned"
# A narrower snapshot narrows the restore: prune never reaches beyond the file's prefix.
h_etcdctl t put /calico/v1/host/h1/x keep >/dev/null
narrow=$H_TMP/narrow.snap
v3rec /calico/v1/config/A a | mksnap "$narrow" v3 /calico/v1/config
h_run "$DSCK" snapshot restore "$narrow" --endpoints "$T" --prune --yes
h_assert_rc 0 "restore of a /calico/v1/config snapshot with --prune"
h_assert_eq keep "$(v3get t /calico/v1/host/h1/x)" "keys outside the snapshot's prefix are not pruned"
h_assert_eq true "$(v3get t /calico/v1/Ready)" "nor the keys outside it"
h_pass "prefix: default /calico, narrowed to the file's, a disjoint one refused"

# --- 3. v2 prune deletes only what the plan lists ----------------------------
h_etcd_start p --v2
P=$(h_endpoint p)
h_run "$DSCK_FIXTURE" --endpoint "$P" --hosts 2 --workloads-per-host 2 --seed 4
h_assert_rc 0 "fixture"
base=$H_TMP/base.snap
h_run "$DSCK" snapshot save "$base" --api v2 --endpoints "$P"
h_assert_rc 0 "snapshot"
put2() { curl -s -XPUT "$P/v2/keys$1" -d value="$2" "${@:3}" >/dev/null; }
put2 /calico/v1/host/gone/a x
put2 /calico/felix/v1/host/gone2/status '{"time":"now"}' -d ttl=600
put2 /calico/v1/ipam/gone3/keep x
h_run "$DSCK" snapshot restore "$base" --endpoints "$P" --prune --yes --ignore '/calico/v1/ipam/gone3/*'
h_assert_rc 1 "a pruned directory that still holds unplanned keys fails the run"
h_assert_contains "$H_ERR" "is not empty" "the failure says why"
h_assert_eq '{"time":"now"}' "$(v2get "$P" /calico/felix/v1/host/gone2/status)" "the Felix status key survives"
h_assert_eq x "$(v2get "$P" /calico/v1/ipam/gone3/keep)" "the --ignore'd key survives"
h_assert_eq 100 "$(v2get "$P" /calico/v1/host/gone/a)" "the planned key was deleted"
curl -s -XDELETE "$P/v2/keys/calico/felix/v1/host/gone2?recursive=true&dir=true" >/dev/null
curl -s -XDELETE "$P/v2/keys/calico/v1/ipam/gone3?recursive=true&dir=true" >/dev/null
# A key written after the plan, in a directory the plan deletes.
put2 /calico/v1/host/late/a x
write_late() {
	put2 /calico/v1/host/late/b written-after-the-plan
}
during_pause late write_late snapshot restore "$base" --endpoints "$P" --prune --yes
h_assert_eq 1 "$RC" "a key written after the plan: exit 1"
h_assert_contains "$(<"$H_TMP/late.err")" "/calico/v1/host/late' is not empty" "the failure names the directory"
h_assert_eq written-after-the-plan "$(v2get "$P" /calico/v1/host/late/b)" "the later key survives"
h_assert_eq true "$(v2get "$P" /calico/v1/Ready)" "Ready was put back after the failure"
h_pass "v2 prune: key by key with prevIndex, directories only when empty"

# --- 4. Only verified bytes are applied --------------------------------------
h_etcd_start f --v2
F=$(h_endpoint f)
cp "$base" "$H_TMP/inplace.snap"
change_in_place() {
	# Change one byte of a value in place (same size, same inode).
	off=$(grep -bo '"value":"info"' "$H_TMP/inplace.snap" | head -1 | cut -d: -f1)
	printf 'X' | dd of="$H_TMP/inplace.snap" bs=1 seek=$((off + 9)) conv=notrunc status=none
}
during_pause inplace change_in_place snapshot restore "$H_TMP/inplace.snap" --endpoints "$F"
h_assert_eq 2 "$RC" "a file changed in place after verification: exit 2"
h_assert_contains "$(<"$H_TMP/inplace.err")" "$H_TMP/inplace.snap: the file changed after it was verified" "the error names the file"
h_assert_eq 100 "$(v2get "$F" /calico)" "nothing was written"
cp "$base" "$H_TMP/renamed.snap"
{ v2dir /calico; v2rec /calico/evil x; } | mksnap "$H_TMP/evil.snap" v2 /calico
replace_by_rename() {
	mv "$H_TMP/evil.snap" "$H_TMP/renamed.snap"
}
during_pause renamed replace_by_rename snapshot restore "$H_TMP/renamed.snap" --endpoints "$F"
h_assert_eq 0 "$RC" "a file replaced by rename: the verified one is restored"
h_run "$DSCK" diff "$base" v2 --endpoints "$F"
h_assert_rc 0 "the store equals the verified snapshot"
h_assert_eq 100 "$(v2get "$F" /calico/evil)" "nothing of the replacement was written"
h_pass "restore applies exactly the verified bytes"

# --- 5. migrate verifies against the stores ----------------------------------
h_etcd_start m --v2
M=$(h_endpoint m)
h_run "$DSCK_FIXTURE" --endpoint "$M" --hosts 2 --workloads-per-host 2 --seed 5
write_v2() {
	curl -s -XPUT "$M/v2/keys/calico/v1/config/WrittenDuringMigration" -d value=late >/dev/null
}
during_pause mig write_v2 migrate v2-to-v3 --endpoints "$M"
h_assert_eq 1 "$RC" "a v2 write during the migration: exit 1"
h_assert_contains "$(<"$H_TMP/mig.err")" "verification failed: 1 key differs" "the verification sees it"
h_assert_not_contains "$(<"$H_TMP/mig.out")" "verified:" "it does not say verified"
h_run "$DSCK" diff v2 v3 --endpoints "$M"
h_assert_rc 1 "diff agrees: the stores differ"
h_run "$DSCK" migrate v2-to-v3 --endpoints "$M"
h_assert_rc 0 "a re-run copies the late key and verifies"
h_pass "migrate v2-to-v3 verifies against a fresh v2 read"

# --- 6. The Ready lock is the operator's --------------------------------------
h_etcd_start r --v2
R=$(h_endpoint r)
for api in v2 v3; do
	h_run "$DSCK" snapshot restore "$base" --to $api --endpoints "$R"
	h_assert_rc 0 "fill $api"
done
h_etcdctl r put /calico/v1/Ready false >/dev/null
h_etcdctl r del /calico/v1/config/ClusterType >/dev/null
before=$(rev r)
h_run "$DSCK" snapshot restore "$base" --to v3 --endpoints "$R"
h_assert_rc 1 "Ready=false in the target is a conflict"
h_assert_contains "$H_ERR" "Calico is paused" "and it says so"
h_assert_eq "$before" "$(rev r)" "nothing written"
h_run "$DSCK" snapshot restore "$base" --to v3 --endpoints "$R" --on-conflict skip
h_assert_rc 0 "skip"
h_assert_eq false "$(v3get r /calico/v1/Ready)" "the operator's lock stays"
h_assert_eq "$(v2get "$R" /calico/v1/config/ClusterType)" "$(v3get r /calico/v1/config/ClusterType)" "the missing key was restored"
h_etcdctl r put /calico/v1/Ready true >/dev/null
# What cannot be written is refused before locking.
big=$(head -c 3000 /dev/zero | tr '\0' x)
h_etcdctl r put /calico/v1/config/Big "$big" >/dev/null
h_run "$DSCK" snapshot save "$H_TMP/big.snap" --api v3 --endpoints "$R"
h_etcdctl r del /calico/v1/config/Big >/dev/null
before=$(rev r)
h_run "$DSCK" snapshot restore "$H_TMP/big.snap" --endpoints "$R" --max-request-bytes 2048
h_assert_rc 5 "a value over --max-request-bytes: exit 5"
h_assert_contains "$H_ERR" "/calico/v1/config/Big" "it names the key"
h_assert_eq "$before" "$(rev r)" "refused before Ready was touched"
# A failure after locking puts the previous Ready back (v2; v3 in test_restore).
curl -s -XDELETE "$R/v2/keys/calico/v1/config/ClusterType" >/dev/null
race_cluster_type() {
	curl -s -XPUT "$R/v2/keys/calico/v1/config/ClusterType" -d value=raced >/dev/null
}
during_pause r2 race_cluster_type snapshot restore "$base" --endpoints "$R"
h_assert_eq 1 "$RC" "raced v2 restore: exit 1"
h_assert_contains "$(<"$H_TMP/r2.err")" "put back to its previous value" "the lock was released"
h_assert_eq true "$(v2get "$R" /calico/v1/Ready)" "Ready is true again, not left false"
h_assert_eq raced "$(v2get "$R" /calico/v1/config/ClusterType)" "the concurrent write was kept"
# A signal during the apply stops at the next key and releases the lock.
h_etcd_start s --v2
S=$(h_endpoint s)
h_run "$DSCK_FIXTURE" --endpoint "$S" --hosts 20 --workloads-per-host 20 --seed 6
h_run "$DSCK" snapshot save "$H_TMP/many.snap" --api v2 --endpoints "$S"
curl -s -XDELETE "$S/v2/keys/calico/v1/host?recursive=true&dir=true" >/dev/null
"$DSCK" snapshot restore "$H_TMP/many.snap" --endpoints "$S" -q >/dev/null 2>"$H_TMP/sig.err" &
pid=$!
for _ in $(seq 500); do [[ $(v2get "$S" /calico/v1/Ready) == false ]] && break; sleep 0.01; done
h_assert_eq false "$(v2get "$S" /calico/v1/Ready)" "the restore took the lock"
kill -TERM "$pid"
RC=0; wait "$pid" || RC=$?
h_assert_eq 143 "$RC" "SIGTERM ends the restore"
h_assert_eq true "$(v2get "$S" /calico/v1/Ready)" "Ready was put back before exiting"
h_pass "Ready: an operator's false is a conflict; refused before locking; released on failure and on SIGTERM"

# --- 7. Credentials in endpoint URLs -----------------------------------------
h_etcd_start a --v2
h_v3_auth_enable a
h_v2_auth_enable a
pw=$(<"$H_PASSWORD_FILE")
AEP=$(h_endpoint a)
AURL="http://$H_ROOT_USER:$pw@${AEP#http://}"
h_etcdctl --root a put /calico/v1/Ready true >/dev/null
h_run "$DSCK" config --endpoints "$AURL"
h_assert_not_contains "$H_OUT$H_ERR" "$pw" "config does not show the password"
h_assert_contains "$H_OUT" "user info of the URL" "config says where the user came from"
for api in v2 v3; do
	h_run "$DSCK" snapshot save "$H_TMP/auth-$api.snap" --api $api --endpoints "$AURL"
	h_assert_rc 0 "the URL's credentials authenticate ($api)"
	h_assert_not_contains "$(head -1 "$H_TMP/auth-$api.snap")" "$pw" "the $api snapshot header has no password"
	h_run "$DSCK" get /calico/nope --api $api --endpoints "$AURL" --debug
	h_assert_not_contains "$H_OUT$H_ERR" "$pw" "errors and --debug have no password ($api)"
done
h_pass "credentials in endpoint URLs: used, never shown or saved"

# --- 8. Timeouts ----------------------------------------------------------------
h_free_port
"$MISBEHAVE" blackhole "$H_PORT" --seconds 60 &
h_defer kill $!
DEAD=http://127.0.0.1:$H_PORT
sleep 0.3
for api in v2 v3; do
	start=$(date +%s%N)
	h_run "$DSCK" ls --api $api --endpoints "$DEAD" --dial-timeout 1s --command-timeout 20s
	ms=$((($(date +%s%N) - start) / 1000000))
	h_assert_rc 3 "a dead address over $api: exit 3"
	((ms < 6000)) || h_fail "$api waited $ms ms for a dead address (dial timeout 1 s)"
done
h_assert_contains "$H_ERR" "dial timeout" "the v3 error names the dial timeout"
h_run "$DSCK" ls --api v3 --endpoints "$DEAD,$T" --dial-timeout 1s --command-timeout 20s
h_assert_rc 0 "v3 fails over from a dead member after the dial timeout"
h_pass "--dial-timeout bounds v2 and v3 connects"

# --- 9. snapshot verify is strict; a v2 /calico/v1 holding only Ready --------
for case in outside negative ttl; do
	case $case in
	outside) v2rec /other/x y | mksnap "$bad" v2 /calico ;;
	negative) printf '{"create_revision":-1,"key":"/calico/x","lease":0,"mod_revision":1,"value":"y","version":1}\n' | mksnap "$bad" v3 /calico ;;
	ttl) printf '{"created_index":1,"key":"/calico/x","modified_index":1,"ttl":9223372036854775807,"value":"y"}\n' | mksnap "$bad" v2 /calico ;;
	esac
	h_run "$DSCK" snapshot verify "$bad"
	h_assert_rc 2 "verify rejects a record with $case"
	h_assert_contains "$H_ERR" "$bad:2:" "the error names the line ($case)"
	h_run "$DSCK" snapshot restore "$bad" --endpoints "$T" --include-ephemeral
	h_assert_rc 2 "restore refuses it ($case)"
done
for hp in '/calico\u0000/x' '/calico\u001b[2J' 'calico'; do
	v2rec /calico/x y | mksnap "$bad" v2 "$hp"
	h_run "$DSCK" snapshot verify "$bad"
	h_assert_rc 2 "verify rejects the header prefix $hp"
	h_assert_contains "$H_ERR" "$bad:1: " "the error names the header line"
done
{
	v2dir /calico
	printf '{"created_index":1,"key":"/calico/long","modified_index":1,"value":"'
	head -c $((64 * 1024 * 1024)) /dev/zero | tr '\0' a
	printf '"}\n'
} | mksnap "$bad" v2 /calico
h_run "$DSCK" snapshot verify "$bad"
h_assert_rc 2 "verify rejects a line over the 64 MiB limit"
h_assert_contains "$H_ERR" "line longer than" "and says so"
rm -f "$bad"
h_etcd_start e --v2
ready=$H_TMP/ready.snap
{ v2dir /calico; v2dir /calico/v1; v2rec /calico/v1/Ready true; } | mksnap "$ready" v2 /calico
h_run "$DSCK" snapshot restore "$ready" --endpoints "$(h_endpoint e)"
h_assert_rc 0 "a v2 snapshot whose /calico/v1 holds only Ready restores into an empty store"
h_run "$DSCK" diff "$ready" v2 --endpoints "$(h_endpoint e)"
h_assert_rc 0 "at the first run"
h_pass "verify: outside the prefix, negative revisions, TTLs, header prefixes, long lines; Ready-only directory"
h_done
