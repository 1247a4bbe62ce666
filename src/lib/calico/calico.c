#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calico/calico.h"
#include "base/macro.h"

/* ---------------------------------------------------------------- kinds */

static const char *const kind_names[CALICO_KIND__COUNT] = {
	[CALICO_READY] = "ready",
	[CALICO_GLOBAL_CONFIG] = "global_config",
	[CALICO_HOST_CONFIG] = "host_config",
	[CALICO_HOST] = "host",
	[CALICO_WORKLOAD_ENDPOINT] = "workload_endpoint",
	[CALICO_HOST_ENDPOINT] = "host_endpoint",
	[CALICO_PROFILE] = "profile",
	[CALICO_POLICY] = "policy",
	[CALICO_IP_POOL] = "ip_pool",
	[CALICO_IPAM_BLOCK] = "ipam_block",
	[CALICO_IPAM_AFFINITY] = "ipam_affinity",
	[CALICO_IPAM_HANDLE] = "ipam_handle",
	[CALICO_IPAM_CONFIG] = "ipam_config",
	[CALICO_BGP_GLOBAL] = "bgp_global",
	[CALICO_BGP_PEER] = "bgp_peer",
	[CALICO_BGP_HOST] = "bgp_host",
	[CALICO_FELIX_STATUS] = "felix_status",
	[CALICO_DIRECTORY] = "directory",
	[CALICO_V3_RESOURCE] = "v3_resource",
	[CALICO_UNKNOWN] = "unknown",
};

const char *calico_kind_name(enum calico_kind kind)
{
	return kind < CALICO_KIND__COUNT ? kind_names[kind] : "unknown";
}

