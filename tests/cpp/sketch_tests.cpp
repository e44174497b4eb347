// Sketch classifier: drawing preprocessing and few-shot classification with a Conv-4 embedding.
#include <doctest/doctest.h>

#include <cmath>

#include "metacog/sketch.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::code_of;
using metacog::test::message_of;

namespace {
std::vector<float> canvas_with_box(int h, int w, int y0, int x0, int y1, int x1) {
  std::vector<float> c(static_cast<size_t>(h) * w, 0.0f);
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) c[static_cast<size_t>(y) * w + x] = 1.0f;
  return c;
}

Conv4Model random_embedding(const std::string& algo) {
  Conv4Model m;
  Pcg32 rng(4);
  m.arch.hidden = 16;
  m.params = conv4_init(m.arch, rng);
  m.buffers = conv4_buffers(m.arch);
  m.header.algo = algo;
  return m;
}
}  // namespace

TEST_CASE("sketch: preprocessing centres and scales the ink like Omniglot, whatever the canvas") {
  // the same square drawn small in a corner of a 280×280 canvas and big in the middle of a 100×140 one
  const std::vector<float> a = sketch_to_input(canvas_with_box(280, 280, 10, 10, 79, 79), 280, 280);
  const std::vector<float> b = sketch_to_input(canvas_with_box(100, 140, 20, 40, 79, 99), 100, 140);
  REQUIRE(a.size() == 28 * 28);
  double mass_a = 0, mass_b = 0, cy = 0, cx = 0, diff = 0;
  for (int i = 0; i < 28 * 28; ++i) {
    mass_a += a[i], mass_b += b[i];
    cy += a[i] * (i / 28), cx += a[i] * (i % 28);
    diff += std::abs(a[i] - b[i]);
    CHECK(a[i] >= 0.0f);
    CHECK(a[i] <= 1.0f);
  }
  CHECK(cy / mass_a == doctest::Approx(13.5).epsilon(0.05));
  CHECK(cx / mass_a == doctest::Approx(13.5).epsilon(0.05));
  // the glyph spans kSketchGlyphFraction of the side: a full square covers 0.7² of the area
  CHECK(mass_a / (28 * 28) == doctest::Approx(kSketchGlyphFraction * kSketchGlyphFraction).epsilon(0.08));
  CHECK(diff / (28 * 28) < 0.05);
  CHECK(code_of([] { sketch_to_input(std::vector<float>(100, 0.0f), 10, 10); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { sketch_to_input(std::vector<float>(99, 0.0f), 10, 10); }) == ErrorCode::InvalidArgument);
  std::vector<float> nan = canvas_with_box(10, 10, 2, 2, 5, 5);
  nan[0] = std::nanf("");
  CHECK(code_of([&] { sketch_to_input(nan, 10, 10); }) == ErrorCode::InvalidArgument);
  // a 1 × 100 000 strip would be squared to a 142 858² canvas (80 GB): refused by size, not by memory
  std::vector<float> strip(100000, 1.0f);
  CHECK(message_of([&] { sketch_to_input(strip, 1, 100000); }).find("at most 2048") != std::string::npos);
  CHECK(sketch_to_input(std::vector<float>(2048, 1.0f), 1, 2048).size() == 28 * 28);  // the largest accepted side
}

TEST_CASE("sketch: classifier embeds, learns classes from examples and rejects other models") {
  SketchClassifier s(random_embedding("protonet"));
  CHECK(s.image_size() == 28);
  const std::vector<float> vertical = sketch_to_input(canvas_with_box(100, 100, 10, 45, 89, 54), 100, 100);
  const std::vector<float> horizontal = sketch_to_input(canvas_with_box(100, 100, 45, 10, 54, 89), 100, 100);
  const std::vector<float> blob = sketch_to_input(canvas_with_box(100, 100, 30, 30, 69, 69), 100, 100);
  s.add_example("|", vertical);
  s.add_example("-", horizontal);
  s.add_example("o", blob);
  CHECK(s.classes() == std::vector<std::string>{"-", "o", "|"});
  CHECK(s.classify(vertical).label == "|");
  CHECK(s.classify(horizontal).label == "-");
  const Classification c = s.classify(blob);
  CHECK(c.label == "o");
  float total = 0;
  for (float p : c.probabilities) total += p;
  CHECK(total == doctest::Approx(1.0f).epsilon(1e-5));
  CHECK(code_of([&] { s.classify(std::vector<float>(27 * 28, 0.0f)); }) == ErrorCode::InvalidArgument);
  s.remove_class("o");
  CHECK(s.classes().size() == 2);
  CHECK(code_of([&] { s.remove_class("o"); }) == ErrorCode::UnknownLabel);
  CHECK(code_of([] { SketchClassifier bad(random_embedding("maml")); }) == ErrorCode::ModelKind);
}

TEST_CASE("sketch: a model file trained on nearest-resized (binary) images is refused; box or unmarked loads") {
  SafetensorsFile f = conv4_to_safetensors(random_embedding("protonet"));
  CHECK(SketchClassifier::from_file(f).image_size() == 28);  // unmarked: box, as every older file
  f.metadata[kOmniglotResizeKey] = "box";
  CHECK(SketchClassifier::from_file(f).embedding_dim() > 0);
  f.metadata[kOmniglotResizeKey] = "nearest";
  CHECK(code_of([&] { SketchClassifier::from_file(f); }) == ErrorCode::ModelKind);
  CHECK(test::message_of([&] { SketchClassifier::from_file(f); }).find("--resize box") != std::string::npos);
  CHECK(model_omniglot_resize(f) == OmniglotResize::Nearest);
  f.metadata[kOmniglotResizeKey] = "bilinear";  // not a value train writes: a malformed file
  CHECK(code_of([&] { model_omniglot_resize(f); }) == ErrorCode::ModelFormat);
  CHECK(code_of([&] { SketchClassifier::from_file(f); }) == ErrorCode::ModelFormat);
}
