#!/usr/bin/env python3
"""A Kubernetes API server stand-in for dsck's integration tests.

Serves `kubectl get -o json` dumps (fixtures/k8s/README.md names the files)
on the real API paths of a Kubernetes 1.7 cluster, over HTTPS, with the real
API's authentication, list envelope, limit/continue paging and Status errors.

    k8s_api_server.py --root DIR --port N --cert F --key F --ca F \
        --token-file F [--forbidden-token-file F] [--basic-file F] [--page-max N] \
        [--default-scenario NAME]

DIR holds one directory per scenario. The scenario is the first segment of
the request path, as behind a path-routing proxy (Rancher serves clusters at
https://host/k8s/clusters/ID/...), so a kubeconfig's server URL selects it:
https://127.0.0.1:N/migrated + /apis/... Everything after it is a real API path.
Requests without a prefix (as from a pod's KUBERNETES_SERVICE_HOST) get the
--default-scenario.

Authentication, as kube-apiserver does it: `Authorization: Bearer TOKEN`, basic
auth (user:password in --basic-file), or a client certificate signed by --ca.
Anything else gets 401 with a Status body; the token in --forbidden-token-file
authenticates but may read only /version (403 Status elsewhere). Secrets are
read from files, never from the command line, and never logged.

Lists: items are served in the dump's order, at most min(limit, --page-max)
per page, with metadata.continue while more remain. A scenario's optional
_server.json may say {"expire_continue": true}: every continue token is then
answered with 410 Gone (reason Expired). A dump that is not valid JSON, or
whose `items` is not a list, is served as it is (status 200), so clients meet
malformed responses. Unknown paths, and dumps that are missing, get 404.
Each request is logged on stderr as "GET PATH?QUERY -> STATUS (AUTH)".
"""

import argparse
import base64
import json
import os
import re
import socket
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CALICO_TPRS = ("globalconfigs", "globalbgpconfigs", "ippools", "globalbgppeers")
CALICO_CRDS = ("globalfelixconfigs", "globalbgpconfigs", "ippools", "bgppeers",
               "globalnetworkpolicies")

# API path -> (dump file, group/version of the list). Kubernetes 1.7: CRDs and
# RBAC in v1beta1, DaemonSets, Deployments and ReplicaSets in extensions/v1beta1,
# NetworkPolicy in networking.k8s.io/v1; newer paths (apiextensions v1, apps/v1,
# apps/v1beta2) answer 404.
ROUTES = {
    "/api/v1/namespaces": ("namespaces.json", "v1"),
    "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions":
        ("crds.json", "apiextensions.k8s.io/v1beta1"),
    "/apis/extensions/v1beta1/thirdpartyresources": ("tprs.json", "extensions/v1beta1"),
    "/apis/extensions/v1beta1/namespaces/kube-system/daemonsets":
        ("daemonsets.json", "extensions/v1beta1"),
    "/apis/rbac.authorization.k8s.io/v1beta1/clusterroles":
        ("clusterroles.json", "rbac.authorization.k8s.io/v1beta1"),
    "/apis/rbac.authorization.k8s.io/v1beta1/clusterrolebindings":
        ("clusterrolebindings.json", "rbac.authorization.k8s.io/v1beta1"),
    "/apis/networking.k8s.io/v1/networkpolicies":
        ("networkpolicies.json", "networking.k8s.io/v1"),
    "/apis/alpha.projectcalico.org/v1/namespaces/kube-system/systemnetworkpolicies":
        ("tpr-systemnetworkpolicies.json", "alpha.projectcalico.org/v1"),
    "/apis/extensions/v1beta1/namespaces/kube-system/deployments":
        ("deployments.json", "extensions/v1beta1"),
    "/apis/extensions/v1beta1/namespaces/kube-system/replicasets":
        ("replicasets.json", "extensions/v1beta1"),
    "/api/v1/namespaces/kube-system/pods": ("pods.json", "v1"),
    "/api/v1/namespaces/kube-system/configmaps": ("configmaps.json", "v1"),
    "/api/v1/nodes": ("nodes.json", "v1"),
}
for _p in CALICO_TPRS:
    ROUTES["/apis/projectcalico.org/v1/namespaces/kube-system/" + _p] = (
        "tpr-%s.json" % _p, "projectcalico.org/v1")
for _p in CALICO_CRDS:
    ROUTES["/apis/crd.projectcalico.org/v1/" + _p] = ("crd-%s.json" % _p,
                                                      "crd.projectcalico.org/v1")


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return code, json.dumps(body).encode()


def read_secret(path):
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


