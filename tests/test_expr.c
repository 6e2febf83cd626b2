/* The expression language against values computed directly in C, event by
 * event, over a synthetic sample with flat and jagged branches. */
#include "harness.h"
#include "hepnn/expr.h"
#include "hepnn/rng.h"

#include <stdint.h>

/* CHECK_OK(call, &err) trips -Waddress; pass the pointer through a call */
static hn_error *ep(hn_error *e) { return e; }

#define N_EV 1300 /* more than two evaluation blocks */

/* The sample: flat x, y, n (small integer), event; jagged Jet_pt and Jet_eta
 * (same counts, separate offsets, Jet_eta's not starting at 0) and Muon_pt
 * (its own counts, some events empty). */
static double X[N_EV], Y[N_EV], NN[N_EV], EVT[N_EV];
static int64_t JOFF[N_EV + 1], EOFF[N_EV + 1], MOFF[N_EV + 1];
static double JPT[5 * N_EV], JETA[5 * N_EV + 7], MPT[3 * N_EV];
static hn_column COLS[7];
static hn_column_list LIST = {COLS, 7};

static void make_sample(void)
{
    hn_rng r;
    hn_rng_seed(&r, 7);
    JOFF[0] = 0;
    EOFF[0] = 7;
    MOFF[0] = 0;
    for (int i = 0; i < N_EV; i++) {
        X[i] = 4.0 * hn_rng_uniform(&r) - 2.0;
        Y[i] = 3.0 * hn_rng_uniform(&r) + 0.25;
        NN[i] = (double)hn_rng_below(&r, 4);
        EVT[i] = 1000 + i;
        int nj = (int)hn_rng_below(&r, 5), nm = (int)hn_rng_below(&r, 3);
        for (int k = 0; k < nj; k++) {
            JPT[JOFF[i] + k] = 20.0 + 100.0 * hn_rng_uniform(&r);
            JETA[EOFF[i] + k] = 6.0 * hn_rng_uniform(&r) - 3.0;
        }
        for (int k = 0; k < nm; k++)
            MPT[MOFF[i] + k] = 5.0 + 50.0 * hn_rng_uniform(&r);
        JOFF[i + 1] = JOFF[i] + nj;
        EOFF[i + 1] = EOFF[i] + nj;
        MOFF[i + 1] = MOFF[i] + nm;
    }
    hn_column c[7] = {
        {"x", N_EV, X, NULL},          {"y", N_EV, Y, NULL},           {"n", N_EV, NN, NULL},
        {"event", N_EV, EVT, NULL},    {"Jet_pt", N_EV, JPT, JOFF},    {"Jet_eta", N_EV, JETA, EOFF},
        {"Muon_pt", N_EV, MPT, MOFF},
    };
    memcpy(COLS, c, sizeof c);
}

/* direct C versions of the jagged operations */
static int64_t njet(int i) { return JOFF[i + 1] - JOFF[i]; }
static double pt(int i, double k) { return k >= 0 && k < (double)njet(i) ? JPT[JOFF[i] + (int64_t)k] : 0.0; }
static double eta(int i, int k) { return k < njet(i) ? JETA[EOFF[i] + k] : 0.0; }
static double pt_or(int i, int k, double alt) { return k < njet(i) ? JPT[JOFF[i] + k] : alt; }
static double sum_pt(int i)
{
    double s = 0;
    for (int k = 0; k < njet(i); k++)
        s += JPT[JOFF[i] + k];
    return s;
}
static double sum_pt_central(int i)
{
    double s = 0;
    for (int k = 0; k < njet(i); k++)
        s += JPT[JOFF[i] + k] * (fabs(JETA[EOFF[i] + k]) < 2.4);
    return s;
}
static double count_pt_above_x(int i)
{
    double s = 0;
    for (int k = 0; k < njet(i); k++)
        s += JPT[JOFF[i] + k] > X[i] * 30;
    return s;
}
static double max_of(int i, double a, double b) /* Max$(Jet_pt*a + b*y) */
{
    double m = 0;
    for (int k = 0; k < njet(i); k++) {
        double v = JPT[JOFF[i] + k] * a + b * Y[i];
        if (k == 0 || v > m)
            m = v;
    }
    return m;
}
static double min_abs_eta(int i)
{
    double m = 0;
    for (int k = 0; k < njet(i); k++) {
        double v = fabs(JETA[EOFF[i] + k]);
        if (k == 0 || v < m)
            m = v;
    }
    return m;
}
static double max_pt(int i) { return max_of(i, 1, 0); }
static double min_pt(int i) { return njet(i) ? -max_of(i, -1, 0) : 0.0; }
static double nmu(int i) { return (double)(MOFF[i + 1] - MOFF[i]); }
static double sum_mu(int i)
{
    double s = 0;
    for (int64_t k = MOFF[i]; k < MOFF[i + 1]; k++)
        s += MPT[k];
    return s;
}

