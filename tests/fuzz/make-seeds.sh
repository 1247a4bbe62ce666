#!/usr/bin/env bash
# Regenerate the libFuzzer seed corpora in fixtures/fuzz/<target>/.
#
# Snapshots and v2 responses are real: a throwaway etcd (tests/lib/harness.sh,
# 127.0.0.1, stopped by PID at exit) is loaded with a small Calico v2.6
# datastore by dsck-fixture, dsck saves snapshots of it and curl captures the
# v2 API's answers. Calico values come from the same generator; the config,
# kubeconfig and v3-resource seeds are written here, the way calicoctl,
# kubeadm and calico-upgrade write them. Seeds are kept small (< 16 KiB) so
# the fuzzer's input size stays small and fast.
#
#   tests/fuzz/make-seeds.sh      (uses build/; DSCK=, DSCK_FIXTURE= override)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DSCK=${DSCK:-$root/build/src/dsck}
FIXTURE=${DSCK_FIXTURE:-$root/build/tools/dsck-fixture}
OUT=$root/fixtures/fuzz
[[ -x $DSCK && -x $FIXTURE ]] || { echo "build first: ninja -C build" >&2; exit 1; }
source "$root/tests/lib/harness.sh"

for t in snapshot snapshot_gz etcd2 jscan calico config kubeconfig keys physnap upgrade num; do
	rm -rf "${OUT:?}/$t"
	mkdir -p "$OUT/$t"
done

# ---------------------------------------------------------------- a real store
h_etcd_start seeds --v2
EP=$(h_endpoint seeds)
export DSCK_ENDPOINTS=$EP
gen=(--hosts 1 --workloads-per-host 1 --seed 7)
"$FIXTURE" --endpoint "$EP" "${gen[@]}" --status-ttl 600 >/dev/null 2>&1
# v3: the leaves as `etcdctl migrate` copies them, one key on a lease, one
# binary key (value_b64 in snapshots), one v3-model resource.
"$FIXTURE" --print "${gen[@]}" --no-felix-status |
	jq -r 'select(.dir | not) | [.key, .value] | @json' |
	while IFS= read -r kv; do
		h_etcdctl seeds put "$(jq -r '.[0]' <<<"$kv")" "$(jq -r '.[1]' <<<"$kv")" >/dev/null
	done
lease=$(h_etcdctl seeds lease grant 600 | awk '{print $2}')
h_etcdctl seeds put --lease="$lease" /calico/felix/v1/host/node-0001/status \
	'{"time":"2018-03-01T10:00:00Z","uptime":812.5,"first_update":false}' >/dev/null
h_etcdctl seeds put /calico/bin/key $'\x01\xff\xfe binary' >/dev/null
h_etcdctl seeds put /calico/resources/v3/projectcalico.org/clusterinformations/default \
	'{"kind":"ClusterInformation","apiVersion":"projectcalico.org/v3","metadata":{"name":"default","uid":"5b8c3a4e-1d2f-11e8-9b8c-525400a1b2c3","creationTimestamp":"2018-03-01T10:00:00Z"},"spec":{"clusterGUID":"0c7a2740d97222a93bd7b1452c8bea8c","clusterType":"k8s,bgp","calicoVersion":"v3.1.0","datastoreReady":true}}' >/dev/null

