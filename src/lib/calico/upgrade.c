/*
 * upgrade: the v1 -> v3 conversion of calico-upgrade (docs/calico-upgrade.md
 * lists the rules this file follows and where they come from).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/utf8.h"
#include "calico/calico.h"
#include "calico/upgrade.h"

#define V3_PREFIX "/calico/resources/v3/projectcalico.org/"
#define DETAIL_MAX 512


/* ---------------------------------------------------------------- names */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool upgrade_normalize_name(const char *in, char *out, size_t cap)
{
	size_t n = 0, len = strlen(in), start, end;
	_cleanup_free_ char *tmp = malloc(len + 1);

	if (!tmp)
		return false;
	/* Lower-case, '/' -> '.', runs of other characters -> one '-'. */
	for (size_t i = 0; i < len;) {
		char c = (char)tolower((unsigned char)in[i]);

		if (c == '/')
			c = '.';
		if (name_char(c)) {
			tmp[n++] = c;
			i++;
			continue;
		}
		tmp[n++] = '-';
		while (i < len) {
			char d = (char)tolower((unsigned char)in[i]);

			if (d == '/' || name_char(d))
				break;
			i++;
		}
	}
	/* A run of '.' and '-' holding at least one '.' becomes one '.'. */
	size_t m = 0;

	for (size_t i = 0; i < n;) {
		if (tmp[i] != '.' && tmp[i] != '-') {
			tmp[m++] = tmp[i++];
			continue;
		}
		size_t j = i;
		bool dot = false;

		while (j < n && (tmp[j] == '.' || tmp[j] == '-'))
			dot |= tmp[j++] == '.';
		if (dot) {
			tmp[m++] = '.';
		} else {
			memmove(tmp + m, tmp + i, j - i);
			m += j - i;
		}
		i = j;
	}
	start = 0;
	end = m;
	while (start < end && (tmp[start] == '.' || tmp[start] == '-'))
		start++;
	while (end > start && (tmp[end - 1] == '.' || tmp[end - 1] == '-'))
		end--;
	if (end - start + 1 > cap)
		return false;
	memcpy(out, tmp + start, end - start);
	out[end - start] = '\0';
	return true;
}

/* @name is the rule's result for @orig; add the SHA-1 qualifier when they differ. */
static bool qualify(const char *orig, char *name, size_t cap)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	size_t n = strlen(name);

	if (strcmp(orig, name) == 0)
		return true;
	if (n + 10 > cap)
		return false;
	SHA1((const unsigned char *)orig, strlen(orig), md);
	snprintf(name + n, cap - n, "-%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
	return true;
}

bool upgrade_convert_name(const char *in, char *out, size_t cap)
{
	return upgrade_normalize_name(in, out, cap) && qualify(in, out, cap);
}

bool upgrade_convert_name_no_dots(const char *in, char *out, size_t cap)
{
	if (!upgrade_normalize_name(in, out, cap))
		return false;
	for (char *p = out; *p; p++)
		if (*p == '.')
			*p = '-';
	return qualify(in, out, cap);
}

bool upgrade_profile_name(const char *in, char *out, size_t cap)
{
	char kns[UPGRADE_NAME_MAX];

	if (strncmp(in, "k8s_ns.", 7) != 0)
		return upgrade_convert_name(in, out, cap);
	if (snprintf(kns, sizeof(kns), "kns.%s", in + 7) >= (int)sizeof(kns))
		return false;
	return upgrade_convert_name(kns, out, cap);
}

bool upgrade_ip_name(const char *ip, char *out, size_t cap)
{
	unsigned char a[16];
	size_t n = 0;

	if (inet_pton(AF_INET, ip, a) == 1) {
		return snprintf(out, cap, "%u-%u-%u-%u", a[0], a[1], a[2], a[3]) < (int)cap;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || cap < 40)
		return false;
	for (int i = 0; i < 16; i += 2)
		n += (size_t)snprintf(out + n, cap - n, "%s%02x%02x", i ? "-" : "", a[i], a[i + 1]);
	return true;
}

/* Go's text of a masked network. */
static bool cidr_text(const char *cidr, char *out, size_t cap)
{
	struct calico_cidr c;
	char ip[INET6_ADDRSTRLEN];

	if (!calico_cidr_parse(cidr, &c) ||
	    !inet_ntop(c.family == 6 ? AF_INET6 : AF_INET, c.addr, ip, sizeof(ip)))
		return false;
	return snprintf(out, cap, "%s/%u", ip, c.bits) < (int)cap;
}

bool upgrade_pool_name(const char *cidr, char *out, size_t cap)
{
	if (!cidr_text(cidr, out, cap))
		return false;
	for (char *p = out; *p; p++)
		if (*p == '.' || *p == ':' || *p == '/')
			*p = '-';
	return true;
}

static bool append_segment(char *out, size_t cap, size_t *n, const char *seg)
{
	if (*n && *n + 1 < cap)
		out[(*n)++] = '-';
	for (const char *p = seg; *p; p++) {
		size_t need = *p == '-' ? 2 : 1;

		if (*n + need >= cap)
			return false;
		out[(*n)++] = *p;
		if (*p == '-')
			out[(*n)++] = '-';
	}
	out[*n] = '\0';
	return *n + 1 < cap;
}

bool upgrade_wep_name(const char *node, const char *orchestrator, const char *workload,
		      const char *endpoint, char *out, size_t cap)
{
	size_t n = 0;

	if (cap)
		out[0] = '\0';
	return cap && append_segment(out, cap, &n, node) &&
	       append_segment(out, cap, &n, orchestrator) &&
	       append_segment(out, cap, &n, workload) && append_segment(out, cap, &n, endpoint);
}

