#!/usr/bin/env bash
# Install what dsck needs to build and test on Debian 12 (run as root).
# Only packages that are missing are installed. Extra package names given as
# arguments are added (scripts/fuzz.sh asks for clang, valgrind.sh for valgrind).
set -euo pipefail

pkgs=(
	build-essential meson ninja-build pkg-config
	libgrpc-dev libprotobuf-c-dev protobuf-c-compiler
	libcurl4-openssl-dev libjansson-dev libyaml-dev libssl-dev libcmocka-dev zlib1g-dev
	etcd-server etcd-client openssl curl jq iproute2 python3 procps libxml2-utils time
	"$@"
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "dsck: these packages are missing: ${missing[*]}" >&2
		echo "dsck: run this script as root (or: sudo apt-get install ${missing[*]})" >&2
		exit 1
	fi
	echo "dsck: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's etcd-server package starts a system etcd on 2379; tests never use
# that port, but a demo user might be surprised by it, so leave it alone.