# ---------------------------------------------------------------- snapshot
s=$OUT/snapshot
"$DSCK" snapshot save "$s/v2-calico.snap" --api v2 --include-ephemeral >/dev/null
"$DSCK" snapshot save "$s/v3-calico.snap" --api v3 --include-ephemeral >/dev/null
"$DSCK" snapshot save "$s/v2-config.snap" --api v2 --prefix /calico/v1/config >/dev/null
"$DSCK" snapshot save "$s/v3-bgp.snap" --api v3 --prefix /calico/bgp >/dev/null
"$DSCK" snapshot save "$s/v2-empty.snap" --api v2 --prefix /nothing/here >/dev/null
chmod 644 "$s"/*.snap
# snapshot_gz: plain seeds (the harness gzips them itself) and one gzip file.
cp "$s/v2-config.snap" "$s/v3-bgp.snap" "$OUT/snapshot_gz/"
gzip -c "$s/v2-config.snap" >"$OUT/snapshot_gz/v2-config.snap.gz"

# ---------------------------------------------------------------- physnap (etcd backend files)
# Real files: `etcdctl snapshot save` of the store above (Calico v1 and v3
# keys, a lease, a binary key), of a small store with history (overwrites, a
# delete, a compaction, a delete after it), and a stopped member's db (no
# trailer). Each is a few 4 KiB pages.
b=$OUT/physnap
h_etcdctl seeds snapshot save "$b/calico.db" >/dev/null 2>&1
h_etcd_start hist
for v in 1 2 3; do h_etcdctl hist put /calico/v1/config/LogSeverityScreen "level-$v" >/dev/null; done
h_etcdctl hist put /calico/v1/Ready true >/dev/null
h_etcdctl hist put /registry/x gone >/dev/null
h_etcdctl hist del /registry/x >/dev/null
h_etcdctl hist compact "$(h_etcdctl hist get /x -w json | jq .header.revision)" >/dev/null
h_etcdctl hist del /calico/v1/Ready >/dev/null
h_etcdctl hist snapshot save "$b/history.db" >/dev/null 2>&1
h_etcd_stop hist
cp "$(h_datadir hist)/member/snap/db" "$b/member.db"
h_etcd_start empty
h_etcdctl empty snapshot save "$b/empty.db" >/dev/null 2>&1
chmod 644 "$b"/*.db

# ---------------------------------------------------------------- etcd2 (v2 response bodies)
e=$OUT/etcd2
get() { curl -sS --max-time 10 "$EP/v2/keys$2" -o "$e/$1.json"; }
get calico-recursive '/calico?recursive=true'
get calico-dir '/calico'
get root '/'
get ready '/calico/v1/Ready'
get felix-ttl '/calico/felix/v1?recursive=true'
get ipam-sorted '/calico/ipam/v2?recursive=true&sorted=true'
get not-found '/calico/v1/nope'
get not-a-dir '/calico/v1/Ready/x'
curl -sS --max-time 10 -X PUT "$EP/v2/keys/calico/v1/config/LogSeverityScreen" \
	--data-urlencode 'value=Debug' -o "$e/set-prev-node.json"
curl -sS --max-time 10 -X PUT "$EP/v2/keys/calico/v1/config/LogSeverityScreen?prevExist=false" \
	--data-urlencode 'value=Info' -o "$e/error-exists.json"
curl -sS --max-time 10 -X PUT "$EP/v2/keys/calico/v1/host/node-0001/config/Caf%C3%A9%22q%22" \
	--data-urlencode $'value=tab\there \xe2\x9c\x93 "quoted" \\ back' -o "$e/set-escapes.json"
curl -sS --max-time 10 -X PUT "$EP/v2/keys/calico/felix/v1/host/node-0001/status?ttl=600" \
	--data-urlencode 'value={"time":"2018-03-01T10:00:00Z","uptime":1}' -o "$e/set-ttl.json"
get escapes-dir '/calico/v1/host/node-0001/config?recursive=true'

# ---------------------------------------------------------------- jscan
j=$OUT/jscan
cp "$e/calico-recursive.json" "$j/v2-listing.json"
cp "$e/set-escapes.json" "$j/v2-escapes.json"
cp "$e/not-found.json" "$j/v2-error.json"
sed -n 1p "$s/v3-calico.snap" >"$j/snapshot-header.json"
grep -m1 value_b64 "$s/v3-calico.snap" >"$j/snapshot-record-b64.json"
grep -m1 expiration "$s/v2-calico.snap" >"$j/snapshot-record-ttl.json"
tail -n1 "$s/v3-calico.snap" >"$j/snapshot-trailer.json"
printf '%s' '["\u00e9\u0000\ud83d\ude00\"\\\/\b\f\n\r\t", "caf\u00e9 \u2713 \ud800\udc00"]' >"$j/escapes.json"
printf '%s' '[0,-0,1,-1,0.5,-1.25e-3,6.02E+23,1e400,9223372036854775807,-9223372036854775808,18446744073709551616]' >"$j/numbers.json"
printf '%s' '{"a":{"b":[[],{},[{"c":null,"d":true,"e":false}]]},"":""}' >"$j/nested.json"
printf ' \t\r\n"top-level string" \n' >"$j/string.json"

# ---------------------------------------------------------------- calico (KEY\nVALUE)
c=$OUT/calico
"$FIXTURE" --print --hosts 2 --workloads-per-host 2 --seed 7 |
	python3 -c '
import json, re, sys
out = sys.argv[1]
# One seed per key pattern (calico.c patterns), first of each.
pats = [
    ("ready", r"/calico/v1/Ready$"), ("config", r"/calico/v1/config/"),
    ("host-metadata", r"/host/[^/]+/metadata$"), ("host-bird-ip", r"/bird_ip$"),
    ("host-orchestrator-refs", r"/orchestrator_refs$"), ("host-config", r"/calico/v1/host/[^/]+/config/"),
    ("workload-endpoint", r"/calico/v1/host/.*/workload/.*/endpoint/"),
    ("host-endpoint", r"/calico/v1/host/[^/]+/endpoint/"),
    ("profile-tags", r"/profile/.*/tags$"), ("profile-rules", r"/profile/.*/rules$"),
    ("profile-labels", r"/profile/.*/labels$"), ("profile-escaped-name", r"/profile/tenant%2f"),
    ("policy", r"/tier/.*/policy/"), ("pool-v4", r"/ipam/v4/pool/"), ("pool-v6", r"/ipam/v6/pool/"),
    ("ipam-config", r"/calico/ipam/v2/config$"), ("ipam-block-v4", r"/assignment/ipv4/block/"),
    ("ipam-block-v6", r"/assignment/ipv6/block/"), ("ipam-affinity", r"/calico/ipam/v2/host/.*/block/"),
    ("ipam-handle", r"/ipam/v2/handle/"), ("bgp-as-num", r"/bgp/v1/global/as_num$"),
    ("bgp-node-mesh", r"/node_mesh$"), ("bgp-loglevel", r"/global/loglevel$"),
    ("bgp-custom-filter", r"/custom_filters/"), ("bgp-global-peer", r"/global/peer_v"),
    ("bgp-host-peer", r"/bgp/v1/host/[^/]+/peer_v"), ("bgp-ip-addr-v4", r"/ip_addr_v4$"),
    ("bgp-ip-addr-v6", r"/ip_addr_v6$"), ("bgp-network-v4", r"/network_v4$"),
    ("bgp-host-as-num", r"/bgp/v1/host/[^/]+/as_num$"),
    ("felix-status", r"/felix/v1/host/[^/]+/status$"),
    ("felix-last-reported", r"/last_reported_status$"),
    ("felix-endpoint-status", r"/felix/v1/host/.*/endpoint/"),
]
seen = set()
for line in sys.stdin:
    item = json.loads(line)
    if item.get("dir"):
        continue
    for name, rx in pats:
        if name not in seen and re.search(rx, item["key"]):
            seen.add(name)
            with open(f"{out}/{name}", "wb") as f:
                f.write((item["key"] + "\n" + item["value"]).encode())
            break
