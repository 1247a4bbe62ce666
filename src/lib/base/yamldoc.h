/*
 * yamldoc: the few lookups dsck needs in a libyaml document (calicoctl
 * configs, kubeconfigs): a mapping member by name, and line numbers for
 * error messages.
 */
#ifndef DSCK_YAMLDOC_H
#define DSCK_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

/* The value of member @key of mapping @map, or NULL (also when @map is not a mapping). */
yaml_node_t *yamldoc_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
/* The 1-based line a node starts on. */
size_t yamldoc_line(const yaml_node_t *n);

#endif