class Handler(BaseHTTPRequestHandler):
    server_version = "kube-apiserver-stand-in"
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body are two writes: without this, each response waits
        # for the client's delayed ACK (40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):  # the request line is logged by do_GET
        pass

    def auth(self):
        """(who, allowed_everywhere) or None when unauthenticated."""
        cfg = self.server.cfg
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header[7:]
            if token == cfg.token:
                return "token", True
            if cfg.forbidden and token == cfg.forbidden:
                return "forbidden-token", False
            return None
        if header.startswith("Basic ") and cfg.basic:
            try:
                given = base64.b64decode(header[6:]).decode()
            except (ValueError, UnicodeDecodeError):
                return None
            return ("basic", True) if given == cfg.basic else None
        if self.connection.getpeercert():
            return "client-cert", True
        return None

    def respond(self, code, body, who):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        sys.stderr.write("GET %s -> %d (%s)\n" % (self.path, code, who or "anonymous"))
        sys.stderr.flush()

    def do_GET(self):
        url = urlsplit(self.path)
        who = self.auth()
        if who is None:
            code, body = status(401, "Unauthorized", "Unauthorized")
            return self.respond(code, body, None)
        scenario, _, api_path = url.path.lstrip("/").partition("/")
        if scenario in ("api", "apis", "version"):  # no prefix: the default scenario
            scenario, api_path = self.server.cfg.default, url.path.lstrip("/")
        api_path = "/" + api_path.rstrip("/")
        if not who[1] and api_path != "/version":
            code, body = status(403, "Forbidden",
                                'User "system:serviceaccount:default:viewer" cannot list '
                                'path "%s"' % api_path)
            return self.respond(code, body, who[0])
        code, body = self.serve(os.path.join(self.server.cfg.root, scenario), api_path,
                                parse_qs(url.query))
        self.respond(code, body, who[0])

    def serve(self, scen, api_path, query):
        if not re.fullmatch(r"[A-Za-z0-9_-]+", os.path.basename(scen)) or not os.path.isdir(scen):
            return status(404, "NotFound", "the server could not find the requested resource")
        if api_path == "/version":
            return self.serve_file(os.path.join(scen, "version.json"))
        route = ROUTES.get(api_path)
        name = None
        if route is None:
            parent, _, name = api_path.rpartition("/")
            route = ROUTES.get(parent)
        if route is None:
            return status(404, "NotFound", "the server could not find the requested resource")
        return self.serve_list(scen, route, name, query)

    @staticmethod
    def read_fixture(path):
        """The file's bytes, or None when the scenario does not have it."""
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    @staticmethod
    def serve_file(path):
        raw = Handler.read_fixture(path)
        if raw is None:
            return status(404, "NotFound", "the server could not find the requested resource")
        try:
            doc = json.loads(raw)
        except ValueError:
            return 200, raw
        return 200, json.dumps(doc.get("serverVersion", doc)).encode()

    def serve_list(self, scen, route, name, query):
        raw = self.read_fixture(os.path.join(scen, route[0]))
        if raw is None:
            return status(404, "NotFound", "the server could not find the requested resource")
        try:
            items = json.loads(raw)["items"]
        except (ValueError, KeyError, TypeError):
            return 200, raw
        if not isinstance(items, list):
            return 200, raw
        if name is not None:
            for it in items:
                if isinstance(it, dict) and it.get("metadata", {}).get("name") == name:
                    return 200, json.dumps(it).encode()
            return status(404, "NotFound", '"%s" not found' % name,
                          {"name": name})
        return self.page(scen, route, items, query)

    def page(self, scen, route, items, query):
        opts = {}
        if os.path.exists(os.path.join(scen, "_server.json")):
            with open(os.path.join(scen, "_server.json"), encoding="utf-8") as f:
                opts = json.load(f)
        start = 0
        if "continue" in query:
            if opts.get("expire_continue"):
                return status(410, "Expired",
                              "The provided continue parameter is too old to display a "
                              "consistent list result. You can start a new list without "
                              "the continue parameter.")
            try:
                start = json.loads(base64.urlsafe_b64decode(query["continue"][0]))["start"]
            except (ValueError, KeyError, TypeError):
                return status(400, "BadRequest", "continue key is not valid")
        limit = self.server.cfg.page_max
        if "limit" in query and query["limit"][0].isdigit() and int(query["limit"][0]) > 0:
            limit = min(limit, int(query["limit"][0]))
        chunk = items[start:start + limit]
        meta = {"selfLink": "", "resourceVersion": "4242"}
        if start + limit < len(items):
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"start": start + limit, "rv": 4242}).encode()).decode()
        kind = (items[0].get("kind", "") if items and isinstance(items[0], dict) else "")
        body = {"kind": (kind or "Item") + "List", "apiVersion": route[1], "metadata": meta,
                "items": chunk}
        return 200, json.dumps(body).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--forbidden-token-file")
    ap.add_argument("--basic-file")
    ap.add_argument("--page-max", type=int, default=2)
    ap.add_argument("--default-scenario", default="",
                    help="served at the real paths without a scenario prefix")
    args = ap.parse_args()

    cfg = argparse.Namespace(root=os.path.abspath(args.root), page_max=args.page_max,
                             default=args.default_scenario,
                             token=read_secret(args.token_file),
                             forbidden=read_secret(args.forbidden_token_file),
                             basic=read_secret(args.basic_file))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.load_verify_locations(args.ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.cfg = cfg
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    sys.stderr.write("listening on https://127.0.0.1:%d\n" % args.port)
    sys.stderr.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