' "$c"
printf 'D/calico/v1/host/node-0001\n' >"$c/directory"
printf '/calico/bgp/v1/global/peer_v6/fd00::1\n{"ip":"fd00::1","as_num":"64512.10"}' >"$c/bgp-global-peer-v6"
printf '/calico/bgp/v1/host/node-0001/network_v6\nfd80:24e2:f998:72d6::/64' >"$c/bgp-network-v6"
printf '%s\n%s' /calico/resources/v3/projectcalico.org/clusterinformations/default \
	"$(h_etcdctl seeds get --print-value-only /calico/resources/v3/projectcalico.org/clusterinformations/default)" \
	>"$c/v3-clusterinformation"
printf '%s\n%s' /calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool \
	'{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"default-ipv4-ippool","creationTimestamp":null},"spec":{"cidr":"192.168.0.0/16","ipipMode":"Always","natOutgoing":true}}' \
	>"$c/v3-ippool"
printf '%s\n%s' /calico/resources/v3/projectcalico.org/networkpolicies/payments/knp.default.allow-frontend \
	'{"kind":"NetworkPolicy","apiVersion":"projectcalico.org/v3","metadata":{"name":"knp.default.allow-frontend","namespace":"payments"},"spec":{"order":1000,"selector":"projectcalico.org/orchestrator == '"'"'k8s'"'"'","types":["Ingress"],"ingress":[{"action":"Allow","source":{"selector":"role == '"'"'frontend'"'"'"}}]}}' \
	>"$c/v3-networkpolicy-namespaced"
printf '/calico/ipam/v2/config\n{"strict_affinity":false,"auto_allocate_blocks":true}' >"$c/ipam-config"
printf '%s\n%s' /calico/felix/v1/host/node-0001/workload/k8s/payments%2fapi-0/endpoint/eth0 \
	'{"status":"up"}' >"$c/felix-endpoint-status"
printf '/somewhere/else\nanything' >"$c/unknown"

