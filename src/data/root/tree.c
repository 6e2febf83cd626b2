/* The TTree record: the tree's own fields, then its branches, each with its
 * leaves (the element types) and its basket table (where each basket lies
 * and which entries it holds). The layout of each class version is fixed,
 * so the reader follows it without the file's streamer info; everything it
 * does not need is skipped by the byte counts the objects carry. */
#define _POSIX_C_SOURCE 200809L
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "root_internal.h"

#define K_BYTECOUNT 0x40000000u
#define K_CLASS 0x80000000u
#define K_NEWCLASS 0xFFFFFFFFu
#define K_MAPOFFSET 2

typedef struct pctx {
    hn_root_tree *t;
    rt_cur c;
    hn_error *err;
    hn_status st;
    struct {
        uint32_t tag;
        char *name;
    } *cls;
    int ncls, capcls;
    struct {
        uint32_t tag;
        int leaf;
    } *objs;
    int nobjs, capobjs;
    int depth;
} pctx;

static void fail(pctx *p, hn_status st, const char *fmt, ...)
{
    if (p->st)
        return;
    p->st = st;
    if (p->err) {
        char msg[HN_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        hn_error_set(p->err, st, "%s: tree '%s': %s", p->t->file->name, p->t->name, msg);
    }
}

static int check(pctx *p, const char *what)
{
    if (p->c.bad)
        fail(p, HN_ERR_FORMAT, "%s is truncated or corrupted (record offset %zu of %zu)", what,
             p->c.pos, p->c.len);
    return p->st == HN_OK;
}

static uint32_t map_tag(pctx *p, size_t pos)
{
    return (uint32_t)((int64_t)pos + p->c.origin + K_MAPOFFSET);
}

/* Reads an object pointer (ROOT's ReadObjectAny framing): a byte count, then
 * a new class name, a reference to a class seen before, a reference to an
 * object seen before, or 0 for NULL. On return for a new object, *cls names
 * its class, the cursor is at its first byte and *end is its end. */
typedef struct anyobj {
    const char *cls;
    size_t start, end;
    uint32_t ref; /* object reference (0: NULL) when cls is NULL */
} anyobj;

static int read_any(pctx *p, anyobj *o)
{
    memset(o, 0, sizeof *o);
    o->start = p->c.pos;
    o->end = SIZE_MAX;
    uint32_t bcnt = rt_u32(&p->c), tag;
    size_t tagpos = p->c.pos;
    if (!(bcnt & K_BYTECOUNT) || bcnt == K_NEWCLASS) {
        tag = bcnt;
        tagpos = o->start;
    } else {
        size_t count = bcnt & ~K_BYTECOUNT;
        if (count > p->c.len - p->c.pos) {
            fail(p, HN_ERR_FORMAT, "object at record offset %zu declares %zu bytes, only %zu remain",
                 o->start, count, p->c.len - p->c.pos);
            return -1;
        }
        o->end = p->c.pos + count;
        tag = rt_u32(&p->c);
    }
    if (!check(p, "object header"))
        return -1;
    if (!(tag & K_CLASS)) {
        o->ref = tag;
        if (o->end != SIZE_MAX)
            rt_seek(&p->c, o->end);
        return 0;
    }
    if (tag == K_NEWCLASS) {
        size_t s = p->c.pos;
        while (s < p->c.len && p->c.p[s] && s - p->c.pos < 1024)
            s++;
        if (s >= p->c.len || p->c.p[s]) {
            fail(p, HN_ERR_FORMAT, "class name at record offset %zu is not terminated", p->c.pos);
            return -1;
        }
        size_t n = s - p->c.pos;
        char *name = malloc(n + 1);
        if (!name) {
            fail(p, HN_ERR_NOMEM, "out of memory");
            return -1;
        }
        memcpy(name, p->c.p + p->c.pos, n);
        name[n] = '\0';
        p->c.pos = s + 1;
        if (p->ncls == p->capcls) {
            int cap = p->capcls ? 2 * p->capcls : 16;
            void *nc = realloc(p->cls, (size_t)cap * sizeof *p->cls);
            if (!nc) {
                free(name);
                fail(p, HN_ERR_NOMEM, "out of memory");
                return -1;
            }
            p->cls = nc;
            p->capcls = cap;
        }
        p->cls[p->ncls].tag = map_tag(p, tagpos);
        p->cls[p->ncls].name = name;
        o->cls = name;
        p->ncls++;
    } else {
        uint32_t ct = tag & ~K_CLASS;
        for (int i = 0; i < p->ncls; i++)
            if (p->cls[i].tag == ct)
                o->cls = p->cls[i].name;
        if (!o->cls) {
            fail(p, HN_ERR_FORMAT, "object at record offset %zu refers to an unknown class (tag %u)",
                 o->start, ct);
            return -1;
        }
    }
    if (o->end == SIZE_MAX) {
        fail(p, HN_ERR_UNSUPPORTED, "object of class %s at record offset %zu has no byte count "
             "(pre-ROOT-3 layout)", o->cls, o->start);
        return -1;
    }
    return 0;
}

static int leaf_of_tag(pctx *p, uint32_t tag)
{
    for (int i = 0; i < p->nobjs; i++)
        if (p->objs[i].tag == tag)
            return p->objs[i].leaf;
    return -1;
}

/* Parses the TNamed base: name and title (malloc'd). */
static void parse_tnamed(pctx *p, char **name, char **title)
{
    size_t end;
    rt_version(&p->c, &end);
    rt_tobject(&p->c);
    *name = rt_string(&p->c);
    *title = rt_string(&p->c);
    if (end != SIZE_MAX)
        rt_seek(&p->c, end);
    if (!*name || !*title)
        p->c.bad = 1;
}

static void skip_versioned(pctx *p, const char *what)
{
    size_t end;
    rt_version(&p->c, &end);
    if (end == SIZE_MAX)
        fail(p, HN_ERR_UNSUPPORTED, "%s written without a byte count", what);
    else
        rt_seek(&p->c, end);
}

static int push_leaf(pctx *p)
{
    hn_root_tree *t = p->t;
    if (t->nlf == t->cap_lf) {
        int cap = t->cap_lf ? 2 * t->cap_lf : 16;
        rt_leaf *n = realloc(t->lf, (size_t)cap * sizeof *n);
        if (!n) {
            fail(p, HN_ERR_NOMEM, "out of memory");
            return -1;
        }
        t->lf = n;
        t->cap_lf = cap;
    }
    memset(&t->lf[t->nlf], 0, sizeof t->lf[0]);
    t->lf[t->nlf].count = -1;
    t->lf[t->nlf].branch = -1;
    return t->nlf++;
}

static void leaf_type(rt_leaf *l)
{
    static const struct {
        const char *cls;
        hn_root_type s, u;
        int size;
    } map[] = {
        {"TLeafB", HN_ROOT_T_I8, HN_ROOT_T_U8, 1},    {"TLeafS", HN_ROOT_T_I16, HN_ROOT_T_U16, 2},
        {"TLeafI", HN_ROOT_T_I32, HN_ROOT_T_U32, 4},  {"TLeafL", HN_ROOT_T_I64, HN_ROOT_T_U64, 8},
        {"TLeafG", HN_ROOT_T_I64, HN_ROOT_T_U64, 8},  {"TLeafF", HN_ROOT_T_F32, HN_ROOT_T_F32, 4},
        {"TLeafD", HN_ROOT_T_F64, HN_ROOT_T_F64, 8},  {"TLeafO", HN_ROOT_T_BOOL, HN_ROOT_T_BOOL, 1},
        {"TLeafC", HN_ROOT_T_STRING, HN_ROOT_T_STRING, 1},
    };
    l->type = HN_ROOT_T_UNSUPPORTED;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(l->class_name, map[i].cls)) {
            l->type = l->is_unsigned ? map[i].u : map[i].s;
            l->elem_size = map[i].size;
        }
    if (l->type != HN_ROOT_T_UNSUPPORTED && l->type != HN_ROOT_T_STRING && l->lentype != l->elem_size)
        l->type = HN_ROOT_T_UNSUPPORTED;
    if (l->len < 1 || l->len > (1 << 26))
        l->type = HN_ROOT_T_UNSUPPORTED;
}

