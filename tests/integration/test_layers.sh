#!/usr/bin/env bash
# The library's folders are layers (docs/architecture.md): a file may include
# headers from its own folder and from the folders below it, never from one
# above. The generated protobuf headers stay inside the v3 client and the
# gRPC seam. Checked from the #include lines of every file under src/lib.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

: "${SRCDIR:?set SRCDIR}"
lib=$SRCDIR/src/lib
layers=(base net store calico ops check)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done

# Every folder under src/lib must be a known layer.
for d in "$lib"/*/; do
	d=$(basename "$d")
	[[ -n ${rank[$d]:-} ]] || h_fail "src/lib/$d is not a layer named in this test and docs/architecture.md"
done
h_pass "every folder of src/lib is a known layer"

n=0 bad=()
while IFS= read -r file; do
	rel=${file#"$lib"/}
	own=${rel%%/*}
	while IFS= read -r inc; do
		n=$((n + 1))
		layer=${inc%%/*}
		[[ $inc == */* && -n ${rank[$layer]:-} ]] || continue
		if ((rank[$layer] > rank[$own])); then
			bad+=("$rel includes $inc ($own must not depend on $layer)")
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
done < <(find "$lib" -name '*.[ch]' | sort)
((n > 50)) || h_fail "only $n include lines found under $lib"
((${#bad[@]} == 0)) || { printf '# %s\n' "${bad[@]}" >&2; h_fail "${#bad[@]} includes point up the layers"; }
h_pass "$n include lines under src/lib point down or sideways only"

# Protocol types stay inside the v3 client and the gRPC seam.
leaks=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](rpc\.pb-c\.h|protobuf-c/)' \
	"$SRCDIR/src" "$SRCDIR/tools" | sed "s|^$SRCDIR/||" |
	grep -vxE 'src/lib/store/etcd3\.c|src/lib/net/rpc\.[ch]' || true)
[[ -z $leaks ]] || h_fail "protobuf headers included outside the v3 client and the gRPC seam: $leaks"
seam=$(grep -rl '#[[:space:]]*include[[:space:]]*"net/rpc\.h"' "$SRCDIR/src" "$SRCDIR/tests" "$SRCDIR/tools" |
	sed "s|^$SRCDIR/||" | grep -vxE 'src/lib/store/etcd3\.c|src/lib/net/rpc\.c' || true)
[[ -z $seam ]] || h_fail "the gRPC seam (net/rpc.h, which carries protobuf-c) is included by: $seam"
h_pass "protobuf headers only in store/etcd3.c and net/rpc.[ch], and the seam only in those"

# A planted upward include is caught (the check above can fail).
probe=$H_TMP/probe
mkdir -p "$probe/base"
printf '#include "check/check.h"\n' >"$probe/base/x.c"
inc=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$probe/base/x.c")
((rank[${inc%%/*}] > rank[base])) || h_fail "the include parser missed a planted upward include"
h_pass "a planted upward include would be reported"

h_done
