/* Data augmentation and jet images, against hand-computed expectations. */
#include "harness.h"
#include "hepnn/augment.h"

TEST(flip_shift_rot90)
{
    hn_rng rng;
    hn_rng_seed(&rng, 1);
    hn_error err = {0};
    float img[6] = {1, 2, 3, 4, 5, 6}; /* one 2x3 image */
    CHECK_OK(hn_aug_flip(img, 1, 1, 2, 3, 1.0, 0.0, &rng, &err), &err);
    const float lr[6] = {3, 2, 1, 6, 5, 4};
    for (int i = 0; i < 6; i++)
        CHECK(img[i] == lr[i]);
    CHECK_OK(hn_aug_flip(img, 1, 1, 2, 3, 0.0, 1.0, &rng, &err), &err);
    const float ud[6] = {6, 5, 4, 3, 2, 1};
    for (int i = 0; i < 6; i++)
        CHECK(img[i] == ud[i]);

    /* a bright pixel in the middle of 5x5 moves by at most one pixel, and every
     * one of the 9 shifts occurs over many draws */
    int seen[9] = {0};
    for (int r = 0; r < 200; r++) {
        float p[25] = {0};
        p[12] = 1.0f;
        CHECK_OK(hn_aug_shift(p, 1, 1, 5, 5, 1, 1, 0.0f, &rng, &err), &err);
        int at = -1, n = 0;
        for (int i = 0; i < 25; i++)
            if (p[i] != 0.0f)
                at = i, n++;
        CHECK(n == 1 && p[at] == 1.0f);
        int dy = at / 5 - 2, dx = at % 5 - 2;
        CHECK(dy >= -1 && dy <= 1 && dx >= -1 && dx <= 1);
        seen[(dy + 1) * 3 + dx + 1] = 1;
    }
    for (int k = 0; k < 9; k++)
        CHECK_MSG(seen[k], "shift %d never drawn", k);
    /* fill value where pixels come in */
    float q[4] = {1, 1, 1, 1};
    int filled = 0;
    for (int r = 0; r < 20 && !filled; r++) {
        CHECK_OK(hn_aug_shift(q, 1, 1, 2, 2, 1, 0, -7.0f, &rng, &err), &err);
        filled = q[0] == -7.0f || q[2] == -7.0f;
    }
    CHECK(filled);

    /* 90° rotations: pixel (0, 1) of a 3x3 image visits its four images
     * {(0,1), (1,0), (2,1), (1,2)}; a 4x4 pattern keeps its values */
    int orbit[9] = {0};
    for (int r = 0; r < 100; r++) {
        float p[9] = {0};
        p[1] = 1.0f;
        CHECK_OK(hn_aug_rot90(p, 1, 1, 3, 3, &rng, &err), &err);
        for (int i = 0; i < 9; i++)
            if (p[i] != 0.0f)
                orbit[i]++;
    }
    CHECK(orbit[1] && orbit[3] && orbit[5] && orbit[7]);
    CHECK(orbit[0] + orbit[2] + orbit[4] + orbit[6] + orbit[8] == 0);
    float s[16];
    double sum = 0.0;
    for (int i = 0; i < 16; i++)
        s[i] = (float)(i * i);
    CHECK_OK(hn_aug_rot90(s, 1, 1, 4, 4, &rng, &err), &err);
    for (int i = 0; i < 16; i++)
        sum += s[i];
    CHECK_NEAR(sum, 1240.0, 1e-9);
    CHECK(hn_aug_rot90(s, 1, 1, 2, 8, &rng, &err) == HN_ERR_ARG);
    CHECK(hn_aug_flip(NULL, 1, 1, 2, 2, 0.5, 0.5, &rng, &err) == HN_ERR_ARG);
}

TEST(jet_image_augment_keeps_intensity)
{
    hn_rng rng;
    hn_rng_seed(&rng, 2);
    hn_error err = {0};
    float p[2 * 81] = {0};
    p[40] = 0.6f, p[41] = 0.4f;           /* image 0: two central pixels */
    p[81 + 40] = 0.5f, p[81 + 31] = 0.5f; /* image 1 */
    CHECK_OK(hn_aug_jet_image(p, 2, 9, 9, 1, 0.5, 0.5, &rng, &err), &err);
    for (int i = 0; i < 2; i++) {
        double s = 0.0;
        for (int k = 0; k < 81; k++) {
            s += p[i * 81 + k];
            CHECK(p[i * 81 + k] >= 0.0f);
        }
        CHECK_NEAR(s, 1.0, 1e-5); /* central content never leaves a 9x9 window */
    }
}

