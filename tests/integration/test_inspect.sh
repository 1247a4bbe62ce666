#!/usr/bin/env bash
# dsck inspect against real etcd (being written; see issue 5).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
h_done