char *upgrade_selector(const char *sel)
{
	static const char from[] = "calico/k8s_ns", to[] = "projectcalico.org/namespace";
	size_t hits = 0, len = strlen(sel);
	char *out, *o;

	for (const char *p = strstr(sel, from); p; p = strstr(p + 1, from))
		hits++;
	out = malloc(len + hits * (sizeof(to) - sizeof(from)) + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = sel; *p;) {
		if (strncmp(p, from, sizeof(from) - 1) == 0) {
			memcpy(o, to, sizeof(to) - 1);
			o += sizeof(to) - 1;
			p += sizeof(from) - 1;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* ---------------------------------------------------------------- emitting */

static enum dsck_err nomem(struct dsck_error *err)
{
	return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory converting v1 data");
}

static enum dsck_err _printf_(5, 6) note(struct upgrade *u, enum upgrade_note_kind kind,
					 const char *v1_key, struct dsck_error *err,
					 const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;

	if (!u->sink.note)
		return DSCK_OK;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return u->sink.note(u->sink.ctx, kind, v1_key, detail, err);
}

static json_t *resource_new(const char *kind, const char *name, const char *ns)
{
	json_t *doc = json_pack("{s:s,s:s,s:{s:s},s:{}}", "kind", kind, "apiVersion",
				"projectcalico.org/v3", "metadata", "name", name, "spec");

	if (doc && ns)
		json_object_set_new(json_object_get(doc, "metadata"), "namespace", json_string(ns));
	return doc;
}

static json_t *spec_of(json_t *doc)
{
	return json_object_get(doc, "spec");
}

/* A DNS subdomain, as v3 validation wants resource names and namespaces. */
static bool valid_v3_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
		bool edge = i == 0 || i == n - 1 || s[i - 1] == '.' || s[i + 1] == '.';

		if (!alnum && (edge || (s[i] != '-' && s[i] != '.')))
			return false;
	}
	return true;
}

/* Hand a finished v3 resource to the sink; takes the reference to @doc. */
static enum dsck_err emit_resource(struct upgrade *u, const char *v1_key, const char *plural,
				   json_t *doc, struct dsck_error *err)
{
	json_t *meta = json_object_get(doc, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	char key[UPGRADE_NAME_MAX + 128];
	struct upgrade_object o = { v1_key, key, json_string_value(json_object_get(doc, "kind")),
				    false, false, doc };
	enum dsck_err rc = DSCK_OK;

	if (!doc || !name)
		return nomem(err);
	if (!valid_v3_name(name) || (ns && !valid_v3_name(ns))) {
		rc = note(u, UPGRADE_NOTE_ERROR, v1_key, err,
			  "v3 %s name '%s%s%s' is not a valid resource name: calico-upgrade's "
			  "validation refuses it", o.kind, ns ? ns : "", ns ? "/" : "", name);
		json_decref(doc);
		return rc;
	}
	snprintf(key, sizeof(key), V3_PREFIX "%s/%s%s%s", plural, ns ? ns : "", ns ? "/" : "",
		 name);
	if (u->sink.object)
		rc = u->sink.object(u->sink.ctx, &o, err);
	json_decref(doc);
	return rc;
}

static enum dsck_err emit_ipam(struct upgrade *u, const char *v1_key, const char *v3_key,
			       const char *kind, bool presence_only, json_t *doc,
			       struct dsck_error *err)
{
	struct upgrade_object o = { v1_key, v3_key, kind, true, presence_only, doc };
	enum dsck_err rc = DSCK_OK;

	if (!doc)
		return nomem(err);
	if (u->sink.object)
		rc = u->sink.object(u->sink.ctx, &o, err);
	json_decref(doc);
	return rc;
}

/* ---------------------------------------------------------------- small converters */

static const char *str_of(json_t *o, const char *field)
{
	return json_string_value(json_object_get(o, field));
}

static void set_str(json_t *o, const char *field, const char *value)
{
	if (value && *value)
		json_object_set_new(o, field, json_string(value));
}

/* A JSON list of CIDRs -> masked texts appended to @out; false (with @why) on a bad one. */
static bool nets_append(json_t *out, json_t *list, char *why, size_t cap)
{
	size_t i;
	json_t *it;

	json_array_foreach(list, i, it) {
		char text[64];

		if (!json_is_string(it) || !cidr_text(json_string_value(it), text, sizeof(text))) {
			snprintf(why, cap, "invalid CIDR %s",
				 json_is_string(it) ? json_string_value(it) : "(not a string)");
			return false;
		}
		json_array_append_new(out, json_string(text));
	}
	return true;
}

static const char *const protocols[][2] = {
	{ "tcp", "TCP" }, { "udp", "UDP" }, { "icmp", "ICMP" }, { "icmpv6", "ICMPv6" },
	{ "sctp", "SCTP" }, { "udplite", "UDPLite" },
};

static json_t *protocol_v3(json_t *p)
{
	if (json_is_string(p)) {
		for (size_t i = 0; i < ARRAY_SIZE(protocols); i++)
			if (strcasecmp(json_string_value(p), protocols[i][0]) == 0)
				return json_string(protocols[i][1]);
	}
	return json_deep_copy(p);
}

static const char *action_v3(const char *a)
{
	static const char *const actions[] = { "Allow", "Deny", "Log", "Pass" };

	if (!a || !*a)
		return "Allow";
	if (strcmp(a, "next-tier") == 0)
		return "Pass";
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (strcasecmp(a, actions[i]) == 0)
			return actions[i];
	return a;
}

/* "(sel) && tag == ''" as calico-upgrade merges a rule's tag into its selector. */
static json_t *merge_tag(const char *sel, const char *tag)
{
	char *text;
	json_t *j;

	if (!tag || !*tag)
		return sel && *sel ? json_string(sel) : NULL;
	if (sel && *sel) {
		if (asprintf(&text, "(%s) && %s == ''", sel, tag) < 0)
			return NULL;
	} else if (asprintf(&text, "%s == ''", tag) < 0) {
		return NULL;
	}
	j = json_string(text);
	free(text);
	return j;
}

/* v1 "<neg><pfx>net" and "<neg><pfx>nets" both feed one v3 list, the single one first. */
static bool rule_nets(json_t *rule, const char *neg, const char *pfx, json_t *out, char *why,
		      size_t cap)
{
	char f[32], g[32];
	json_t *one, *list;
	bool ok;

	snprintf(f, sizeof(f), "%s%snet", neg, pfx);
	snprintf(g, sizeof(g), "%s%snets", neg, pfx);
	if ((one = json_object_get(rule, f))) {
		list = json_pack("[O]", one);
		ok = nets_append(out, list, why, cap);
		json_decref(list);
		if (!ok)
			return false;
	}
	return nets_append(out, json_object_get(rule, g), why, cap);
}

/* One side of a rule: @pfx is "src_" or "dst_". */
static bool entity_v3(json_t *rule, const char *pfx, json_t **out, char *why, size_t cap)
{
	json_t *e = json_object(), *nets = json_array(), *notnets = json_array();
	char f[32], g[32];

	*out = e;
	if (!rule_nets(rule, "", pfx, nets, why, cap) || !rule_nets(rule, "!", pfx, notnets, why, cap))
		goto bad;
	json_object_set_new(e, "nets", nets);
	json_object_set_new(e, "notNets", notnets);
	nets = notnets = NULL;
	/* Rule selectors keep calico/k8s_ns in released calico-upgrade (docs/calico-upgrade.md). */
	snprintf(f, sizeof(f), "%sselector", pfx);
	snprintf(g, sizeof(g), "%stag", pfx);
	json_t *sel = merge_tag(str_of(rule, f), str_of(rule, g));

	if (sel)
		json_object_set_new(e, "selector", sel);
	snprintf(f, sizeof(f), "!%sselector", pfx);
	snprintf(g, sizeof(g), "!%stag", pfx);
	sel = merge_tag(str_of(rule, f), str_of(rule, g));
	if (sel)
		json_object_set_new(e, "notSelector", sel);
	snprintf(f, sizeof(f), "%sports", pfx);
	if (json_object_get(rule, f))
		json_object_set(e, "ports", json_object_get(rule, f));
	snprintf(f, sizeof(f), "!%sports", pfx);
	if (json_object_get(rule, f))
		json_object_set(e, "notPorts", json_object_get(rule, f));
	return true;
bad:
	json_decref(nets);
	json_decref(notnets);
	json_decref(e);
	*out = NULL;
	return false;
}

static json_t *icmp_v3(json_t *rule, const char *type, const char *code)
{
	json_t *t = json_object_get(rule, type), *c = json_object_get(rule, code), *o;

	if (!t && !c)
		return NULL;
	o = json_object();
	if (t)
		json_object_set(o, "type", t);
	if (c)
		json_object_set(o, "code", c);
	return o;
}

/* True when a selector inside @rules still names the v1 namespace label. */
static bool rules_use_v1_namespace(json_t *rules)
{
	static const char *const fields[] = { "src_selector", "dst_selector", "!src_selector",
					      "!dst_selector" };
	json_t *rule;
	size_t i;

	json_array_foreach(rules, i, rule)
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
			const char *s = str_of(rule, fields[f]);

			if (s && strstr(s, "calico/k8s_ns"))
				return true;
		}
	return false;
}

/* The rule selectors calico-upgrade leaves on a label v3 endpoints no longer carry. */
static enum dsck_err note_rule_namespace(struct upgrade *u, const char *v1_key, json_t *in,
					 json_t *out, struct dsck_error *err)
{
	if (!rules_use_v1_namespace(in) && !rules_use_v1_namespace(out))
		return DSCK_OK;
	return note(u, UPGRADE_NOTE_SEMANTICS, v1_key, err,
		    "a rule selector names calico/k8s_ns: calico-upgrade v1.0.x keeps it, but v3 "
		    "endpoints carry projectcalico.org/namespace instead, so the rule matches no "
		    "endpoint after the upgrade; rewrite the selector (in v1 before, or in v3 after)");
}

/* v1 rules -> v3 rules; NULL with @why on a conversion error. */
static json_t *rules_v3(json_t *rules, char *why, size_t cap)
{
	json_t *out = json_array(), *rule;
	size_t i;

	json_array_foreach(rules, i, rule) {
		json_t *r = json_object(), *src = NULL, *dst = NULL, *x;

		json_array_append_new(out, r);
		json_object_set_new(r, "action", json_string(action_v3(str_of(rule, "action"))));
		if ((x = json_object_get(rule, "ip_version")))
			json_object_set(r, "ipVersion", x);
		if ((x = json_object_get(rule, "protocol")))
			json_object_set_new(r, "protocol", protocol_v3(x));
		if ((x = json_object_get(rule, "!protocol")))
			json_object_set_new(r, "notProtocol", protocol_v3(x));
		if ((x = icmp_v3(rule, "icmp_type", "icmp_code")))
			json_object_set_new(r, "icmp", x);
		if ((x = icmp_v3(rule, "!icmp_type", "!icmp_code")))
			json_object_set_new(r, "notICMP", x);
		if (!entity_v3(rule, "src_", &src, why, cap) ||
		    !entity_v3(rule, "dst_", &dst, why, cap)) {
			json_decref(src);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(r, "source", src);
		json_object_set_new(r, "destination", dst);
	}
	return out;
}

/* ---------------------------------------------------------------- per-key converters */

static enum dsck_err conv_policy(struct upgrade *u, const char *v1_key, const struct calico_key *k,
				 json_t *v, struct dsck_error *err)
{
	char name[UPGRADE_NAME_MAX], full[UPGRADE_NAME_MAX + 16], why[DETAIL_MAX] = "";
	json_t *doc, *spec, *types = json_object_get(v, "types"), *in, *eg, *t;
	bool untracked = json_is_true(json_object_get(v, "untracked"));
	bool prednat = json_is_true(json_object_get(v, "pre_dnat"));
	_cleanup_free_ char *sel = NULL;
	enum dsck_err rc;
	size_t i;

	if (strcmp(k->tier, "default") != 0)
		return note(u, UPGRADE_NOTE_DROPPED, v1_key, err,
			    "policy in tier '%s': calico-upgrade migrates only tier 'default' and "
			    "drops this one without a word", k->tier);
	if (strncmp(k->policy, "knp.default.", 12) == 0)
		return note(u, UPGRADE_NOTE_SKIPPED, v1_key, err,
			    "Kubernetes NetworkPolicy: recreated by calico-kube-controllers v3");
	if (!upgrade_convert_name_no_dots(k->policy, name, sizeof(name)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "policy name too long");
	snprintf(full, sizeof(full), "default.%s", name);
	if (!(doc = resource_new("GlobalNetworkPolicy", full, NULL)))
		return nomem(err);
	spec = spec_of(doc);
	if (json_object_get(v, "annotations"))
		json_object_set(json_object_get(doc, "metadata"), "annotations",
				json_object_get(v, "annotations"));
	if (json_object_get(v, "order"))
		json_object_set(spec, "order", json_object_get(v, "order"));
	if (!(sel = upgrade_selector(str_of(v, "selector") ? str_of(v, "selector") : ""))) {
		json_decref(doc);
		return nomem(err);
	}
	set_str(spec, "selector", sel);
	in = rules_v3(json_object_get(v, "inbound_rules"), why, sizeof(why));
	eg = in ? rules_v3(json_object_get(v, "outbound_rules"), why, sizeof(why)) : NULL;
	if (!in || !eg) {
		json_decref(in);
		json_decref(doc);
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "%s", why);
	}
	json_object_set_new(spec, "ingress", in);
	json_object_set_new(spec, "egress", eg);
	if (untracked)
		json_object_set_new(spec, "doNotTrack", json_true());
	if (prednat)
		json_object_set_new(spec, "preDNAT", json_true());
	if (untracked || prednat)
		json_object_set_new(spec, "applyOnForward", json_true());
	if (json_array_size(types) == 0) {
		types = prednat ? json_pack("[s]", "Ingress") : json_pack("[s,s]", "Ingress", "Egress");
	} else {
		json_t *out = json_array();

		json_array_foreach(json_object_get(v, "types"), i, t) {
			const char *s = json_string_value(t);

			if (s && strcasecmp(s, "ingress") == 0)
				json_array_append_new(out, json_string("Ingress"));
			else if (s && strcasecmp(s, "egress") == 0)
				json_array_append_new(out, json_string("Egress"));
			else {
				json_decref(out);
				json_decref(doc);
				return note(u, UPGRADE_NOTE_ERROR, v1_key, err,
					    "invalid policy type '%s'", s ? s : "(not a string)");
			}
		}
		types = out;
	}
	json_object_set_new(spec, "types", types);
	if ((rc = note_rule_namespace(u, v1_key, json_object_get(v, "inbound_rules"),
				      json_object_get(v, "outbound_rules"), err))) {
		json_decref(doc);
		return rc;
	}
	return emit_resource(u, v1_key, "globalnetworkpolicies", doc, err);
}

static json_t *labels_v3(json_t *labels)
{
	json_t *out = labels ? json_deep_copy(labels) : json_object(), *ns;

	if (out && (ns = json_object_get(out, "calico/k8s_ns"))) {
		json_object_set(out, "projectcalico.org/namespace", ns);
		json_object_del(out, "calico/k8s_ns");
	}
	return out;
}

static bool profiles_v3(json_t *ids, json_t **out)
{
	json_t *id;
	size_t i;

	*out = json_array();
	json_array_foreach(ids, i, id) {
		char name[UPGRADE_NAME_MAX];

		if (!json_is_string(id) || !upgrade_profile_name(json_string_value(id), name,
								     sizeof(name)))
			return false;
		json_array_append_new(*out, json_string(name));
	}
	return true;
}

static enum dsck_err conv_wep(struct upgrade *u, const char *v1_key, const struct calico_key *k,
			      json_t *v, struct dsck_error *err)
{
	char node[UPGRADE_NAME_MAX], orch[UPGRADE_NAME_MAX], ep[UPGRADE_NAME_MAX];
	char wl[UPGRADE_NAME_MAX], name[4 * UPGRADE_NAME_MAX], why[DETAIL_MAX] = "";
	const char *ns = "default", *pod = NULL, *container = NULL, *workload = NULL;
	_cleanup_free_ char *nsbuf = NULL;
	json_t *doc, *spec, *nets, *nats, *profiles, *x;
	size_t i;

	if (strcmp(k->orchestrator, "openstack") == 0)
		return note(u, UPGRADE_NOTE_SKIPPED, v1_key, err,
			    "OpenStack endpoint: recreated by the Calico v3 OpenStack driver");
	if (!upgrade_normalize_name(k->host, node, sizeof(node)) ||
	    !upgrade_convert_name(k->orchestrator, orch, sizeof(orch)) ||
	    !upgrade_convert_name(k->endpoint, ep, sizeof(ep)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "name too long");
	if (strcmp(k->orchestrator, "k8s") == 0) {
		const char *dot = strchr(k->workload, '.');

		if (!dot)
			return note(u, UPGRADE_NOTE_ERROR, v1_key, err,
				    "malformed k8s workload ID '%s' (no '<namespace>.'): not added "
				    "through the Calico CNI plugin, cannot be converted", k->workload);
		if (!(nsbuf = strndup(k->workload, (size_t)(dot - k->workload))))
			return nomem(err);
		ns = nsbuf;
		pod = dot + 1;
		container = str_of(v, "active_instance_id");
	} else if (strcmp(k->orchestrator, "cni") == 0) {
		container = k->workload;
	} else if (strcmp(k->orchestrator, "libnetwork") == 0) {
		workload = "libnetwork";
	} else {
		if (!upgrade_convert_name(k->workload, wl, sizeof(wl)))
			return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "workload name too long");
		workload = wl;
	}
	if (!upgrade_wep_name(node, orch, pod ? pod : container ? container : workload, ep, name,
			      sizeof(name)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "endpoint name too long");
	nets = json_array();
	if (!nets_append(nets, json_object_get(v, "ipv4_nets"), why, sizeof(why)) ||
	    !nets_append(nets, json_object_get(v, "ipv6_nets"), why, sizeof(why))) {
		json_decref(nets);
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "%s", why);
	}
	if (!profiles_v3(json_object_get(v, "profile_ids"), &profiles)) {
		json_decref(nets);
		json_decref(profiles);
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "bad profile name");
	}
	if (!(doc = resource_new("WorkloadEndpoint", name, ns))) {
		json_decref(nets);
		json_decref(profiles);
		return nomem(err);
	}
	json_object_set_new(json_object_get(doc, "metadata"), "labels",
			    labels_v3(json_object_get(v, "labels")));
	spec = spec_of(doc);
	set_str(spec, "orchestrator", orch);
	set_str(spec, "workload", workload);
	set_str(spec, "node", node);
	set_str(spec, "pod", pod);
	set_str(spec, "containerID", container);
	set_str(spec, "endpoint", ep);
	json_object_set_new(spec, "ipNetworks", nets);
	nats = json_array();
	for (int fam = 4; fam <= 6; fam += 2) {
		json_array_foreach(json_object_get(v, fam == 4 ? "ipv4_nat" : "ipv6_nat"), i, x)
			json_array_append_new(nats, json_pack("{s:O?,s:O?}", "internalIP",
							      json_object_get(x, "int_ip"),
							      "externalIP",
							      json_object_get(x, "ext_ip")));
	}
	json_object_set_new(spec, "ipNATs", nats);
	set_str(spec, "ipv4Gateway", str_of(v, "ipv4_gateway"));
	set_str(spec, "ipv6Gateway", str_of(v, "ipv6_gateway"));
	json_object_set_new(spec, "profiles", profiles);
	set_str(spec, "interfaceName", str_of(v, "name"));
	set_str(spec, "mac", str_of(v, "mac"));
	return emit_resource(u, v1_key, "workloadendpoints", doc, err);
}

static enum dsck_err conv_hep(struct upgrade *u, const char *v1_key, const struct calico_key *k,
			      json_t *v, struct dsck_error *err)
{
	char node[UPGRADE_NAME_MAX], both[2 * UPGRADE_NAME_MAX], name[2 * UPGRADE_NAME_MAX];
	json_t *doc, *spec, *ips = json_array(), *profiles;

	if (!upgrade_normalize_name(k->host, node, sizeof(node)) ||
	    snprintf(both, sizeof(both), "%s.%s", node, k->endpoint) >= (int)sizeof(both) ||
	    !upgrade_convert_name(both, name, sizeof(name))) {
		json_decref(ips);
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "name too long");
	}
	json_array_extend(ips, json_object_get(v, "expected_ipv4_addrs"));
	json_array_extend(ips, json_object_get(v, "expected_ipv6_addrs"));
	if (!profiles_v3(json_object_get(v, "profile_ids"), &profiles) ||
	    !(doc = resource_new("HostEndpoint", name, NULL))) {
		json_decref(ips);
		json_decref(profiles);
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "bad profile name");
	}
	/* Host endpoint labels keep calico/k8s_ns (docs/calico-upgrade.md). */
	if (json_object_get(v, "labels"))
		json_object_set(json_object_get(doc, "metadata"), "labels",
				json_object_get(v, "labels"));
	spec = spec_of(doc);
	set_str(spec, "node", node);
	set_str(spec, "interfaceName", str_of(v, "name"));
	json_object_set_new(spec, "expectedIPs", ips);
	json_object_set_new(spec, "profiles", profiles);
	return emit_resource(u, v1_key, "hostendpoints", doc, err);
}

