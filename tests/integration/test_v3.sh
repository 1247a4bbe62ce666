#!/usr/bin/env bash
# The etcd v3 client over real gRPC: listings equal `etcdctl get -w json` at
# several page sizes, big values and non-UTF-8 keys, a > 4 MiB scan,
# compaction during a paginated scan, a 3-member cluster with a member down,
# TLS with client certificates, v3 auth, and `dsck status`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${DSCK:?set DSCK to the dsck binary}"
unset ETCDCTL_ENDPOINTS ETCD_ENDPOINTS DSCK_ENDPOINTS ETCDCTL_USER ETCD_USERNAME ETCD_PASSWORD

# Normalise both tools' JSON to one line per key: key64 value64 create mod version lease.
norm_dsck() {
	jq -r '.records[] | [(.key_b64 // (.key | @base64)), (.value_b64 // (.value | @base64)),
		.create_revision, .mod_revision, .version, .lease] | @tsv'
}
norm_etcdctl() {
	jq -r '(.kvs // [])[] | [.key, (.value // ""), .create_revision, .mod_revision, .version,
		(.lease // 0)] | @tsv'
}

h_etcd_start one --v2
EP=$(h_endpoint one)
h_etcdctl one put /calico/v1/Ready true >/dev/null
h_etcdctl one put /calico/v1/config/Multi $'line1\nline2' >/dev/null
h_etcdctl one put $'/calico/bin\xff\xfekey' $'\x01\x02 binary \xff' >/dev/null
h_etcdctl one put '/calico/ünicode ☃' 'snow' >/dev/null
h_etcdctl one put /calico/empty '' >/dev/null
for i in $(seq -w 1 40); do h_etcdctl one put "/calico/v1/host/node$i/bird_ip" "10.0.0.$i" >/dev/null; done
head -c 1000000 /dev/zero | tr '\0' 'x' >"$H_TMP/1mb"
h_etcdctl one put /calico/zz/big <"$H_TMP/1mb" >/dev/null
h_etcdctl one put /calicoX/not-in-prefix y >/dev/null
h_etcdctl one put /other z >/dev/null

h_run h_etcdctl one get /calico/ --prefix -w json
want=$(norm_etcdctl <<<"$H_OUT")
for page in 1 7 1000; do
	h_run "$DSCK" ls /calico/ --api v3 --endpoints "$EP" --page-size "$page" -o json
	h_assert_rc 0 "ls v3 page size $page"
	h_assert_eq "$want" "$(norm_dsck <<<"$H_OUT")" "page size $page equals etcdctl get --prefix -w json"
done
h_assert_eq 46 "$(jq '.records | length' <<<"$H_OUT")" "record count"
h_assert_eq true "$(jq '[.records[] | select(has("key_b64"))] | length == 1' <<<"$H_OUT")" "non-UTF-8 key as key_b64"
h_assert_eq 1000000 "$(jq -r '.records[] | select(.key == "/calico/zz/big") | .value | length' <<<"$H_OUT")" "1 MB value"
h_assert_eq "$(jq .revision <<<"$H_OUT")" "$(h_etcdctl one get /x -w json | jq .header.revision)" "revision of the scan"
h_pass "v3 listing equals etcdctl at page sizes 1, 7, 1000"

h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$EP" -o json
h_assert_eq true "$(jq -r '.records[0].value' <<<"$H_OUT")" "get v3"
h_run "$DSCK" get /calico/v1 --api v3 --endpoints "$EP"
h_assert_rc 1 "get of a prefix that is not a key exits 1"
h_assert_contains "$H_ERR" "not found" "missing v3 key message"
h_pass "get v3"

# More than 4 MiB in one page (gRPC's default receive limit) and in total.
for i in 1 2 3 4 5 6; do h_etcdctl one put "/big/$i" <"$H_TMP/1mb" >/dev/null; done
h_run "$DSCK" ls /big/ --api v3 --endpoints "$EP" --page-size 1000 -o json
h_assert_rc 0 "6 MB page"
h_assert_eq 6 "$(jq '.records | length' <<<"$H_OUT")" "all big values"
h_pass "scan of more than 4 MiB"

# Compaction while a paginated scan is paused: the next page must fail cleanly.
for i in $(seq -w 1 300); do h_etcdctl one put "/scan/key$i" "$(head -c 900 "$H_TMP/1mb")" >/dev/null; done
mkfifo "$H_TMP/fifo"
"$DSCK" ls /scan/ --api v3 --endpoints "$EP" --page-size 1 -o json >"$H_TMP/fifo" 2>"$H_TMP/scan.err" &
scan_pid=$!
exec 3<"$H_TMP/fifo"
head -c 10 <&3 >/dev/null     # the scan has started and is now blocked on the pipe
sleep 1
rev=$(h_etcdctl one put /scan/late x -w json | jq .header.revision)
h_etcdctl one compact "$rev" >/dev/null
cat <&3 >/dev/null
exec 3<&-
rc=0; wait "$scan_pid" || rc=$?
h_assert_eq 5 "$rc" "compaction during the scan: exit 5"
h_assert_contains "$(<"$H_TMP/scan.err")" "compacted" "message says the revision was compacted"
h_assert_contains "$(<"$H_TMP/scan.err")" "run the command again" "message says what to do"
h_pass "compaction during a paginated scan"

# Bounded windows (docs/v3-scans.md): the listing must not depend on where
# the windows fall. Dense runs, sparse gaps, keys that are prefixes of each
# other, bytes 0x01 and 0xff around every split, 1 MiB values and empty
# stretches of the keyspace, loaded through a generated snapshot.
python3 - "$H_TMP/win.snap" <<'PY'
import base64, hashlib, json, sys
keys = set()
for i in range(1500):
    keys.add(b"/win/dense/%06d" % i)
for i in range(0, 4000, 97):
    keys.add(b"/win/sparse/%08d" % (i * 7919))
for a in (1, 2, 0x7f, 0x80, 0xfe, 0xff):
    for b in (1, 0x41, 0xff):
        keys.add(b"/win/bytes/" + bytes([a, b]))
        keys.add(b"/win/bytes/" + bytes([a, b]) + b"\xff" * 9)
        keys.add(b"/win/bytes/" + bytes([a]))
for n in range(1, 12):
    keys.add(b"/win/nest/" + b"k/" * n)
    keys.add(b"/win/nest/" + b"k/" * n + b"\xff")
keys.update({b"/win/big/%d" % i for i in range(3)})
lines = [json.dumps({"api": "v3", "dsck_snapshot": 1, "prefix": "/win", "source": {}},
                    sort_keys=True, separators=(",", ":"))]
for k in sorted(keys):
    v = b"x" * 1000000 if k.startswith(b"/win/big/") else b"v-" + k[-4:]
    rec = {"create_revision": 1, "mod_revision": 1, "version": 1, "lease": 0}
    try:
        rec["key"] = k.decode("utf-8")
    except UnicodeDecodeError:
        rec["key_b64"] = base64.b64encode(k).decode()
    try:
        rec["value"] = v.decode("utf-8")
    except UnicodeDecodeError:
        rec["value_b64"] = base64.b64encode(v).decode()
    lines.append(json.dumps(rec, sort_keys=True, separators=(",", ":")))
body = "".join(l + "\n" for l in lines).encode()
with open(sys.argv[1], "wb") as f:
    f.write(body)
    f.write(b'{"end":true,"records":%d,"sha256":"%s"}\n' % (len(lines) - 1, hashlib.sha256(body).hexdigest().encode()))
PY
h_run "$DSCK" snapshot restore "$H_TMP/win.snap" --to v3 --prefix /win --endpoints "$EP" -q
h_assert_rc 0 "window data loaded"
h_run h_etcdctl one get /win/ --prefix -w json
want=$(norm_etcdctl <<<"$H_OUT")
nkeys=$(wc -l <<<"$want")
((nkeys >= 1609)) || h_fail "only $nkeys window keys loaded"
for page in 2 3 5 16 64 1000; do
	h_run "$DSCK" ls /win/ --api v3 --endpoints "$EP" --page-size "$page" -o json --debug
	h_assert_rc 0 "ls v3 windows, page size $page"
	h_assert_eq "$want" "$(norm_dsck <<<"$H_OUT")" "page size $page over windows equals etcdctl"
	ranges=$(grep -c 'KV/Range' <<<"$H_ERR" || true)
	# Each reply is traced with the keys etcd walked for it (docs/v3-scans.md).
	h_assert_eq "$ranges" "$(grep -c 'range reply: [0-9]* keys, count [0-9]*' <<<"$H_ERR" || true)" \
		"page size $page: every Range reply traced with its count"
	# Windows cost extra requests only where the keyspace is empty.
	((ranges <= 2 * nkeys / page + 20)) || h_fail "page size $page took $ranges Range calls for $nkeys keys"
done
h_run "$DSCK" snapshot save "$H_TMP/win2.snap" --api v3 --prefix /win --endpoints "$EP" -q
h_assert_rc 0 "snapshot over windows"
h_run "$DSCK" diff "$H_TMP/win.snap" "$H_TMP/win2.snap"
h_assert_rc 0 "snapshot taken over windows equals the data loaded"
h_pass "bounded windows: listing equals etcdctl at page sizes 2..1000, snapshot equals the source"

# Decimal carries (docs/v3-scans.md): node-09990 is followed by node-10000.
# Windows measure digits as digits and run on into the next number, so etcd
# walks each key about twice in all (once for the first reply's count),
# not the rest of the prefix at every carry.
python3 - "$H_TMP/carry.snap" <<'PY'
import hashlib, json, sys
keys = sorted("/carry/host/node-%05d/workload/k8s/pod-%05d/endpoint/%s" % (n, n // 10, e)
              for n in range(0, 30000, 10) for e in ("eth0", "eth1", "eth2"))
lines = [json.dumps({"api": "v3", "dsck_snapshot": 1, "prefix": "/carry", "source": {}},
                    sort_keys=True, separators=(",", ":"))]
for k in keys:
    lines.append(json.dumps({"create_revision": 1, "mod_revision": 1, "version": 1, "lease": 0,
                             "key": k, "value": "v" * 100}, sort_keys=True, separators=(",", ":")))
body = "".join(l + "\n" for l in lines).encode()
with open(sys.argv[1], "wb") as f:
    f.write(body)
    f.write(b'{"end":true,"records":%d,"sha256":"%s"}\n' % (len(keys), hashlib.sha256(body).hexdigest().encode()))
PY
h_run "$DSCK" snapshot restore "$H_TMP/carry.snap" --to v3 --prefix /carry --endpoints "$EP" -q
h_assert_rc 0 "carry data loaded"
want=$(h_etcdctl one get /carry/ --prefix -w json | norm_etcdctl)
nkeys=$(wc -l <<<"$want")
h_assert_eq 9000 "$nkeys" "9,000 keys across decimal carries"
for page in 16 100 1000; do
	h_run "$DSCK" ls /carry/ --api v3 --endpoints "$EP" --page-size "$page" -o json --debug
	h_assert_rc 0 "ls across carries, page size $page"
	h_assert_eq "$want" "$(norm_dsck <<<"$H_OUT")" "page size $page across carries equals etcdctl"
	ranges=$(grep -c 'range reply' <<<"$H_ERR" || true)
	walked=$(grep -o 'range reply: [0-9]* keys, count [0-9]*' <<<"$H_ERR" | awk '{ s += $NF } END { print s + 0 }')
	((ranges <= 13 * nkeys / (10 * page) + 20)) ||
		h_fail "page size $page: $ranges Range calls for $nkeys keys across carries"
	((walked <= 22 * nkeys / 10)) ||
		h_fail "page size $page: etcd walked $walked index entries for $nkeys keys across carries"
done
h_pass "decimal carries: etcd walks each key about twice, requests stay within 1.3 x the pages"

# status of a single member with v2.
h_run "$DSCK" status --endpoints "$EP" -o json
h_assert_rc 0 "status"
h_assert_eq true "$(jq '.endpoints[0].reachable and .endpoints[0].is_leader and .endpoints[0].v2_enabled' <<<"$H_OUT")" "status flags"
h_assert_eq 3.4.23 "$(jq -r '.endpoints[0].etcd_version' <<<"$H_OUT")" "etcd version"
h_assert_eq "$(h_etcdctl one member list | cut -d, -f1)" \
	"$(jq -r '.endpoints[0].member_id' <<<"$H_OUT")" "member id as etcdctl reports it (hex)"
h_assert_eq 46 "$(jq '.calico.v3_keys' <<<"$H_OUT")" "v3 /calico/ key count"
h_assert_eq 0 "$(jq '.calico.v2_keys' <<<"$H_OUT")" "v2 /calico key count (none)"
h_assert_eq true "$(jq -r '.calico.ready' <<<"$H_OUT")" "Ready read from v3"
h_pass "status"

# A 3-member cluster with one member stopped.
h_cluster_start c 3 --v2
CEPS=$(h_endpoints c)
h_etcdctl c put /calico/v1/Ready true >/dev/null
h_etcd_stop c-1
h_run "$DSCK" ls /calico/ --api v3 --endpoints "$CEPS" -o json
h_assert_rc 0 "failover past the stopped member"
h_assert_eq 1 "$(jq '.records | length' <<<"$H_OUT")" "cluster read"
h_run "$DSCK" status --endpoints "$CEPS" -o json
h_assert_rc 3 "status with a stopped member: exit 3"
h_assert_eq 3 "$(jq '.endpoints | length' <<<"$H_OUT")" "every member reported"
h_assert_eq "false true true" "$(jq -r '[.endpoints[].reachable] | map(tostring) | join(" ")' <<<"$H_OUT")" "stopped member unreachable"
h_assert_eq 1 "$(jq '[.endpoints[] | select(.is_leader)] | length' <<<"$H_OUT")" "one leader among the live members"
h_assert_eq 1 "$(jq '[.endpoints[].cluster_id | select(.)] | unique | length' <<<"$H_OUT")" "one cluster id"
h_run "$DSCK" status --endpoints "$CEPS"
h_assert_contains "$H_OUT" "$(h_endpoint c-1)" "table names the stopped member"
h_pass "3-member cluster with one member stopped"

# TLS with client certificates.
h_etcd_start tls --tls
TEP=$(h_endpoint tls)
h_etcdctl tls put /calico/v1/Ready true >/dev/null
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$TEP" --cacert "$H_CA" --cert "$H_CERT" --key "$H_KEY" -o json
h_assert_rc 0 "v3 over TLS with client cert"
h_assert_eq true "$(jq -r '.records[0].value' <<<"$H_OUT")" "TLS read"
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$TEP" --cacert "$H_CA"
h_assert_rc 4 "v3 TLS without client cert: exit 4"
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$TEP" --cacert /nonexistent.pem
h_assert_rc 4 "unreadable CA file: exit 4"
h_assert_contains "$H_ERR" "/nonexistent.pem" "message names the CA file"
h_pass "v3 TLS"

# v3 auth.
h_etcd_start auth
AEP=$(h_endpoint auth)
h_etcdctl auth put /calico/v1/Ready true >/dev/null
h_v3_auth_enable auth
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$AEP"
h_assert_rc 4 "no user with auth enabled: exit 4"
h_assert_contains "$H_ERR" "--user" "message says what to give"
printf 'wrong-pass-77\n' >"$H_TMP/wrong.pw"
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$AEP" --user root --password-file "$H_TMP/wrong.pw"
h_assert_rc 4 "wrong password: exit 4"
h_assert_contains "$H_ERR" "authentication failed" "wrong password message"
h_assert_not_contains "$H_OUT$H_ERR" "wrong-pass-77" "wrong password never printed"
h_run "$DSCK" get /calico/v1/Ready --api v3 --endpoints "$AEP" --user "$H_ROOT_USER" --password-file "$H_PASSWORD_FILE" --debug -o json
h_assert_rc 0 "right password"
h_assert_eq true "$(jq -r '.records[0].value' <<<"$H_OUT")" "authenticated read"
h_assert_not_contains "$H_OUT$H_ERR" "$(<"$H_PASSWORD_FILE")" "password never printed"
h_pass "v3 auth"
h_done