/* A TLeaf* object whose class tag was just read: returns its index. */
static int parse_leaf(pctx *p, const anyobj *o)
{
    if (++p->depth > RT_MAX_DEPTH) {
        fail(p, HN_ERR_FORMAT, "leaves nested too deeply");
        return -1;
    }
    int li = push_leaf(p);
    if (li < 0)
        return -1;
    if (p->nobjs == p->capobjs) {
        int cap = p->capobjs ? 2 * p->capobjs : 64;
        void *n = realloc(p->objs, (size_t)cap * sizeof *p->objs);
        if (!n) {
            fail(p, HN_ERR_NOMEM, "out of memory");
            return -1;
        }
        p->objs = n;
        p->capobjs = cap;
    }
    p->objs[p->nobjs].tag = map_tag(p, o->start);
    p->objs[p->nobjs].leaf = li;
    p->nobjs++;
    rt_leaf *l = &p->t->lf[li];
    l->class_name = malloc(strlen(o->cls) + 1);
    if (!l->class_name) {
        fail(p, HN_ERR_NOMEM, "out of memory");
        return -1;
    }
    strcpy(l->class_name, o->cls);
    size_t oend;
    rt_version(&p->c, &oend); /* the TLeafX */
    size_t lend;
    int lv = rt_version(&p->c, &lend); /* its TLeaf base */
    char *name = NULL, *title = NULL;
    parse_tnamed(p, &name, &title);
    int32_t len = rt_i32(&p->c), lentype = rt_i32(&p->c);
    rt_skip(&p->c, 4); /* fOffset */
    rt_skip(&p->c, 1); /* fIsRange */
    int is_unsigned = rt_u8(&p->c);
    l = &p->t->lf[li];
    l->name = name;
    l->title = title;
    if (!check(p, "leaf header"))
        return -1;
    if (lv < 2) {
        fail(p, HN_ERR_UNSUPPORTED, "leaf '%s': TLeaf class version %d is not supported", name, lv);
        return -1;
    }
    anyobj cnt;
    if (read_any(p, &cnt))
        return -1;
    int count = -1;
    if (cnt.cls) {
        if (strncmp(cnt.cls, "TLeaf", 5)) {
            fail(p, HN_ERR_FORMAT, "leaf '%s': counter of class %s", name, cnt.cls);
            return -1;
        }
        count = parse_leaf(p, &cnt);
        if (count < 0)
            return -1;
        rt_seek(&p->c, cnt.end);
    } else if (cnt.ref) {
        count = leaf_of_tag(p, cnt.ref);
        if (count < 0) {
            fail(p, HN_ERR_FORMAT, "leaf '%s': counter refers to an unknown object (tag %u)", name,
                 cnt.ref);
            return -1;
        }
    }
    l = &p->t->lf[li];
    l->len = len;
    l->lentype = lentype;
    l->is_unsigned = is_unsigned != 0;
    l->count = count;
    leaf_type(l);
    if (lend != SIZE_MAX)
        rt_seek(&p->c, lend);
    if (oend != SIZE_MAX)
        rt_seek(&p->c, oend);
    p->depth--;
    return check(p, "leaf") ? li : -1;
}