static enum dsck_err conv_pool(struct upgrade *u, const char *v1_key, const struct calico_key *k,
			       json_t *v, struct dsck_error *err)
{
	char name[128], cidr[64];
	const char *ipip = str_of(v, "ipip"), *mode = str_of(v, "ipip_mode");
	json_t *doc, *spec;

	if (!cidr_text(k->cidr, cidr, sizeof(cidr)) || !upgrade_pool_name(k->cidr, name, sizeof(name)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "invalid pool CIDR %s", k->cidr);
	if (!(doc = resource_new("IPPool", name, NULL)))
		return nomem(err);
	spec = spec_of(doc);
	set_str(spec, "cidr", cidr);
	set_str(spec, "ipipMode", !ipip || !*ipip ? "Never"
			       : mode && strcasecmp(mode, "cross-subnet") == 0 ? "CrossSubnet"
			       : "Always");
	if (json_is_true(json_object_get(v, "masquerade")))
		json_object_set_new(spec, "natOutgoing", json_true());
	if (json_is_true(json_object_get(v, "disabled")))
		json_object_set_new(spec, "disabled", json_true());
	return emit_resource(u, v1_key, "ippools", doc, err);
}

static json_int_t asn_value(const char *s)
{
	const char *dot = strchr(s, '.');

	/* asdot "a.b" is a*65536+b. */
	if (dot)
		return (json_int_t)strtoull(s, NULL, 10) * 65536 + (json_int_t)strtoull(dot + 1, NULL, 10);
	return (json_int_t)strtoull(s, NULL, 10);
}

static enum dsck_err conv_peer(struct upgrade *u, const char *v1_key, const struct calico_key *k,
			       json_t *v, struct dsck_error *err)
{
	char ipname[64], node[UPGRADE_NAME_MAX], name[UPGRADE_NAME_MAX + 64], ip[INET6_ADDRSTRLEN];
	unsigned char a[16];
	int af = strchr(k->peer_ip, ':') ? AF_INET6 : AF_INET;
	json_t *doc, *spec;

	if (inet_pton(af, k->peer_ip, a) != 1 || !inet_ntop(af, a, ip, sizeof(ip)) ||
	    !upgrade_ip_name(k->peer_ip, ipname, sizeof(ipname)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "invalid peer IP %s", k->peer_ip);
	if (k->host) {
		if (!upgrade_normalize_name(k->host, node, sizeof(node)))
			return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "node name too long");
		snprintf(name, sizeof(name), "%s.%s", node, ipname);
	} else {
		snprintf(name, sizeof(name), "%s", ipname);
	}
	if (!(doc = resource_new("BGPPeer", name, NULL)))
		return nomem(err);
	spec = spec_of(doc);
	if (k->host)
		set_str(spec, "node", node);
	set_str(spec, "peerIP", ip);
	if (str_of(v, "as_num"))
		json_object_set_new(spec, "asNumber", json_integer(asn_value(str_of(v, "as_num"))));
	return emit_resource(u, v1_key, "bgppeers", doc, err);
}

/* ---------------------------------------------------------------- IPAM */

static void ipam_affinity_key(char *out, size_t cap, const char *node, int family,
			      const char *cidr)
{
	char dashed[64];
	char *slash;

	snprintf(dashed, sizeof(dashed), "%s", cidr);
	if ((slash = strchr(dashed, '/')))
		*slash = '-';
	snprintf(out, cap, "/calico/ipam/v2/host/%s/ipv%d/block/%s", node, family, dashed);
}

static enum dsck_err conv_block(struct upgrade *u, const char *v1_key, json_t *v,
				struct dsck_error *err)
{
	const char *aff = str_of(v, "affinity"), *legacy = str_of(v, "hostAffinity");
	char node[UPGRADE_NAME_MAX], text[UPGRADE_NAME_MAX + 8];
	json_t *doc = json_deep_copy(v);

	if (!doc)
		return nomem(err);
	json_object_del(doc, "hostAffinity");
	/* Affinity "host:<h>" (or the legacy hostAffinity) gets the normalised node name. */
	if (aff && strncmp(aff, "host:", 5) == 0)
		legacy = aff + 5;
	if (legacy && *legacy) {
		if (!upgrade_normalize_name(legacy, node, sizeof(node))) {
			json_decref(doc);
			return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "node name too long");
		}
		snprintf(text, sizeof(text), "host:%s", node);
		json_object_set_new(doc, "affinity", json_string(text));
	}
	return emit_ipam(u, v1_key, v1_key, "IPAMBlock", false, doc, err);
}

