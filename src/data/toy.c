/* The HIGGS-like physics toy (include/hepnn/toy.h). Four-vectors are (E, px,
 * py, pz) in GeV; jets and leptons are massless. */
#include <math.h>
#include <string.h>

#include "hepnn/rng.h"
#include "hepnn/toy.h"

#define PI 3.14159265358979323846

const char *const hn_toy_feature_names[HN_TOY_N_FEATURES] = {
    "lep_pt",  "lep_eta", "lep_phi", "met",     "met_phi", "j1_pt",  "j1_eta", "j1_phi",
    "j2_pt",   "j2_eta",  "j2_phi",  "j3_pt",   "j3_eta",  "j3_phi", "j1_btag", "j2_btag",
    "m_bb",    "pt_bb",   "dr_bb",   "mt_w",    "m_jjj",   "m_lvbb",
};

typedef struct {
    double e, px, py, pz;
} p4;

static p4 add(p4 a, p4 b) { return (p4){a.e + b.e, a.px + b.px, a.py + b.py, a.pz + b.pz}; }
static double mass(p4 a)
{
    double m2 = a.e * a.e - a.px * a.px - a.py * a.py - a.pz * a.pz;
    return m2 > 0 ? sqrt(m2) : 0.0;
}
static double pt(p4 a) { return hypot(a.px, a.py); }
static double eta(p4 a)
{
    double p = sqrt(a.px * a.px + a.py * a.py + a.pz * a.pz);
    return 0.5 * log((p + a.pz + 1e-12) / (p - a.pz + 1e-12));
}
static double phi(p4 a) { return atan2(a.py, a.px); }
static p4 from_pt_eta_phi(double pt_, double eta_, double phi_)
{
    return (p4){pt_ * cosh(eta_), pt_ * cos(phi_), pt_ * sin(phi_), pt_ * sinh(eta_)};
}

/* A particle of mass m and momentum (pt, eta, phi) decaying isotropically
 * into two massless daughters. */
static void decay(hn_rng *r, double m, double pt_, double eta_, double phi_, p4 *d1, p4 *d2)
{
    double mt = sqrt(m * m + pt_ * pt_);
    p4 mom = {mt * cosh(eta_), pt_ * cos(phi_), pt_ * sin(phi_), mt * sinh(eta_)};
    double ct = 2.0 * hn_rng_uniform(r) - 1.0, st = sqrt(1.0 - ct * ct), ph = 2.0 * PI * hn_rng_uniform(r);
    double q = 0.5 * m;
    p4 a = {q, q * st * cos(ph), q * st * sin(ph), q * ct}, b = {q, -a.px, -a.py, -a.pz};
    /* boost from the rest frame with beta = p/E */
    double bx = mom.px / mom.e, by = mom.py / mom.e, bz = mom.pz / mom.e, b2 = bx * bx + by * by + bz * bz;
    double g = 1.0 / sqrt(1.0 - b2);
    p4 *out[2] = {d1, d2}, in[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        double bp = bx * in[k].px + by * in[k].py + bz * in[k].pz;
        double g2 = b2 > 0 ? (g - 1.0) / b2 : 0.0;
        out[k]->px = in[k].px + g2 * bp * bx + g * bx * in[k].e;
        out[k]->py = in[k].py + g2 * bp * by + g * by * in[k].e;
        out[k]->pz = in[k].pz + g2 * bp * bz + g * bz * in[k].e;
        out[k]->e = g * (in[k].e + bp);
    }
}

/* Smears a massless object's pT by a relative resolution. */
static p4 smear(hn_rng *r, p4 a, double rel)
{
    double f = 1.0 + rel * hn_rng_normal(r);
    f = f < 0.05 ? 0.05 : f;
    return (p4){a.e * f, a.px * f, a.py * f, a.pz * f};
}

static double breit_wigner(hn_rng *r, double m, double w)
{
    double v;
    do
        v = m + 0.5 * w * tan(PI * (hn_rng_uniform(r) - 0.5));
    while (v < m - 10 * w || v > m + 10 * w || v < 1.0);
    return v;
}

