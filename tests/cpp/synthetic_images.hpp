// tests/cpp/synthetic_images.hpp — a small few-shot image problem for the meta-learner tests.
#pragma once

#include <string>

#include "metacog/image_dataset.hpp"
#include "metacog/rng.hpp"

namespace metacog::test {

/** 40 classes of 8×8 images: a random binary template per class + a random brightness offset per image (σ = 1.5) + pixel noise (σ = 0.1). */
inline ImageDataset synthetic_images(uint64_t seed) {
  ImageDataset ds;
  ds.height = ds.width = 8;
  ds.channels = 1;
  Pcg32 rng(seed);
  int index = 0;
  for (int c = 0; c < 40; ++c) {
    std::vector<float> tmpl(64);
    for (float& v : tmpl) v = rng.bernoulli(0.3) ? 1.0f : 0.0f;
    ImageClass cls{"c" + std::to_string(c), {}};
    for (int e = 0; e < 10; ++e) {
      const float offset = 1.5f * static_cast<float>(rng.normal());  // a nuisance the embedding must learn to ignore
      for (float v : tmpl) ds.pixels.push_back(v + offset + 0.1f * static_cast<float>(rng.normal()));
      cls.examples.push_back(index++);
    }
    ds.classes.push_back(cls);
  }
  return ds;
}

}  // namespace metacog::test
