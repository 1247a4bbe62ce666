/*
 * dsck preflight: every check that applies, one go/no-go report, optionally
 * as JUnit XML for CI systems.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "base/keyfilter.h"
#include "check/preflight.h"

static const char *status_of(const struct preflight_check *c)
{
	if (c->skipped)
		return "SKIP";
	if (!findings_ok(&c->findings))
		return "FAIL";
	return c->findings.by_sev[SEV_WARNING] ? "WARN" : "PASS";
}

static void xml_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* XML 1.0 forbids most control characters. */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static int write_junit(const char *path, const struct preflight *p)
{
	size_t failures = 0, skipped = 0;
	FILE *f = fopen(path, "w");

	if (!f) {
		errorf("cannot write '%s': %s", path, strerror(errno));
		return EXIT_IO;
	}
	for (size_t i = 0; i < p->n; i++) {
		failures += !preflight_check_ok(&p->checks[i]);
		skipped += p->checks[i].skipped;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuite name=\"dsck preflight\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		   "skipped=\"%zu\">\n", p->n, failures, skipped);
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];

		fprintf(f, "  <testcase classname=\"dsck.preflight\" name=\"");
		xml_escaped(f, c->name);
		fprintf(f, "\">\n");
		if (c->skipped) {
			fprintf(f, "    <skipped message=\"");
			xml_escaped(f, c->reason);
			fprintf(f, "\"/>\n");
		} else if (!preflight_check_ok(c)) {
			fprintf(f, "    <failure message=\"%zu error findings\" type=\"error\">",
				c->findings.by_sev[SEV_ERROR]);
			for (size_t k = 0; k < c->findings.n; k++) {
				const struct finding *x = &c->findings.v[k];

				if (x->sev != SEV_ERROR)
					continue;
				fprintf(f, "\n%s", x->code);
				if (x->member) {
					fputs(" [", f);
					xml_escaped(f, x->member);
					fputc(']', f);
				}
				if (x->key) {
					fputc(' ', f);
					xml_escaped(f, x->key);
				}
				fputs(": ", f);
				xml_escaped(f, x->detail);
			}
			fprintf(f, "\n    </failure>\n");
		}
		fprintf(f, "  </testcase>\n");
	}
	fprintf(f, "</testsuite>\n");
	if (fclose(f) != 0) {
		errorf("cannot write '%s': %s", path, strerror(errno));
		return EXIT_IO;
	}
	return EXIT_OK;
}

static void render_table(const struct preflight *p)
{
	printf("%-28s %-6s %s\n", "CHECK", "RESULT", "DETAIL");
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];

		const char *st = status_of(c);
		enum cli_color col = st[0] == 'F' ? COLOR_RED : st[0] == 'W' ? COLOR_YELLOW :
				     st[0] == 'P' ? COLOR_GREEN : COLOR_RESET;

		printf("%-28s %s%-6s%s %s\n", c->name, cli_color(col), st, cli_color(COLOR_RESET),
		       c->reason);
		for (size_t k = 0; k < c->findings.n; k++) {
			const struct finding *x = &c->findings.v[k];

			if (x->sev == SEV_INFO)
				continue;
			printf("    %-7s %-30s %s%s%s%s%s\n", x->sev == SEV_ERROR ? "error" : "warning",
			       x->code, x->key ? x->key : "", x->key ? " " : "",
			       x->member ? "[" : "", x->member ? x->member : "", x->member ? "]" : "");
		}
	}
	bool go = preflight_ok(p) && !p->unreachable;

	printf("\n%s%s%s%s", cli_color(COLOR_BOLD), cli_color(go ? COLOR_GREEN : COLOR_RED),
	       go ? "GO" : "NO-GO", cli_color(COLOR_RESET));
	if (go && p->next_step[0])
		printf(": next, %s", p->next_step);
	else if (!go)
		printf(": fix what failed above, then run dsck preflight again");
	printf("\n");
}

static int render_json(const struct preflight *p)
{
	json_t *doc = json_object(), *checks = json_array();

	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(c->name));
		json_object_set_new(o, "ok", json_boolean(preflight_check_ok(c)));
		json_object_set_new(o, "skipped", json_boolean(c->skipped));
		json_object_set_new(o, "reason", json_string(c->reason));
		json_object_set_new(o, "findings", cli_findings_json(&c->findings));
		json_array_append_new(checks, o);
	}
	json_object_set_new(doc, "check", json_string("preflight"));
	json_object_set_new(doc, "ok", json_boolean(preflight_ok(p) && !p->unreachable));
	json_object_set_new(doc, "checks", checks);
	if (p->next_step[0] && preflight_ok(p) && !p->unreachable)
		json_object_set_new(doc, "next_step", json_string(p->next_step));
	return cli_print_json(doc);
}

int cmd_preflight(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct preflight p;
	struct keyfilter f;
	struct dsck_conn conn;
	const char *ds;
	int rc;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if ((rc = cli_keyfilter(cli, &f, "/calico")) || (rc = cli_connect_settings(cli, &conn)))
		return rc;
	preflight_init(&p);
	ds = settings_get(&cli->settings, SET_DATASTORE_TYPE);
	if (ds && strcmp(ds, "kubernetes") == 0) {
		/* A Kubernetes-datastore cluster has no etcd of Calico's to check. */
		preflight_skip(preflight_add(&p, "etcd"), "datastoreType is kubernetes");
	} else if (preflight_etcd(&p, &conn, &f, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (cli_preflight_extra(cli, &p, &conn, &f, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (cli->format == OUT_JSON)
		rc = render_json(&p);
	else
		render_table(&p);
	if (!rc && cli->val[OPT_JUNIT])
		rc = write_junit(cli->val[OPT_JUNIT], &p);
	if (!rc)
		rc = p.unreachable ? EXIT_CONNECT : preflight_ok(&p) ? EXIT_OK : EXIT_DIFFERENT;
out:
	preflight_release(&p);
	conn_release(&conn);
	return rc;
}