bool calico_kind_is_v1_model(enum calico_kind kind)
{
	switch (kind) {
	case CALICO_READY:
	case CALICO_GLOBAL_CONFIG:
	case CALICO_HOST_CONFIG:
	case CALICO_HOST:
	case CALICO_WORKLOAD_ENDPOINT:
	case CALICO_HOST_ENDPOINT:
	case CALICO_PROFILE:
	case CALICO_POLICY:
	case CALICO_IP_POOL:
	case CALICO_BGP_GLOBAL:
	case CALICO_BGP_PEER:
	case CALICO_BGP_HOST:
		return true;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- key patterns */

#define CALICO_ROOT "/calico/"

/* How a wildcard's text becomes a name. */
enum decode { PLAIN, ESCAPED, DASHED_CIDR };

struct capture {
	size_t field;              /* offset of the const char * in struct calico_key */
	enum decode decode;
};

#define N(f) { offsetof(struct calico_key, f), PLAIN }
#define E(f) { offsetof(struct calico_key, f), ESCAPED }
#define C(f) { offsetof(struct calico_key, f), DASHED_CIDR }

struct pattern {
	const char *path;          /* under /calico/; "*" is one segment, "**" the rest */
	enum calico_kind kind;
	enum calico_format format;
	int family;
	struct capture caps[4];    /* one per wildcard, in order */
};

/* docs/calico-model.md: the v1 model (both stores) and v3 resources. */
static const struct pattern patterns[] = {
	{ "v1/Ready", CALICO_READY, CALICO_FMT_READY, 0, { { 0 } } },
	{ "v1/config/**", CALICO_GLOBAL_CONFIG, CALICO_FMT_TEXT, 0, { N(config) } },
	{ "v1/host/*/metadata", CALICO_HOST, CALICO_FMT_HOST_METADATA, 0, { N(host) } },
	{ "v1/host/*/bird_ip", CALICO_HOST, CALICO_FMT_IP, 4, { N(host) } },
	{ "v1/host/*/orchestrator_refs", CALICO_HOST, CALICO_FMT_ORCHESTRATOR_REFS, 0, { N(host) } },
	{ "v1/host/*/config/**", CALICO_HOST_CONFIG, CALICO_FMT_TEXT, 0, { N(host), N(config) } },
	{ "v1/host/*/workload/*/*/endpoint/*", CALICO_WORKLOAD_ENDPOINT,
	  CALICO_FMT_WORKLOAD_ENDPOINT, 0, { N(host), E(orchestrator), E(workload), E(endpoint) } },
	{ "v1/host/*/endpoint/*", CALICO_HOST_ENDPOINT, CALICO_FMT_HOST_ENDPOINT, 0,
	  { N(host), E(endpoint) } },
	{ "v1/policy/profile/*/tags", CALICO_PROFILE, CALICO_FMT_PROFILE_TAGS, 0, { E(profile) } },
	{ "v1/policy/profile/*/rules", CALICO_PROFILE, CALICO_FMT_PROFILE_RULES, 0, { E(profile) } },
	{ "v1/policy/profile/*/labels", CALICO_PROFILE, CALICO_FMT_PROFILE_LABELS, 0,
	  { E(profile) } },
	{ "v1/policy/tier/*/policy/*", CALICO_POLICY, CALICO_FMT_POLICY, 0, { N(tier), E(policy) } },
	{ "v1/ipam/v4/pool/*", CALICO_IP_POOL, CALICO_FMT_IP_POOL, 4, { C(cidr) } },
	{ "v1/ipam/v6/pool/*", CALICO_IP_POOL, CALICO_FMT_IP_POOL, 6, { C(cidr) } },
	{ "ipam/v2/config", CALICO_IPAM_CONFIG, CALICO_FMT_IPAM_CONFIG, 0, { { 0 } } },
	{ "ipam/v2/assignment/ipv4/block/*", CALICO_IPAM_BLOCK, CALICO_FMT_IPAM_BLOCK, 4,
	  { C(cidr) } },
	{ "ipam/v2/assignment/ipv6/block/*", CALICO_IPAM_BLOCK, CALICO_FMT_IPAM_BLOCK, 6,
	  { C(cidr) } },
	{ "ipam/v2/host/*/ipv4/block/*", CALICO_IPAM_AFFINITY, CALICO_FMT_TEXT, 4,
	  { N(host), C(cidr) } },
	{ "ipam/v2/host/*/ipv6/block/*", CALICO_IPAM_AFFINITY, CALICO_FMT_TEXT, 6,
	  { N(host), C(cidr) } },
	{ "ipam/v2/handle/*", CALICO_IPAM_HANDLE, CALICO_FMT_IPAM_HANDLE, 0, { N(handle) } },
	{ "bgp/v1/global/as_num", CALICO_BGP_GLOBAL, CALICO_FMT_ASN, 0, { { 0 } } },
	{ "bgp/v1/global/node_mesh", CALICO_BGP_GLOBAL, CALICO_FMT_NODE_MESH, 0, { { 0 } } },
	{ "bgp/v1/global/loglevel", CALICO_BGP_GLOBAL, CALICO_FMT_TEXT, 0, { { 0 } } },
	{ "bgp/v1/global/custom_filters/v4/*", CALICO_BGP_GLOBAL, CALICO_FMT_TEXT, 4,
	  { N(config) } },
	{ "bgp/v1/global/custom_filters/v6/*", CALICO_BGP_GLOBAL, CALICO_FMT_TEXT, 6,
	  { N(config) } },
	{ "bgp/v1/global/peer_v4/*", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 4, { N(peer_ip) } },
	{ "bgp/v1/global/peer_v6/*", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 6, { N(peer_ip) } },
	{ "bgp/v1/host/*/peer_v4/*", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 4,
	  { N(host), N(peer_ip) } },
	{ "bgp/v1/host/*/peer_v6/*", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 6,
	  { N(host), N(peer_ip) } },
	{ "bgp/v1/host/*/ip_addr_v4", CALICO_BGP_HOST, CALICO_FMT_IP, 4, { N(host) } },
	{ "bgp/v1/host/*/ip_addr_v6", CALICO_BGP_HOST, CALICO_FMT_IP, 6, { N(host) } },
	{ "bgp/v1/host/*/network_v4", CALICO_BGP_HOST, CALICO_FMT_CIDR, 4, { N(host) } },
	{ "bgp/v1/host/*/network_v6", CALICO_BGP_HOST, CALICO_FMT_CIDR, 6, { N(host) } },
	{ "bgp/v1/host/*/as_num", CALICO_BGP_HOST, CALICO_FMT_ASN, 0, { N(host) } },
	{ "bgp/v1/host/*/loglevel", CALICO_BGP_HOST, CALICO_FMT_TEXT, 0, { N(host) } },
	{ "felix/v1/host/*/status", CALICO_FELIX_STATUS, CALICO_FMT_FELIX_REPORT, 0, { N(host) } },
	{ "felix/v1/host/*/last_reported_status", CALICO_FELIX_STATUS, CALICO_FMT_FELIX_REPORT, 0,
	  { N(host) } },
	{ "felix/v1/host/*/workload/*/*/endpoint/*", CALICO_FELIX_STATUS,
	  CALICO_FMT_ENDPOINT_STATUS, 0, { N(host), E(orchestrator), E(workload), E(endpoint) } },
	{ "felix/v1/host/*/endpoint/*", CALICO_FELIX_STATUS, CALICO_FMT_ENDPOINT_STATUS, 0,
	  { N(host), E(endpoint) } },
	{ "resources/v3/projectcalico.org/*/*", CALICO_V3_RESOURCE, CALICO_FMT_V3_RESOURCE, 0,
	  { N(resource), N(name) } },
	{ "resources/v3/projectcalico.org/*/*/*", CALICO_V3_RESOURCE, CALICO_FMT_V3_RESOURCE, 0,
	  { N(resource), N(ns), N(name) } },
};

struct span {
	char *p;
	size_t len;
};

/* Match the path @s against @pat; on success caps[0..*n) hold the wildcards' text. */
static bool match(const char *pat, char *s, struct span *caps, size_t *n)
{
	*n = 0;
	for (;;) {
		size_t plen = strcspn(pat, "/"), slen = strcspn(s, "/");

		if (plen == 2 && pat[0] == '*' && pat[1] == '*') {
			/* The rest of the key, which must not be empty. */
			caps[(*n)++] = (struct span){ s, strlen(s) };
			return *s != '\0';
		}
		if (plen == 1 && pat[0] == '*') {
			if (slen == 0)
				return false;
			caps[(*n)++] = (struct span){ s, slen };
		} else if (plen != slen || memcmp(pat, s, plen) != 0) {
			return false;
		}
		pat += plen;
		s += slen;
		if (!*pat || !*s)
			return !*pat && !*s;
		pat++;
		s++;
	}
}

/* Undo Calico's name escaping (lib/backend/model/name.go) in place. */
static void unescape_name(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '%' && s[1] == '2' && (s[2] == 'f' || s[2] == '5')) {
			*out++ = s[2] == 'f' ? '/' : '%';
			s += 3;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* "192.168.0.0-16" -> "192.168.0.0/16": IP text never holds a '-'. */
static void undash_cidr(char *s)
{
	char *dash = strchr(s, '-');

	if (dash)
		*dash = '/';
}

static void take_names(struct calico_key *k, const struct pattern *p, struct span *caps,
		       size_t n)
{
	/* Terminate every capture first: a terminator may land on the next one's '/'. */
	for (size_t i = 0; i < n; i++)
		caps[i].p[caps[i].len] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (p->caps[i].decode == ESCAPED)
			unescape_name(caps[i].p);
		else if (p->caps[i].decode == DASHED_CIDR)
			undash_cidr(caps[i].p);
		*(const char **)((char *)k + p->caps[i].field) = caps[i].p;
	}
}

void calico_key_parse(struct calico_key *k, const char *key, size_t len, bool dir)
{
	const size_t root = sizeof(CALICO_ROOT) - 1;

	memset(k, 0, offsetof(struct calico_key, text));
	k->text[0] = '\0';
	if (dir) {
		k->kind = CALICO_DIRECTORY;
		k->format = CALICO_FMT_NONE;
		return;
	}
	k->kind = CALICO_UNKNOWN;
	k->format = CALICO_FMT_TEXT;
	if (len >= sizeof(k->text) || len < root || memcmp(key, CALICO_ROOT, root) != 0 ||
	    memchr(key, '\0', len))
		return;
	memcpy(k->text, key, len);
	k->text[len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		const struct pattern *p = &patterns[i];
		struct span caps[ARRAY_SIZE(p->caps)];
		size_t n;

		if (!match(p->path, k->text + root, caps, &n))
			continue;
		k->kind = p->kind;
		k->format = p->format;
		k->family = p->family;
		take_names(k, p, caps, n);
		return;
	}
}

/* ---------------------------------------------------------------- Ready, addresses, versions */

bool calico_ready_is_true(const char *value, size_t len)
{
	return len == 4 && memcmp(value, "true", 4) == 0;
}

static int family_of(const char *ip)
{
	return strchr(ip, ':') ? 6 : 4;
}

/* Parse an IPv4 or IPv6 address into 16 bytes (IPv4 in the first 4). */
static bool ip_parse(const char *s, int *family, unsigned char addr[16])
{
	memset(addr, 0, 16);
	*family = family_of(s);
	return inet_pton(*family == 6 ? AF_INET6 : AF_INET, s, addr) == 1;
}

/* A decimal number of at most @max_digits digits and nothing else. */
static bool decimal(const char *s, size_t len, size_t max_digits, unsigned long *out)
{
	*out = 0;
	if (len == 0 || len > max_digits)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (unsigned long)(s[i] - '0');
	}
	return true;
}

bool calico_cidr_parse(const char *s, struct calico_cidr *c)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	char ip[INET6_ADDRSTRLEN];
	unsigned long bits;
	unsigned max;

	memset(c, 0, sizeof(*c));
	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return false;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (!ip_parse(ip, &c->family, c->addr))
		return false;
	max = c->family == 6 ? 128 : 32;
	if (!decimal(slash + 1, strlen(slash + 1), 3, &bits) || bits > max)
		return false;
	c->bits = (unsigned)bits;
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = c->bits > i * 8 ? c->bits - i * 8 : 0;

		if (keep < 8)
			c->addr[i] &= (unsigned char)(0xff00u >> keep);
	}
	return true;
}

