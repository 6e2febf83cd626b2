/* `hepnn root ls|show|dump`: look into ROOT files with the native reader. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hepnn/root.h"

static void usage(FILE *o)
{
    fprintf(o,
            "usage: hepnn root ls FILE\n"
            "       hepnn root show FILE:TREE\n"
            "       hepnn root dump FILE:TREE [-b BRANCH,...] [--entries START:STOP] [--format csv|json]\n"
            "\n"
            "Reads ROOT files natively (no ROOT needed). Trees are named FILE:TREE or\n"
            "FILE:dir/sub/tree; the highest cycle wins unless TREE;CYCLE is given.\n"
            "\n"
            "  ls    every object: path, class, cycle; the number of entries of trees\n"
            "  show  each branch: name, leaf type, shape (scalar, [N], [counter]), entries,\n"
            "        compressed and uncompressed bytes, number of baskets\n"
            "  dump  the values, one row per entry: CSV with a header (flat branches only)\n"
            "        or JSON (an array of objects; variable-length branches as lists).\n"
            "        -b selects branches by name or wildcard (default: all readable ones);\n"
            "        --entries START:STOP reads a range (either end may be left out).\n"
            "\n"
            "examples:\n"
            "  hepnn root ls events.root\n"
            "  hepnn root show nano.root:Events\n"
            "  hepnn root dump nano.root:Events -b 'nJet,Jet_pt' --entries 0:10 --format json\n"
            "  hepnn root dump Zmumu.root:events -b 'px1,py1,M' > zmumu.csv\n");
}

static int fail(const char *what, const hn_error *err)
{
    fprintf(stderr, "hepnn root %s: %s\n", what, err->msg);
    return 1;
}

static int open_tree(const char *spec, hn_root_file **f, hn_root_tree **t, hn_error *err)
{
    char *file, *tree;
    if (hn_root_split_spec(spec, &file, &tree, err))
        return -1;
    if (!tree) {
        hn_error_set(err, HN_ERR_ARG, "'%s': name a tree as FILE:TREE", spec);
        free(file);
        return -1;
    }
    int rc = hn_root_open(file, f, err) ? -1 : 0;
    if (!rc && hn_root_tree_open(*f, tree, t, err)) {
        hn_root_close(*f);
        *f = NULL;
        rc = -1;
    }
    free(file);
    free(tree);
    return rc;
}

static int cmd_ls(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "hepnn root ls: expected one FILE ('hepnn root --help')\n");
        return 2;
    }
    hn_error err = {0};
    hn_root_file *f;
    if (hn_root_open(argv[1], &f, &err))
        return fail("ls", &err);
    for (size_t i = 0; i < hn_root_object_count(f); i++) {
        const hn_root_object *o = hn_root_object_at(f, i);
        printf("%-40s %-20s %3d", o->path, o->class_name, o->cycle);
        if (o->is_tree) {
            hn_root_tree *t;
            char name[4200];
            snprintf(name, sizeof name, "%s;%d", o->path, o->cycle);
            hn_error e2 = {0};
            if (hn_root_tree_open(f, name, &t, &e2) == HN_OK) {
                printf("  %" PRId64 " entries", hn_root_tree_entries(t));
                hn_root_tree_close(t);
            } else {
                printf("  (cannot be read: %s)", e2.msg);
            }
        }
        printf("\n");
    }
    hn_root_close(f);
    return 0;
}

static void shape_str(const hn_root_branch *b, char *s, size_t n)
{
    switch (b->shape) {
    case HN_ROOT_SCALAR: snprintf(s, n, "scalar"); break;
    case HN_ROOT_FIXED: snprintf(s, n, "[%" PRId64 "]", b->width); break;
    case HN_ROOT_JAGGED:
        if (b->width > 1)
            snprintf(s, n, "[%s][%" PRId64 "]", b->counter, b->width);
        else
            snprintf(s, n, "[%s]", b->counter);
        break;
    default: snprintf(s, n, "string"); break;
    }
}

static int cmd_show(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "hepnn root show: expected FILE:TREE ('hepnn root --help')\n");
        return 2;
    }
    hn_error err = {0};
    hn_root_file *f;
    hn_root_tree *t;
    if (open_tree(argv[1], &f, &t, &err))
        return fail("show", &err);
    printf("tree %s (%s), %" PRId64 " entries, %zu branches\n", hn_root_tree_name(t),
           hn_root_tree_class(t), hn_root_tree_entries(t), hn_root_branch_count(t));
    printf("%-32s %-22s %-16s %10s %12s %12s %8s\n", "branch", "leaf", "shape", "entries",
           "compressed", "uncompressed", "baskets");
    for (size_t i = 0; i < hn_root_branch_count(t); i++) {
        const hn_root_branch *b = hn_root_branch_at(t, i);
        char shape[300];
        if (b->type == HN_ROOT_T_UNSUPPORTED)
            snprintf(shape, sizeof shape, "unsupported");
        else
            shape_str(b, shape, sizeof shape);
        char leaf[300];
        snprintf(leaf, sizeof leaf, "%s(%s)", b->leaf_class,
                 b->type == HN_ROOT_T_UNSUPPORTED ? "-" : hn_root_type_str(b->type));
        printf("%-32s %-22s %-16s %10" PRId64 " %12" PRId64 " %12" PRId64 " %8" PRId64 "\n", b->name,
               leaf, shape, b->entries, b->compressed_bytes, b->uncompressed_bytes, b->baskets);
        if (b->why)
            printf("    (%s)\n", b->why);
    }
    hn_root_tree_close(t);
    hn_root_close(f);
    return 0;
}

/* ---- dump ------------------------------------------------------------------ */

