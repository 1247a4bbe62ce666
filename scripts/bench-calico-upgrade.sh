#!/usr/bin/env bash
# Memory and time of `dsck check calico-upgrade` for N workload endpoints
# (default 100,000), from snapshots so that no etcd load dominates the run:
#   1. a v2 snapshot of a Calico v2.6 datastore with N k8s workload endpoints
#      on N/100 hosts (plus config, profiles, pools) is written directly;
#   2. dsck-upgrade-convert writes its conversion as a v3 snapshot;
#   3. `check calico-upgrade --phase before` and `--phase after` run on the
#      two snapshots under /usr/bin/time.
# Prints one table row per run; numbers belong in docs/benchmarks.md.
#   BUILDDIR=build-release scripts/bench-calico-upgrade.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILDDIR:-$root/build}
N=${1:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$N" "$tmp/v2.snap" <<'PY'
import hashlib, json, sys
n, path = int(sys.argv[1]), sys.argv[2]
hosts = max(1, n // 100)
recs = {}
def leaf(k, v): recs[k] = v
leaf("/calico/v1/Ready", "true")
for k, v in {"CalicoVersion": "v2.6.5", "ClusterGUID": "0c7a2740d97222a93bd7b1452c8bea8c",
             "ClusterType": "k8s,bgp", "LogSeverityScreen": "info",
             "ReportingIntervalSecs": "0", "IpInIpEnabled": "true"}.items():
    leaf("/calico/v1/config/" + k, v)
leaf("/calico/v1/ipam/v4/pool/10.0.0.0-8", json.dumps({"cidr": "10.0.0.0/8", "ipip": "tunl0",
     "ipip_mode": "always", "masquerade": True, "ipam": True, "disabled": False}))
for ns in range(10):
    p = "/calico/v1/policy/profile/k8s_ns.ns-%d/" % ns
    leaf(p + "labels", json.dumps({"pcns.name": "ns-%d" % ns}))
    leaf(p + "rules", json.dumps({"inbound_rules": [{"action": "allow"}], "outbound_rules": [{"action": "allow"}]}))
    leaf(p + "tags", "[]")
for h in range(hosts):
    host = "node-%05d" % h
    leaf("/calico/v1/host/%s/metadata" % host, "{}")
    leaf("/calico/v1/host/%s/config/DefaultEndpointToHostAction" % host, "RETURN")
    leaf("/calico/bgp/v1/host/%s/ip_addr_v4" % host, "172.16.%d.%d" % (h // 250, h % 250 + 1))
for i in range(n):
    h, ns = i % hosts, i % 10
    pod = "pod-%06d" % i
    leaf("/calico/v1/host/node-%05d/workload/k8s/ns-%d.%s/endpoint/eth0" % (h, ns, pod), json.dumps({
        "state": "active", "name": "cali%011x" % i, "active_instance_id": "%064x" % i,
        "mac": "ee:ee:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
        "profile_ids": ["k8s_ns.ns-%d" % ns], "ipv4_nets": ["10.%d.%d.%d/32" % (i >> 16 & 255, i >> 8 & 255, i & 255)],
        "ipv6_nets": [], "labels": {"app": "a%d" % (i % 50), "calico/k8s_ns": "ns-%d" % ns}},
        separators=(",", ":")))
h = hashlib.sha256()
with open(path, "w") as f:
    def out(obj):
        line = json.dumps(obj, separators=(",", ":"), sort_keys=True) + "\n"
        h.update(line.encode()); f.write(line)
    out({"api": "v2", "created": "2026-01-01T00:00:00Z", "dsck_snapshot": 1, "ephemeral": "excluded",
         "prefix": "/calico", "source": {"endpoint": "synthetic", "etcd_index": len(recs)}, "tool": "bench"})
    for i, k in enumerate(sorted(recs, key=lambda s: s.encode())):
        out({"created_index": i + 1, "key": k, "modified_index": i + 1, "value": recs[k]})
    f.write(json.dumps({"end": True, "records": len(recs), "sha256": h.hexdigest()},
                       separators=(",", ":")) + "\n")
PY
"$B/tools/dsck-upgrade-convert" "$tmp/v2.snap" "$tmp/v3.snap"
mb() { echo "$(( $(stat -c %s "$1") / 1048576 )) MiB"; }
echo "v2 snapshot $(mb "$tmp/v2.snap"), v3 snapshot $(mb "$tmp/v3.snap"), $N workload endpoints"
for phase in before after; do
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$B/src/dsck" check calico-upgrade --phase "$phase" \
		--v1-snapshot "$tmp/v2.snap" --v3-snapshot "$tmp/v3.snap" -o json >"$tmp/out.json" || true
	read -r wall rss < <(tail -n 1 "$tmp/time")
	printf '| check calico-upgrade --phase %s, %d endpoints | %s s | %d MiB | ok=%s converted=%s |\n' \
		"$phase" "$N" "$wall" $((rss / 1024)) "$(jq .ok "$tmp/out.json")" \
		"$(jq .summary.converted "$tmp/out.json")"
done