# ---------------------------------------------------------------- upgrade (KEY\tVALUE lines)
u=$OUT/upgrade
tsv() { jq -r 'if .dir then .key else "\(.key)\t\(.value)" end'; }
"$FIXTURE" --print --all-dirs --hosts 1 --workloads-per-host 2 --seed 7 --upgradable --no-felix-status |
	tsv >"$u/fixture-upgradable"
"$FIXTURE" --print --hosts 1 --workloads-per-host 1 --seed 3 --no-felix-status | tsv >"$u/fixture-mesos-slash"
tsv <"$root/fixtures/calico-upgrade/v1/objects.jsonl" >"$u/hand-made"
printf '%s\t%s\n' \
	/calico/v1/config/FailsafeInboundHostPorts 'tcp:22, udp:68, 179' \
	/calico/v1/config/RouteRefreshInterval 1.5 \
	/calico/v1/config/KubeNodePortRanges 30000:32767 \
	/calico/v1/host/Node_1/config/IpInIpTunnelAddr 192.168.1.0 \
	/calico/bgp/v1/host/Node_1/ip_addr_v6 fd00::1 \
	/calico/bgp/v1/host/Node_1/network_v6 fd00::/64 \
	/calico/bgp/v1/host/Node_1/peer_v6/2006::2:1 '{"ip":"2006::2:1","as_num":"64512.10"}' \
	/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-31 '{"cidr":"10.0.0.0/31","hostAffinity":"Node_1","allocations":[0,null],"unallocated":[1],"attributes":[{"handle_id":"h","secondary":null}]}' \
	/calico/ipam/v2/host/old/ipv4/block/10.0.0.2-31 '' \
	/calico/v1/policy/tier/default/policy/pre '{"selector":"","pre_dnat":true,"inbound_rules":[{"action":"next-tier","!src_net":"10.1.2.3/8","icmp_type":8,"!icmp_code":0}],"outbound_rules":[]}' \
	>"$u/edge-cases"
printf '/calico/v1/host/NODE_1\n/calico/v1/host/node-1\n' >"$u/node-clash-dirs"

# ---------------------------------------------------------------- config (calicoctl)
g=$OUT/config
# Credentials written into the endpoint URLs (taken out of them by dsck).
cat >"$g/calicoctl-url-credentials.yaml" <<'YAML'
apiVersion: v1
kind: calicoApiConfig
metadata:
spec:
  etcdEndpoints: "http://root:s%40cret@10.0.0.1:2379,https://u@10.0.0.2:2379/p?q=a@b"
YAML
cat >"$g/calicoctl-v2.yaml" <<'YAML'
apiVersion: v1
kind: calicoApiConfig
metadata:
spec:
  datastoreType: "etcdv2"
  etcdEndpoints: "https://10.0.0.1:2379,https://10.0.0.2:2379"
  etcdKeyFile: "/etc/calico/key.pem"
  etcdCertFile: "/etc/calico/cert.pem"
  etcdCACertFile: "/etc/calico/ca.pem"
YAML
cat >"$g/calicoctl-v3.yaml" <<'YAML'
# calicoctl 3.x
apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
metadata:
  name: default
spec:
  datastoreType: etcdv3
  etcdEndpoints: http://127.0.0.1:2379
  etcdUsername: calico
  etcdPassword: 's3cr:et'
YAML
cat >"$g/calicoctl-k8s.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
spec:
  datastoreType: kubernetes
  kubeconfig: /root/.kube/config
  k8sAPIEndpoint: https://10.96.0.1:443
  k8sAPIToken: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
  k8sCAFile: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
YAML
printf '{"apiVersion": "v1", "kind": "calicoApiConfig", "spec": {"etcdEndpoints": "http://[::1]:2379", "etcdUsername": "root:pw"}}\n' \
	>"$g/calicoctl-flow.yaml"
printf -- '---\nkind: calicoApiConfig\nspec: &s\n  etcdEndpoints: http://a:2379\nother: *s\n...\n' \
	>"$g/anchors.yaml"

# ---------------------------------------------------------------- kubeconfig
k=$OUT/kubeconfig
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=kubernetes -keyout "$H_TMP/ca.key" -out "$H_TMP/ca.crt" 2>/dev/null
ca=$(base64 -w0 <"$H_TMP/ca.crt")
key=$(base64 -w0 <"$H_TMP/ca.key")
cat >"$k/kubeadm-admin.conf" <<YAML
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $ca
    server: https://10.0.0.10:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: $ca
    client-key-data: $key