bool calico_cidr_equal(const struct calico_cidr *a, const struct calico_cidr *b)
{
	return a->family == b->family && a->bits == b->bits && !memcmp(a->addr, b->addr, 16);
}

bool calico_cidr_contains(const struct calico_cidr *outer, const struct calico_cidr *inner)
{
	struct calico_cidr cut = *inner;

	if (outer->family != inner->family || outer->bits > inner->bits)
		return false;
	/* Shorten inner to outer's prefix length; then the networks must be equal. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = outer->bits > i * 8 ? outer->bits - i * 8 : 0;

		if (keep < 8)
			cut.addr[i] &= (unsigned char)(0xff00u >> keep);
	}
	return !memcmp(cut.addr, outer->addr, 16);
}

bool calico_version_parse(const char *s, struct calico_version *v)
{
	unsigned long part[3];

	if (*s == 'v')
		s++;
	for (int i = 0; i < 3; i++) {
		size_t n = strspn(s, "0123456789");

		if (!decimal(s, n, 9, &part[i]))
			return false;
		s += n;
		if (i < 2 && *s++ != '.')
			return false;
	}
	if (*s && *s != '-' && *s != '+')
		return false;
	v->major = (unsigned)part[0];
	v->minor = (unsigned)part[1];
	v->patch = (unsigned)part[2];
	return true;
}

int calico_version_cmp(const struct calico_version *a, const struct calico_version *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return 0;
}

/* ---------------------------------------------------------------- value shapes */

/* JSON member types. */
enum ftype {
	FT_STRING,
	FT_BOOL,
	FT_NUMBER,
	FT_OBJECT,
	FT_ARRAY,
	FT_STRINGS,
	FT_UINTS,
	FT_CIDRS,
	FT_IPS,
	FT_OBJECTS,
	FT_LABELS,                 /* an object of strings */
};

static const char *const ftype_text[] = {
	[FT_STRING] = "a string",
	[FT_BOOL] = "true or false",
	[FT_NUMBER] = "a number",
	[FT_OBJECT] = "an object",
	[FT_ARRAY] = "an array",
	[FT_STRINGS] = "an array of strings",
	[FT_UINTS] = "an array of non-negative integers",
	[FT_CIDRS] = "an array of CIDRs",
	[FT_IPS] = "an array of IP addresses",
	[FT_OBJECTS] = "an array of objects",
	[FT_LABELS] = "an object of strings",
};

#define REQ 1u     /* must be present */
#define NULL_OK 2u /* a required member may be null (Go writes nil slices as null) */

struct field {
	const char *name;
	enum ftype type;
	unsigned flags;
};

static bool is_string(json_t *j)
{
	return json_is_string(j);
}

static bool is_object(json_t *j)
{
	return json_is_object(j);
}

static bool is_uint(json_t *j)
{
	return json_is_integer(j) && json_integer_value(j) >= 0;
}

static bool is_cidr(json_t *j)
{
	struct calico_cidr c;

	return json_is_string(j) && calico_cidr_parse(json_string_value(j), &c);
}

static bool is_ip(json_t *j)
{
	unsigned char addr[16];
	int family;

	return json_is_string(j) && ip_parse(json_string_value(j), &family, addr);
}

static bool every_item(json_t *a, bool (*ok)(json_t *))
{
	size_t i;
	json_t *item;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, item)
		if (!ok(item))
			return false;
	return true;
}

