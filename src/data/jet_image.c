/* Jet images: pT deposited on an (eta, phi) grid after the standard
 * preprocessing (centre, rotate, flip, normalise). */
#include <math.h>

#include "hepnn/augment.h"

#define PI 3.14159265358979323846

hn_jet_image_opts hn_jet_image_opts_default(void)
{
    hn_jet_image_opts o = {33, 33, 0.8, 0.8, 1, 1, 1, 1};
    return o;
}

static double wrap_phi(double d)
{
    d = fmod(d, 2.0 * PI);
    if (d > PI)
        d -= 2.0 * PI;
    else if (d <= -PI)
        d += 2.0 * PI;
    return d;
}

/* One event, particles [a, b): fills img (n_eta, n_phi). */
static void one_image(const float *pt, const float *eta, const float *phi, int64_t a, int64_t b,
                      const hn_jet_image_opts *o, float *img)
{
    int64_t np = o->n_eta * o->n_phi;
    for (int64_t k = 0; k < np; k++)
        img[k] = 0.0f;
    if (b <= a)
        return;
    /* Angles relative to the first particle, phi wrapped, so a jet across
     * phi = ±π stays in one piece. */
    double e0 = eta[a], p0 = phi[a], sw = 0.0, me = 0.0, mp = 0.0;
    for (int64_t i = a; i < b; i++) {
        sw += pt[i];
        me += pt[i] * ((double)eta[i] - e0);
        mp += pt[i] * wrap_phi((double)phi[i] - p0);
    }
    double ce = 0.0, cp = 0.0;
    if (o->centre && sw > 0.0)
        ce = me / sw, cp = mp / sw;
    /* principal axis of the pT-weighted second moments (about the centre) */
    double ue = 1.0, up = 0.0; /* unit vector along which the new eta runs */
    if (o->rotate && sw > 0.0) {
        double see = 0.0, spp = 0.0, sep = 0.0;
        for (int64_t i = a; i < b; i++) {
            double de = (double)eta[i] - e0 - ce, dp = wrap_phi((double)phi[i] - p0) - cp;
            see += pt[i] * de * de;
            spp += pt[i] * dp * dp;
            sep += pt[i] * de * dp;
        }
        double theta = 0.5 * atan2(2.0 * sep, see - spp); /* angle of the major axis from the eta axis */
        ue = cos(theta);
        up = sin(theta);
    }
    double s_e[2] = {0.0, 0.0}, s_p[2] = {0.0, 0.0}; /* pT on each side of the axes */
    for (int pass = 0; pass < 2; pass++) {
        double fe = 1.0, fp = 1.0;
        if (pass == 1 && o->flip) {
            fe = s_e[0] > s_e[1] ? -1.0 : 1.0;
            fp = s_p[0] > s_p[1] ? -1.0 : 1.0;
        }
        for (int64_t i = a; i < b; i++) {
            double de = (double)eta[i] - e0 - ce, dp = wrap_phi((double)phi[i] - p0) - cp;
            double ne = de * ue + dp * up, nph = -de * up + dp * ue;
            if (pass == 0) {
                s_e[ne > 0.0] += pt[i];
                s_p[nph > 0.0] += pt[i];
                continue;
            }
            ne *= fe;
            nph *= fp;
            double ye = (ne + o->eta_half) / (2.0 * o->eta_half) * (double)o->n_eta;
            double xp = (nph + o->phi_half) / (2.0 * o->phi_half) * (double)o->n_phi;
            if (ye >= 0.0 && ye < (double)o->n_eta && xp >= 0.0 && xp < (double)o->n_phi)
                img[(int64_t)ye * o->n_phi + (int64_t)xp] += pt[i];
        }
    }
    if (o->normalise) {
        double s = 0.0;
        for (int64_t k = 0; k < np; k++)
            s += img[k];
        if (s > 0.0)
            for (int64_t k = 0; k < np; k++)
                img[k] = (float)(img[k] / s);
    }
}

hn_status hn_jet_images(const float *pt, const float *eta, const float *phi, const int64_t *offsets,
                        int64_t n_events, const hn_jet_image_opts *o, float *out, hn_error *err)
{
    if (!offsets || !o || !out || n_events < 0)
        return hn_error_set(err, HN_ERR_ARG, "jet_images: offsets, options or output is NULL (or n_events < 0)");
    if (o->n_eta < 1 || o->n_phi < 1 || o->n_eta > 4096 || o->n_phi > 4096 || !(o->eta_half > 0.0) ||
        !(o->phi_half > 0.0) || !isfinite(o->eta_half) || !isfinite(o->phi_half))
        return hn_error_set(err, HN_ERR_ARG, "jet_images: %lldx%lld pixels (1 to 4096) over half-widths %g, %g (> 0)",
                            (long long)o->n_eta, (long long)o->n_phi, o->eta_half, o->phi_half);
    if (offsets[0] != 0)
        return hn_error_set(err, HN_ERR_FORMAT, "jet_images: offsets[0] = %lld, must be 0", (long long)offsets[0]);
    for (int64_t e = 0; e < n_events; e++)
        if (offsets[e + 1] < offsets[e])
            return hn_error_set(err, HN_ERR_FORMAT, "jet_images: event %lld: offsets decrease (%lld then %lld)",
                                (long long)e, (long long)offsets[e], (long long)offsets[e + 1]);
    int64_t total = offsets[n_events];
    if (total > 0 && (!pt || !eta || !phi))
        return hn_error_set(err, HN_ERR_ARG, "jet_images: %lld particles but a NULL pt, eta or phi array",
                            (long long)total);
    for (int64_t i = 0; i < total; i++)
        if (!(pt[i] >= 0.0f) || !isfinite(pt[i]) || !isfinite(eta[i]) || !isfinite(phi[i]))
            return hn_error_set(err, HN_ERR_NUMERIC, "jet_images: particle %lld has pt %g, eta %g, phi %g",
                                (long long)i, (double)pt[i], (double)eta[i], (double)phi[i]);
    for (int64_t e = 0; e < n_events; e++)
        one_image(pt, eta, phi, offsets[e], offsets[e + 1], o, out + e * o->n_eta * o->n_phi);
    return HN_OK;
}
