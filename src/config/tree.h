/* Internal: a configuration file as a tree of maps, sequences and scalars,
 * parsed by libyaml, with the line of every node for messages, and dotted-path
 * overrides from the command line (train.lr=3e-4). */
#ifndef HN_CONFIG_TREE_H
#define HN_CONFIG_TREE_H

#include "hepnn/status.h"

typedef enum { HN_CFG_SCALAR, HN_CFG_MAP, HN_CFG_SEQ } hn_cfg_kind;

typedef struct hn_cfg_node {
    hn_cfg_kind kind;
    char *value;   /* scalars */
    int line;      /* 1-based; 0 for a value from the command line */
    int n;         /* items of a map or sequence */
    char **keys;   /* map keys */
    struct hn_cfg_node **items;
    int used;      /* set when the interpreter read it: unused keys are errors */
} hn_cfg_node;

/* Parses YAML text (name used in messages). Only plain YAML: no anchors/aliases. */
hn_status hn_cfg_parse(const char *text, size_t len, const char *name, hn_cfg_node **out, hn_error *err);
void hn_cfg_free(hn_cfg_node *n);

/* Applies "a.b.c=value" (value parsed as YAML: a scalar or a [flow, list]),
 * creating maps along the path as needed. */
hn_status hn_cfg_override(hn_cfg_node *root, const char *assignment, hn_error *err);

/* The item under key in a map (NULL if absent); marks it used. */
hn_cfg_node *hn_cfg_get(hn_cfg_node *map, const char *key);

/* Writes the tree back as YAML-ish text (for the report and the model's metadata). */
char *hn_cfg_dump(const hn_cfg_node *n);

#endif