static bool is_type(json_t *j, enum ftype t)
{
	const char *name;
	json_t *member;

	switch (t) {
	case FT_STRING:
		return json_is_string(j);
	case FT_BOOL:
		return json_is_boolean(j);
	case FT_NUMBER:
		return json_is_number(j);
	case FT_OBJECT:
		return json_is_object(j);
	case FT_ARRAY:
		return json_is_array(j);
	case FT_STRINGS:
		return every_item(j, is_string);
	case FT_UINTS:
		return every_item(j, is_uint);
	case FT_CIDRS:
		return every_item(j, is_cidr);
	case FT_IPS:
		return every_item(j, is_ip);
	case FT_OBJECTS:
		return every_item(j, is_object);
	case FT_LABELS:
		if (!json_is_object(j))
			return false;
		json_object_foreach(j, name, member)
			if (!json_is_string(member))
				return false;
		return true;
	}
	return false;
}

static bool _printf_(2, 3) bad(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, CALICO_PROBLEM_MAX, fmt, ap);
	va_end(ap);
	return false;
}

static bool check_fields(json_t *doc, const struct field *f, size_t n, char *why)
{
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_object_get(doc, f[i].name);

		if (!j || json_is_null(j)) {
			if ((f[i].flags & REQ) && !(j && (f[i].flags & NULL_OK)))
				return bad(why, "%s '%s'", j ? "null" : "missing", f[i].name);
			continue;
		}
		if (!is_type(j, f[i].type))
			return bad(why, "'%s' is not %s", f[i].name, ftype_text[f[i].type]);
	}
	return true;
}

