# shellcheck shell=bash
#
# tests/lib/k8sapi.sh - the Kubernetes API test server for integration tests.
# Source after harness.sh. It assembles the fixture scenarios of
# fixtures/k8s (complete ones, or overlays of the directory named in BASE,
# minus the files listed in DELETE), makes the secrets (0600 files, never on
# a command line) and starts tests/k8s_api_server.py over HTTPS with a CA
# made by the harness. The scenario is the first segment of the URL path.
#
#   k8s_setup                    hermetic environment, scenarios, secrets
#   k8s_start_server [ARGS...]   start the server (extra args for it); sets
#                                K8S_API (https://127.0.0.1:PORT), stops at exit
#   k8s_kubeconfig FILE SCENARIO USER-YAML   write a kubeconfig (0600)
#   k8s_kc SCENARIO              print the path of a kubeconfig with the token
#
# Globals: K8S_FIX, K8S_SCN (assembled scenarios), K8S_SECRETS, K8S_TOKEN.

[[ -n ${K8SAPI_LOADED:-} ]] && return 0
K8SAPI_LOADED=1

: "${SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
K8S_FIX=$SRCDIR/fixtures/k8s
K8S_SCN=$H_TMP/scenarios
K8S_SECRETS=$H_TMP/secrets
K8S_SERVER_LOG=$H_TMP/k8s-api.log

k8s__materialize() { # NAME
	local name=$1 out=$K8S_SCN/$1 base f
	[[ ! -d $out ]] || return 0
	mkdir -p "$out"
	if [[ -f $K8S_FIX/$name/BASE ]]; then
		base=$(<"$K8S_FIX/$name/BASE")
		k8s__materialize "$base"
		cp "$K8S_SCN/$base"/* "$out"/
	fi
	cp "$K8S_FIX/$name"/*.json "$out"/
	if [[ -f $K8S_FIX/$name/DELETE ]]; then
		while read -r f; do rm -f "$out/$f"; done <"$K8S_FIX/$name/DELETE"
	fi
}

k8s_setup() {
	local d
	command -v python3 >/dev/null || h_fail "python3 is required for the Kubernetes API test server"
	command -v jq >/dev/null || h_fail "jq is required"
	# Hermetic: no inherited Kubernetes settings, no ~/.kube/config.
	unset KUBECONFIG K8S_API_ENDPOINT K8S_API_TOKEN K8S_CA_FILE KUBERNETES_SERVICE_HOST \
		KUBERNETES_SERVICE_PORT DSCK_CONFIG DSCK_K8S_SA_DIR
	export HOME=$H_TMP/home
	mkdir -p "$HOME"
	for d in "$K8S_FIX"/*/; do k8s__materialize "$(basename "$d")"; done
	(umask 077 && mkdir -p "$K8S_SECRETS" &&
		openssl rand -hex 24 | tr -d '\n' >"$K8S_SECRETS/token" &&
		openssl rand -hex 24 | tr -d '\n' >"$K8S_SECRETS/forbidden-token" &&
		{ printf 'admin:'; openssl rand -hex 12 | tr -d '\n'; } >"$K8S_SECRETS/basic")
	K8S_TOKEN=$(<"$K8S_SECRETS/token")
	[[ -n ${H_CA:-} ]] || h_tls_certs "$H_TMP/tls"
}

k8s__stop_server() {
	kill "$K8S_SERVER_PID" 2>/dev/null || true
	wait "$K8S_SERVER_PID" 2>/dev/null || true
}

k8s_start_server() {
	local attempt
	for attempt in 1 2 3; do
		h_free_port
		python3 "$SRCDIR/tests/k8s_api_server.py" --root "$K8S_SCN" --port "$H_PORT" \
			--cert "$H_SERVER_CERT" --key "$H_SERVER_KEY" --ca "$H_CA" \
			--token-file "$K8S_SECRETS/token" "$@" </dev/null >/dev/null 2>"$K8S_SERVER_LOG" &
		K8S_SERVER_PID=$!
		for _ in $(seq 100); do
			if grep -q '^listening' "$K8S_SERVER_LOG" 2>/dev/null; then
				K8S_API=https://127.0.0.1:$H_PORT
				h_defer k8s__stop_server
				return 0
			fi
			kill -0 "$K8S_SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		k8s__stop_server
	done
	h_fail "the Kubernetes API test server did not start" "$(cat "$K8S_SERVER_LOG")"
}

k8s_kubeconfig() { # FILE SCENARIO USER-YAML
	(umask 077 && cat >"$1" <<-EOF
	apiVersion: v1
	kind: Config
	preferences: {}
	current-context: test
	clusters:
	- name: test-cluster
	  cluster:
	    server: $K8S_API/$2
	    certificate-authority: $H_CA
	contexts:
	- name: other
	  context: {cluster: nowhere, user: nobody}
	- name: test
	  context:
	    cluster: test-cluster
	    user: tester
	    namespace: kube-system
	users:
	- name: tester
	  user:
	$3
	EOF
	)
}

k8s_kc() { # SCENARIO
	local f=$H_TMP/kubeconfig.$1
	[[ -f $f ]] || k8s_kubeconfig "$f" "$1" "    token: $K8S_TOKEN"
	printf '%s\n' "$f"
}