static int push_branch(pctx *p)
{
    hn_root_tree *t = p->t;
    if (t->nbr == t->cap_br) {
        int cap = t->cap_br ? 2 * t->cap_br : 16;
        rt_branch *n = realloc(t->br, (size_t)cap * sizeof *n);
        if (!n) {
            fail(p, HN_ERR_NOMEM, "out of memory");
            return -1;
        }
        t->br = n;
        t->cap_br = cap;
    }
    memset(&t->br[t->nbr], 0, sizeof t->br[0]);
    t->br[t->nbr].counter_branch = -1;
    return t->nbr++;
}

static void parse_branch(pctx *p, const anyobj *o);
static void set_why(rt_branch *b, const char *fmt, ...);

/* A TObjArray of objects handled by `each` (0: branches, 1: leaves of
 * branch bi, 2: baskets of branch bi). */
static void parse_objarray(pctx *p, int kind, int bi)
{
    size_t end;
    int v = rt_version(&p->c, &end);
    if (v > 2)
        rt_tobject(&p->c);
    if (v > 1)
        free(rt_string(&p->c));
    int32_t n = rt_i32(&p->c);
    rt_skip(&p->c, 4); /* fLowerBound */
    if (!check(p, "object array"))
        return;
    if (n < 0 || (size_t)n > (p->c.len - p->c.pos) / 4) {
        fail(p, HN_ERR_FORMAT, "object array at record offset %zu declares %d objects", p->c.pos, n);
        return;
    }
    for (int32_t i = 0; i < n && !p->st; i++) {
        anyobj o;
        if (read_any(p, &o))
            return;
        if (kind == 0) {
            if (o.cls && !strncmp(o.cls, "TBranch", 7))
                parse_branch(p, &o);
            else if (o.cls || o.ref)
                fail(p, HN_ERR_FORMAT, "branch list holds a %s", o.cls ? o.cls : "reference");
        } else if (kind == 1) {
            int li = -1;
            if (o.cls && !strncmp(o.cls, "TLeaf", 5))
                li = parse_leaf(p, &o);
            else if (o.ref)
                li = leaf_of_tag(p, o.ref);
            if (li < 0) {
                fail(p, HN_ERR_FORMAT, "leaf %d of branch '%s' cannot be resolved", i,
                     p->t->br[bi].name);
                return;
            }
            rt_branch *b = &p->t->br[bi];
            int *nl = realloc(b->leaves, (size_t)(b->nleaves + 1) * sizeof *nl);
            if (!nl) {
                fail(p, HN_ERR_NOMEM, "out of memory");
                return;
            }
            b->leaves = nl;
            b->leaves[b->nleaves++] = li;
            p->t->lf[li].branch = bi;
        } else if (o.cls) {
            if (strcmp(o.cls, "TBasket")) {
                fail(p, HN_ERR_FORMAT, "basket list of branch '%s' holds a %s", p->t->br[bi].name,
                     o.cls);
                return;
            }
            rt_keyhdr k;
            if (rt_keyhdr_read(&p->c, &k)) {
                check(p, "embedded basket");
                fail(p, HN_ERR_FORMAT, "embedded basket %d of branch '%s' is truncated", i,
                     p->t->br[bi].name);
                return;
            }
            rt_keyhdr_free(&k);
            size_t vend;
            rt_version(&p->c, &vend);
            rt_skip(&p->c, 4); /* fBufferSize */
            int32_t nevbufsize = rt_i32(&p->c);
            if (nevbufsize < 0)
                rt_skip(&p->c, 1); /* fIOBits */
            int32_t nev = rt_i32(&p->c), last = rt_i32(&p->c);
            int flag = rt_u8(&p->c);
            if (!check(p, "embedded basket header"))
                return;
            int generate = flag >= 80;
            if (generate)
                flag -= 80;
            rt_embedded e = {.slot = i, .nev = nev};
            if (!generate && flag && flag % 10 != 2 && nev) {
                int32_t m = rt_i32(&p->c);
                if (m < 0 || (size_t)m > (p->c.len - p->c.pos) / 4 || m < nev) {
                    fail(p, HN_ERR_FORMAT, "embedded basket of branch '%s': %d entry offsets for %d entries",
                         p->t->br[bi].name, m, nev);
                    return;
                }
                e.offsets = malloc((size_t)(m ? m : 1) * sizeof *e.offsets);
                if (!e.offsets) {
                    fail(p, HN_ERR_NOMEM, "out of memory");
                    return;
                }
                for (int32_t j = 0; j < m; j++)
                    e.offsets[j] = rt_entry_offset(rt_i32(&p->c), k.keylen);
                e.noffsets = m;
                if (flag > 20 && flag < 40) {
                    int32_t d = rt_i32(&p->c);
                    if (d < 0 || (size_t)d > (p->c.len - p->c.pos) / 4) {
                        free(e.offsets);
                        fail(p, HN_ERR_FORMAT, "embedded basket of branch '%s': bad displacement array",
                             p->t->br[bi].name);
                        return;
                    }
                    rt_skip(&p->c, 4 * (size_t)d);
                }
            }
            if (flag == 1 || flag > 10) {
                if (last < k.keylen || k.keylen < 0 || nev < 0 ||
                    (size_t)last > p->c.len - p->c.pos) {
                    free(e.offsets);
                    fail(p, HN_ERR_FORMAT,
                         "embedded basket of branch '%s': data of %d bytes (key %d) does not fit",
                         p->t->br[bi].name, last, k.keylen);
                    return;
                }
                e.data_off = p->c.pos + (size_t)k.keylen;
                e.border = last - k.keylen;
                rt_skip(&p->c, (size_t)last);
                rt_branch *b = &p->t->br[bi];
                rt_embedded *ne = realloc(b->emb, (size_t)(b->nemb + 1) * sizeof *ne);
                if (!ne) {
                    free(e.offsets);
                    fail(p, HN_ERR_NOMEM, "out of memory");
                    return;
                }
                b->emb = ne;
                b->emb[b->nemb++] = e;
            } else {
                free(e.offsets);
            }
            rt_seek(&p->c, o.end);
        }
        if (o.cls && o.end != SIZE_MAX)
            rt_seek(&p->c, o.end);
        check(p, "object");
    }
    if (end != SIZE_MAX)
        rt_seek(&p->c, end);
    check(p, "object array");
}