/* The CIDR in the value's "cidr" member is the key's. */
static bool check_key_cidr(const struct calico_key *k, const char *text, char *why)
{
	struct calico_cidr in_key, in_value;

	if (!calico_cidr_parse(k->cidr, &in_key) || in_key.family != k->family)
		return bad(why, "the key's CIDR '%s' is not an IPv%d CIDR", k->cidr, k->family);
	if (!calico_cidr_parse(text, &in_value))
		return bad(why, "cidr '%s' is not a CIDR", text);
	if (!calico_cidr_equal(&in_key, &in_value))
		return bad(why, "cidr '%s' does not match the key's '%s'", text, k->cidr);
	return true;
}

static bool check_pool(const struct calico_key *k, json_t *doc, char *why)
{
	return check_key_cidr(k, json_string_value(json_object_get(doc, "cidr")), why);
}

/* Addresses in a block: 64 in every Calico v1 block; 0 when too many to check. */
static size_t cidr_size(const struct calico_cidr *c)
{
	unsigned host_bits = (c->family == 6 ? 128 : 32) - c->bits;

	return host_bits <= 16 ? (size_t)1 << host_bits : 0;
}

static bool check_allocations(json_t *doc, size_t size, char *why)
{
	json_t *alloc = json_object_get(doc, "allocations"), *item;
	size_t n_attrs = json_array_size(json_object_get(doc, "attributes")), n = json_array_size(alloc);
	size_t i;

	if (size && n != size)
		return bad(why, "'allocations' has %zu entries for %zu addresses", n, size);
	json_array_foreach(alloc, i, item)
		if (!json_is_null(item) &&
		    !(is_uint(item) && (size_t)json_integer_value(item) < n_attrs))
			return bad(why, "allocations[%zu] is neither null nor an index into the %zu "
				   "attributes", i, n_attrs);
	json_array_foreach(json_object_get(doc, "unallocated"), i, item)
		if ((size_t)json_integer_value(item) >= n)
			return bad(why, "unallocated[%zu] is not an ordinal of the block", i);
	json_array_foreach(json_object_get(doc, "attributes"), i, item) {
		json_t *handle = json_object_get(item, "handle_id");
		json_t *secondary = json_object_get(item, "secondary");

		if (handle && !json_is_null(handle) && !json_is_string(handle))
			return bad(why, "attributes[%zu].handle_id is neither a string nor null", i);
		if (secondary && !json_is_null(secondary) && !json_is_object(secondary))
			return bad(why, "attributes[%zu].secondary is neither an object nor null", i);
	}
	return true;
}

static bool check_block(const struct calico_key *k, json_t *doc, char *why)
{
	struct calico_cidr c;

	if (!check_pool(k, doc, why))
		return false;
	calico_cidr_parse(k->cidr, &c);
	return check_allocations(doc, cidr_size(&c), why);
}

static bool check_handle(const struct calico_key *k, json_t *doc, char *why)
{
	const char *cidr;
	json_t *count;
	struct calico_cidr c;

	json_object_foreach(json_object_get(doc, "block"), cidr, count) {
		if (!calico_cidr_parse(cidr, &c))
			return bad(why, "block '%s' is not a CIDR", cidr);
		if (!is_uint(count))
			return bad(why, "the count of block '%s' is not a non-negative integer", cidr);
	}
	return true;
}

/* "64512" or asdot "1.10" (uint32 either way). */
static bool is_asn(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	unsigned long hi, lo;

	if (!dot)
		return decimal(s, len, 10, &hi) && hi <= UINT32_MAX;
	return decimal(s, (size_t)(dot - s), 5, &hi) && hi <= UINT16_MAX &&
	       decimal(dot + 1, len - (size_t)(dot + 1 - s), 5, &lo) && lo <= UINT16_MAX;
}