static enum dsck_err conv_affinity(struct upgrade *u, const char *v1_key,
				   const struct calico_key *k, const struct dsck_record *r,
				   struct dsck_error *err)
{
	char node[UPGRADE_NAME_MAX], key[UPGRADE_NAME_MAX + 128];

	if (r->value_len == 0)
		return note(u, UPGRADE_NOTE_SKIPPED, v1_key, err,
			    "empty (Python-era) affinity value: calico-upgrade drops it");
	if (!upgrade_normalize_name(k->host, node, sizeof(node)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "node name too long");
	ipam_affinity_key(key, sizeof(key), node, k->family, k->cidr);
	/* calico-upgrade re-serialises affinities: the v3 struct with an empty state. */
	return emit_ipam(u, v1_key, key, "IPAMAffinity", true, json_pack("{s:s}", "state", ""), err);
}

/* ---------------------------------------------------------------- profiles */

static enum dsck_err flush_profile(struct upgrade *u, struct dsck_error *err)
{
	_cleanup_(json_decrefp) json_t *p = TAKE_PTR(u->profile);
	_cleanup_free_ char *pname = TAKE_PTR(u->profile_name);
	_cleanup_free_ char *v1_key = TAKE_PTR(u->profile_key);
	char name[UPGRADE_NAME_MAX], why[DETAIL_MAX] = "";
	json_t *labels, *tags, *tag, *doc, *spec, *in, *eg;
	enum dsck_err rc;
	size_t i;

