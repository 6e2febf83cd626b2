/* The StreamerInfo record of a written file: ROOT's description of the
 * classes the file's objects use (TTree, TBranch, the leaves and their
 * bases), which ROOT checks and which jsroot and other independent readers
 * need to decode the TTree record at all.
 *
 * The class versions, checksums, member names, types and sizes below are
 * those ROOT 6.20-6.26 writes for these classes (read from the streamer
 * info of the ROOT 6 files in tests/data/root/, where they are the same in
 * every one; docs/root.md). They describe exactly the TTree v20, TBranch
 * v13, TLeaf v2 and TLeafX v1 records that write.c produces. Member titles
 * (ROOT's comments) are left empty except for the "[count]" of counted
 * arrays, which states their length. */
#include "wbuf.h"

enum { SE_BASE, SE_BASIC, SE_BASICPTR, SE_OBJECT, SE_OBJPTR, SE_OBJANY, SE_STRING };

/* One TStreamerElement. base_check: for a base class, its checksum (ROOT
 * keeps it in fMaxIndex[1]); ver: a base's version or a counted array's
 * class version (fCountVersion); count_*: the counter of a counted array. */
typedef struct se_elem {
    int kind;
    const char *name, *title, *type_name;
    int32_t type, size;
    uint32_t base_check;
    int32_t ver;
    const char *count_name, *count_class;
} se_elem;

typedef struct se_class {
    const char *name;
    uint32_t checksum;
    int32_t version;
    const se_elem *el;
    int nel;
} se_class;