static bool check_peer(const struct calico_key *k, json_t *doc, char *why)
{
	const char *ip = json_string_value(json_object_get(doc, "ip"));
	const char *asn = json_string_value(json_object_get(doc, "as_num"));
	unsigned char a[16], b[16];
	int fa, fb;

	if (!ip_parse(k->peer_ip, &fa, a) || fa != k->family)
		return bad(why, "the key's peer '%s' is not an IPv%d address", k->peer_ip, k->family);
	if (!ip_parse(ip, &fb, b) || fa != fb || memcmp(a, b, 16) != 0)
		return bad(why, "ip '%s' does not match the key's '%s'", ip, k->peer_ip);
	if (!is_asn(asn, strlen(asn)))
		return bad(why, "as_num '%s' is not an AS number", asn);
	return true;
}

static bool check_v3(const struct calico_key *k, json_t *doc, char *why)
{
	const char *api = json_string_value(json_object_get(doc, "apiVersion"));
	json_t *meta = json_object_get(doc, "metadata"), *spec = json_object_get(doc, "spec");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));

	if (strcmp(api, "projectcalico.org/v3") != 0)
		return bad(why, "apiVersion '%s' is not 'projectcalico.org/v3'", api);
	if (!name || strcmp(name, k->name) != 0)
		return bad(why, "metadata.name '%s' does not match the key's '%s'", name ? name : "",
			   k->name);
	if (k->ns && (!ns || strcmp(ns, k->ns) != 0))
		return bad(why, "metadata.namespace '%s' does not match the key's '%s'",
			   ns ? ns : "", k->ns);
	if (strcmp(k->resource, "ippools") == 0 && !is_cidr(json_object_get(spec, "cidr")))
		return bad(why, "spec.cidr of an IP pool is not a CIDR");
	return true;
}

static bool check_raw_ip(const struct calico_key *k, const char *s, size_t len, char *why)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	int family;

	if (len == 0)
		return true;
	if (len >= sizeof(ip))
		return bad(why, "not an IPv%d address (%zu bytes)", k->family, len);
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (!ip_parse(ip, &family, addr) || family != k->family)
		return bad(why, "'%s' is not an IPv%d address", ip, k->family);
	return true;
}

static bool check_raw_cidr(const struct calico_key *k, const char *s, size_t len, char *why)
{
	char text[INET6_ADDRSTRLEN + 5];
	struct calico_cidr c;

	if (len == 0)
		return true;
	if (len >= sizeof(text))
		return bad(why, "not an IPv%d CIDR (%zu bytes)", k->family, len);
	memcpy(text, s, len);
	text[len] = '\0';
	if (!calico_cidr_parse(text, &c) || c.family != k->family)
		return bad(why, "'%s' is not an IPv%d CIDR", text, k->family);
	return true;
}

static bool check_raw_asn(const struct calico_key *k, const char *s, size_t len, char *why)
{
	return is_asn(s, len) || bad(why, "'%.*s' is not an AS number", (int)(len > 32 ? 32 : len), s);
}

static const struct field node_mesh_fields[] = { { "enabled", FT_BOOL, REQ } };

static const struct field workload_endpoint_fields[] = {
	{ "state", FT_STRING, REQ },
	{ "name", FT_STRING, REQ },
	{ "profile_ids", FT_STRINGS, REQ | NULL_OK },
	{ "ipv4_nets", FT_CIDRS, REQ | NULL_OK },
	{ "ipv6_nets", FT_CIDRS, REQ | NULL_OK },
	{ "active_instance_id", FT_STRING, 0 },
	{ "mac", FT_STRING, 0 },
	{ "labels", FT_LABELS, 0 },
	{ "ipv4_nat", FT_OBJECTS, 0 },
	{ "ipv6_nat", FT_OBJECTS, 0 },
	{ "ipv4_gateway", FT_STRING, 0 },
	{ "ipv6_gateway", FT_STRING, 0 },
};

static const struct field host_endpoint_fields[] = {
	{ "name", FT_STRING, 0 },
	{ "expected_ipv4_addrs", FT_IPS, 0 },
	{ "expected_ipv6_addrs", FT_IPS, 0 },
	{ "labels", FT_LABELS, 0 },
	{ "profile_ids", FT_STRINGS, 0 },
};

static const struct field rules_fields[] = {
	{ "inbound_rules", FT_OBJECTS, 0 },
	{ "outbound_rules", FT_OBJECTS, 0 },
};

static const struct field policy_fields[] = {
	{ "selector", FT_STRING, REQ },
	{ "order", FT_NUMBER, 0 },
	{ "inbound_rules", FT_OBJECTS, 0 },
	{ "outbound_rules", FT_OBJECTS, 0 },
	{ "types", FT_STRINGS, 0 },
	{ "untracked", FT_BOOL, 0 },
	{ "pre_dnat", FT_BOOL, 0 },
	{ "annotations", FT_LABELS, 0 },
};