static void event(hn_rng *r, int signal, float *x)
{
    /* the b b system: a 125 GeV resonance, or a falling continuum */
    double m_bb = signal ? 125.0 + 2.0 * hn_rng_normal(r) : 40.0 - 70.0 * log(1.0 - hn_rng_uniform(r));
    double pt_h = -60.0 * log(1.0 - hn_rng_uniform(r)) * (signal ? 1.3 : 1.0);
    double eta_h = 1.3 * hn_rng_normal(r), phi_h = 2.0 * PI * hn_rng_uniform(r) - PI;
    p4 b1, b2;
    decay(r, m_bb, pt_h, eta_h, phi_h, &b1, &b2);
    /* the W recoils roughly against it */
    double m_w = breit_wigner(r, 80.4, 2.1);
    double pt_w = pt_h * (0.6 + 0.3 * hn_rng_uniform(r)) + 10.0 * fabs(hn_rng_normal(r));
    double phi_w = phi_h + PI + 0.4 * hn_rng_normal(r), eta_w = 1.3 * hn_rng_normal(r);
    p4 lep, nu;
    decay(r, m_w, pt_w, eta_w, phi_w, &lep, &nu);
    /* an extra jet from initial-state radiation */
    p4 j3 = from_pt_eta_phi(20.0 - 35.0 * log(1.0 - hn_rng_uniform(r)), 2.0 * hn_rng_normal(r),
                            2.0 * PI * hn_rng_uniform(r) - PI);
    /* the detector */
    b1 = smear(r, b1, 0.12);
    b2 = smear(r, b2, 0.12);
    j3 = smear(r, j3, 0.15);
    lep = smear(r, lep, 0.02);
    double met_x = nu.px + 12.0 * hn_rng_normal(r), met_y = nu.py + 12.0 * hn_rng_normal(r);
    if (pt(b2) > pt(b1)) {
        p4 t = b1;
        b1 = b2;
        b2 = t;
    }
    double tag_eff = signal ? 0.75 : 0.45; /* the continuum is only partly b b */
    float btag1 = hn_rng_uniform(r) < tag_eff ? 1.0f : 0.0f, btag2 = hn_rng_uniform(r) < tag_eff ? 1.0f : 0.0f;
    double met = hypot(met_x, met_y), met_phi = atan2(met_y, met_x);
    p4 bb = add(b1, b2), jjj = add(bb, j3);
    p4 nu_t = {met, met_x, met_y, 0.0}; /* transverse only, as an analysis has it */
    double mt_w = sqrt(fmax(0.0, 2.0 * pt(lep) * met * (1.0 - cos(phi(lep) - met_phi))));
    double deta = eta(b1) - eta(b2), dphi = remainder(phi(b1) - phi(b2), 2.0 * PI);
    float v[HN_TOY_N_FEATURES] = {
        (float)pt(lep), (float)eta(lep), (float)phi(lep), (float)met, (float)met_phi,
        (float)pt(b1), (float)eta(b1), (float)phi(b1), (float)pt(b2), (float)eta(b2), (float)phi(b2),
        (float)pt(j3), (float)eta(j3), (float)phi(j3), btag1, btag2,
        (float)mass(bb), (float)pt(bb), (float)hypot(deta, dphi), (float)mt_w, (float)mass(jjj),
        (float)mass(add(add(bb, lep), nu_t)),
    };
    memcpy(x, v, sizeof v);
}

hn_status hn_toy_generate(int64_t n, int signal, uint64_t seed, float *x, hn_error *err)
{
    if (n < 0 || (n > 0 && !x))
        return hn_error_set(err, HN_ERR_ARG, "toy_generate: %lld events into %s", (long long)n, x ? "x" : "NULL");
    hn_rng r;
    hn_rng_seed(&r, seed ^ (signal ? 0x5157ULL : 0xB4C6ULL));
    for (int64_t i = 0; i < n; i++)
        event(&r, signal, x + i * HN_TOY_N_FEATURES);
    return HN_OK;
}
