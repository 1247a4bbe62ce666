/*
 * report: findings for people, one line per code (docs/findings.md,
 * "Tables"); cli_findings_json and cli_findings_table are in cli.h.
 */
#ifndef DSCK_REPORT_H
#define DSCK_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/findings.h"

/* Examples a grouped line names before "and N more". */
#define REPORT_EXAMPLES 3

/*
 * Print the findings of severity @min and up, most severe first, one line
 * per code, indented by @indent and fitted to @width (table.h). True when
 * a line left out its "(dsck explain CODE)" pointer to fit.
 */
bool cli_findings_lines(const struct findings *f, int indent, enum severity min, size_t width);
/* The line that stands for the pointers cli_findings_lines left out. */
void cli_findings_pointer_note(int indent);

#endif