#define x X[i]
#define y Y[i]
#define PI 3.14159265358979323846
#define E_ 2.71828182845904523536
/* expression text, the same value in C for event i */
#define CASES(C)                                                                  \
    C("1+2*3", 7) C("(1+2)*3", 9) C("2*3^2", 18) C("-2^2", -4) C("2^-1", 0.5)     \
    C("2^3^2", 512) C("2**3**2", 512) C("(2^3)^2", 64) C("10-4-3", 3)             \
    C("100/10/5", 2) C("7%4", 3) C("-7%4", -3) C("1+2<4", 1) C("1<2==1", 1)       \
    C("3>2>1", 0) C("2<1 || 1<2 && 0", 0) C("1 || 0 && 0", 1) C("!0+1", 2)        \
    C("!x>0", (!(x != 0)) > 0) C("1e-3*1e3", 1e-3 * 1e3) C(".5+5.", 5.5)          \
    C("2.5E+2", 250) C("-x", -x) C("--x", x) C("- -x", x) C("+x", x)              \
    C("x-y*2", x - y * 2) C("x/y/2", x / y / 2) C("-x^2", -(x * x))              \
    C("x**2+y^0.5", x * x + pow(y, 0.5)) C("x*-y", x * -y)                        \
    C("abs(x)", fabs(x)) C("sqrt(y)", sqrt(y)) C("exp(x)", exp(x))                \
    C("log(y)", log(y)) C("log10(y)", log10(y)) C("pow(y, x)", pow(y, x))         \
    C("sin(x)", sin(x)) C("cos(x)", cos(x)) C("tan(x)", tan(x))                   \
    C("asin(x/2)", asin(x / 2)) C("acos(x/2)", acos(x / 2)) C("atan(x)", atan(x)) \
    C("atan2(x, y)", atan2(x, y)) C("sinh(x)", sinh(x)) C("cosh(x)", cosh(x))     \
    C("tanh(x)", tanh(x)) C("min(x, y)", fmin(x, y)) C("max(x, y)", fmax(x, y))   \
    C("hypot(x, y)", hypot(x, y)) C("floor(x)", floor(x)) C("ceil(x)", ceil(x))   \
    C("pi", PI) C("e", E_) C("2*pi*e", 2 * PI * E_)                               \
    C("x<y", x < y) C("x<=n", x <= NN[i]) C("x>y", x > y) C("n>=2", NN[i] >= 2)   \
    C("n==2", NN[i] == 2) C("n!=2", NN[i] != 2)                                   \
    C("x>0 && n>1", x > 0 && NN[i] > 1) C("x>0 || n>1", x > 0 || NN[i] > 1)       \
    C("!(x>0)", !(x > 0)) C("event % 5 == 0", fmod(EVT[i], 5) == 0)               \
    C("sqrt(abs(x))*cosh(y)-1", sqrt(fabs(x)) * cosh(y) - 1)                      \
    C("Jet_pt[0]", pt(i, 0)) C("Jet_pt[2]", pt(i, 2)) C("Jet_pt[n]", pt(i, NN[i])) \
    C("Jet_pt[n-1]", pt(i, NN[i] - 1)) C("Jet_pt[1.9]", pt(i, 1))                  \
    C("Jet_pt[0]*Jet_eta[1]", pt(i, 0) * eta(i, 1))                               \
    C("Alt$(Jet_pt[1], -1)", pt_or(i, 1, -1))                                     \
    C("Alt$(Jet_pt[0]+Jet_eta[3], y)", njet(i) > 3 ? pt(i, 0) + eta(i, 3) : y)    \
    C("Alt$(x, 5)", x) C("Length$(Jet_pt)", (double)njet(i))                      \
    C("Sum$(Jet_pt)", sum_pt(i)) C("Max$(Jet_pt)", max_pt(i))                     \
    C("Min$(Jet_pt)", min_pt(i))                                                  \
    C("Sum$(Jet_pt*(abs(Jet_eta)<2.4))", sum_pt_central(i))                       \
    C("Sum$(Jet_pt > x*30)", count_pt_above_x(i))                                 \
    C("Max$(Jet_pt*2 + 3*y)", max_of(i, 2, 3)) C("Min$(abs(Jet_eta))", min_abs_eta(i)) \
    C("Length$(Muon_pt) + Sum$(Jet_pt)", nmu(i) + sum_pt(i))                      \
    C("Sum$(Muon_pt)/max(Length$(Muon_pt), 1)", sum_mu(i) / fmax(nmu(i), 1))      \
    C("Sum$(x)", x) C("Max$(y)", y) C("Length$(x)", 1)                            \
    C("Length$(Jet_pt) >= 2 && Jet_pt[1] > 50", njet(i) >= 2 && pt(i, 1) > 50)  \
    C("TMath::Abs(x) + TMath::Power(y, 2) - TMath::Pi()", fabs(x) + pow(y, 2) - PI) \
    C("TMath::ATan2(x, y) * TMath::E() + TMath::CosH(x)", atan2(x, y) * E_ + cosh(x))