static const se_elem se_ttree[] = {
    {SE_BASE, "TNamed", "", "BASE", 67, 0, 0xdfb74a3cu, 1, NULL, NULL},
    {SE_BASE, "TAttLine", "", "BASE", 0, 0, 0x94074549u, 2, NULL, NULL},
    {SE_BASE, "TAttFill", "", "BASE", 0, 0, 0xffd92a92u, 2, NULL, NULL},
    {SE_BASE, "TAttMarker", "", "BASE", 0, 0, 0x291d8becu, 2, NULL, NULL},
    {SE_BASIC, "fEntries", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fTotBytes", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fZipBytes", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fSavedBytes", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fFlushedBytes", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fWeight", "", "double", 8, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fTimerInterval", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fScanField", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fUpdate", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fDefaultEntryOffsetLen", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fNClusterRange", "", "int", 6, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaxEntries", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaxEntryLoop", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaxVirtualSize", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fAutoSave", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fAutoFlush", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fEstimate", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASICPTR, "fClusterRangeEnd", "[fNClusterRange]", "Long64_t*", 56, 8, 0x00000000u, 20, "fNClusterRange", "TTree"},
    {SE_BASICPTR, "fClusterSize", "[fNClusterRange]", "Long64_t*", 56, 8, 0x00000000u, 20, "fNClusterRange", "TTree"},
    {SE_OBJANY, "fIOFeatures", "", "ROOT::TIOFeatures", 62, 1, 0x00000000u, 0, NULL, NULL},
    {SE_OBJECT, "fBranches", "", "TObjArray", 61, 64, 0x00000000u, 0, NULL, NULL},
    {SE_OBJECT, "fLeaves", "", "TObjArray", 61, 64, 0x00000000u, 0, NULL, NULL},
    {SE_OBJPTR, "fAliases", "", "TList*", 64, 8, 0x00000000u, 0, NULL, NULL},
    {SE_OBJANY, "fIndexValues", "", "TArrayD", 62, 24, 0x00000000u, 0, NULL, NULL},
    {SE_OBJANY, "fIndex", "", "TArrayI", 62, 24, 0x00000000u, 0, NULL, NULL},
    {SE_OBJPTR, "fTreeIndex", "", "TVirtualIndex*", 64, 8, 0x00000000u, 0, NULL, NULL},
    {SE_OBJPTR, "fFriends", "", "TList*", 64, 8, 0x00000000u, 0, NULL, NULL},
    {SE_OBJPTR, "fUserInfo", "", "TList*", 64, 8, 0x00000000u, 0, NULL, NULL},
    {SE_OBJPTR, "fBranchRef", "", "TBranchRef*", 64, 8, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tnamed[] = {
    {SE_BASE, "TObject", "", "BASE", 66, 0, 0x901bc02du, 1, NULL, NULL},
    {SE_STRING, "fName", "", "TString", 65, 24, 0x00000000u, 0, NULL, NULL},
    {SE_STRING, "fTitle", "", "TString", 65, 24, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tobject[] = {
    {SE_BASIC, "fUniqueID", "", "unsigned int", 13, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fBits", "", "unsigned int", 15, 4, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tattline[] = {
    {SE_BASIC, "fLineColor", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fLineStyle", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fLineWidth", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tattfill[] = {
    {SE_BASIC, "fFillColor", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fFillStyle", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tattmarker[] = {
    {SE_BASIC, "fMarkerColor", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMarkerStyle", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMarkerSize", "", "float", 5, 4, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tiofeatures[] = {
    {SE_BASIC, "fIOBits", "", "unsigned char", 11, 1, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tbranch[] = {
    {SE_BASE, "TNamed", "", "BASE", 67, 0, 0xdfb74a3cu, 1, NULL, NULL},
    {SE_BASE, "TAttFill", "", "BASE", 0, 0, 0xffd92a92u, 2, NULL, NULL},
    {SE_BASIC, "fCompress", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fBasketSize", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fEntryOffsetLen", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fWriteBasket", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fEntryNumber", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_OBJANY, "fIOFeatures", "", "ROOT::TIOFeatures", 62, 1, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fOffset", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaxBaskets", "", "int", 6, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fSplitLevel", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fEntries", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fFirstEntry", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fTotBytes", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fZipBytes", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_OBJECT, "fBranches", "", "TObjArray", 61, 64, 0x00000000u, 0, NULL, NULL},
    {SE_OBJECT, "fLeaves", "", "TObjArray", 61, 64, 0x00000000u, 0, NULL, NULL},
    {SE_OBJECT, "fBaskets", "", "TObjArray", 61, 64, 0x00000000u, 0, NULL, NULL},
    {SE_BASICPTR, "fBasketBytes", "[fMaxBaskets]", "int*", 43, 4, 0x00000000u, 13, "fMaxBaskets", "TBranch"},
    {SE_BASICPTR, "fBasketEntry", "[fMaxBaskets]", "Long64_t*", 56, 8, 0x00000000u, 13, "fMaxBaskets", "TBranch"},
    {SE_BASICPTR, "fBasketSeek", "[fMaxBaskets]", "Long64_t*", 56, 8, 0x00000000u, 13, "fMaxBaskets", "TBranch"},
    {SE_STRING, "fFileName", "", "TString", 65, 24, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleaf[] = {
    {SE_BASE, "TNamed", "", "BASE", 67, 0, 0xdfb74a3cu, 1, NULL, NULL},
    {SE_BASIC, "fLen", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fLenType", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fOffset", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fIsRange", "", "bool", 18, 1, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fIsUnsigned", "", "bool", 18, 1, 0x00000000u, 0, NULL, NULL},
    {SE_OBJPTR, "fLeafCount", "", "TLeaf*", 64, 8, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleafo[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "bool", 18, 1, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "bool", 18, 1, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleafb[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "char", 1, 1, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "char", 1, 1, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleafs[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "short", 2, 2, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleafi[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleafl[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "Long64_t", 16, 8, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleaff[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "float", 5, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "float", 5, 4, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tleafd[] = {
    {SE_BASE, "TLeaf", "", "BASE", 0, 0, 0x6d1e8152u, 2, NULL, NULL},
    {SE_BASIC, "fMinimum", "", "double", 8, 8, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fMaximum", "", "double", 8, 8, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tlist[] = {
    {SE_BASE, "TSeqCollection", "", "BASE", 0, 0, 0xfc6c3bc6u, 0, NULL, NULL},
};
static const se_elem se_tseqcollection[] = {
    {SE_BASE, "TCollection", "", "BASE", 0, 0, 0x57e3cb9cu, 3, NULL, NULL},
};
static const se_elem se_tcollection[] = {
    {SE_BASE, "TObject", "", "BASE", 66, 0, 0x901bc02du, 1, NULL, NULL},
    {SE_STRING, "fName", "", "TString", 65, 24, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fSize", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
};
static const se_elem se_tobjarray[] = {
    {SE_BASE, "TSeqCollection", "", "BASE", 0, 0, 0xfc6c3bc6u, 0, NULL, NULL},
    {SE_BASIC, "fLowerBound", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
    {SE_BASIC, "fLast", "", "int", 3, 4, 0x00000000u, 0, NULL, NULL},
};
static const se_class se_classes[] = {
    {"TTree", 0x7264e07fu, 20, se_ttree, 33},
    {"TNamed", 0xdfb74a3cu, 1, se_tnamed, 3},
    {"TObject", 0x901bc02du, 1, se_tobject, 2},
    {"TAttLine", 0x94074549u, 2, se_tattline, 3},
    {"TAttFill", 0xffd92a92u, 2, se_tattfill, 2},
    {"TAttMarker", 0x291d8becu, 2, se_tattmarker, 3},
    {"ROOT::TIOFeatures", 0x1aa12f10u, 1, se_tiofeatures, 1},
    {"TBranch", 0x10978aacu, 13, se_tbranch, 22},
    {"TLeaf", 0x6d1e8152u, 2, se_tleaf, 7},
    {"TLeafO", 0x02ae48d3u, 1, se_tleafo, 3},
    {"TLeafB", 0x0f1e4b5eu, 1, se_tleafb, 3},
    {"TLeafS", 0x150ceecfu, 1, se_tleafs, 3},
    {"TLeafI", 0x7e6aae19u, 1, se_tleafi, 3},
    {"TLeafL", 0xde320862u, 1, se_tleafl, 3},
    {"TLeafF", 0x3add9d72u, 1, se_tleaff, 3},
    {"TLeafD", 0x118e8776u, 1, se_tleafd, 3},
    {"TList", 0x69c5c3bbu, 5, se_tlist, 1},
    {"TSeqCollection", 0xfc6c3bc6u, 0, se_tseqcollection, 1},
    {"TCollection", 0x57e3cb9cu, 3, se_tcollection, 3},
    {"TString", 0x00017419u, 2, NULL, 0},
    {"TObjArray", 0xa99e6552u, 3, se_tobjarray, 3},
};

static const char *const se_kind_class[] = {
    "TStreamerBase",          "TStreamerBasicType", "TStreamerBasicPointer", "TStreamerObject",
    "TStreamerObjectPointer", "TStreamerObjectAny", "TStreamerString",
};

/* A pointer-to-object slot of a collection: byte count, class, object. */
static void se_element(wbuf *b, ctags *ct, const se_elem *e, size_t keylen)
{
    size_t p = wb_begin(b);
    wb_class(b, ct, se_kind_class[e->kind], keylen);
    size_t c = wb_begin(b);
    wb_u16(b, e->kind == SE_BASE ? 3 : 2);
    size_t s = wb_begin(b); /* TStreamerElement */
    wb_u16(b, 4);
    wb_tnamed_bits(b, e->name, e->title, 0x03000000u);
    wb_u32(b, (uint32_t)e->type);
    wb_u32(b, (uint32_t)e->size);
    wb_u32(b, 0); /* fArrayLength */
    wb_u32(b, 0); /* fArrayDim */
    wb_u32(b, 0); /* fMaxIndex[5] */
    wb_u32(b, e->base_check);
    wb_u32(b, 0);
    wb_u32(b, 0);
    wb_u32(b, 0);
    wb_str(b, e->type_name);
    wb_end(b, s);
    if (e->kind == SE_BASE) {
        wb_u32(b, (uint32_t)e->ver); /* fBaseVersion */
    } else if (e->kind == SE_BASICPTR) {
        wb_u32(b, (uint32_t)e->ver);
        wb_str(b, e->count_name);
        wb_str(b, e->count_class);
    }
    wb_end(b, c);
    wb_end(b, p);
}

static void se_info(wbuf *b, ctags *ct, const se_class *k, size_t keylen)
{
    size_t p = wb_begin(b);
    wb_class(b, ct, "TStreamerInfo", keylen);
    size_t c = wb_begin(b);
    wb_u16(b, 9);
    wb_tnamed_bits(b, k->name, "", 0x03010000u);
    wb_u32(b, k->checksum);
    wb_u32(b, (uint32_t)k->version);
    size_t ep = wb_begin(b); /* fElements: a TObjArray */
    wb_class(b, ct, "TObjArray", keylen);
    size_t ec = wb_begin(b);
    wb_u16(b, 3);
    wb_tobject_bits(b, 0x02000000u);
    wb_str(b, "");
    wb_u32(b, (uint32_t)k->nel);
    wb_u32(b, 0); /* fLowerBound */
    for (int i = 0; i < k->nel; i++)
        se_element(b, ct, &k->el[i], keylen);
    wb_end(b, ec);
    wb_end(b, ep);
    wb_end(b, c);
    wb_end(b, p);
}

static int is_leaf_kind(const char *name)
{
    return !strncmp(name, "TLeaf", 5) && name[5] && !name[6];
}

int rw_streamer_info(wbuf *b, const char *const *leaf_classes, size_t n, size_t keylen)
{
    const size_t nk = sizeof se_classes / sizeof se_classes[0];
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nk && strcmp(se_classes[k].name, leaf_classes[i]))
            k++;
        if (k == nk || !is_leaf_kind(leaf_classes[i]))
            return -1;
    }
    /* the leaf kinds this tree does not use are left out, as ROOT does */
    int use[sizeof se_classes / sizeof se_classes[0]];
    uint32_t count = 0;
    for (size_t k = 0; k < nk; k++) {
        use[k] = !is_leaf_kind(se_classes[k].name);
        for (size_t i = 0; i < n && !use[k]; i++)
            use[k] = !strcmp(se_classes[k].name, leaf_classes[i]);
        count += (uint32_t)use[k];
    }
    ctags ct = {.n = 0};
    size_t c = wb_begin(b); /* the TList */
    wb_u16(b, 5);
    wb_tobject_bits(b, 0x02000000u);
    wb_str(b, "");
    wb_u32(b, count);
    for (size_t k = 0; k < nk; k++)
        if (use[k]) {
            se_info(b, &ct, &se_classes[k], keylen);
            wb_u8(b, 0); /* the entry's option string */
        }
    wb_end(b, c);
    return 0;
}
