/* libFuzzer harness for the ROOT reader: the input is a ROOT file; every
 * tree and every readable branch is read, flat and padded. Any crash or
 * sanitizer report is a bug; errors are the expected outcome. Built and
 * run by tests/fuzz/run.sh (clang -fsanitize=fuzzer,address,undefined). */
#include <stdint.h>
#include <stdlib.h>

#include "hepnn/root.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hn_root_file *f;
    if (hn_root_open_memory(data, size, "fuzz.root", &f, NULL))
        return 0;
    for (size_t i = 0; i < hn_root_object_count(f); i++) {
        const hn_root_object *o = hn_root_object_at(f, i);
        hn_root_tree *t;
        if (!o->is_tree || hn_root_tree_open(f, o->path, &t, NULL))
            continue;
        hn_root_tree_set_threads(t, 1);
        for (size_t b = 0; b < hn_root_branch_count(t); b++) {
            const hn_root_branch *br = hn_root_branch_at(t, b);
            if (br->why)
                continue;
            hn_root_array a = {0};
            int str = br->type == HN_ROOT_T_STRING;
            if (hn_root_read(t, br->name, 0, -1, str ? HN_ROOT_CHAR : HN_ROOT_F64, &a, NULL) == HN_OK)
                hn_root_array_free(&a);
            if (hn_root_read(t, br->name, 1, 3 < br->entries ? 3 : br->entries,
                             str ? HN_ROOT_CHAR : HN_ROOT_I64, &a, NULL) == HN_OK)
                hn_root_array_free(&a);
            float *v;
            uint8_t *m;
            int64_t n;
            if (!str && hn_root_read_padded(t, br->name, 0, -1, 3, &v, &m, &n, NULL) == HN_OK) {
                free(v);
                free(m);
            }
        }
        hn_root_tree_close(t);
    }
    hn_root_close(f);
    return 0;
}