#define AS_TEXT(t, v) t,
static const char *const case_text[] = {CASES(AS_TEXT)};
#define N_CASES ((int)(sizeof case_text / sizeof case_text[0]))

static double reference(int c, int i)
{
    int k = 0;
#define AS_VALUE(t, v)   \
    if (c == k++)        \
        return (double)(v);
    CASES(AS_VALUE)
    return NAN;
}
#undef x
#undef y

TEST(grammar_table)
{
    static double out[N_EV];
    for (int c = 0; c < N_CASES; c++) {
        hn_error err = {0};
        hn_expr *e = NULL;
        if (hn_expr_compile(case_text[c], &e, &err)) {
            CHECK_MSG(0, "'%s': %s", case_text[c], err.msg);
            continue;
        }
        CHECK_OK(hn_expr_bind(e, hn_column_list_resolve, &LIST, &err), ep(&err));
        CHECK_OK(hn_expr_eval(e, 0, N_EV, out, &err), ep(&err));
        int bad = 0;
        for (int i = 0; i < N_EV && bad < 3; i++) {
            double want = reference(c, i);
            if (!(fabs(out[i] - want) <= 1e-12 * (1 + fabs(want)))) {
                CHECK_MSG(0, "'%s' event %d: got %.17g, want %.17g", case_text[c], i, out[i], want);
                bad++;
            }
        }
        hn_expr_free(e);
    }
}

TEST(identifiers_listed_before_binding)
{
    hn_error err = {0};
    hn_expr *e = NULL;
    CHECK_OK(hn_expr_compile("Sum$(Jet_pt*(abs(Jet_eta)<2.4)) + x*Jet_pt[0] + pi*x", &e, &err), ep(&err));
    CHECK(hn_expr_n_identifiers(e) == 3);
    CHECK(!strcmp(hn_expr_identifier(e, 0), "Jet_pt"));
    CHECK(!strcmp(hn_expr_identifier(e, 1), "Jet_eta"));
    CHECK(!strcmp(hn_expr_identifier(e, 2), "x"));
    CHECK(hn_expr_identifier(e, 3) == NULL);
    double v;
    CHECK(hn_expr_eval(e, 0, 1, &v, &err) == HN_ERR_STATE);
    hn_expr_free(e);
    /* names may contain '.' and '_' */
    CHECK_OK(hn_expr_compile("Jet.pt_x + _a1", &e, &err), ep(&err));
    CHECK(hn_expr_n_identifiers(e) == 2 && !strcmp(hn_expr_identifier(e, 0), "Jet.pt_x"));
    hn_expr_free(e);
}