TEST(permute_particles_respects_mask)
{
    hn_rng rng;
    hn_rng_seed(&rng, 3);
    hn_error err = {0};
    /* one event, 4 slots of 2 features; slot 2 is padding */
    const float mask[4] = {1, 1, 0, 1};
    int moved = 0;
    for (int r = 0; r < 30; r++) {
        float x[8] = {1, 10, 2, 20, -1, -1, 3, 30};
        CHECK_OK(hn_aug_permute_particles(x, mask, 1, 4, 2, &rng, &err), &err);
        CHECK(x[4] == -1 && x[5] == -1);
        int have[4] = {0};
        for (int k = 0; k < 4; k++) {
            if (k == 2)
                continue;
            int id = (int)x[2 * k];
            CHECK(id >= 1 && id <= 3 && x[2 * k + 1] == 10.0f * (float)id); /* rows move whole */
            if (id >= 1 && id <= 3)
                have[id]++;
        }
        CHECK(have[1] == 1 && have[2] == 1 && have[3] == 1);
        moved += x[0] != 1.0f;
    }
    CHECK(moved > 5);
}

/* Particles on a line at 45° in (eta, phi), heavier at one end: after the
 * preprocessing the deposit is along the central column (vertical), centred,
 * heavier on the eta > 0 side, and sums to 1. */
TEST(jet_image_preprocessing)
{
    hn_error err = {0};
    float pt[3] = {4, 2, 1}, eta[3] = {1.0f, 1.1f, 1.2f}, phi[3] = {2.0f, 2.1f, 2.2f};
    int64_t off[2] = {0, 3};
    hn_jet_image_opts o = hn_jet_image_opts_default();
    o.n_eta = o.n_phi = 11;
    o.eta_half = o.phi_half = 0.55; /* 0.1 per pixel */
    float img[121];
    CHECK_OK(hn_jet_images(pt, eta, phi, off, 1, &o, img, &err), &err);
    double sum = 0.0, col = 0.0, top = 0.0, bottom = 0.0;
    for (int y = 0; y < 11; y++)
        for (int x = 0; x < 11; x++) {
            float v = img[y * 11 + x];
            sum += v;
            if (x == 5)
                col += v;
            if (y > 5)
                top += v;
            if (y < 5)
                bottom += v;
        }
    CHECK_NEAR(sum, 1.0, 1e-6);
    CHECK_NEAR(col, 1.0, 1e-6);
    /* centroid along the line: at 4d/7 from particle 0, d = 0.1414 the spacing; particle 0 sits
     * at −0.0808, the others at +0.0606 and +0.202. The heavier side (pT 4 against 3) is flipped
     * to eta > 0: eta' = +0.0808, −0.0606, −0.202, pixels (eta' + 0.55)/0.1 = 6.3, 4.9, 3.5. */
    CHECK_NEAR(img[6 * 11 + 5], 4.0 / 7.0, 1e-6);
    CHECK_NEAR(img[4 * 11 + 5], 2.0 / 7.0, 1e-6);
    CHECK_NEAR(img[3 * 11 + 5], 1.0 / 7.0, 1e-6);
    CHECK(top > bottom);

    /* a jet across phi = ±π stays in one piece (centred, no rotation) */
    float pt2[2] = {1, 1}, eta2[2] = {0, 0}, phi2[2] = {3.1f, -3.1f};
    int64_t off2[2] = {0, 2};
    o.rotate = o.flip = 0;
    CHECK_OK(hn_jet_images(pt2, eta2, phi2, off2, 1, &o, img, &err), &err);
    CHECK_NEAR(img[5 * 11 + 5] + img[5 * 11 + 4] + img[5 * 11 + 6], 1.0, 1e-6);

    /* bad inputs */
    int64_t bad_off[3] = {0, 3, 2};
    CHECK(hn_jet_images(pt, eta, phi, bad_off, 2, &o, img, &err) == HN_ERR_FORMAT);
    float neg[3] = {1, -1, 1};
    CHECK(hn_jet_images(neg, eta, phi, off, 1, &o, img, &err) == HN_ERR_NUMERIC);
    o.n_eta = 0;
    CHECK(hn_jet_images(pt, eta, phi, off, 1, &o, img, &err) == HN_ERR_ARG);
}

int main(void)
{
    RUN(flip_shift_rot90);
    RUN(jet_image_augment_keeps_intensity);
    RUN(permute_particles_respects_mask);
    RUN(jet_image_preprocessing);
    return TEST_SUMMARY();
}