	if (!p)
		return DSCK_OK;
	if (strncmp(pname, "k8s_ns.", 7) == 0)
		return note(u, UPGRADE_NOTE_SKIPPED, v1_key, err,
			    "Kubernetes namespace profile: recreated as kns.* by "
			    "calico-kube-controllers v3");
	if (!upgrade_profile_name(pname, name, sizeof(name)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "profile name too long");
	labels = json_object_get(p, "labels") ? json_deep_copy(json_object_get(p, "labels"))
					      : json_object();
	tags = json_object_get(p, "tags");
	json_array_foreach(tags, i, tag) {
		const char *t = json_string_value(tag);

		if (json_object_get(labels, t)) {
			json_decref(labels);
			return note(u, UPGRADE_NOTE_ERROR, v1_key, err,
				    "tag '%s' and label '%s' have the same name: change the label "
				    "key before upgrading", t, t);
		}
		json_object_set_new(labels, t, json_string(""));
	}
	in = rules_v3(json_object_get(json_object_get(p, "rules"), "inbound_rules"), why,
		      sizeof(why));
	eg = in ? rules_v3(json_object_get(json_object_get(p, "rules"), "outbound_rules"), why,
			   sizeof(why))
		: NULL;
	if (!in || !eg || !(doc = resource_new("Profile", name, NULL))) {
		json_decref(labels);
		json_decref(in);
		json_decref(eg);
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "%s", why[0] ? why : "out of memory");
	}
	spec = spec_of(doc);
	json_object_set_new(spec, "labelsToApply", labels);
	json_object_set_new(spec, "ingress", in);
	json_object_set_new(spec, "egress", eg);
	if ((rc = note_rule_namespace(u, v1_key,
				      json_object_get(json_object_get(p, "rules"), "inbound_rules"),
				      json_object_get(json_object_get(p, "rules"), "outbound_rules"),
				      err))) {
		json_decref(doc);
		return rc;
	}
	return emit_resource(u, v1_key, "profiles", doc, err);
}

/* @v1_key: the leaf's key as stored; the profile is named by its directory. */
static enum dsck_err add_profile_part(struct upgrade *u, const char *v1_key,
				      const struct calico_key *k, json_t *v, struct dsck_error *err)
{
	const char *leaf = k->format == CALICO_FMT_PROFILE_TAGS ? "tags"
			   : k->format == CALICO_FMT_PROFILE_RULES ? "rules" : "labels";

	if (!u->profile) {
		if (!(u->profile = json_object()) || !(u->profile_name = strdup(k->profile)) ||
		    !(u->profile_key = strndup(v1_key, (size_t)(strrchr(v1_key, '/') - v1_key))))
			return nomem(err);
	}
	json_object_set(u->profile, leaf, v);
	return DSCK_OK;
}

/* ---------------------------------------------------------------- nodes and configuration */

static json_t *node_state(struct upgrade *u, const char *host)
{
	json_t *n = json_object_get(u->nodes, host);

	if (!n) {
		n = json_pack("{s:{}}", "config");
		if (!n || json_object_set_new(u->nodes, host, n))
			return NULL;
	}
	return n;
}

static enum dsck_err add_text(json_t *o, const char *name, const struct dsck_record *r,
			      struct dsck_error *err)
{
	json_t *s = json_stringn(r->value ? r->value : "", r->value_len);