TEST(jagged_result_and_missing_value)
{
    hn_error err = {0};
    hn_expr *e = NULL;
    CHECK_OK(hn_expr_compile("Jet_pt*2 + x*(Jet_eta>0)", &e, &err), ep(&err));
    CHECK_OK(hn_expr_bind(e, hn_column_list_resolve, &LIST, &err), ep(&err));
    CHECK(hn_expr_is_jagged(e));
    double flat[4];
    CHECK(hn_expr_eval(e, 0, 4, flat, &err) == HN_ERR_SHAPE);
    CHECK(strstr(err.msg, "Jet_pt") != NULL);
    static int64_t off[N_EV + 1];
    double *vals = NULL;
    CHECK_OK(hn_expr_eval_jagged(e, 3, N_EV - 3, off, &vals, &err), ep(&err));
    CHECK(off[0] == 0 && off[N_EV - 3] == JOFF[N_EV] - JOFF[3]);
    int bad = 0;
    for (int i = 3; i < N_EV && vals && !bad; i++) {
        CHECK(off[i - 3 + 1] - off[i - 3] == njet(i));
        for (int k = 0; k < njet(i); k++) {
            double want = JPT[JOFF[i] + k] * 2 + X[i] * (JETA[EOFF[i] + k] > 0);
            if (vals[off[i - 3] + k] != want)
                bad++;
        }
    }
    CHECK(bad == 0);
    free(vals);
    hn_expr_free(e);

    /* a per-event expression as a jagged result: one value per event */
    CHECK_OK(hn_expr_compile("Length$(Jet_pt)", &e, &err), ep(&err));
    CHECK_OK(hn_expr_bind(e, hn_column_list_resolve, &LIST, &err), ep(&err));
    CHECK(!hn_expr_is_jagged(e));
    CHECK_OK(hn_expr_eval_jagged(e, 0, 10, off, &vals, &err), ep(&err));
    for (int i = 0; i < 10 && vals; i++)
        CHECK(off[i] == i && vals[i] == (double)njet(i));
    free(vals);
    hn_expr_free(e);

    /* the out-of-range value is an API parameter */
    CHECK_OK(hn_expr_compile("Jet_pt[3]", &e, &err), ep(&err));
    hn_expr_set_missing(e, -999);
    CHECK_OK(hn_expr_bind(e, hn_column_list_resolve, &LIST, &err), ep(&err));
    static double out[N_EV];
    CHECK_OK(hn_expr_eval(e, 0, N_EV, out, &err), ep(&err));
    int n_missing = 0;
    for (int i = 0; i < N_EV; i++) {
        CHECK(out[i] == (njet(i) > 3 ? JPT[JOFF[i] + 3] : -999));
        n_missing += njet(i) <= 3;
    }
    CHECK(n_missing > 100 && n_missing < N_EV); /* the sample exercises both sides */
    hn_expr_free(e);
}

TEST(rebinding_to_a_chunk)
{
    /* a reader streaming entries [500, 800): columns whose arrays start mid-way */
    const int first = 500, count = 300;
    hn_column c[3] = {
        {"x", count, X + first, NULL},
        {"Jet_pt", count, JPT, JOFF + first},
        {"Jet_eta", count, JETA, EOFF + first},
    };
    hn_column_list chunk = {c, 3};
    hn_error err = {0};
    hn_expr *e = NULL;
    CHECK_OK(hn_expr_compile("Sum$(Jet_pt*(abs(Jet_eta)<2.4)) + x", &e, &err), ep(&err));
    CHECK_OK(hn_expr_bind(e, hn_column_list_resolve, &LIST, &err), ep(&err));
    CHECK(hn_expr_n_entries(e) == N_EV);
    static double full[N_EV], part[300];
    CHECK_OK(hn_expr_eval(e, 0, N_EV, full, &err), ep(&err));
    CHECK_OK(hn_expr_bind(e, hn_column_list_resolve, &chunk, &err), ep(&err));
    CHECK(hn_expr_n_entries(e) == count);
    CHECK_OK(hn_expr_eval(e, 0, count, part, &err), ep(&err));
    CHECK(memcmp(part, full + first, sizeof part) == 0);
    CHECK(hn_expr_eval(e, 1, count, part, &err) == HN_ERR_ARG);
    CHECK(hn_expr_eval(e, -1, 2, part, &err) == HN_ERR_ARG);
    hn_expr_free(e);
}

/* text, expected fragment of the message (position included) */
static const char *const syntax_errors[][2] = {
    {"x + )", "unexpected ')' at column 5"},
    {"(x + y))", "unexpected ')' at column 8\n  (x + y))\n         ^"},
    {"(x + y", "unclosed '(' at column 1"},
    {"x +", "unexpected end of expression at column 4"},
    {"sqr(x)", "unknown function 'sqr' at column 1"},
    {"1 + pow(x)", "function 'pow' takes 2 arguments, got 1 at column 5"},
    {"abs(x, y)", "function 'abs' takes 1 argument, got 2 at column 1"},
    {"x = 1", "unexpected '=' (comparison is '==') at column 3"},
    {"x & y", "at column 3"},
    {"x | y", "at column 3"},
    {"1e+ 2", "malformed number exponent at column 4"},
    {"x $ y", "unexpected character '$' at column 3"},
    {"", "empty expression at column 1"},
    {"   ", "empty expression at column 1"},
    {"Jet_pt[0", "unclosed '[' at column 7"},
    {"x y", "unexpected 'y' at column 3"},
    {"2pt", "unexpected 'p' after a number at column 2"},
    {"Sum$ + 1", "'Sum$' is a function and needs '(' at column 1"},
    {"max(x,)", "unexpected ')' at column 7"},
    {"x ** * 2", "unexpected '*' at column 6"},
    {"x\x01", "unexpected byte 0x01 at column 2"},
    {"1 + TMath::Foo(x)", "unknown function 'TMath::Foo' at column 5"},
    {"TMath::Pi(2)", "function 'TMath::Pi' takes no arguments at column 1"},
    {"2*TMath::Pi", "'TMath::Pi' is a function and needs '(' at column 3"},
};

