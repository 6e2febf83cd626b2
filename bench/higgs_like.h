/* A seeded HIGGS-like event generator for the benchmarks: 28 float32
 * features in the order of the UCI HIGGS data set (21 low-level, 7
 * reconstructed masses), about 53 % signal.
 *
 * Signal: a 125 GeV resonance decaying to two b jets, produced with a W that
 * decays to a lepton and a neutrino, and two further jets from a 80 GeV
 * hadronic W; background: the same objects from smooth continua. Every
 * object is smeared by a detector resolution. Physics realism is not the point:
 * the benchmark needs a learnable, HIGGS-shaped problem that every framework
 * reads from the same .npy files. */
#ifndef HEPNN_BENCH_HIGGS_LIKE_H
#define HEPNN_BENCH_HIGGS_LIKE_H

#include <math.h>
#include <stdint.h>

#include "hepnn/rng.h"

#define HL_N_FEATURES 28
#define HL_TWO_PI 6.283185307179586

typedef struct {
    double e, px, py, pz;
} hl_p4;

static hl_p4 hl_add(hl_p4 a, hl_p4 b)
{
    hl_p4 p = {a.e + b.e, a.px + b.px, a.py + b.py, a.pz + b.pz};
    return p;
}

static double hl_mass(hl_p4 p)
{
    double m2 = p.e * p.e - p.px * p.px - p.py * p.py - p.pz * p.pz;
    return m2 > 0 ? sqrt(m2) : 0.0;
}

static double hl_pt(hl_p4 p) { return sqrt(p.px * p.px + p.py * p.py); }
static double hl_eta(hl_p4 p)
{
    double pt = hl_pt(p);
    return pt > 0 ? asinh(p.pz / pt) : 0.0;
}
static double hl_phi(hl_p4 p) { return atan2(p.py, p.px); }

static double hl_exp(hn_rng *r, double mean) { return -mean * log(1.0 - hn_rng_uniform(r)); }

/* A two-body decay of a particle of mass m with transverse momentum pt
 * (Gaussian rapidity, uniform azimuth) into two massless daughters. */
static void hl_decay(hn_rng *r, double m, double pt, hl_p4 *d1, hl_p4 *d2)
{
    double y = 1.3 * hn_rng_normal(r), phi = HL_TWO_PI * hn_rng_uniform(r) - 0.5 * HL_TWO_PI;
    double mt = sqrt(m * m + pt * pt);
    hl_p4 P = {mt * cosh(y), pt * cos(phi), pt * sin(phi), mt * sinh(y)};
    double ct = 2 * hn_rng_uniform(r) - 1, st = sqrt(1 - ct * ct), ph = HL_TWO_PI * hn_rng_uniform(r);
    double q = m / 2;
    double k[3] = {q * st * cos(ph), q * st * sin(ph), q * ct};
    /* boost (q, k) and (q, -k) from the rest frame by P */
    double bx = P.px / P.e, by = P.py / P.e, bz = P.pz / P.e, b2 = bx * bx + by * by + bz * bz;
    double g = 1.0 / sqrt(1 - b2);
    for (int s = 0; s < 2; s++) {
        double kx = s ? -k[0] : k[0], ky = s ? -k[1] : k[1], kz = s ? -k[2] : k[2];
        double bp = bx * kx + by * ky + bz * kz, g2 = b2 > 0 ? (g - 1) / b2 : 0.0;
        hl_p4 o = {g * (q + bp), kx + g2 * bp * bx + g * bx * q, ky + g2 * bp * by + g * by * q,
                   kz + g2 * bp * bz + g * bz * q};
        if (s)
            *d2 = o;
        else
            *d1 = o;
    }
}

/* Smears the energy scale of a jet or lepton by a relative resolution. */
static hl_p4 hl_smear(hn_rng *r, hl_p4 p, double res)
{
    double f = 1.0 + res * hn_rng_normal(r);
    if (f < 0.2)
        f = 0.2;
    hl_p4 o = {p.e * f, p.px * f, p.py * f, p.pz * f};
    return o;
}