static const struct field pool_fields[] = {
	{ "cidr", FT_STRING, REQ },
	{ "ipip", FT_STRING, 0 },
	{ "ipip_mode", FT_STRING, 0 },
	{ "masquerade", FT_BOOL, 0 },
	{ "ipam", FT_BOOL, 0 },
	{ "disabled", FT_BOOL, 0 },
};

static const struct field block_fields[] = {
	{ "cidr", FT_STRING, REQ },
	{ "affinity", FT_STRING, 0 },
	{ "hostAffinity", FT_STRING, 0 },
	{ "strictAffinity", FT_BOOL, 0 },
	{ "allocations", FT_ARRAY, REQ },
	{ "unallocated", FT_UINTS, REQ | NULL_OK },
	{ "attributes", FT_OBJECTS, REQ | NULL_OK },
};

static const struct field handle_fields[] = { { "block", FT_OBJECT, REQ } };

static const struct field ipam_config_fields[] = {
	{ "strict_affinity", FT_BOOL, 0 },
	{ "auto_allocate_blocks", FT_BOOL, 0 },
};

static const struct field peer_fields[] = {
	{ "ip", FT_STRING, REQ },
	{ "as_num", FT_STRING, REQ },   /* a string: Go's ",string" tag */
};

static const struct field felix_report_fields[] = {
	{ "time", FT_STRING, REQ },
	{ "uptime", FT_NUMBER, REQ },
	{ "first_update", FT_BOOL, 0 },
};

static const struct field endpoint_status_fields[] = { { "status", FT_STRING, REQ } };

static const struct field v3_fields[] = {
	{ "kind", FT_STRING, REQ },
	{ "apiVersion", FT_STRING, REQ },
	{ "metadata", FT_OBJECT, REQ },
	{ "spec", FT_OBJECT, 0 },
};

struct format_def {
	bool json;
	/* JSON: the document's type, its members, and a check of what types cannot say. */
	enum ftype doc;
	const struct field *fields;
	size_t n_fields;
	bool (*check)(const struct calico_key *k, json_t *doc, char *why);
	/* raw text: NULL when anything goes */
	bool (*check_raw)(const struct calico_key *k, const char *s, size_t len, char *why);
};

#define FIELDS(a) (a), ARRAY_SIZE(a)

static const struct format_def formats[CALICO_FMT__COUNT] = {
	[CALICO_FMT_NONE] = { .json = false },
	[CALICO_FMT_TEXT] = { .json = false },
	[CALICO_FMT_READY] = { .json = false },
	[CALICO_FMT_IP] = { .check_raw = check_raw_ip },
	[CALICO_FMT_CIDR] = { .check_raw = check_raw_cidr },
	[CALICO_FMT_ASN] = { .check_raw = check_raw_asn },
	[CALICO_FMT_NODE_MESH] = { true, FT_OBJECT, FIELDS(node_mesh_fields), NULL, NULL },
	[CALICO_FMT_HOST_METADATA] = { true, FT_OBJECT, NULL, 0, NULL, NULL },
	[CALICO_FMT_ORCHESTRATOR_REFS] = { true, FT_OBJECTS, NULL, 0, NULL, NULL },
	[CALICO_FMT_WORKLOAD_ENDPOINT] = { true, FT_OBJECT, FIELDS(workload_endpoint_fields),
					   NULL, NULL },
	[CALICO_FMT_HOST_ENDPOINT] = { true, FT_OBJECT, FIELDS(host_endpoint_fields), NULL, NULL },
	[CALICO_FMT_PROFILE_TAGS] = { true, FT_STRINGS, NULL, 0, NULL, NULL },
	[CALICO_FMT_PROFILE_RULES] = { true, FT_OBJECT, FIELDS(rules_fields), NULL, NULL },
	[CALICO_FMT_PROFILE_LABELS] = { true, FT_LABELS, NULL, 0, NULL, NULL },
	[CALICO_FMT_POLICY] = { true, FT_OBJECT, FIELDS(policy_fields), NULL, NULL },
	[CALICO_FMT_IP_POOL] = { true, FT_OBJECT, FIELDS(pool_fields), check_pool, NULL },
	[CALICO_FMT_IPAM_BLOCK] = { true, FT_OBJECT, FIELDS(block_fields), check_block, NULL },
	[CALICO_FMT_IPAM_HANDLE] = { true, FT_OBJECT, FIELDS(handle_fields), check_handle, NULL },
	[CALICO_FMT_IPAM_CONFIG] = { true, FT_OBJECT, FIELDS(ipam_config_fields), NULL, NULL },
	[CALICO_FMT_BGP_PEER] = { true, FT_OBJECT, FIELDS(peer_fields), check_peer, NULL },
	[CALICO_FMT_FELIX_REPORT] = { true, FT_OBJECT, FIELDS(felix_report_fields), NULL, NULL },
	[CALICO_FMT_ENDPOINT_STATUS] = { true, FT_OBJECT, FIELDS(endpoint_status_fields), NULL,
					 NULL },
	[CALICO_FMT_V3_RESOURCE] = { true, FT_OBJECT, FIELDS(v3_fields), check_v3, NULL },
};