TEST(syntax_errors_with_positions)
{
    for (size_t c = 0; c < sizeof syntax_errors / sizeof syntax_errors[0]; c++) {
        hn_error err = {0};
        hn_expr *e = (hn_expr *)&err; /* must be reset to NULL */
        hn_status st = hn_expr_compile(syntax_errors[c][0], &e, &err);
        CHECK_MSG(st == HN_ERR_ARG && e == NULL, "'%s' compiled", syntax_errors[c][0]);
        CHECK_MSG(strstr(err.msg, syntax_errors[c][1]) != NULL, "'%s': got \"%s\", want \"%s\"",
                  syntax_errors[c][0], err.msg, syntax_errors[c][1]);
        CHECK(!strncmp(err.msg, "expr: ", 6));
    }
    /* deep nesting is an error, not a stack overflow */
    char deep[5000];
    for (int i = 0; i < 2000; i++) {
        deep[i] = '(';
        deep[2001 + i] = ')';
    }
    deep[2000] = 'x';
    deep[4001] = '\0';
    hn_error err = {0};
    hn_expr *e = NULL;
    CHECK(hn_expr_compile(deep, &e, &err) == HN_ERR_ARG && strstr(err.msg, "nested too deeply"));
    memset(deep, '-', 4000);
    deep[4000] = 'x';
    deep[4001] = '\0';
    CHECK(hn_expr_compile(deep, &e, &err) == HN_ERR_ARG && strstr(err.msg, "nested too deeply"));
    /* a long flat chain is fine (no recursion over its length) */
    static char chain[40001];
    for (int i = 0; i < 20000; i++) {
        chain[2 * i] = '1';
        chain[2 * i + 1] = '+';
    }
    chain[39999] = '\0';
    CHECK_OK(hn_expr_compile(chain, &e, &err), ep(&err));
    CHECK_OK(hn_expr_bind(e, NULL, NULL, &err), ep(&err));
    double v = 0;
    CHECK_OK(hn_expr_eval(e, 0, 1, &v, &err), ep(&err));
    CHECK(v == 20000);
    hn_expr_free(e);
    /* a long text shows a window around the column */
    static char longtext[3000];
    memset(longtext, ' ', sizeof longtext - 1);
    longtext[0] = 'x';
    longtext[2500] = ')';
    longtext[sizeof longtext - 1] = '\0';
    CHECK(hn_expr_compile(longtext, &e, &err) == HN_ERR_ARG);
    CHECK(strstr(err.msg, "at column 2501") && strstr(err.msg, "...") && strstr(err.msg, "^"));
}

static const char *const bind_errors[][2] = {
    {"x + nope", "unknown identifier 'nope' (no column named 'nope') at column 5"},
    {"Jet_pt * Muon_pt", "operands of '*' are jagged with different object counts ('Jet_pt' and "
                         "'Muon_pt') at column 8"},
    {"Sum$(Jet_pt + Muon_pt)", "at column 13"},
    {"x[0]", "'x' is not a jagged branch and cannot be indexed at column 2"},
    {"(x+1)[0]", "only a jagged value can be indexed at column 6"},
    {"Jet_pt[Jet_pt > 3]", "an index must have one value per event"},
    {"Jet_pt[0][1]", "at column 10"},
    {"Alt$(Jet_pt, 1)", "Alt$ needs arguments with one value per event at column 1"},
};