	/* Not UTF-8: calico-upgrade could not read it either; keep it out. */
	if (!s)
		return DSCK_OK;
	if (json_object_set_new(o, name, s))
		return nomem(err);
	return DSCK_OK;
}

enum ftype { F_STR, F_BOOL, F_INT, F_UINT, F_SECS, F_MILLIS, F_LOG, F_PORTS, F_FAIL };

struct felix_field {
	const char *v1;
	const char *v3;
	enum ftype type;
};

/* FelixConfiguration fields with their v1 names (docs/calico-upgrade.md). */
static const struct felix_field felix_fields[] = {
	{ "ChainInsertMode", "chainInsertMode", F_STR },
	{ "DefaultEndpointToHostAction", "defaultEndpointToHostAction", F_STR },
	{ "EndpointReportingDelaySecs", "endpointReportingDelay", F_SECS },
	{ "EndpointReportingEnabled", "endpointReportingEnabled", F_BOOL },
	{ "FailsafeInboundHostPorts", "failsafeInboundHostPorts", F_PORTS },
	{ "FailsafeOutboundHostPorts", "failsafeOutboundHostPorts", F_PORTS },
	{ "HealthEnabled", "healthEnabled", F_BOOL },
	{ "HealthPort", "healthPort", F_INT },
	{ "InterfacePrefix", "interfacePrefix", F_STR },
	{ "IpInIpEnabled", "ipipEnabled", F_BOOL },
	{ "IpInIpMtu", "ipipMTU", F_INT },
	{ "IpsetsRefreshInterval", "ipsetsRefreshInterval", F_SECS },
	{ "IptablesFilterAllowAction", "iptablesFilterAllowAction", F_STR },
	{ "IptablesLockFilePath", "iptablesLockFilePath", F_STR },
	{ "IptablesLockProbeIntervalMillis", "iptablesLockProbeInterval", F_MILLIS },
	{ "IptablesLockTimeoutSecs", "iptablesLockTimeout", F_SECS },
	{ "IptablesMangleAllowAction", "iptablesMangleAllowAction", F_STR },
	{ "IptablesMarkMask", "iptablesMarkMask", F_UINT },
	{ "IptablesPostWriteCheckIntervalSecs", "iptablesPostWriteCheckInterval", F_SECS },
	{ "IptablesRefreshInterval", "iptablesRefreshInterval", F_SECS },
	{ "Ipv6Support", "ipv6Support", F_BOOL },
	{ "KubeNodePortRanges", "kubeNodePortRanges", F_FAIL },
	{ "LogFilePath", "logFilePath", F_STR },
	{ "LogPrefix", "logPrefix", F_STR },
	{ "LogSeverityFile", "logSeverityFile", F_LOG },
	{ "LogSeverityScreen", "logSeverityScreen", F_LOG },
	{ "LogSeveritySys", "logSeveritySys", F_LOG },
	{ "MaxIpsetSize", "maxIpsetSize", F_INT },
	{ "MetadataAddr", "metadataAddr", F_STR },
	{ "MetadataPort", "metadataPort", F_INT },
	{ "NetlinkTimeoutSecs", "netlinkTimeout", F_SECS },
	{ "OpenstackRegion", "openstackRegion", F_STR },
	{ "PrometheusGoMetricsEnabled", "prometheusGoMetricsEnabled", F_BOOL },
	{ "PrometheusMetricsEnabled", "prometheusMetricsEnabled", F_BOOL },
	{ "PrometheusMetricsPort", "prometheusMetricsPort", F_INT },
	{ "PrometheusProcessMetricsEnabled", "prometheusProcessMetricsEnabled", F_BOOL },
	{ "ReportingIntervalSecs", "reportingInterval", F_SECS },
	{ "ReportingTTLSecs", "reportingTTL", F_SECS },
	{ "RouteRefreshInterval", "routeRefreshInterval", F_SECS },
	{ "UsageReportingEnabled", "usageReportingEnabled", F_BOOL },
	{ "UsageReportingInitialDelaySecs", "usageReportingInitialDelay", F_SECS },
	{ "UsageReportingIntervalSecs", "usageReportingInterval", F_SECS },
};

/* v1 settings that are not Felix fields: cluster information, node data, markers. */
static bool config_elsewhere(const char *name)
{
	static const char *const names[] = { "ClusterGUID", "ClusterType", "CalicoVersion",
					     "IpInIpTunnelAddr", "marker" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static const char *log_level_v3(const char *s)
{
	static const char *const levels[][2] = {
		{ "debug", "Debug" }, { "info", "Info" }, { "warning", "Warning" },
		{ "warn", "Warning" }, { "error", "Error" }, { "fatal", "Fatal" },
		{ "panic", "Fatal" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (strcasecmp(s, levels[i][0]) == 0)
			return levels[i][1];
	return "Info";      /* none, critical and anything unknown */
}

/* Go's time.Duration text ("0s", "1m30s", "1.5s", "50ms") of @ns nanoseconds. */
static void duration_text(double secs, char *out, size_t cap)
{
	long long ns = (long long)(secs * 1e9 + (secs < 0 ? -0.5 : 0.5));
	long long h, m;
	double s;
	size_t n = 0;

	if (ns == 0) {
		snprintf(out, cap, "0s");
		return;
	}
	if (ns < 0) {
		n += (size_t)snprintf(out, cap, "-");
		ns = -ns;
	}
	if (ns < 1000000000LL) {
		if (ns % 1000000 == 0)
			snprintf(out + n, cap - n, "%lldms", ns / 1000000);
		else
			snprintf(out + n, cap - n, "%gms", (double)ns / 1e6);
		return;
	}
	h = ns / 3600000000000LL;
	m = ns / 60000000000LL % 60;
	s = (double)(ns % 60000000000LL) / 1e9;
	if (h)
		n += (size_t)snprintf(out + n, cap - n, "%lldh", h);
	if (h || m)
		n += (size_t)snprintf(out + n, cap - n, "%lldm", m);
	snprintf(out + n, cap - n, "%.9gs", s);
}

static bool parse_ports(const char *raw, json_t **out)
{
	_cleanup_free_ char *copy = strdup(raw);
	char *save = NULL;

	*out = json_array();
	if (!copy || !*out)
		return false;
	if (strcmp(raw, "none") == 0)
		return true;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon, *end;
		const char *proto = "TCP";
		long port;

		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if ((colon = strchr(tok, ':'))) {
			*colon = '\0';
			proto = strcasecmp(tok, "tcp") == 0 ? "TCP"
				: strcasecmp(tok, "udp") == 0 ? "UDP" : NULL;
			tok = colon + 1;
		}
		port = strtol(tok, &end, 10);
		while (*end == ' ')
			end++;
		if (!proto || end == tok || *end || port < 0 || port > 65535)
			return false;
		json_array_append_new(*out, json_pack("{s:s,s:i}", "protocol", proto, "port",
						      (int)port));
	}
	return true;
}

/* Put v1 setting @name=@value into @spec; false (with @why) on a conversion error. */
static bool felix_set(json_t *spec, const struct felix_field *f, const char *value, char *why,
		      size_t cap)
{
	char text[64], *end;
	double d;
	long long i;
	json_t *ports;

	switch (f->type) {
	case F_STR:
		json_object_set_new(spec, f->v3, json_string(value));
		return true;
	case F_LOG:
		json_object_set_new(spec, f->v3, json_string(log_level_v3(value)));
		return true;
	case F_BOOL:
		if (!strcasecmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "t")) {
			json_object_set_new(spec, f->v3, json_true());
			return true;
		}
		if (!strcasecmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "f")) {
			json_object_set_new(spec, f->v3, json_false());
			return true;
		}
		snprintf(why, cap, "%s: '%s' is not a bool", f->v1, value);
		return false;
	case F_INT:
	case F_UINT:
		i = strtoll(value, &end, 10);
		if (!*value || *end || (f->type == F_UINT && (i < 0 || i > 4294967295LL))) {
			snprintf(why, cap, "%s: '%s' is not a%s integer", f->v1, value,
				 f->type == F_UINT ? "n unsigned 32-bit" : "n");
			return false;
		}
		json_object_set_new(spec, f->v3, json_integer(i));
		return true;
	case F_SECS:
	case F_MILLIS:
		d = strtod(value, &end);
		if (f->type == F_MILLIS)
			d /= 1000;
		/* Beyond what a Go time.Duration holds (or NaN): no meaningful v3 value. */
		if (!*value || *end || !(d > -9.2e9 && d < 9.2e9)) {
			snprintf(why, cap, "%s: '%s' is not a number of %s", f->v1, value,
				 f->type == F_SECS ? "seconds" : "milliseconds");
			return false;
		}
		duration_text(d, text, sizeof(text));
		json_object_set_new(spec, f->v3, json_string(text));
		return true;
	case F_PORTS:
		if (!parse_ports(value, &ports)) {
			json_decref(ports);
			snprintf(why, cap, "%s: '%s' is not a list of [tcp|udp:]port", f->v1, value);
			return false;
		}
		json_object_set_new(spec, f->v3, ports);
		return true;
	case F_FAIL:
		snprintf(why, cap, "%s is set: calico-upgrade cannot convert it and fails", f->v1);
		return false;
	}
	return false;
}

/* A FelixConfiguration from v1 settings; emitted only when one field is set. */
static enum dsck_err conv_felix(struct upgrade *u, const char *v1_dir, const char *name,
				json_t *config, struct dsck_error *err)
{
	json_t *doc = resource_new("FelixConfiguration", name, NULL), *value;
	const char *setting;
	char v1_key[UPGRADE_NAME_MAX + 64], why[DETAIL_MAX];
	enum dsck_err rc = DSCK_OK;

	if (!doc)
		return nomem(err);
	json_object_foreach(config, setting, value) {
		const struct felix_field *f = NULL;

		snprintf(v1_key, sizeof(v1_key), "%s/%s", v1_dir, setting);
		for (size_t i = 0; i < ARRAY_SIZE(felix_fields) && !f; i++)
			if (strcmp(felix_fields[i].v1, setting) == 0)
				f = &felix_fields[i];
		if (!f) {
			if (!config_elsewhere(setting))
				rc = note(u, UPGRADE_NOTE_UNCHECKED, v1_key, err,
					  "setting not in dsck's table of Felix fields: if v3 "
					  "FelixConfiguration has a field of that name calico-upgrade "
					  "copies it, which is not checked here");
		} else if (!felix_set(spec_of(doc), f, json_string_value(value), why, sizeof(why))) {
			rc = note(u, UPGRADE_NOTE_ERROR, v1_key, err, "%s", why);
		}
		if (rc)
			break;
	}
	if (rc || json_object_size(spec_of(doc)) == 0) {
		json_decref(doc);
		return rc;
	}
	return emit_resource(u, v1_dir, "felixconfigurations", doc, err);
}

static enum dsck_err conv_cluster_info(struct upgrade *u, struct dsck_error *err)
{
	json_t *c = u->global_config, *doc, *spec;

	if (!json_object_get(c, "ClusterGUID") && !json_object_get(c, "ClusterType") &&
	    !json_object_get(c, "CalicoVersion"))
		return DSCK_OK;
	if (!(doc = resource_new("ClusterInformation", "default", NULL)))
		return nomem(err);
	spec = spec_of(doc);
	set_str(spec, "clusterGUID", str_of(c, "ClusterGUID"));
	set_str(spec, "clusterType", str_of(c, "ClusterType"));
	set_str(spec, "calicoVersion", str_of(c, "CalicoVersion"));
	/* Written locked; `calico-upgrade complete` sets it true. */
	json_object_set_new(spec, "datastoreReady", json_false());
	return emit_resource(u, "/calico/v1/config", "clusterinformations", doc, err);
}

static enum dsck_err conv_bgp_config(struct upgrade *u, struct dsck_error *err)
{
	json_t *g = u->bgp_global, *doc, *spec, *mesh;
	const char *asn = str_of(g, "as_num"), *level = str_of(g, "loglevel");
	const char *meshtext = str_of(g, "node_mesh");

	if (!json_object_size(g))
		return DSCK_OK;
	if (!(doc = resource_new("BGPConfiguration", "default", NULL)))
		return nomem(err);
	spec = spec_of(doc);
	if (level)
		json_object_set_new(spec, "logSeverityScreen", json_string(log_level_v3(level)));
	if (meshtext && (mesh = json_loads(meshtext, 0, NULL))) {
		json_object_set_new(spec, "nodeToNodeMeshEnabled",
				    json_boolean(json_is_true(json_object_get(mesh, "enabled"))));
		json_decref(mesh);
	}
	if (asn && *asn)
		json_object_set_new(spec, "asNumber", json_integer(asn_value(asn)));
	return emit_resource(u, "/calico/bgp/v1/global", "bgpconfigurations", doc, err);
}

/* The address with the stored network's mask, or a full mask when none is stored. */
static void node_address(json_t *bgp, const char *field, const char *ip, const char *net,
			 int family)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash = net ? strchr(net, '/') : NULL;

	if (!ip || !*ip)
		return;
	snprintf(text, sizeof(text), "%s/%s", ip, slash ? slash + 1 : family == 6 ? "128" : "32");
	json_object_set_new(bgp, field, json_string(text));
}

static enum dsck_err conv_node(struct upgrade *u, const char *host, json_t *n,
			       struct dsck_error *err)
{
	char name[UPGRADE_NAME_MAX], v1_key[UPGRADE_NAME_MAX + 32];
	json_t *doc, *spec, *bgp, *refs = json_object_get(n, "refs"), *ref;
	const char *tunnel = str_of(json_object_get(n, "config"), "IpInIpTunnelAddr");
	const char *asn = str_of(n, "asn");
	size_t i;