static bool check_json(const struct format_def *f, const struct calico_key *k, json_t *doc,
		       char *why)
{
	if (!is_type(doc, f->doc))
		return bad(why, "the document is not %s", ftype_text[f->doc]);
	return check_fields(doc, f->fields, f->n_fields, why) && (!f->check || f->check(k, doc, why));
}

enum dsck_err calico_value_parse(struct calico_value *v, const struct calico_key *k,
				 const char *value, size_t len, struct dsck_error *err)
{
	const struct format_def *f = &formats[k->format];
	json_error_t jerr;

	v->doc = NULL;
	v->problem[0] = '\0';
	if (!f->json) {
		if (f->check_raw)
			f->check_raw(k, value ? value : "", len, v->problem);
		return DSCK_OK;
	}
	v->doc = json_loadb(value ? value : "", len, JSON_DECODE_ANY, &jerr);
	if (!v->doc) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory parsing a JSON value");
		bad(v->problem, "not valid JSON: %s (at byte %d)", jerr.text, jerr.position);
		return DSCK_OK;
	}
	if (!check_json(f, k, v->doc, v->problem)) {
		json_decref(v->doc);
		v->doc = NULL;
	}
	return DSCK_OK;
}

void calico_value_release(struct calico_value *v)
{
	json_decref(v->doc);
	v->doc = NULL;
}

/* ---------------------------------------------------------------- facts for cross-checks */

json_t *calico_endpoint_profiles(const struct calico_value *v)
{
	json_t *ids = json_object_get(v->doc, "profile_ids");

	return json_is_array(ids) ? ids : NULL;
}

const char *calico_block_host(const struct calico_value *v)
{
	const char *affinity = json_string_value(json_object_get(v->doc, "affinity"));

	if (affinity)
		return strncmp(affinity, "host:", 5) == 0 ? affinity + 5 : NULL;
	/* Very old blocks: libcalico-go maps hostAffinity to "host:<h>" on read. */
	return json_string_value(json_object_get(v->doc, "hostAffinity"));
}

size_t calico_block_size(const struct calico_value *v)
{
	return json_array_size(json_object_get(v->doc, "allocations"));
}

const char *calico_block_handle(const struct calico_value *v, size_t ordinal, size_t *attr)
{
	json_t *index = json_array_get(json_object_get(v->doc, "allocations"), ordinal);
	json_t *attrs = json_object_get(v->doc, "attributes");

	if (!json_is_integer(index))
		return NULL;
	*attr = (size_t)json_integer_value(index);
	return json_string_value(json_object_get(json_array_get(attrs, *attr), "handle_id"));
}

json_t *calico_handle_blocks(const struct calico_value *v)
{
	return json_object_get(v->doc, "block");
}

static bool is_v3(const struct calico_key *k, const char *resource)
{
	return k->kind == CALICO_V3_RESOURCE && strcmp(k->resource, resource) == 0;
}

const char *calico_pool_cidr(const struct calico_key *k, const struct calico_value *v)
{
	if (k->kind == CALICO_IP_POOL)
		return k->cidr;
	if (is_v3(k, "ippools"))
		return json_string_value(json_object_get(json_object_get(v->doc, "spec"), "cidr"));
	return NULL;
}

bool calico_cluster_info(const struct calico_key *k, const struct calico_value *v,
			 struct calico_cluster_info *out)
{
	json_t *spec, *ready;

	if (!is_v3(k, "clusterinformations") || strcmp(k->name, "default") != 0 || !v->doc)
		return false;
	spec = json_object_get(v->doc, "spec");
	ready = json_object_get(spec, "datastoreReady");
	out->datastore_ready = json_is_boolean(ready) ? json_is_true(ready) : -1;
	out->calico_version = json_string_value(json_object_get(spec, "calicoVersion"));
	out->cluster_guid = json_string_value(json_object_get(spec, "clusterGUID"));
	return true;
}
