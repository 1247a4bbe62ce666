#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "base/buf.h"
#include "calico/inspect.h"
#include "calico/locate.h"
#include "check/check.h"
#include "check/check_calico_upgrade.h"
#include "store/etcd2.h"
#include "store/etcd3.h"
#include "store/source.h"
#include "check/preflight.h"

void preflight_init(struct preflight *p)
{
	memset(p, 0, sizeof(*p));
}

void preflight_release(struct preflight *p)
{
	for (size_t i = 0; i < p->n; i++)
		findings_release(&p->checks[i].findings);
	p->n = 0;
}

struct preflight_check *preflight_add(struct preflight *p, const char *name)
{
	struct preflight_check *c;

	if (p->n == PREFLIGHT_MAX_CHECKS)
		return NULL;
	c = &p->checks[p->n++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	findings_init(&c->findings, 200);
	return c;
}

void preflight_skip(struct preflight_check *c, const char *fmt, ...)
{
	va_list ap;

	c->skipped = true;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

void preflight_incomplete(struct preflight_check *c, enum dsck_err code, const char *fmt, ...)
{
	va_list ap;

	c->error = code ? code : DSCK_ERR_IO;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

enum dsck_err preflight_could_not(struct preflight_check *c, enum dsck_err rc, const char *what,
				  const struct dsck_error *e, struct dsck_error *err)
{
	if (rc == DSCK_ERR_NOMEM)
		return dsck_fail(err, rc, "%s", e->msg);
	preflight_incomplete(c, rc, "could not %s: %s", what, e->msg);
	return DSCK_OK;
}

void preflight_take_findings(struct preflight_check *c, struct findings *from)
{
	findings_release(&c->findings);
	c->findings = *from;
	findings_init(from, 0);
}

bool preflight_check_ok(const struct preflight_check *c)
{
	return c->skipped || findings_ok(&c->findings);
}

enum preflight_verdict preflight_verdict(const struct preflight *p, enum dsck_err *code)
{
	enum dsck_err first = DSCK_OK;
	bool failed = false, ran = false;

	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];

		if (c->error && !first)
			first = c->error;
		failed |= !preflight_check_ok(c);
		ran |= !c->skipped && !c->error;
	}
	if (!first && p->unreachable)
		first = DSCK_ERR_CONNECT;
	if (!first && failed)
		first = DSCK_ERR_FINDINGS;
	/* Nothing checked at all is no evidence: not GO. */
	if (!first && !ran)
		first = DSCK_ERR_USAGE;
	*code = first;
	if (failed)
		return PREFLIGHT_NO_GO;
	return first ? PREFLIGHT_INCOMPLETE : PREFLIGHT_GO;
}

const char *preflight_verdict_name(enum preflight_verdict v)
{
	static const char *const names[] = {
		[PREFLIGHT_GO] = "GO", [PREFLIGHT_NO_GO] = "NO-GO",
		[PREFLIGHT_INCOMPLETE] = "INCOMPLETE"
	};

	return ENUM_NAME(names, v);
}

bool preflight_ok(const struct preflight *p)
{
	enum dsck_err code;

	return preflight_verdict(p, &code) == PREFLIGHT_GO;
}

/*
 * Holding v2 data blocks only an etcd 3.6 upgrade, not the one preflight is
 * about. `check v2-content` gates 3.6, where v2-data-present is an error; a
 * code keeps one severity everywhere (docs/checks.md), so preflight reports
 * the same fact under its own code, as a warning.
 */
static void v2_data_is_warning(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].sev != SEV_ERROR || strcmp(f->v[i].code, "v2-data-present") != 0)
			continue;
		f->v[i].code = "v2-data-blocks-etcd-3.6";
		f->v[i].sev = SEV_WARNING;
		f->by_sev[SEV_ERROR]--;
		f->by_sev[SEV_WARNING]++;
	}
}