	snprintf(v1_key, sizeof(v1_key), "/calico/v1/host/%s", host);
	if (!upgrade_normalize_name(host, name, sizeof(name)))
		return note(u, UPGRADE_NOTE_ERROR, v1_key, err, "node name too long");
	if (!(doc = resource_new("Node", name, NULL)))
		return nomem(err);
	spec = spec_of(doc);
	bgp = json_object();
	node_address(bgp, "ipv4Address", str_of(n, "ip4"), str_of(n, "net4"), 4);
	node_address(bgp, "ipv6Address", str_of(n, "ip6"), str_of(n, "net6"), 6);
	if (json_object_size(bgp) && asn && *asn)
		json_object_set_new(bgp, "asNumber", json_integer(asn_value(asn)));
	if (tunnel && *tunnel)
		json_object_set_new(bgp, "ipv4IPIPTunnelAddr", json_string(tunnel));
	json_object_set_new(spec, "bgp", bgp);
	if (json_is_array(refs)) {
		json_t *out = json_array();

		json_array_foreach(refs, i, ref)
			json_array_append_new(out, json_pack("{s:O?,s:O?}", "nodeName",
							     json_object_get(ref, "nodeName"),
							     "orchestrator",
							     json_object_get(ref, "orchestrator")));
		json_object_set_new(spec, "orchRefs", out);
	}
	return emit_resource(u, v1_key, "nodes", doc, err);
}

/* ---------------------------------------------------------------- the stream */

void upgrade_init(struct upgrade *u, const struct upgrade_sink *sink)
{
	memset(u, 0, sizeof(*u));
	u->sink = *sink;
	u->ready = -1;
	u->global_config = json_object();
	u->bgp_global = json_object();
	u->nodes = json_object();
}

void upgrade_release(struct upgrade *u)
{
	json_decref(u->global_config);
	json_decref(u->bgp_global);
	json_decref(u->nodes);
	json_decref(u->profile);
	free(u->profile_name);
	free(u->profile_key);
	free(u->calico_version);
	memset(u, 0, sizeof(*u));
}

/* "/calico/v1/host/<h>" as a v2 directory: a node even without a metadata leaf. */
static bool host_dir(const struct dsck_record *r, char *host, size_t cap)
{
	static const char pfx[] = "/calico/v1/host/";
	size_t n = sizeof(pfx) - 1;

	if (r->key_len <= n || r->key_len - n >= cap || memcmp(r->key, pfx, n) ||
	    memchr(r->key + n, '/', r->key_len - n))
		return false;
	memcpy(host, r->key + n, r->key_len - n);
	host[r->key_len - n] = '\0';
	return true;
}

static enum dsck_err add_bgp_host(struct upgrade *u, const struct calico_key *k,
				  const struct dsck_record *r, struct dsck_error *err)
{
	json_t *n = node_state(u, k->host);
	const char *field = NULL;

	if (!n)
		return nomem(err);
	if (k->format == CALICO_FMT_IP)
		field = k->family == 6 ? "ip6" : "ip4";
	else if (k->format == CALICO_FMT_CIDR)
		field = k->family == 6 ? "net6" : "net4";
	else if (k->format == CALICO_FMT_ASN)
		field = "asn";
	return field ? add_text(n, field, r, err) : DSCK_OK;
}

static enum dsck_err add_host(struct upgrade *u, const struct calico_key *k,
			      const struct calico_value *v, struct dsck_error *err)
{
	json_t *n = node_state(u, k->host);

	if (!n)
		return nomem(err);
	json_object_set_new(n, "v1", json_true());
	if (k->format == CALICO_FMT_ORCHESTRATOR_REFS && v->doc)
		json_object_set(n, "refs", v->doc);
	return DSCK_OK;
}

static enum dsck_err convert_key(struct upgrade *u, const char *v1_key, const struct calico_key *k,
				 const struct calico_value *v, const struct dsck_record *r,
				 struct dsck_error *err)
{
	json_t *n;

	switch (k->kind) {
	case CALICO_READY:
		u->ready = calico_ready_is_true(r->value, r->value_len);
		return DSCK_OK;
	case CALICO_GLOBAL_CONFIG:
		if (strcmp(k->config, "CalicoVersion") == 0) {
			free(u->calico_version);
			if (!(u->calico_version = strndup(r->value, r->value_len)))
				return nomem(err);
		}
		return add_text(u->global_config, k->config, r, err);
	case CALICO_HOST_CONFIG:
		if (!(n = node_state(u, k->host)))
			return nomem(err);
		json_object_set_new(n, "v1", json_true());
		return add_text(json_object_get(n, "config"), k->config, r, err);
	case CALICO_HOST:
		return add_host(u, k, v, err);
	case CALICO_WORKLOAD_ENDPOINT:
		if ((n = node_state(u, k->host)))
			json_object_set_new(n, "v1", json_true());
		return conv_wep(u, v1_key, k, v->doc, err);
	case CALICO_HOST_ENDPOINT:
		if ((n = node_state(u, k->host)))
			json_object_set_new(n, "v1", json_true());
		return conv_hep(u, v1_key, k, v->doc, err);
	case CALICO_PROFILE:
		return add_profile_part(u, v1_key, k, v->doc, err);
	case CALICO_POLICY:
		return conv_policy(u, v1_key, k, v->doc, err);
	case CALICO_IP_POOL:
		return conv_pool(u, v1_key, k, v->doc, err);
	case CALICO_BGP_PEER:
		return conv_peer(u, v1_key, k, v->doc, err);
	case CALICO_BGP_GLOBAL:
		if (k->config)          /* custom_filters: not part of the v3 model */
			return DSCK_OK;
		return add_text(u->bgp_global, strrchr(v1_key, '/') + 1, r, err);
	case CALICO_BGP_HOST:
		return add_bgp_host(u, k, r, err);
	case CALICO_IPAM_BLOCK:
		return conv_block(u, v1_key, v->doc, err);
	case CALICO_IPAM_AFFINITY:
		return conv_affinity(u, v1_key, k, r, err);
	case CALICO_IPAM_HANDLE:
		return emit_ipam(u, v1_key, v1_key, "IPAMHandle", false, json_deep_copy(v->doc), err);
	case CALICO_IPAM_CONFIG:
		return note(u, UPGRADE_NOTE_SKIPPED, v1_key, err,
			    "IPAM configuration: calico-upgrade does not copy it");
	default:
		return DSCK_OK;
	}
}

enum dsck_err upgrade_add(struct upgrade *u, const struct dsck_record *r, struct dsck_error *err)
{
	struct calico_key k;
	struct calico_value v = { 0 };
	char host[UPGRADE_NAME_MAX], key[CALICO_KEY_MAX];
	enum dsck_err rc;

