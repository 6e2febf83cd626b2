/* Configuration trees through libyaml's document API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/tree.h"

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void hn_cfg_free(hn_cfg_node *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n; i++) {
        hn_cfg_free(n->items[i]);
        if (n->keys)
            free(n->keys[i]);
    }
    free(n->items);
    free(n->keys);
    free(n->value);
    free(n);
}

static hn_cfg_node *node_new(hn_cfg_kind kind, int line)
{
    hn_cfg_node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->line = line;
    }
    return n;
}

static int node_add(hn_cfg_node *parent, const char *key, hn_cfg_node *child)
{
    hn_cfg_node **items = realloc(parent->items, sizeof *items * (size_t)(parent->n + 1));
    if (!items)
        return -1;
    parent->items = items;
    if (parent->kind == HN_CFG_MAP) {
        char **keys = realloc(parent->keys, sizeof *keys * (size_t)(parent->n + 1));
        if (!keys)
            return -1;
        parent->keys = keys;
        keys[parent->n] = dup_n(key, strlen(key));
        if (!keys[parent->n])
            return -1;
    }
    items[parent->n++] = child;
    return 0;
}

/* Converts libyaml node `id` of doc; depth guards against deep nesting. */
static hn_cfg_node *convert(yaml_document_t *doc, int id, int depth, const char *name, hn_error *err)
{
    yaml_node_t *y = yaml_document_get_node(doc, id);
    if (!y) {
        hn_error_set(err, HN_ERR_FORMAT, "%s: malformed YAML document", name);
        return NULL;
    }
    int line = (int)y->start_mark.line + 1;
    if (depth > 64) {
        hn_error_set(err, HN_ERR_FORMAT, "%s:%d: nested too deeply", name, line);
        return NULL;
    }
    hn_cfg_node *n = NULL;
    if (y->type == YAML_SCALAR_NODE) {
        n = node_new(HN_CFG_SCALAR, line);
        if (n && !(n->value = dup_n((const char *)y->data.scalar.value, y->data.scalar.length))) {
            free(n);
            n = NULL;
        }
        if (!n)
            hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", name);
        return n;
    }
    if (y->type == YAML_SEQUENCE_NODE) {
        n = node_new(HN_CFG_SEQ, line);
        for (yaml_node_item_t *it = y->data.sequence.items.start; n && it < y->data.sequence.items.top; it++) {
            hn_cfg_node *c = convert(doc, *it, depth + 1, name, err);
            if (!c || node_add(n, NULL, c)) {
                hn_cfg_free(c);
                hn_cfg_free(n);
                return NULL;
            }
        }
    } else if (y->type == YAML_MAPPING_NODE) {
        n = node_new(HN_CFG_MAP, line);
        for (yaml_node_pair_t *p = y->data.mapping.pairs.start; n && p < y->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE) {
                hn_error_set(err, HN_ERR_FORMAT, "%s:%d: a key must be a plain name", name,
                             k ? (int)k->start_mark.line + 1 : line);
                hn_cfg_free(n);
                return NULL;
            }
            const char *key = (const char *)k->data.scalar.value;
            for (int i = 0; i < n->n; i++)
                if (!strcmp(n->keys[i], key)) {
                    hn_error_set(err, HN_ERR_FORMAT, "%s:%d: key '%s' appears twice", name,
                                 (int)k->start_mark.line + 1, key);
                    hn_cfg_free(n);
                    return NULL;
                }
            hn_cfg_node *c = convert(doc, p->value, depth + 1, name, err);
            if (!c || node_add(n, key, c)) {
                hn_cfg_free(c);
                hn_cfg_free(n);
                return NULL;
            }
        }
    }
    if (!n && err && !err->status)
        hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", name);
    return n;
}

hn_status hn_cfg_parse(const char *text, size_t len, const char *name, hn_cfg_node **out, hn_error *err)
{
    *out = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return hn_error_set(err, HN_ERR_NOMEM, "%s: cannot start the YAML parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        hn_status st = hn_error_set(err, HN_ERR_FORMAT, "%s:%d:%d: %s%s%s", name, (int)parser.problem_mark.line + 1,
                                    (int)parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML",
                                    parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return st;
    }
    hn_status st = HN_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        *out = node_new(HN_CFG_MAP, 1); /* an empty file is an empty map */
        if (!*out)
            st = hn_error_set(err, HN_ERR_NOMEM, "%s: out of memory", name);
    } else {
        *out = convert(&doc, 1, 0, name, err);
        if (!*out)
            st = err && err->status ? err->status : HN_ERR_FORMAT;
        else if ((*out)->kind != HN_CFG_MAP) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s:%d: the file must be a map of keys (task:, data:, network:, ...)",
                              name, (*out)->line);
            hn_cfg_free(*out);
            *out = NULL;
        }
    }
    /* a second document is a mistake */
    yaml_document_t doc2;
    if (!st && yaml_parser_load(&parser, &doc2)) {
        if (yaml_document_get_root_node(&doc2)) {
            st = hn_error_set(err, HN_ERR_FORMAT, "%s: more than one YAML document", name);
            hn_cfg_free(*out);
            *out = NULL;
        }
        yaml_document_delete(&doc2);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return st;
}