/* Orders two jets by falling pT. */
static void hl_order(hl_p4 *a, hl_p4 *b)
{
    if (hl_pt(*a) < hl_pt(*b)) {
        hl_p4 t = *a;
        *a = *b;
        *b = t;
    }
}

/* One event into x[28]; returns the label (1 signal, 0 background). */
static int hl_event(hn_rng *r, float *x)
{
    int sig = hn_rng_uniform(r) < 0.53;
    hl_p4 b1, b2, j1, j2, lep, nu;
    if (sig) {
        hl_decay(r, 125.0, hl_exp(r, 90.0), &b1, &b2);
        hl_decay(r, 80.4, hl_exp(r, 70.0), &j1, &j2);
        hl_decay(r, 80.4, hl_exp(r, 60.0), &lep, &nu);
    } else { /* continua: masses from falling spectra */
        hl_decay(r, 30.0 + hl_exp(r, 110.0), hl_exp(r, 80.0), &b1, &b2);
        hl_decay(r, 20.0 + hl_exp(r, 90.0), hl_exp(r, 60.0), &j1, &j2);
        hl_decay(r, 80.4 + 10.0 * hn_rng_normal(r), hl_exp(r, 55.0), &lep, &nu);
    }
    b1 = hl_smear(r, b1, 0.12);
    b2 = hl_smear(r, b2, 0.12);
    j1 = hl_smear(r, j1, 0.15);
    j2 = hl_smear(r, j2, 0.15);
    lep = hl_smear(r, lep, 0.03);
    hl_p4 met = hl_smear(r, nu, 0.25);
    met.px += 8.0 * hn_rng_normal(r);
    met.py += 8.0 * hn_rng_normal(r);
    met.pz = 0.0;
    met.e = hl_pt(met);
    hl_order(&b1, &b2);
    hl_order(&j1, &j2);
    /* b-tag: a discrete score as in HIGGS (0, 1.1, 2.2) */
    double pb = sig ? 0.75 : 0.35;
    float tag[4];
    for (int i = 0; i < 4; i++) {
        double p = i < 2 ? pb : 0.1;
        tag[i] = hn_rng_uniform(r) < p ? (hn_rng_uniform(r) < 0.6 ? 2.2f : 1.1f) : 0.0f;
    }
    hl_p4 jets[4] = {b1, b2, j1, j2};
    int k = 0;
    x[k++] = (float)hl_pt(lep);
    x[k++] = (float)hl_eta(lep);
    x[k++] = (float)hl_phi(lep);
    x[k++] = (float)hl_pt(met);
    x[k++] = (float)hl_phi(met);
    for (int i = 0; i < 4; i++) {
        x[k++] = (float)hl_pt(jets[i]);
        x[k++] = (float)hl_eta(jets[i]);
        x[k++] = (float)hl_phi(jets[i]);
        x[k++] = tag[i];
    }
    hl_p4 lv = hl_add(lep, met), bb = hl_add(b1, b2), jj = hl_add(j1, j2);
    x[k++] = (float)hl_mass(jj);                             /* m_jj */
    x[k++] = (float)hl_mass(hl_add(jj, b1));                 /* m_jjj */
    x[k++] = (float)hl_mass(lv);                             /* m_lv */
    x[k++] = (float)hl_mass(hl_add(lv, b2));                 /* m_jlv */
    x[k++] = (float)hl_mass(bb);                             /* m_bb */
    x[k++] = (float)hl_mass(hl_add(jj, bb));                 /* m_wbb */
    x[k++] = (float)hl_mass(hl_add(hl_add(jj, bb), lv));     /* m_wwbb */
    return sig;
}

/* n events from seed into x (n, 28) and y (n). */
static void hl_generate(int64_t n, uint64_t seed, float *x, float *y)
{
    hn_rng r;
    hn_rng_seed(&r, seed);
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)hl_event(&r, x + i * HL_N_FEATURES);
}

#endif