typedef struct col {
    const hn_root_branch *b;
    hn_root_array a;
} col;

static hn_root_dtype dtype_for(hn_root_type t)
{
    switch (t) {
    case HN_ROOT_T_F32: return HN_ROOT_F32;
    case HN_ROOT_T_F64: return HN_ROOT_F64;
    case HN_ROOT_T_U64: return HN_ROOT_U64;
    case HN_ROOT_T_STRING: return HN_ROOT_CHAR;
    default: return HN_ROOT_I64;
    }
}

/* Prints value i of array a whose elements are of type t (as stored). */
static void put_value(const hn_root_array *a, int64_t i, hn_root_type t, int json)
{
    switch (a->dtype) {
    case HN_ROOT_F32: {
        float v = ((const float *)a->values)[i];
        if (!isfinite(v) && json)
            fputs("null", stdout);
        else
            printf("%.9g", v);
        break;
    }
    case HN_ROOT_F64: {
        double v = ((const double *)a->values)[i];
        if (!isfinite(v) && json)
            fputs("null", stdout);
        else if (t == HN_ROOT_T_F32)
            printf("%.9g", (float)v);
        else
            printf("%.17g", v);
        break;
    }
    case HN_ROOT_U64: printf("%" PRIu64, ((const uint64_t *)a->values)[i]); break;
    default: {
        int64_t v = ((const int64_t *)a->values)[i];
        if (t == HN_ROOT_T_BOOL && json)
            fputs(v ? "true" : "false", stdout);
        else
            printf("%" PRId64, v);
    }
    }
}

static void put_string(const char *s, int64_t n, int json)
{
    putchar('"');
    for (int64_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (json) {
            if (ch == '"' || ch == '\\')
                printf("\\%c", ch);
            else if (ch < 0x20)
                printf("\\u%04x", ch);
            else
                putchar(ch);
        } else {
            if (ch == '"')
                putchar('"');
            putchar(ch);
        }
    }
    putchar('"');
}

static void put_json_name(const char *s)
{
    put_string(s, (int64_t)strlen(s), 1);
}