/* fBasketBytes and friends: a flag byte, then fMaxBaskets values. */
static void *parse_basic_array(pctx *p, int32_t n, int size)
{
    uint8_t present = rt_u8(&p->c);
    void *a = calloc((size_t)(n ? n : 1), (size_t)size);
    if (!a) {
        fail(p, HN_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (!present)
        return a;
    if ((size_t)n > (p->c.len - p->c.pos) / (size_t)size) {
        p->c.bad = 1;
        return a;
    }
    for (int32_t i = 0; i < n; i++) {
        if (size == 4)
            ((int32_t *)a)[i] = rt_i32(&p->c);
        else
            ((int64_t *)a)[i] = rt_i64(&p->c);
    }
    return a;
}

static void parse_branch(pctx *p, const anyobj *o)
{
    if (++p->depth > RT_MAX_DEPTH) {
        fail(p, HN_ERR_FORMAT, "branches nested too deeply");
        return;
    }
    int bi = push_branch(p);
    if (bi < 0)
        return;
    rt_branch *b = &p->t->br[bi];
    b->class_name = malloc(strlen(o->cls) + 1);
    if (!b->class_name) {
        fail(p, HN_ERR_NOMEM, "out of memory");
        return;
    }
    strcpy(b->class_name, o->cls);
    int plain = !strcmp(o->cls, "TBranch");
    size_t outer_end = SIZE_MAX;
    if (!plain)
        rt_version(&p->c, &outer_end); /* e.g. TBranchElement, whose base is TBranch */
    size_t end;
    int v = rt_version(&p->c, &end);
    char *name = NULL, *title = NULL;
    parse_tnamed(p, &name, &title);
    b = &p->t->br[bi];
    b->name = name;
    b->title = title;
    b->version = v;
    if (!check(p, "branch header"))
        return;
    if (v < 11 || v > 13) {
        if (end == SIZE_MAX) {
            fail(p, HN_ERR_UNSUPPORTED, "branch '%s': TBranch class version %d is not supported",
                 name, v);
            return;
        }
        set_why(b, "branch '%s': TBranch class version %d is not supported (11..13 are)", name, v);
        rt_seek(&p->c, outer_end != SIZE_MAX ? outer_end : end);
        p->depth--;
        check(p, "branch");
        return;
    }
    skip_versioned(p, "TAttFill");
    rt_skip(&p->c, 8); /* fCompress, fBasketSize */
    int32_t eol = rt_i32(&p->c), wb = rt_i32(&p->c);
    rt_skip(&p->c, 8); /* fEntryNumber */
    if (v >= 13)
        skip_versioned(p, "TIOFeatures");
    rt_skip(&p->c, 4); /* fOffset */
    int32_t maxb = rt_i32(&p->c);
    rt_skip(&p->c, 4); /* fSplitLevel */
    int64_t entries = rt_i64(&p->c);
    rt_skip(&p->c, 8); /* fFirstEntry */
    int64_t tot = rt_i64(&p->c), zip = rt_i64(&p->c);
    if (!check(p, "branch header"))
        return;
    b = &p->t->br[bi];
    b->entry_offset_len = eol;
    b->write_basket = wb;
    b->max_baskets = maxb;
    b->entries = entries;
    b->info.compressed_bytes = zip;
    b->info.uncompressed_bytes = tot;
    if (maxb < 0 || wb < 0 || wb > maxb || entries < 0 || (size_t)maxb > p->c.len / 4) {
        fail(p, HN_ERR_FORMAT, "branch '%s': bad basket counts (fWriteBasket %d, fMaxBaskets %d, "
             "fEntries %lld)", name, wb, maxb, (long long)entries);
        return;
    }
    parse_objarray(p, 0, bi); /* sub-branches */
    parse_objarray(p, 1, bi); /* leaves */
    parse_objarray(p, 2, bi); /* baskets held in the record */
    if (p->st)
        return;
    int32_t *bytes = parse_basic_array(p, maxb, 4);
    int64_t *entry = bytes ? parse_basic_array(p, maxb, 8) : NULL;
    int64_t *seek = entry ? parse_basic_array(p, maxb, 8) : NULL;
    b = &p->t->br[bi];
    b->basket_bytes = bytes;
    b->basket_entry = entry;
    b->basket_seek = seek;
    if (!check(p, "basket table"))
        return;
    if (end != SIZE_MAX)
        rt_seek(&p->c, end);
    if (!plain) {
        /* TBranchElement and kin: the class of the object comes next */
        char *cn = strcmp(o->cls, "TBranchElement") ? NULL : rt_string(&p->c);
        char why[600];
        snprintf(why, sizeof why, "branch '%s' is a %s%s%s%s (object branch), which is not supported",
                 name, o->cls, cn ? " of class '" : "", cn ? cn : "", cn ? "'" : "");
        free(cn);
        b = &p->t->br[bi];
        b->why = malloc(strlen(why) + 1);
        if (b->why)
            strcpy(b->why, why);
        p->c.bad = 0;
        if (outer_end != SIZE_MAX)
            rt_seek(&p->c, outer_end);
    }
    p->depth--;
    check(p, "branch");
}

static void set_why(rt_branch *b, const char *fmt, ...)
{
    if (b->why)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->why = malloc(strlen(msg) + 1);
    if (b->why)
        strcpy(b->why, msg);
}

/* Derives each branch's public description (type, shape) from its leaves. */
static hn_status finish_branches(hn_root_tree *t, hn_error *err)
{
    for (int bi = 0; bi < t->nbr; bi++) {
        rt_branch *b = &t->br[bi];
        size_t cl = 1;
        for (int j = 0; j < b->nleaves; j++)
            cl += strlen(t->lf[b->leaves[j]].class_name) + 1;
        b->leaf_class = malloc(cl);
        if (!b->leaf_class)
            return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        b->leaf_class[0] = '\0';
        for (int j = 0; j < b->nleaves; j++) {
            if (j)
                strcat(b->leaf_class, "+");
            strcat(b->leaf_class, t->lf[b->leaves[j]].class_name);
        }
        b->leaf_names = calloc((size_t)b->nleaves + 1, sizeof *b->leaf_names);
        b->leaf_types = calloc((size_t)b->nleaves + 1, sizeof *b->leaf_types);
        b->leaf_lens = calloc((size_t)b->nleaves + 1, sizeof *b->leaf_lens);
        if (!b->leaf_names || !b->leaf_types || !b->leaf_lens)
            return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
        for (int j = 0; j < b->nleaves; j++) {
            const rt_leaf *l = &t->lf[b->leaves[j]];
            b->leaf_names[j] = l->name;
            b->leaf_types[j] = l->type;
            b->leaf_lens[j] = l->len;
        }
        hn_root_branch *in = &b->info;
        in->leaf_names = b->leaf_names;
        in->leaf_types = b->leaf_types;
        in->leaf_lens = b->leaf_lens;
        in->name = b->name;
        in->leaf_class = b->leaf_class;
        in->entries = b->entries;
        in->nleaves = b->nleaves;
        in->baskets = b->write_basket + b->nemb;
        in->type = HN_ROOT_T_UNSUPPORTED;
        in->shape = HN_ROOT_SCALAR;
        in->width = 1;
        if (b->nleaves == 0)
            set_why(b, "branch '%s' has no leaves", b->name);
        for (int j = 0; j < b->nleaves && !b->why; j++) {
            const rt_leaf *l = &t->lf[b->leaves[j]];
            if (l->type == HN_ROOT_T_UNSUPPORTED)
                set_why(b, "branch '%s': leaf '%s' of class %s (fLen %d, fLenType %d) is not supported",
                        b->name, l->name, l->class_name, l->len, l->lentype);
        }
        if (!b->why && b->nleaves > 1) {
            int64_t w = 0, size = 0;
            for (int j = 0; j < b->nleaves; j++) {
                const rt_leaf *l = &t->lf[b->leaves[j]];
                if (l->count >= 0 || l->type == HN_ROOT_T_STRING)
                    set_why(b, "branch '%s': leaf list with a %s leaf '%s' is not supported", b->name,
                            l->count >= 0 ? "variable-length" : "string", l->name);
                w += l->len;
                size += (int64_t)l->len * l->elem_size;
            }
            in->shape = HN_ROOT_FIXED;
            in->width = w;
            b->entry_size = size;
        } else if (!b->why) {
            const rt_leaf *l = &t->lf[b->leaves[0]];
            in->width = l->len;
            b->entry_size = (int64_t)l->len * l->elem_size;
            if (l->type == HN_ROOT_T_STRING) {
                /* fLen of a TLeafC is the longest string, not an array size */
                in->shape = HN_ROOT_STRING_SHAPE;
                in->width = 1;
                if (l->count >= 0)
                    set_why(b, "branch '%s': string arrays are not supported", b->name);
            } else if (l->count >= 0) {
                const rt_leaf *c = &t->lf[l->count];
                in->shape = HN_ROOT_JAGGED;
                b->counter_branch = c->branch;
                if (c->branch < 0 || c->len != 1 || c->count >= 0 || c->type == HN_ROOT_T_STRING ||
                    c->type == HN_ROOT_T_F32 || c->type == HN_ROOT_T_F64 ||
                    c->type == HN_ROOT_T_UNSUPPORTED || t->br[c->branch].nleaves != 1)
                    set_why(b, "branch '%s': counter leaf '%s' is not a scalar integer branch",
                            b->name, c->name);
                else
                    in->counter = t->br[c->branch].name;
            } else {
                in->shape = l->len > 1 ? HN_ROOT_FIXED : HN_ROOT_SCALAR;
            }
        }
        if (!b->why)
            in->type = t->lf[b->leaves[0]].type;
        in->why = b->why;
        if (b->why)
            in->type = HN_ROOT_T_UNSUPPORTED;
    }
    return HN_OK;
}

hn_status rt_tree_parse(hn_root_tree *t, hn_error *err)
{
    pctx p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.err = err;
    p.c.p = t->record;
    p.c.len = t->record_len;
    p.c.origin = t->keylen;
    size_t end;
    if (strcmp(t->class_name, "TTree")) {
        rt_version(&p.c, &end); /* TNtuple / TNtupleD: a TTree base, then fNvar */
    }
    int v = rt_version(&p.c, &end);
    t->version = v;
    if (!p.c.bad && (v < 16 || v > 20)) {
        fail(&p, HN_ERR_UNSUPPORTED,
             "TTree class version %d is not supported (versions 16..20, ROOT 5.23 to 6.3x, are; "
             "older trees need the file's streamer info)",
             v);
    }
    char *name = NULL, *title = NULL;
    if (!p.st) {
        parse_tnamed(&p, &name, &title);
        free(name);
        free(title);
        skip_versioned(&p, "TAttLine");
        skip_versioned(&p, "TAttFill");
        skip_versioned(&p, "TAttMarker");
        t->entries = rt_i64(&p.c);
        rt_skip(&p.c, 8 * 3); /* fTotBytes, fZipBytes, fSavedBytes */
        if (v >= 18)
            rt_skip(&p.c, 8); /* fFlushedBytes */
        rt_skip(&p.c, 8);     /* fWeight */
        rt_skip(&p.c, 4 * 3); /* fTimerInterval, fScanField, fUpdate */
        if (v >= 17)
            rt_skip(&p.c, 4); /* fDefaultEntryOffsetLen */
        int32_t nclus = 0;
        if (v >= 19)
            nclus = rt_i32(&p.c);
        rt_skip(&p.c, 8 * 4); /* fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave */
        if (v >= 18)
            rt_skip(&p.c, 8); /* fAutoFlush */
        rt_skip(&p.c, 8);     /* fEstimate */
        if (v >= 19) {
            if (nclus < 0 || (size_t)nclus > p.c.len / 8)
                p.c.bad = 1;
            for (int k = 0; k < 2 && !p.c.bad; k++)
                if (rt_u8(&p.c))
                    rt_skip(&p.c, 8 * (size_t)nclus);
        }
        if (v >= 20)
            skip_versioned(&p, "TIOFeatures");
        check(&p, "tree header");
        if (!p.st && t->entries < 0)
            fail(&p, HN_ERR_FORMAT, "negative number of entries %lld", (long long)t->entries);
    }
    if (!p.st)
        parse_objarray(&p, 0, -1);
    for (int i = 0; i < p.ncls; i++)
        free(p.cls[i].name);
    free(p.cls);
    free(p.objs);
    if (p.st)
        return p.st;
    return finish_branches(t, err);
}

void rt_tree_free_parts(hn_root_tree *t)
{
    for (int i = 0; i < t->nbr; i++) {
        rt_branch *b = &t->br[i];
        free(b->name);
        free(b->title);
        free(b->class_name);
        free(b->leaf_class);
        free(b->why);
        free(b->leaves);
        free(b->leaf_names);
        free(b->leaf_types);
        free(b->leaf_lens);
        free(b->basket_bytes);
        free(b->basket_entry);
        free(b->basket_seek);
        for (int j = 0; j < b->nemb; j++)
            free(b->emb[j].offsets);
        free(b->emb);
    }
    free(t->br);
    for (int i = 0; i < t->nlf; i++) {
        free(t->lf[i].name);
        free(t->lf[i].title);
        free(t->lf[i].class_name);
    }
    free(t->lf);
    t->br = NULL;
    t->lf = NULL;
    t->nbr = t->nlf = 0;
}

/* ---- public: opening trees ------------------------------------------------ */

hn_status hn_root_tree_open(hn_root_file *f, const char *name, hn_root_tree **out, hn_error *err)
{
    if (!f || !name || !out)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_tree_open: NULL argument");
    *out = NULL;
    char path[4096];
    int want_cycle = -1;
    snprintf(path, sizeof path, "%s", name[0] == '/' ? name + 1 : name);
    char *semi = strrchr(path, ';');
    if (semi) {
        *semi = '\0';
        want_cycle = atoi(semi + 1);
    }
    const rt_key *best = NULL;
    for (size_t i = 0; i < f->nkeys; i++) {
        const rt_key *k = &f->keys[i];
        if (strcmp(k->path, path) || k->is_dir)
            continue;
        if (want_cycle >= 0 ? k->cycle == want_cycle : (!best || k->cycle > best->cycle))
            best = k;
    }
    if (!best)
        return hn_error_set(err, HN_ERR_ARG, "%s: no object '%s'", f->name, name);
    const char *cl = best->class_name;
    if (strstr(cl, "RNTuple"))
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: '%s' is an %s, which is not supported yet",
                            f->name, name, cl);
    if (strcmp(cl, "TTree") && strcmp(cl, "TNtuple") && strcmp(cl, "TNtupleD"))
        return hn_error_set(err, HN_ERR_UNSUPPORTED, "%s: '%s' is a %s, not a TTree", f->name, name, cl);
    hn_root_tree *t = calloc(1, sizeof *t);
    if (!t)
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    t->file = f;
    t->name = malloc(strlen(best->path) + 1);
    t->class_name = malloc(strlen(cl) + 1);
    if (!t->name || !t->class_name) {
        hn_root_tree_close(t);
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    }
    strcpy(t->name, best->path);
    strcpy(t->class_name, cl);
    t->keylen = best->keylen;
    hn_status st = rt_key_payload(f, best, &t->record, err);
    if (!st) {
        t->record_len = (size_t)best->objlen;
        st = rt_tree_parse(t, err);
    }
    if (st) {
        hn_root_tree_close(t);
        return st;
    }
    *out = t;
    return HN_OK;
}

void hn_root_tree_close(hn_root_tree *t)
{
    if (!t)
        return;
    rt_tree_free_parts(t);
    free(t->record);
    free(t->name);
    free(t->class_name);
    free(t);
}

int64_t hn_root_tree_entries(const hn_root_tree *t) { return t ? t->entries : 0; }
const char *hn_root_tree_name(const hn_root_tree *t) { return t ? t->name : NULL; }
const char *hn_root_tree_class(const hn_root_tree *t) { return t ? t->class_name : NULL; }
void hn_root_tree_set_threads(hn_root_tree *t, int threads)
{
    if (t)
        t->threads = threads < 0 ? 0 : threads;
}
size_t hn_root_branch_count(const hn_root_tree *t) { return t ? (size_t)t->nbr : 0; }
const hn_root_branch *hn_root_branch_at(const hn_root_tree *t, size_t i)
{
    return t && i < (size_t)t->nbr ? &t->br[i].info : NULL;
}
int64_t hn_root_branch_find(const hn_root_tree *t, const char *name)
{
    for (int i = 0; t && name && i < t->nbr; i++)
        if (!strcmp(t->br[i].name, name))
            return i;
    return -1;
}

const char *hn_root_type_str(hn_root_type t)
{
    static const char *names[] = {"bool",  "int8",  "uint8",   "int16",   "uint16", "int32",
                                  "uint32", "int64", "uint64", "float32", "float64", "string",
                                  "unsupported"};
    return t < HN_ROOT_T_COUNT ? names[t] : "?";
}

hn_status hn_root_select(const hn_root_tree *t, const char *patterns, size_t **idx, size_t *n,
                         hn_error *err)
{
    if (!t || !patterns || !idx || !n)
        return hn_error_set(err, HN_ERR_ARG, "hn_root_select: NULL argument");
    *idx = NULL;
    *n = 0;
    char *pl = malloc(strlen(patterns) + 1);
    unsigned char *hit = calloc((size_t)t->nbr + 1, 1);
    size_t *out = malloc(((size_t)t->nbr + 1) * sizeof *out);
    if (!pl || !hit || !out) {
        free(pl);
        free(hit);
        free(out);
        return hn_error_set(err, HN_ERR_NOMEM, "out of memory");
    }
    strcpy(pl, patterns);
    hn_status st = HN_OK;
    size_t cnt = 0;
    for (char *save = NULL, *pat = strtok_r(pl, ",", &save); pat && !st;
         pat = strtok_r(NULL, ",", &save)) {
        while (*pat == ' ')
            pat++;
        int any = 0;
        for (int i = 0; i < t->nbr; i++)
            if (!fnmatch(pat, t->br[i].name, 0)) {
                any = 1;
                if (!hit[i])
                    out[cnt++] = (size_t)i;
                hit[i] = 1;
            }
        if (!any)
            st = hn_error_set(err, HN_ERR_ARG, "tree '%s' has no branch matching '%s'", t->name, pat);
    }
    free(pl);
    free(hit);
    if (!st && cnt == 0)
        st = hn_error_set(err, HN_ERR_ARG, "no branch selected by '%s'", patterns);
    if (st) {
        free(out);
        return st;
    }
    *idx = out;
    *n = cnt;
    return HN_OK;
}
