#!/usr/bin/env bash
# Physical etcd backups as a source (docs/physical-snapshots.md): real files
# from `etcdctl snapshot save` of a single member and of a 3-member cluster
# with auth (deletes, overwrites, a lease and a compaction before the save), a
# copy of a stopped member's member/snap/db; ls/diff of the file equal the
# live store at that revision; damaged files exit 2 and write nothing; partial
# restore of /calico; the v2 trap offline and online.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}" "${DSCK_FIXTURE:?set DSCK_FIXTURE}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

rev() { h_etcdctl "$@" get /x -w json | jq .header.revision; }
# A file's records as JSON, to compare with the live store's.
records() { jq -c '.records' <<<"$1"; }

# ---------------------------------------------------------------- one member
# Calico data in v3 (as dsck migrate writes it), then history on top of it.
h_etcd_start one --v2
ONE=$(h_endpoint one)
h_run "$DSCK_FIXTURE" --endpoint "$ONE" --hosts 12 --workloads-per-host 6 --seed 4 --no-felix-status
h_assert_rc 0 "load the v2 fixture"
h_run "$DSCK" migrate v2-to-v3 --endpoints "$ONE"
h_assert_rc 0 "copy it into v3"
h_etcdctl one put /registry/pods/a 'pod a' >/dev/null
h_etcdctl one put /calico/v1/config/LogSeverityScreen 'info' >/dev/null
h_etcdctl one put /calico/v1/config/LogSeverityScreen 'debug' >/dev/null   # overwrite
h_etcdctl one put /calico/v1/config/Gone 'x' >/dev/null
compact_at=$(rev one)
h_etcdctl one compact "$compact_at" >/dev/null
h_etcdctl one del /calico/v1/config/Gone >/dev/null                       # delete after it
h_etcdctl one del /calico/v1/host/node-0003 --prefix >/dev/null
lease=$(h_etcdctl one lease grant 3600 | awk '{print $2}')
h_etcdctl one put --lease="$lease" /registry/leases/x 'leased' >/dev/null
h_etcdctl one put /calico/v1/config/LogSeverityScreen 'warning' >/dev/null
one_rev=$(rev one)
ONE_DB=$H_TMP/one.db
h_run h_etcdctl one snapshot save "$ONE_DB"
h_assert_rc 0 "etcdctl snapshot save"
((($(stat -c %s "$ONE_DB") % 512) == 32)) || h_fail "an etcdctl snapshot has a 32-byte trailer"

h_run "$DSCK" snapshot verify "$ONE_DB" -o json
h_assert_rc 0 "verify the etcdctl snapshot"
h_assert_eq "true sha256-verified $one_rev $compact_at" \
	"$(jq -r '[.ok, .trailer, .revision, .compact_revision] | join(" ")' <<<"$H_OUT")" \
	"verify: trailer, revision and compaction as the live store has them"
h_assert_eq 0 "$(jq '[.findings[] | select(.code == "v2-data-not-in-etcd-snapshot")] | length' <<<"$H_OUT")" \
	"verify: Calico data present, no v2 trap"
[[ $(jq '.counts.kinds.workload_endpoint' <<<"$H_OUT") -gt 0 ]] || h_fail "verify counts Calico kinds"
h_run "$DSCK" snapshot verify "$ONE_DB"
h_assert_contains "$H_OUT" "SHA-256 trailer verified" "table: the trailer is named"
h_pass "snapshot verify of an etcdctl snapshot save file"

h_run "$DSCK" ls / "$ONE_DB" -o json
h_assert_rc 0 "ls / FILE"
file_ls=$H_OUT
h_run "$DSCK" ls / --api v3 --endpoints "$ONE" -o json
live_ls=$H_OUT
h_assert_eq "$(jq .revision <<<"$live_ls")" "$(jq .revision <<<"$file_ls")" "ls: same revision"
h_assert_eq "$(records "$live_ls")" "$(records "$file_ls")" \
	"ls of the file equals the live store (values, revisions, versions, leases)"
h_assert_not_contains "$(records "$file_ls")" "/calico/v1/config/Gone" "a deleted key is gone"
h_assert_contains "$(records "$file_ls")" '"value":"warning"' "the last write of an overwritten key"
h_run "$DSCK" get /registry/leases/x "$ONE_DB" -o json
h_assert_eq "$(h_etcdctl one get /registry/leases/x -w json | jq '.kvs[0].lease')" \
	"$(jq '.records[0].lease' <<<"$H_OUT")" "get KEY FILE: the lease id"