/* Connectivity and health of every member; learns where the data lives. */
static enum dsck_err connectivity(struct preflight *p, const struct dsck_conn *conn,
				  struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "connectivity");
	struct buf who = BUF_INIT(sizeof(c->reason) / 2), silent = BUF_INIT(sizeof(c->reason) / 2);
	char first_version[32] = "";
	enum dsck_err rc = DSCK_OK;

	for (size_t i = 0; i < conn->n_endpoints && !rc; i++) {
		struct dsck_error e = DSCK_ERROR_INIT;
		struct etcd3_member_status st;
		struct etcd3_client c3;
		struct dsck_conn mc;
		const char *ep = conn->endpoints[i];

		if ((rc = conn_init_member(&mc, conn, i, err)))
			break;
		if ((rc = etcd3_client_init(&c3, &mc, err))) {
			conn_release(&mc);
			break;
		}
		if (etcd3_member_status(&c3, &st, &e) != DSCK_OK) {
			p->unreachable++;
			buf_printf(&silent, "%s%s", silent.len ? ", " : "", ep);
			rc = findings_add(&c->findings, SEV_ERROR,
					  e.code == DSCK_ERR_CONNECT ? "member-unreachable" : "member-error",
					  ep, NULL, 0, "%s", e.msg);
		} else {
			p->any_reachable = true;
			buf_printf(&who, "%s%s", who.len ? ", " : "", ep);
			if (!st.leader)
				rc = findings_add(&c->findings, SEV_ERROR, "member-unhealthy", ep, NULL, 0,
						  "the member has no leader");
			else if (first_version[0] && strcmp(first_version, st.version) != 0)
				rc = findings_add(&c->findings, SEV_WARNING, "version-skew", ep, NULL, 0,
						  "etcd %s here, %s on the first member", st.version,
						  first_version);
			else
				rc = findings_add(&c->findings, SEV_INFO, "member-ok", ep, NULL, 0,
						  "etcd %s, revision %lld, db %lld bytes", st.version,
						  (long long)st.revision,
						  (long long)st.db_size);
			if (!first_version[0])
				snprintf(first_version, sizeof(first_version), "%s", st.version);
		}
		etcd3_client_release(&c3);
		conn_release(&mc);
		if (rc)
			rc = dsck_oom(err);   /* findings_add fails only for memory */
	}
	snprintf(c->reason, sizeof(c->reason), "%zu of %zu members answer%s%s%s%s%s",
		 conn->n_endpoints - p->unreachable, conn->n_endpoints, who.len ? " (" : "",
		 buf_str(&who), who.len ? ")" : "", silent.len ? "; no answer from " : "",
		 buf_str(&silent));
	buf_release(&who);
	buf_release(&silent);
	return rc;
}

/* Where is the Calico data? v2 served with /calico; v3 empty or holding /calico/. */
static enum dsck_err locate_data(struct preflight *p, const struct dsck_conn *conn,
				 const struct keyfilter *f, struct dsck_error *err)
{
	struct locate l;
	enum dsck_err rc = locate_run(&l, conn, f, LOCATE_V2 | LOCATE_V3, err);

	p->v2_served = l.v2_served == 1;
	p->v3_empty = l.v3_total == 0;
	p->v3_calico = l.v3_calico;
	return rc;
}

/* Run one etcd check into a new slot; *@out (when given) is that slot. */
static enum dsck_err run_check(struct preflight *p, const char *name, const struct dsck_conn *conn,
			       const struct keyfilter *f, struct preflight_check **out,
			       struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, name);
	struct check_result r;
	enum dsck_err rc;

	struct dsck_error e = DSCK_ERROR_INIT;
	struct buf who = BUF_INIT(sizeof(c->reason) - 64);

	check_result_init(&r, name);
	if (strcmp(name, "pre-migrate") == 0)
		rc = check_pre_migrate(conn, f, &r, &e);
	else if (strcmp(name, "verify-migrate") == 0)
		rc = check_verify_migrate(conn, f, NULL, 0, &r, &e);
	else
		rc = check_v2_content(conn, &r, &e);
	/* Could not run (auth, refused...): reported, and the others still run. */
	if (rc)
		rc = preflight_could_not(c, rc, "check", &e, err);
	v2_data_is_warning(&r.findings);
	if (!rc && findings_append(&c->findings, &r.findings))
		rc = dsck_oom(err);
	for (size_t i = 0; i < r.n_members; i++)
		if (r.members[i].reachable)
			buf_printf(&who, "%s%s", who.len ? ", " : "", r.members[i].endpoint);
	if (!rc && !c->error)
		snprintf(c->reason, sizeof(c->reason), "%zu of %zu members checked%s%s%s",
			 r.n_members - r.unreachable, r.n_members, who.len ? " (" : "",
			 buf_str(&who), who.len ? ")" : "");
	buf_release(&who);
	check_result_release(&r);
	if (out)
		*out = c;
	return rc;
}

