// tests/cpp/meta_gradient_check.hpp — a tiny 3-way task on a tiny Conv-4, and float32 central
// differences that notice a ReLU kink, for checking meta-gradients against finite differences.
#pragma once

#include <cmath>
#include <string>

#include "metacog/episodes.hpp"
#include "metacog/gradient_meta.hpp"
#include "synthetic_images.hpp"

namespace metacog::test {

/** θ of a 2-block, 4-filter Conv-4 on 8×8 images with a 3-way head, and one 3-way 2-shot 2-query episode. */
struct TinyTask {
  Conv4Arch arch;
  ParamSet theta;
  LabelledImages support, query;
};

inline TinyTask tiny_task(const std::string& readout) {
  const ImageDataset data = synthetic_images(3);
  TinyTask t;
  t.arch.image_size = 8, t.arch.hidden = 4, t.arch.blocks = 2, t.arch.pool = "stride2", t.arch.readout = readout;
  t.arch.num_classes = 3;
  Pcg32 init(9);
  t.theta = conv4_init(t.arch, init);
  Pcg32 rng(4);
  const Episode ep = sample_episode(data.classes, {3, 2, 2}, rng);
  split_episode(gather_episode(data, ep), ep, t.support, t.query);
  return t;
}

/**
 * The central difference (f(w_j + h) − f(w_j − h)) / 2h of a loss `f` in coordinate j of w (restored
 * after), for h = 1e-3 and h = 5e-4; `usable` is false when the two disagree — a ReLU kink inside
 * [w_j − h, w_j + h] — beyond 1e-3 + 5 %. h = 1e-3 is small enough not to cross the kinks of these
 * seeds for most coordinates, on a loss of order 1 in float32.
 */
struct CentralDifference {
  double value = 0;
  bool usable = false;
};

template <class Loss>
CentralDifference central_difference(Tensor w, int64_t j, Loss&& f) {
  auto at = [&](float h) {
    const float keep = w[j];
    w[j] = keep + h;
    const float up = f();
    w[j] = keep - h;
    const float down = f();
    w[j] = keep;
    return (static_cast<double>(up) - down) / (2.0 * static_cast<double>(h));
  };
  const double fd = at(1e-3f), fd_half = at(5e-4f);
  return {fd, std::abs(fd - fd_half) <= 1e-3 + 0.05 * std::abs(fd)};
}

/** The tolerance of an analytic gradient g against a usable central difference: |g − fd| ≤ 2e-3 + 5 % of |fd|. */
inline bool matches_difference(double analytic, double fd) { return std::abs(analytic - fd) <= 2e-3 + 0.05 * std::abs(fd); }

}  // namespace metacog::test
