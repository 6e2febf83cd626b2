/* hepnn — a physics toy for the demo, the tests and the benchmarks, laid out
 * like the UCI HIGGS data set: a resonance h -> b b (125 GeV) produced with a
 * leptonically decaying W (signal), against a smooth b b continuum with the
 * same W (background), with detector smearing. Seeded and deterministic.
 *
 * Low-level features (16): lepton pT, eta, phi; missing ET and its phi; three
 * jets' pT, eta, phi (the two b candidates first) and the b-tags of the two
 * b candidates. High-level features (6), derived from them as an analysis
 * would: m_bb, pT_bb, dR_bb, the W transverse mass, m_jjj, m_lvbb. */
#ifndef HEPNN_TOY_H
#define HEPNN_TOY_H

#include <stdint.h>

#include "hepnn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HN_TOY_N_LOW 16
#define HN_TOY_N_HIGH 6
#define HN_TOY_N_FEATURES (HN_TOY_N_LOW + HN_TOY_N_HIGH)

/* Feature names, low-level first. */
extern const char *const hn_toy_feature_names[HN_TOY_N_FEATURES];

/* Generates n events (signal when signal != 0) into x (n, HN_TOY_N_FEATURES),
 * row-major, from seed. */
hn_status hn_toy_generate(int64_t n, int signal, uint64_t seed, float *x, hn_error *err);

#ifdef __cplusplus
}
#endif
#endif