hn_cfg_node *hn_cfg_get(hn_cfg_node *map, const char *key)
{
    if (!map || map->kind != HN_CFG_MAP)
        return NULL;
    for (int i = 0; i < map->n; i++)
        if (!strcmp(map->keys[i], key)) {
            map->items[i]->used = 1;
            return map->items[i];
        }
    return NULL;
}

hn_status hn_cfg_override(hn_cfg_node *root, const char *assignment, hn_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return hn_error_set(err, HN_ERR_ARG, "override '%s': expected key=value (e.g. train.lr=3e-4)", assignment);
    /* the value, parsed as YAML so that lists and quoting work */
    hn_cfg_node *wrap = NULL;
    size_t vlen = strlen(eq + 1);
    char *doc = malloc(vlen + 8);
    if (!doc)
        return hn_error_set(err, HN_ERR_NOMEM, "override: out of memory");
    snprintf(doc, vlen + 8, "v: %s\n", eq + 1);
    hn_error perr = {0};
    hn_status st = hn_cfg_parse(doc, strlen(doc), "command line", &wrap, &perr);
    free(doc);
    if (st)
        return hn_error_set(err, HN_ERR_ARG, "override '%s': cannot read the value (%s)", assignment, perr.msg);
    hn_cfg_node *value = wrap->items[0];
    wrap->items[0] = NULL;
    wrap->n = 0;
    free(wrap->keys[0]);
    hn_cfg_free(wrap);
    value->line = 0;
    /* walk the path, creating maps */
    hn_cfg_node *cur = root;
    const char *p = assignment;
    while (p < eq) {
        const char *dot = memchr(p, '.', (size_t)(eq - p));
        const char *end = dot ? dot : eq;
        char key[128];
        size_t kl = (size_t)(end - p);
        if (kl == 0 || kl >= sizeof key) {
            hn_cfg_free(value);
            return hn_error_set(err, HN_ERR_ARG, "override '%s': empty or too long key", assignment);
        }
        memcpy(key, p, kl);
        key[kl] = '\0';
        if (cur->kind != HN_CFG_MAP) {
            hn_cfg_free(value);
            return hn_error_set(err, HN_ERR_ARG, "override '%s': '%s' is inside a value that is not a map", assignment,
                                key);
        }
        int idx = -1;
        for (int i = 0; i < cur->n; i++)
            if (!strcmp(cur->keys[i], key))
                idx = i;
        if (!dot) {
            if (idx >= 0) {
                hn_cfg_free(cur->items[idx]);
                cur->items[idx] = value;
            } else if (node_add(cur, key, value)) {
                hn_cfg_free(value);
                return hn_error_set(err, HN_ERR_NOMEM, "override: out of memory");
            }
            return HN_OK;
        }
        if (idx < 0) {
            hn_cfg_node *m = node_new(HN_CFG_MAP, 0);
            if (!m || node_add(cur, key, m)) {
                free(m);
                hn_cfg_free(value);
                return hn_error_set(err, HN_ERR_NOMEM, "override: out of memory");
            }
            idx = cur->n - 1;
        }
        cur = cur->items[idx];
        p = end + 1;
    }
    hn_cfg_free(value);
    return HN_OK;
}

/* --- dump ------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + l + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, l + 1);
    b->n += l;
}

static void put_scalar(sbuf *b, const char *v)
{
    /* quote what YAML would read otherwise */
    int plain = *v && !strpbrk(v, ":#{}[],&*!|>'\"%@`\n") && v[0] != ' ' && v[0] != '-' && v[strlen(v) - 1] != ' ';
    if (plain) {
        put(b, v);
        return;
    }
    put(b, "\"");
    for (const char *c = v; *c; c++) {
        char t[3] = {*c, 0, 0};
        if (*c == '"' || *c == '\\') {
            t[0] = '\\';
            t[1] = *c;
        } else if (*c == '\n') {
            t[0] = '\\';
            t[1] = 'n';
        }
        put(b, t);
    }
    put(b, "\"");
}

static void dump(sbuf *b, const hn_cfg_node *n, int indent)
{
    char pad[160];
    int w = indent < 150 ? indent : 150;
    memset(pad, ' ', (size_t)w);
    pad[w] = '\0';
    for (int i = 0; i < n->n; i++) {
        const hn_cfg_node *c = n->items[i];
        put(b, pad);
        if (n->kind == HN_CFG_MAP) {
            put_scalar(b, n->keys[i]);
            put(b, ":");
        } else {
            put(b, "-");
        }
        if (c->kind == HN_CFG_SCALAR) {
            put(b, " ");
            put_scalar(b, c->value);
            put(b, "\n");
        } else if (c->n == 0) {
            put(b, c->kind == HN_CFG_MAP ? " {}\n" : " []\n");
        } else {
            put(b, "\n");
            dump(b, c, indent + 2);
        }
    }
}

char *hn_cfg_dump(const hn_cfg_node *n)
{
    sbuf b = {0};
    put(&b, "");
    if (n)
        dump(&b, n, 0);
    return b.p;
}