enum dsck_err preflight_etcd(struct preflight *p, const struct dsck_conn *conn,
			     const struct keyfilter *f, struct dsck_error *err)
{
	enum dsck_err rc;

	if ((rc = connectivity(p, conn, err)))
		return rc;
	if (!p->any_reachable) {
		preflight_skip(preflight_add(p, "migration"), "no etcd member answers");
		preflight_skip(preflight_add(p, "v2-content"), "no etcd member answers");
		snprintf(p->next_step, sizeof(p->next_step),
			 "check --endpoints and that etcd is running, then run dsck preflight again");
		return DSCK_OK;
	}
	if ((rc = locate_data(p, conn, f, err)))
		return rc;
	if (p->v3_calico) {
		rc = run_check(p, "verify-migrate", conn, f, NULL, err);
		snprintf(p->next_step, sizeof(p->next_step),
			 "keep serving v2 until every Calico component uses v3; 'dsck diff v2 v3' "
			 "shows drift since the migration");
	} else if (p->v2_served) {
		struct preflight_check *pre = NULL;

		/* Before the migration (also when v3 holds other data: it would be lost). */
		rc = run_check(p, "pre-migrate", conn, f, &pre, err);
		/* TTL keys would become permanent: the command leaves them out. */
		snprintf(p->next_step, sizeof(p->next_step),
			 "take 'dsck snapshot save before.snap --api v2', stop every member, run "
			 "'ETCDCTL_API=3 etcdctl migrate --data-dir DIR%s' on each, start them with "
			 "--enable-v2=true, then 'dsck verify-migrate --before before.snap'",
			 findings_count(&pre->findings, "ttl-will-persist") ?
			 " --no-ttl" : "");
	} else {
		struct preflight_check *c = preflight_add(p, "migration");

		/* Calico keeps its data here: finding none is a wrong endpoint, not a pass. */
		snprintf(c->reason, sizeof(c->reason), "no Calico data found");
		if (findings_add(&c->findings, SEV_ERROR, "no-calico-data", NULL, NULL, 0,
				 "the v2 API is not served and v3 holds no keys under %.*s: is this "
				 "an etcd client URL (not the peer port), and the right cluster?",
				 (int)f->prefix_len, f->prefix))
			return dsck_oom(err);
	}
	if (!rc && p->v2_served)
		rc = run_check(p, "v2-content", conn, f, NULL, err);
	else if (!rc)
		preflight_skip(preflight_add(p, "v2-content"), "the v2 API is not served");
	return rc;
}

enum dsck_err preflight_inspect(struct preflight *p, const struct dsck_conn *conn,
				const struct keyfilter *f, struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "inspect");
	struct dsck_error e = DSCK_ERROR_INIT;
	struct source src;
	struct inspect in;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	if (!p->any_reachable || (!p->v2_served && !p->v3_calico)) {
		preflight_skip(c, "no Calico data reachable in v2 or v3");
		return DSCK_OK;
	}
	/* v2 first: Calico v2.x reads it. */
	if (p->v2_served)
		rc = source_open_v2(&src, conn, f, true, &e);
	else
		rc = source_open_v3(&src, conn, f, 0, false, &e);
	if (rc)
		return preflight_could_not(c, rc, "read the store", &e, err);
	rc = inspect_run(&in, &src, NULL, NULL, &e);
	if (!rc) {
		snprintf(c->reason, sizeof(c->reason), "%s store: %zu keys, model %s, Ready %s, "
			 "CalicoVersion %s", dsck_api_name(src.api), in.counts.keys,
			 inspect_model_name(inspect_model(&in)),
			 in.ready == INSPECT_READY_TRUE ? "true" :
			 in.ready == INSPECT_READY_FALSE ? "false" : "unknown",
			 in.calico_version ? in.calico_version : "unknown");
		preflight_take_findings(c, &in.findings);
	} else {
		rc = preflight_could_not(c, rc, "read the store", &e, err);
	}
	inspect_release(&in);
	source_close(&src);
	return rc;
}

/*
 * check calico-upgrade, when the data says an upgrade is under way (v3
 * resources, or v1 paused); before that its refusals are no reason to stop
 * an etcd upgrade, and `dsck check calico-upgrade` says what it would refuse.
 */
enum dsck_err preflight_calico_upgrade(struct preflight *p, const struct dsck_conn *conn,
				       struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "calico-upgrade");
	struct dsck_error e = DSCK_ERROR_INIT;
	struct keyfilter f1, f3;
	struct source v1, v3;
	struct check_calico_upgrade cu;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	if (!p->any_reachable || !p->v2_served) {
		preflight_skip(c, "the v2 store is not served: no v1 data to convert");
		return DSCK_OK;
	}
	keyfilter_init(&f1, "/calico", false);
	keyfilter_init(&f3, "/calico/", false);
	if ((rc = source_open_v2(&v1, conn, &f1, true, &e)))
		return preflight_could_not(c, rc, "read the v2 store", &e, err);
	if ((rc = source_open_v3(&v3, conn, &f3, 0, false, &e))) {
		source_close(&v1);
		return preflight_could_not(c, rc, "read the v3 store", &e, err);
	}
	rc = check_calico_upgrade_run(&cu, &v1, &v3, CHECK_CALICO_UPGRADE_AUTO, &e);
	if (rc == DSCK_ERR_INPUT || (!rc && cu.phase == CHECK_CALICO_UPGRADE_BEFORE && cu.v1_ready)) {
		preflight_skip(c, "no calico-upgrade under way (%s); before `calico-upgrade start` run "
			       "`dsck check calico-upgrade`", rc ? "no v1 data" : cu.phase_reason);
		rc = DSCK_OK;
	} else if (!rc) {
		snprintf(c->reason, sizeof(c->reason), "phase %s: %zu converted, %zu missing, "
			 "%zu differing", check_calico_upgrade_phase_name(cu.phase), cu.converted,
			 cu.missing, cu.mismatched);
		preflight_take_findings(c, &cu.findings);
	} else {
		rc = preflight_could_not(c, rc, "check", &e, err);
	}
	check_calico_upgrade_release(&cu);
	source_close(&v1);
	source_close(&v3);
	return rc;
}