YAML
cat >"$k/token-files.yaml" <<'YAML'
apiVersion: v1
kind: Config
current-context: ops
contexts:
- name: dev
  context: {cluster: dev, user: dev}
- name: ops
  context:
    cluster: prod
    user: robot
    namespace: kube-system
clusters:
- name: prod
  cluster:
    server: https://api.prod.example:6443/
    certificate-authority: certs/ca.crt
- name: dev
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: robot
  user:
    tokenFile: ../tokens/robot
- name: dev
  user:
    token: eyJhbGciOiJSUzI1NiJ9.e30.c2ln
YAML
cat >"$k/cert-files-basic.yaml" <<'YAML'
apiVersion: v1
kind: Config
current-context: old
contexts:
- name: old
  context:
    cluster: c1
    user: u1
clusters:
- name: c1
  cluster:
    server: https://[fd00::10]:6443
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    client-certificate: /etc/kubernetes/pki/admin.crt
    client-key: admin.key
    username: admin
    password: hunter2
YAML
cat >"$k/exec-plugin.yaml" <<'YAML'
apiVersion: v1
kind: Config
current-context: eks
contexts:
- name: eks
  context: {cluster: eks, user: aws}
clusters:
- name: eks
  cluster: {server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com"}
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
YAML

# ---------------------------------------------------------------- key rules
# Snapshots whose one key breaks a rule restore relies on (each is rejected
# at its line; the fuzzer mutates them towards the edges), and raw keys.
rule_snap() { # NAME API PREFIX RECORD
	local f=$s/rule-$1.snap sha
	{
		printf '{"api":"%s","created":"2026-01-01T00:00:00Z","dsck_snapshot":1,"ephemeral":"excluded","prefix":"%s","source":{"endpoint":"seed","etcd_index":1,"revision":1},"tool":"seed"}\n' "$2" "$3"
		printf '%s\n' "$4"
	} >"$f"
	sha=$(sha256sum <"$f" | cut -d' ' -f1)
	printf '{"end":true,"records":1,"sha256":"%s"}\n' "$sha" >>"$f"
}
v2r='"created_index":1,"modified_index":1,"value":"x"'
rule_snap dotdot v2 /calico "{$v2r,\"key\":\"/calico/../other/key\"}"
rule_snap empty-seg v2 /calico "{$v2r,\"key\":\"/calico//x\"}"
rule_snap nul v2 /calico "{$v2r,\"key_b64\":\"L2NhbGljby9hAGI=\"}"
rule_snap ctrl v2 /calico "{$v2r,\"key\":\"/calico/\\u001b[2J\"}"
rule_snap outside v2 /calico "{$v2r,\"key\":\"/calicox/y\"}"
rule_snap ttl v2 /calico "{$v2r,\"key\":\"/calico/t\",\"ttl\":9223372036854775807}"
rule_snap negative v3 /calico '{"create_revision":-1,"key":"/calico/x","lease":0,"mod_revision":1,"value":"y","version":1}'
rule_snap v3-newline v3 /calico '{"create_revision":1,"key":"/calico/a\nupdate /b","lease":0,"mod_revision":1,"value":"y","version":1}'
chmod 644 "$s"/rule-*.snap
k=$OUT/keys
printf '/calico/v1/host/node-0001/workload/k8s/default.pod/endpoint/eth0' >"$k/calico-key"
printf '/calico/../other/key' >"$k/dotdot"
printf '/calico//x/./y/' >"$k/segments"
printf '/calico/a\0b\n\x1b[2J\x7f\\' >"$k/control"
printf '/calico/\xc3\xa9\xff\xe2\x82' >"$k/utf8"
printf '/' >"$k/root"
n=$OUT/num
printf '1000' >"$n/page-size"
printf '2147483648' >"$n/max-response-bytes"
printf '18446744073709551615' >"$n/max-u64"
printf '18446744073709551616' >"$n/overflow"
printf -- '-1' >"$n/negative"
printf '12x' >"$n/trailing"
printf '' >"$n/empty"

h_etcd_stop seeds
for t in snapshot snapshot_gz etcd2 jscan calico config kubeconfig keys physnap upgrade num; do
	printf '%-11s %3d seeds, %6d bytes, largest %d\n' "$t" "$(find "$OUT/$t" -type f | wc -l)" \
		"$(cat "$OUT/$t"/* | wc -c)" "$(wc -c "$OUT/$t"/* | sort -n | tail -2 | head -1 | awk '{print $1}')"
done
