/*
 * dsck preflight: every check that applies, one go/no-go report, optionally
 * as JUnit XML for CI systems.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "table.h"
#include "base/keyfilter.h"
#include "check/preflight.h"

static const char *status_of(const struct preflight_check *c)
{
	if (c->skipped)
		return "SKIP";
	if (c->error)
		return "CANNOT-CHECK";
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

static void junit_body(FILE *f, const struct preflight *p)
{
	size_t failures = 0, skipped = 0, errors = 0;

	for (size_t i = 0; i < p->n; i++) {
		errors += p->checks[i].error != DSCK_OK;
		failures += !p->checks[i].error && !preflight_check_ok(&p->checks[i]);
		skipped += p->checks[i].skipped;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuite name=\"dsck preflight\" tests=\"%zu\" failures=\"%zu\" "
		   "errors=\"%zu\" skipped=\"%zu\">\n", p->n, failures, errors, skipped);
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];

		fprintf(f, "  <testcase classname=\"dsck.preflight\" name=\"");
		xml_escaped(f, c->name);
		fprintf(f, "\">\n");
		if (c->skipped) {
			fprintf(f, "    <skipped message=\"");
			xml_escaped(f, c->reason);
			fprintf(f, "\"/>\n");
		} else if (c->error) {
			fprintf(f, "    <error message=\"");
			xml_escaped(f, c->reason);
			fprintf(f, "\" type=\"%s\"/>\n", dsck_err_name(c->error));
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
}

/*
 * Like a snapshot: FILE.tmp (created new, mode 0600, never through a
 * symlink), fsynced, renamed over FILE; a symlink at FILE is replaced, not
 * followed. No partial file is left under FILE.
 */
static int write_junit(const char *path, const struct preflight *p)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errorf("cannot write '%s': name too long", path);
		return EXIT_IO;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		errorf("cannot create '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return EXIT_IO;
	}
	junit_body(f, p);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		errorf("cannot write '%s': %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return EXIT_IO;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		errorf("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return EXIT_IO;
	}
	return EXIT_OK;
}

static void render_table(const struct preflight *p)
{
	enum dsck_err code;
	enum preflight_verdict v = preflight_verdict(p, &code);
	size_t width = table_width(), namew = strlen("CHECK");
	bool left_out = false;

	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->checks[i].name) > namew)
			namew = strlen(p->checks[i].name);
	printf("%-*s  %-12s  %s\n", (int)namew, "CHECK", "RESULT", "DETAIL");
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];
		const char *st = status_of(c);
		enum cli_color col = st[0] == 'F' || st[0] == 'C' ? COLOR_RED
				     : st[0] == 'W' ? COLOR_YELLOW : st[0] == 'P' ? COLOR_GREEN
				     : COLOR_RESET;
		size_t used = namew + 2 + 12 + 2;

		printf("%-*s  %s%-12s%s  ", (int)namew, c->name, cli_color(col), st,
		       cli_color(COLOR_RESET));
		/* The reason is a message: shortened on a narrow terminal (docs/conventions.md). */
		table_put(stdout, c->reason, strlen(c->reason), table_room(width, used), TABLE_TEXT);
		putchar('\n');
		left_out |= cli_findings_lines(&c->findings, 4, SEV_WARNING, width);
	}
	if (left_out)
		cli_findings_pointer_note(0);
	printf("\n%s%s%s%s", cli_color(COLOR_BOLD),
	       cli_color(v == PREFLIGHT_GO ? COLOR_GREEN : COLOR_RED), preflight_verdict_name(v),
	       cli_color(COLOR_RESET));
	if (v == PREFLIGHT_GO && p->next_step[0])
		printf(": next, %s", p->next_step);
	else if (v == PREFLIGHT_NO_GO)
		printf(": fix what failed above, then run dsck preflight again");
	else if (v == PREFLIGHT_INCOMPLETE && code == DSCK_ERR_USAGE)
		printf(": nothing was checked; give --endpoints, or --kubeconfig with "
		       "--datastore-type kubernetes");
	else if (v == PREFLIGHT_INCOMPLETE)
		printf(": not everything could be checked (CANNOT-CHECK above): fix access, then "
		       "run dsck preflight again");
	printf("\n");
}

static int render_json(const struct preflight *p)
{
	enum dsck_err code;
	enum preflight_verdict v = preflight_verdict(p, &code);
	json_t *doc = cli_check_json("preflight", v == PREFLIGHT_GO, NULL), *checks = json_array();

	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_check *c = &p->checks[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(c->name));
		json_object_set_new(o, "ok", json_boolean(!c->error && preflight_check_ok(c)));
		json_object_set_new(o, "skipped", json_boolean(c->skipped));
		json_object_set_new(o, "status", json_string(status_of(c)));
		json_object_set_new(o, "error", c->error ? json_string(dsck_err_name(c->error))
							 : json_null());
		json_object_set_new(o, "reason", json_string(c->reason));
		json_object_set_new(o, "findings", cli_findings_json(&c->findings));
		json_array_append_new(checks, o);
	}
	json_object_set_new(doc, "verdict", json_string(preflight_verdict_name(v)));
	json_object_set_new(doc, "checks", checks);
	/* null when there is no next step: one shape (docs/json.md). */
	json_object_set_new(doc, "next_step", cli_json_text(v == PREFLIGHT_GO ? p->next_step : NULL));
	return cli_print_json(doc);
}

int cmd_preflight(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct preflight p;
	struct keyfilter f;
	struct dsck_conn conn;
	enum dsck_err code;
	const char *ds;
	bool kdd;
	int rc;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if ((rc = cli_keyfilter(cli, &f, "/calico")) || (rc = cli_connect_settings(cli, &conn)))
		return rc;
	preflight_init(&p);
	ds = settings_get(&cli->settings, SET_DATASTORE_TYPE);
	kdd = ds && strcmp(ds, "kubernetes") == 0;
	if (ds && !kdd && strcmp(ds, "etcdv2") != 0 && strcmp(ds, "etcdv3") != 0) {
		rc = cli_usage_error(cli, "datastore type '%s': use etcdv2 (or etcdv3) or kubernetes",
				     ds);
		goto out;
	}
	if (kdd) {
		/* A Kubernetes-datastore cluster has no etcd of Calico's to check. */
		preflight_skip(preflight_add(&p, "etcd"), "datastore is kubernetes (%s)",
			       settings_source_name(cli->settings.v[SET_DATASTORE_TYPE].source));
	} else if (preflight_etcd(&p, &conn, &f, &err) || preflight_inspect(&p, &conn, &f, &err) ||
		   preflight_calico_upgrade(&p, &conn, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (preflight_k8s(&p, &cli->settings, &conn, kdd, cli->val[OPT_TO_VERSION], &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	preflight_verdict(&p, &code);
	if (cli->format == OUT_JSON)
		rc = render_json(&p) ? EXIT_IO : EXIT_OK;
	else
		render_table(&p);
	if (!rc && cli->val[OPT_JUNIT])
		rc = write_junit(cli->val[OPT_JUNIT], &p);
	if (!rc)
		rc = exit_code_for(code);
out:
	preflight_release(&p);
	conn_release(&conn);
	return rc;
}