	/* Names become map keys and v3 keys: text only (Calico writes no other). */
	if (!utf8_valid((const unsigned char *)r->key, r->key_len) ||
	    memchr(r->key, '\0', r->key_len) || r->key_len >= sizeof(key)) {
		if (u->profile && (rc = flush_profile(u, err)))
			return rc;
		return strncmp(r->key, "/calico/", r->key_len < 8 ? r->key_len : 8) ? DSCK_OK
		       : note(u, UPGRADE_NOTE_DROPPED, "(a key that is not text)", err,
			      "a key under /calico that is not UTF-8 text or too long: not converted");
	}
	calico_key_parse(&k, r->key, r->key_len, r->dir);
	/* k.text holds the decoded names; notes and objects name the key as stored. */
	snprintf(key, sizeof(key), "%.*s", (int)r->key_len, r->key);
	/* A profile's leaves are adjacent: any other key completes it. */
	if (u->profile && (k.kind != CALICO_PROFILE || strcmp(k.profile, u->profile_name) != 0) &&
	    (rc = flush_profile(u, err)))
		return rc;
	if (r->dir) {
		json_t *n;

		if (!host_dir(r, host, sizeof(host)))
			return DSCK_OK;
		if (!(n = node_state(u, host)))
			return nomem(err);
		json_object_set_new(n, "v1", json_true());
		return DSCK_OK;
	}
	if (!calico_kind_is_v1_model(k.kind) && k.kind != CALICO_IPAM_BLOCK &&
	    k.kind != CALICO_IPAM_AFFINITY && k.kind != CALICO_IPAM_HANDLE &&
	    k.kind != CALICO_IPAM_CONFIG)
		return DSCK_OK;
	u->v1_keys++;
	if ((rc = calico_value_parse(&v, &k, r->value ? r->value : "", r->value_len, err)))
		return rc;
	if (v.problem[0] && k.kind != CALICO_IPAM_AFFINITY)
		rc = note(u, UPGRADE_NOTE_DROPPED, key, err,
			  "value does not parse (%s): calico-upgrade drops it without a word",
			  v.problem);
	else
		rc = convert_key(u, key, &k, &v, r, err);
	calico_value_release(&v);
	return rc;
}

enum dsck_err upgrade_finish(struct upgrade *u, struct dsck_error *err)
{
	const char *host;
	json_t *n;
	enum dsck_err rc;
	char name[UPGRADE_NAME_MAX + 8], dir[UPGRADE_NAME_MAX + 32];

	if ((rc = flush_profile(u, err)) ||
	    (rc = conv_felix(u, "/calico/v1/config", "default", u->global_config, err)) ||
	    (rc = conv_cluster_info(u, err)) || (rc = conv_bgp_config(u, err)))
		return rc;
	json_object_foreach(u->nodes, host, n) {
		if (!json_is_true(json_object_get(n, "v1")))
			continue;
		if ((rc = conv_node(u, host, n, err)))
			return rc;
		if (!upgrade_normalize_name(host, name + 5, sizeof(name) - 5))
			continue;       /* conv_node noted it */
		memcpy(name, "node.", 5);
		snprintf(dir, sizeof(dir), "/calico/v1/host/%s/config", host);
		if ((rc = conv_felix(u, dir, name, json_object_get(n, "config"), err)))
			return rc;
	}
	return DSCK_OK;
}

/* ---------------------------------------------------------------- comparing */

static bool is_empty(json_t *j)
{
	return !j || json_is_null(j) || json_is_false(j) ||
	       (json_is_string(j) && json_string_length(j) == 0) ||
	       (json_is_array(j) && json_array_size(j) == 0) ||
	       (json_is_object(j) && json_object_size(j) == 0);
}

/* Drop empties (recursively), integral reals as integers. Returns a new reference. */
static json_t *prune(json_t *j)
{
	json_t *out, *x;
	const char *k;
	size_t i;

	if (json_is_real(j) && fabs(json_real_value(j)) < 9e18 &&
	    json_real_value(j) == (double)(json_int_t)json_real_value(j))
		return json_integer((json_int_t)json_real_value(j));
	if (json_is_object(j)) {
		out = json_object();
		json_object_foreach(j, k, x) {
			json_t *p = prune(x);

			if (!is_empty(p))
				json_object_set(out, k, p);
			json_decref(p);
		}
		return out;
	}
	if (json_is_array(j)) {
		out = json_array();
		json_array_foreach(j, i, x)
			json_array_append_new(out, prune(x));
		return out;
	}
	return json_incref(j);
}

static void rewrite_selector(json_t *o, const char *field)
{
	const char *s = json_string_value(json_object_get(o, field));
	char *t;

	if (s && strstr(s, "calico/k8s_ns") && (t = upgrade_selector(s))) {
		json_object_set_new(o, field, json_string(t));
		free(t);
	}
}

/* Rule selectors in either spelling of the namespace label mean the same to dsck. */
static void canonical_rules(json_t *rules)
{
	json_t *r;
	size_t i;

	json_array_foreach(rules, i, r) {
		static const char *const sides[] = { "source", "destination" };

		for (size_t s = 0; s < 2; s++) {
			json_t *e = json_object_get(r, sides[s]);

			rewrite_selector(e, "selector");
			rewrite_selector(e, "notSelector");
		}
	}
}

json_t *upgrade_canonical(json_t *doc, bool ipam)
{
	json_t *out, *meta, *m, *spec, *labels;
	const char *kind;

	if (ipam)
		return prune(doc);
	meta = json_object_get(doc, "metadata");
	kind = json_string_value(json_object_get(doc, "kind"));
	m = json_pack("{s:O?,s:O?,s:O?,s:O?}", "name", json_object_get(meta, "name"), "namespace",
		      json_object_get(meta, "namespace"), "labels", json_object_get(meta, "labels"),
		      "annotations", json_object_get(meta, "annotations"));
	out = json_pack("{s:O?,s:o,s:O?}", "kind", json_object_get(doc, "kind"), "metadata", m,
			"spec", json_object_get(doc, "spec"));
	if (!out)
		return NULL;
	spec = prune(out);
	json_decref(out);
	out = spec;
	spec = json_object_get(out, "spec");
	/* Labels the v3 side adds itself, and defaults later converters write out. */
	labels = json_object_get(json_object_get(out, "metadata"), "labels");
	json_object_del(labels, "projectcalico.org/orchestrator");
	if (kind && strcmp(kind, "IPPool") == 0) {
		json_t *bs = json_object_get(spec, "blockSize");
		const char *cidr = json_string_value(json_object_get(spec, "cidr"));
		json_int_t dflt = cidr && strchr(cidr, ':') ? 122 : 26;

		if (json_is_integer(bs) && json_integer_value(bs) == dflt)
			json_object_del(spec, "blockSize");
		const char *ns = json_string_value(json_object_get(spec, "nodeSelector"));

		if (ns && strcmp(ns, "all()") == 0)
			json_object_del(spec, "nodeSelector");
	}
	canonical_rules(json_object_get(spec, "ingress"));
	canonical_rules(json_object_get(spec, "egress"));
	return out;
}

#define PATH_MAX_LEN 256

/* Append @fmt to the path at @plen; returns the new length (cut at the buffer). */
static size_t _printf_(3, 4) path_add(char *path, size_t plen, const char *fmt, ...)
{
	va_list ap;
	int l;

	va_start(ap, fmt);
	l = vsnprintf(path + plen, PATH_MAX_LEN - plen, fmt, ap);
	va_end(ap);
	if (l < 0)
		return plen;
	return plen + (size_t)l < PATH_MAX_LEN ? plen + (size_t)l : PATH_MAX_LEN - 1;
}

static void diff_paths(json_t *a, json_t *b, char *path, size_t plen, char *out, size_t cap,
		       size_t *n)
{
	const char *k;
	json_t *x;

	if (json_equal(a, b))
		return;
	if (json_is_object(a) && json_is_object(b) && plen < 200) {
		json_object_foreach(a, k, x) {
			size_t l = path_add(path, plen, "%s%s", plen ? "." : "", k);

			diff_paths(x, json_object_get(b, k), path, l, out, cap, n);
		}
		json_object_foreach(b, k, x) {
			if (json_object_get(a, k))
				continue;
			size_t l = path_add(path, plen, "%s%s", plen ? "." : "", k);

			diff_paths(NULL, x, path, l, out, cap, n);
		}
		path[plen] = '\0';
		return;
	}
	if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b) &&
	    plen < 200) {
		for (size_t i = 0; i < json_array_size(a); i++) {
			size_t l = path_add(path, plen, "[%zu]", i);

			diff_paths(json_array_get(a, i), json_array_get(b, i), path, l, out, cap, n);
		}
		path[plen] = '\0';
		return;
	}
	size_t used = strlen(out);

	if (used + 1 < cap)
		snprintf(out + used, cap - used, "%s%s", *n ? ", " : "", plen ? path : "(value)");
	(*n)++;
}

size_t upgrade_diff(json_t *want, json_t *got, char *out, size_t cap)
{
	char path[PATH_MAX_LEN] = "";
	size_t n = 0;

	if (cap)
		out[0] = '\0';
	diff_paths(want, got, path, 0, out, cap, &n);
	return n;
}