h_run "$DSCK" get /calico/v1/config/Gone "$ONE_DB"
h_assert_rc 1 "get of a deleted key: not found"
h_run "$DSCK" diff "$ONE_DB" v3 --prefix / --endpoints "$ONE"
h_assert_rc 0 "diff FILE v3 over the whole keyspace: equal"
h_run "$DSCK" diff "$ONE_DB" v3 --endpoints "$ONE" -o json
h_assert_rc 0 "diff FILE v3 (default /calico): equal"
[[ $(jq .summary.same <<<"$H_OUT") -gt 100 ]] || h_fail "diff compared the Calico keys"
h_run "$DSCK" inspect "$ONE_DB" -o json
h_assert_rc 0 "inspect FILE"
h_assert_eq "$(jq .keys <<<"$H_OUT")" "$(jq .summary.same <<<"$("$DSCK" diff "$ONE_DB" v3 --endpoints "$ONE" -o json)")" \
	"inspect counts the file's Calico keys"
h_pass "ls/get/diff/inspect of the file equal the live store at revision $one_rev"

# Convert to the logical format; the copy verifies and equals both.
h_run "$DSCK" snapshot save "$H_TMP/one.snap" "$ONE_DB" --prefix /
h_assert_rc 0 "snapshot save OUT FROM"
h_assert_contains "$H_OUT" "revision $one_rev" "the header keeps the file's revision"
h_run "$DSCK" snapshot verify "$H_TMP/one.snap"
h_assert_rc 0 "the converted snapshot verifies"
h_run "$DSCK" diff "$H_TMP/one.snap" "$ONE_DB"
h_assert_rc 0 "converted snapshot equals the file"
h_run "$DSCK" snapshot save "$H_TMP/x.snap" "$ONE_DB" --api v3
h_assert_rc 2 "--api with a FROM file is a usage error"
h_pass "snapshot save converts a physical file"

# Diff is not blind: a later write shows up.
h_etcdctl one put /calico/v1/config/LogSeverityScreen 'error' >/dev/null
h_run "$DSCK" diff "$ONE_DB" v3 --endpoints "$ONE" -o json
h_assert_rc 1 "diff after a live write: different"
h_assert_eq '["/calico/v1/config/LogSeverityScreen"]' "$(jq -c '[.changed[].key]' <<<"$H_OUT")" \
	"diff names the changed key"

# A stopped member's member/snap/db: no trailer, said so, same content.
h_etcd_stop one
cp "$(h_datadir one)/member/snap/db" "$H_TMP/member.db"
h_run "$DSCK" snapshot verify "$H_TMP/member.db" -o json
h_assert_rc 0 "verify a copied member/snap/db"
h_assert_eq none "$(jq -r .trailer <<<"$H_OUT")" "no trailer: said so"
h_run "$DSCK" snapshot verify "$H_TMP/member.db"
h_assert_contains "$H_OUT" "member/snap/db" "table: says what a file without trailer is"
h_run "$DSCK" ls / "$H_TMP/member.db" -o json
h_assert_eq "$(jq -c '[.records[] | select(.key != "/calico/v1/config/LogSeverityScreen")]' <<<"$file_ls")" \
	"$(jq -c '[.records[] | select(.key != "/calico/v1/config/LogSeverityScreen")]' <<<"$H_OUT")" \
	"member db: the same keys as the snapshot"
h_assert_eq '"error"' "$(jq '.records[] | select(.key == "/calico/v1/config/LogSeverityScreen") | .value' <<<"$H_OUT")" \
	"member db: the write after the snapshot is there"
h_pass "a copied member/snap/db reads without a trailer"