static int cmd_dump(int argc, char **argv)
{
    const char *spec = NULL, *sel = NULL, *range = NULL, *format = "csv";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-b") && i + 1 < argc)
            sel = argv[++i];
        else if (!strcmp(argv[i], "--entries") && i + 1 < argc)
            range = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i];
        else if (argv[i][0] != '-' && !spec)
            spec = argv[i];
        else {
            fprintf(stderr, "hepnn root dump: unexpected argument '%s' ('hepnn root --help')\n", argv[i]);
            return 2;
        }
    }
    int json = !strcmp(format, "json");
    if (!spec || (!json && strcmp(format, "csv"))) {
        fprintf(stderr, "hepnn root dump: %s ('hepnn root --help')\n",
                spec ? "--format must be csv or json" : "expected FILE:TREE");
        return 2;
    }
    int64_t start = 0, stop = -1;
    if (range) {
        const char *colon = strchr(range, ':');
        char *end;
        if (!colon) {
            fprintf(stderr, "hepnn root dump: --entries wants START:STOP, got '%s'\n", range);
            return 2;
        }
        if (colon != range) {
            start = strtoll(range, &end, 10);
            if (end != colon || start < 0) {
                fprintf(stderr, "hepnn root dump: bad START in --entries '%s'\n", range);
                return 2;
            }
        }
        if (colon[1]) {
            stop = strtoll(colon + 1, &end, 10);
            if (*end || stop < 0) {
                fprintf(stderr, "hepnn root dump: bad STOP in --entries '%s'\n", range);
                return 2;
            }
        }
    }
    hn_error err = {0};
    hn_root_file *f;
    hn_root_tree *t;
    if (open_tree(spec, &f, &t, &err))
        return fail("dump", &err);
    int rc = 0;
    size_t *idx = NULL, n = 0;
    col *cols = NULL;
    if (sel) {
        if (hn_root_select(t, sel, &idx, &n, &err))
            rc = fail("dump", &err);
    } else {
        idx = malloc((hn_root_branch_count(t) + 1) * sizeof *idx);
        for (size_t i = 0; idx && i < hn_root_branch_count(t); i++)
            if (!hn_root_branch_at(t, i)->why)
                idx[n++] = i;
    }
    if (!rc && !idx) {
        fprintf(stderr, "hepnn root dump: out of memory\n");
        rc = 1;
    }
    int64_t entries = hn_root_tree_entries(t);
    if (stop < 0 || stop > entries)
        stop = entries;
    if (!rc && start > stop) {
        fprintf(stderr, "hepnn root dump: --entries start %" PRId64 " is past the end (%" PRId64 " entries)\n",
                start, entries);
        rc = 1;
    }
    if (!rc && !(cols = calloc(n + 1, sizeof *cols))) {
        fprintf(stderr, "hepnn root dump: out of memory\n");
        rc = 1;
    }
    for (size_t j = 0; !rc && j < n; j++) {
        cols[j].b = hn_root_branch_at(t, idx[j]);
        if (cols[j].b->why) {
            fprintf(stderr, "hepnn root dump: %s\n", cols[j].b->why);
            rc = 1;
        } else if (!json && cols[j].b->shape == HN_ROOT_JAGGED) {
            fprintf(stderr, "hepnn root dump: branch '%s' has a variable length ([%s]); CSV holds "
                    "flat branches only: use --format json or leave it out with -b\n",
                    cols[j].b->name, cols[j].b->counter);
            rc = 1;
        }
    }
    if (!rc && !json) {
        for (size_t j = 0; j < n; j++) {
            const hn_root_branch *b = cols[j].b;
            if (b->nleaves > 1) {
                for (int l = 0; l < b->nleaves; l++)
                    for (int32_t k = 0; k < b->leaf_lens[l]; k++) {
                        printf("%s%s.%s", j || l || k ? "," : "", b->name, b->leaf_names[l]);
                        if (b->leaf_lens[l] > 1)
                            printf("[%d]", k);
                    }
            } else if (b->shape == HN_ROOT_FIXED) {
                for (int64_t k = 0; k < b->width; k++)
                    printf("%s%s[%" PRId64 "]", j || k ? "," : "", b->name, k);
            } else {
                printf("%s%s", j ? "," : "", b->name);
            }
        }
        printf("\n");
    }
    if (!rc && json)
        printf("[");
    const int64_t chunk = 65536;
    int first_row = 1;
    for (int64_t c0 = start; !rc && c0 < stop; c0 += chunk) {
        int64_t c1 = c0 + chunk < stop ? c0 + chunk : stop;
        for (size_t j = 0; j < n && !rc; j++) {
            const hn_root_branch *b = cols[j].b;
            hn_root_dtype dt = b->nleaves > 1 ? HN_ROOT_F64 : dtype_for(b->type);
            if (hn_root_read(t, b->name, c0, c1, dt, &cols[j].a, &err))
                rc = fail("dump", &err);
        }
        for (int64_t e = 0; !rc && e < c1 - c0; e++) {
            if (json)
                printf("%s\n{", first_row ? "" : ",");
            first_row = 0;
            for (size_t j = 0; j < n; j++) {
                const hn_root_branch *b = cols[j].b;
                const hn_root_array *a = &cols[j].a;
                if (j)
                    putchar(',');
                if (json) {
                    put_json_name(b->name);
                    putchar(':');
                }
                if (b->shape == HN_ROOT_STRING_SHAPE) {
                    put_string((const char *)a->values + a->offsets[e], a->offsets[e + 1] - a->offsets[e], json);
                } else if (b->nleaves > 1) {
                    int64_t k = e * a->width;
                    if (json)
                        putchar('{');
                    for (int l = 0; l < b->nleaves; l++) {
                        if (l)
                            putchar(',');
                        if (json) {
                            put_json_name(b->leaf_names[l]);
                            putchar(':');
                            if (b->leaf_lens[l] > 1)
                                putchar('[');
                        }
                        for (int32_t q = 0; q < b->leaf_lens[l]; q++, k++) {
                            if (q)
                                putchar(',');
                            put_value(a, k, b->leaf_types[l], json);
                        }
                        if (json && b->leaf_lens[l] > 1)
                            putchar(']');
                    }
                    if (json)
                        putchar('}');
                } else if (b->shape == HN_ROOT_SCALAR) {
                    put_value(a, e, b->type, json);
                } else {
                    int64_t lo = a->offsets ? a->offsets[e] : e * a->width;
                    int64_t hi = a->offsets ? a->offsets[e + 1] : (e + 1) * a->width;
                    if (json)
                        putchar('[');
                    for (int64_t k = lo; k < hi; k++) {
                        if (k > lo)
                            putchar(',');
                        put_value(a, k, b->type, json);
                    }
                    if (json)
                        putchar(']');
                }
            }
            printf(json ? "}" : "\n");
        }
        for (size_t j = 0; j < n; j++)
            hn_root_array_free(&cols[j].a);
    }
    if (!rc && json)
        printf("%s]\n", first_row ? "" : "\n");
    if (!rc && fflush(stdout) != 0) {
        fprintf(stderr, "hepnn root dump: write error\n");
        rc = 1;
    }
    free(cols);
    free(idx);
    hn_root_tree_close(t);
    hn_root_close(f);
    return rc;
}

int hn_cmd_root(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    if (!strcmp(sub, "ls"))
        return cmd_ls(argc - 1, argv + 1);
    if (!strcmp(sub, "show"))
        return cmd_show(argc - 1, argv + 1);
    if (!strcmp(sub, "dump"))
        return cmd_dump(argc - 1, argv + 1);
    fprintf(stderr, "hepnn root: unknown subcommand '%s' (ls, show, dump)\n", sub);
    return 2;
}