TEST(binding_errors)
{
    for (size_t c = 0; c < sizeof bind_errors / sizeof bind_errors[0]; c++) {
        hn_error err = {0};
        hn_expr *e = NULL;
        CHECK_OK(hn_expr_compile(bind_errors[c][0], &e, &err), ep(&err));
        CHECK(hn_expr_bind(e, hn_column_list_resolve, &LIST, &err) != HN_OK);
        CHECK_MSG(strstr(err.msg, bind_errors[c][1]) != NULL, "'%s': got \"%s\"", bind_errors[c][0],
                  err.msg);
        CHECK(hn_expr_n_entries(e) == -1);
        hn_expr_free(e);
    }
    /* columns of different lengths */
    hn_column c[2] = {{"a", 3, X, NULL}, {"b", 4, Y, NULL}};
    hn_column_list l = {c, 2};
    hn_error err = {0};
    hn_expr *e = NULL;
    CHECK_OK(hn_expr_compile("a+b", &e, &err), ep(&err));
    CHECK(hn_expr_bind(e, hn_column_list_resolve, &l, &err) == HN_ERR_SHAPE);
    CHECK(strstr(err.msg, "'b' has 4 entries, 'a' has 3") != NULL);
    /* decreasing offsets */
    int64_t off[3] = {0, 2, 1};
    hn_column j = {"a", 2, X, off};
    hn_column_list lj = {&j, 1};
    CHECK(hn_expr_bind(e, hn_column_list_resolve, &lj, &err) != HN_OK);
    hn_expr_free(e);
    CHECK_OK(hn_expr_compile("Sum$(a)", &e, &err), ep(&err));
    CHECK(hn_expr_bind(e, hn_column_list_resolve, &lj, &err) == HN_ERR_ARG);
    CHECK(strstr(err.msg, "offsets decrease at entry 1") != NULL);
    hn_expr_free(e);
}

/* Random token soup: every text compiles or fails cleanly, and whatever
 * compiles binds or fails cleanly and evaluates (the sanitizer build watches). */
TEST(random_texts_never_crash)
{
    static const char *const toks[] = {"x", "Jet_pt", "Jet_eta", "Muon_pt", "n", "1", "2.5e-1", "pi",
                                       "+", "-", "*", "/", "%", "^", "**", "!", "<", ">=", "==", "&&",
                                       "||", "(", ")", "[", "]", ",", "abs(", "pow(", "Sum$(",
                                       "Max$(", "Length$(", "Alt$(", "min(", " ", "0", "e"};
    const int nt = (int)(sizeof toks / sizeof toks[0]);
    hn_rng r;
    hn_rng_seed(&r, 2024);
    int compiled = 0, bound = 0;
    static double out[64];
    static int64_t off[65];
    for (int it = 0; it < 3000; it++) {
        char text[256] = "";
        int len = 1 + (int)hn_rng_below(&r, 12);
        for (int k = 0; k < len; k++)
            strcat(text, toks[hn_rng_below(&r, (uint64_t)nt)]);
        hn_error err = {0};
        hn_expr *e = NULL;
        if (hn_expr_compile(text, &e, &err) != HN_OK) {
            CHECK(e == NULL && strstr(err.msg, "at column") != NULL);
            continue;
        }
        compiled++;
        if (hn_expr_bind(e, hn_column_list_resolve, &LIST, &err) == HN_OK) {
            bound++;
            double *vals = NULL;
            CHECK(hn_expr_eval_jagged(e, 100, 64, off, &vals, &err) == HN_OK);
            free(vals);
            if (!hn_expr_is_jagged(e))
                CHECK(hn_expr_eval(e, 100, 64, out, &err) == HN_OK);
        }
        hn_expr_free(e);
    }
    CHECK(compiled > 100 && bound > 50); /* the soup reaches the evaluator */
}

/* Five-letter names (as long as "TMath") at the very end of the text: the
 * lexer must not read past it (ASan would say so). */
TEST(short_names_at_the_end)
{
    const char *texts[] = {"m_jjj", "x + j1_pt", "TMath", "(abcde)"};
    for (int i = 0; i < 4; i++) {
        hn_expr *e = NULL;
        hn_error err = {0};
        CHECK_OK(hn_expr_compile(texts[i], &e, &err), &err);
        CHECK(e && hn_expr_n_identifiers(e) >= 1);
        hn_expr_free(e);
    }
}

int main(void)
{
    make_sample();
    RUN(short_names_at_the_end);
    RUN(grammar_table);
    RUN(identifiers_listed_before_binding);
    RUN(jagged_result_and_missing_value);
    RUN(rebinding_to_a_chunk);
    RUN(syntax_errors_with_positions);
    RUN(binding_errors);
    RUN(random_texts_never_crash);
    return TEST_SUMMARY();
}