# ---------------------------------------------------------------- damage
# Every damaged file: exit 2 naming the place; nothing written anywhere.
h_etcd_start dst
DST=$(h_endpoint dst)
dst_rev=$(rev dst)
damaged() { # NAME EXPECTED-TEXT
	local f=$H_TMP/$1.db
	h_run "$DSCK" snapshot verify "$f"
	h_assert_rc 2 "$1: verify exits 2"
	h_assert_contains "$H_ERR" "$2" "$1: the message names the place"
	h_run "$DSCK" snapshot save "$H_TMP/$1.snap" "$f"
	h_assert_rc 2 "$1: save exits 2"
	[[ ! -e $H_TMP/$1.snap && ! -e $H_TMP/$1.snap.tmp ]] || h_fail "$1: a snapshot was written"
	h_run "$DSCK" snapshot restore "$f" --to v3 --endpoints "$DST"
	h_assert_rc 2 "$1: restore exits 2"
	h_assert_eq "$dst_rev" "$(rev dst)" "$1: nothing written to etcd"
	h_run "$DSCK" diff "$f" v3 --endpoints "$DST"
	h_assert_rc 2 "$1: diff exits 2"
	h_pass "damaged file ($1) rejected"
}
# Byte surgery with the page layout of docs/physical-snapshots.md.
poke() { # FILE OFFSET HEXBYTE
	printf "$(printf '\\x%s' "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
byte() { od -An -tx1 -j "$2" -N1 "$1" | tr -d ' '; }
flip() { poke "$1" "$2" "$(printf '%02x' $((0x$(byte "$1" "$2") ^ 0xff)))"; }
# Places in the `key` bucket, found from the newer meta page's root bucket:
#   key_place root FILE    its root page, when that is a branch page
#   key_place first FILE   the file offset of the '_' in its first revision key
key_place() {
	python3 - "$@" <<'PY'
import struct, sys
what, path = sys.argv[1:3]
d = open(path, 'rb').read()
ps = struct.unpack_from('<I', d, 24)[0]
meta = max(struct.unpack_from('<Q', d, i * ps + 16 + 48) + struct.unpack_from('<Q', d, i * ps + 32)
           for i in (0, 1))
def elems(page):
    o = page * ps
    flags, count = struct.unpack_from('<HH', d, o + 8)
    return flags, [(o + 16 + 16 * i,) + struct.unpack_from('<IIII', d, o + 16 + 16 * i)
                   for i in range(count)]
flags, es = elems(meta[1])
for e, _, pos, ks, _ in es:
    if d[e + pos:e + pos + ks] == b'key':
        page = struct.unpack_from('<Q', d, e + pos + ks)[0]
        break
else:
    sys.exit(1)
if what == 'root':
    sys.exit(print(page) if elems(page)[0] == 1 else 1)
while True:
    flags, es = elems(page)
    e, a, b, c, _ = es[0]
    if flags == 2:
        print(e + b + 8)          # leaf: flags, pos, ksize, vsize
        break
    page = struct.unpack_from('<Q', d, e + 8)[0]   # branch: pos, ksize, pgid
PY
}
head -c 12288 "$ONE_DB" >"$H_TMP/truncated.db"
damaged truncated "truncated"
head -c $(($(stat -c %s "$ONE_DB") - 1000)) "$ONE_DB" >"$H_TMP/cut.db"
damaged cut "truncated"
cp "$ONE_DB" "$H_TMP/meta.db" && flip "$H_TMP/meta.db" $((16 + 20))
damaged meta "meta page 0"
bp=$(key_place root "$ONE_DB") || h_fail "the key bucket of the fixture's file has a branch root"
# Element 0's child page id: the high byte sends it out of range.
cp "$ONE_DB" "$H_TMP/branch.db" && flip "$H_TMP/branch.db" $((bp * 4096 + 16 + 15))
damaged branch "page $bp"
# A page cycle: element 0 of the branch page points back at the page itself.
cp "$ONE_DB" "$H_TMP/cycle.db"
for i in 0 1 2 3 4 5 6 7; do
	poke "$H_TMP/cycle.db" $((bp * 4096 + 16 + 8 + i)) "$(printf '%02x' $(((bp >> (8 * i)) & 255)))"
done
damaged cycle "reached twice"
# A value: the bytes of a value that only this key has.
off=$(grep -obUa 'pod a' "$ONE_DB" | head -1 | cut -d: -f1)
cp "$ONE_DB" "$H_TMP/value.db" && flip "$H_TMP/value.db" $((off + 2))
damaged value "SHA-256 trailer"
cp "$ONE_DB" "$H_TMP/trailer.db" && flip "$H_TMP/trailer.db" $(($(stat -c %s "$ONE_DB") - 1))
damaged trailer "SHA-256 trailer"
# Without a trailer, a broken record still fails: a revision key's '_'.
cp "$H_TMP/member.db" "$H_TMP/revkey.db"
off=$(key_place first "$H_TMP/revkey.db") || h_fail "a revision key in the member db"
h_assert_eq 5f "$(byte "$H_TMP/revkey.db" "$off")" "the first revision key's '_'"
poke "$H_TMP/revkey.db" "$off" 2d
damaged revkey "revision key is not"

# ---------------------------------------------------------------- partial restore
h_run "$DSCK" snapshot restore "$ONE_DB" --to v3 --prefix /calico --endpoints "$DST"
h_assert_rc 0 "restore /calico from the file into an empty v3 store"
h_run "$DSCK" diff "$ONE_DB" v3 --endpoints "$DST"
h_assert_rc 0 "the store's /calico equals the file's"
h_assert_eq "" "$(h_etcdctl dst get /registry --prefix --keys-only)" "nothing outside /calico restored"
h_run "$DSCK" snapshot restore "$ONE_DB" --to v3 --endpoints "$DST" -o json
h_assert_eq 0 "$(jq '.summary.create + .summary.update' <<<"$H_OUT")" "re-run: nothing to do"
h_pass "partial restore into an empty store"

h_etcd_start other
h_etcdctl other put /registry/pods/a 'another pod' >/dev/null
h_etcdctl other put /calicoctl/x 'keep' >/dev/null
h_run "$DSCK" snapshot restore "$ONE_DB" --to v3 --prefix /calico --endpoints "$(h_endpoint other)"
h_assert_rc 0 "restore /calico into a store with other data"
h_run "$DSCK" diff "$ONE_DB" v3 --endpoints "$(h_endpoint other)"
h_assert_rc 0 "its /calico equals the file's"
h_assert_eq "another pod" "$(h_etcdctl other get /registry/pods/a --print-value-only)" "other data left alone"
h_assert_eq "keep" "$(h_etcdctl other get /calicoctl/x --print-value-only)" "a neighbour of the prefix left alone"
h_pass "partial restore into a store with other data"

# ---------------------------------------------------------------- 3 members, auth
h_cluster_start c 3
h_v3_auth_enable c-1
auth=(--user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE")
for i in 1 2 3 4 5 6; do
	h_etcdctl --root c put "/calico/resources/v3/projectcalico.org/profiles/p$i" "{\"n\":$i}" >/dev/null
done
h_etcdctl --root c put /calico/resources/v3/projectcalico.org/profiles/p2 '{"n":22}' >/dev/null
h_etcdctl --root c del /calico/resources/v3/projectcalico.org/profiles/p3 >/dev/null
h_etcdctl --root c compact "$(h_etcdctl --root c get /x -w json | jq .header.revision)" >/dev/null
h_etcdctl --root c del /calico/resources/v3/projectcalico.org/profiles/p4 >/dev/null
h_run h_etcdctl --root c-2 snapshot save "$H_TMP/c.db"
h_assert_rc 0 "etcdctl snapshot save from a follower, with auth"
h_run "$DSCK" snapshot verify "$H_TMP/c.db" -o json
h_assert_eq "true true" "$(jq -r '[.ok, .auth_enabled] | join(" ")' <<<"$H_OUT")" "verify: auth is on in the file"
h_run "$DSCK" ls /calico/ "$H_TMP/c.db" -o json
file_ls=$H_OUT
h_run "$DSCK" ls /calico/ --api v3 --endpoints "$(h_endpoint c-3)" "${auth[@]}" -o json
h_assert_rc 0 "live ls with auth"
h_assert_eq "$(jq -c . <<<"$H_OUT")" "$(jq -c . <<<"$file_ls")" "cluster: ls of the file equals the live store"
h_assert_eq "p1 p2 p5 p6" "$(jq -r '[.records[].key | split("/") | last] | join(" ")' <<<"$file_ls")" \
	"cluster: deletes before and after the compaction are gone"
h_run "$DSCK" diff "$H_TMP/c.db" v3 --endpoints "$(h_endpoints c)" "${auth[@]}"
h_assert_rc 0 "cluster: diff FILE v3 equal"
h_pass "3-member cluster with auth: the file equals the live store"

# ---------------------------------------------------------------- the v2 trap
h_etcd_start v2m --v2
V2M=$(h_endpoint v2m)
h_run "$DSCK_FIXTURE" --endpoint "$V2M" --hosts 2 --workloads-per-host 2 --seed 3
h_assert_rc 0 "Calico v2.x data in the v2 store"
h_run h_etcdctl v2m snapshot save "$H_TMP/v2m.db"
h_assert_rc 0 "the usual backup"
h_run "$DSCK" inspect "$H_TMP/v2m.db" -o json
h_assert_eq '["v2-data-not-in-etcd-snapshot"]' "$(jq -c '[.findings[].code]' <<<"$H_OUT")" \
	"inspect names the trap"
h_assert_contains "$(jq -r '.findings[0].detail' <<<"$H_OUT")" "dsck snapshot save FILE --api v2" \
	"inspect names the command that backs v2 up"
h_run "$DSCK" snapshot verify "$H_TMP/v2m.db"
h_assert_rc 0 "verify: the file itself is fine"
h_assert_contains "$H_OUT" "v2-data-not-in-etcd-snapshot" "verify names the trap"
h_run "$DSCK" preflight --endpoints "$V2M" -o json
h_assert_contains "$H_OUT" '"code":"v2-data-not-in-etcd-snapshot"' "preflight names the trap"
h_run "$DSCK" check pre-migrate --endpoints "$V2M"
h_assert_contains "$H_OUT" "v2-data-not-in-etcd-snapshot" "check pre-migrate names the trap"
h_assert_contains "$H_OUT" "etcdctl snapshot save does not" "pre-migrate says what is missed"
h_run "$DSCK" status --endpoints "$V2M"
h_assert_contains "$H_OUT" "dsck snapshot save FILE --api v2" "status names the command"
h_run "$DSCK" status --endpoints "$DST" -o json
h_assert_eq 0 "$(jq '.findings | length' <<<"$H_OUT")" "status: no trap without v2 data"
h_pass "the v2 trap, offline and online"

h_done
