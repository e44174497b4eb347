// Episode sampler, ImageDataset cache format, resize/rotate and SHA-256 (portable: native + wasm).
#include "metacog/episodes.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "metacog/image_dataset.hpp"
#include "test_support.hpp"

using metacog::Episode;
using metacog::EpisodeSpec;
using metacog::ErrorCode;
using metacog::ImageClass;
using metacog::ImageDataset;
using metacog::Pcg32;
using metacog::test::code_of;
using metacog::test::message_of;

namespace {

// `n_classes` classes of `per_class` 2×3×1 images; image i has every pixel = i / 1000, and class c
// owns images c·per_class … c·per_class + per_class − 1 (listed in reverse to catch index mixups).
ImageDataset toy_dataset(int n_classes, int per_class) {
  ImageDataset ds;
  ds.height = 2;
  ds.width = 3;
  ds.channels = 1;
  const int n = n_classes * per_class;
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < 6; ++p) ds.pixels.push_back(static_cast<float>(i) / 1000.0f);
  }
  for (int c = 0; c < n_classes; ++c) {
    ImageClass cls;
    cls.name = "class" + std::to_string(c);
    for (int e = per_class - 1; e >= 0; --e) cls.examples.push_back(c * per_class + e);
    ds.classes.push_back(cls);
  }
  return ds;
}

int class_of_image(int image, int per_class) { return image / per_class; }

}  // namespace

// ------------------------------------------------------------------------------------ episodes

TEST_CASE("episode: N-way K-shot Q-query shape, labels, class balance and support/query disjointness") {
  const int per_class = 20;
  const ImageDataset ds = toy_dataset(30, per_class);
  Pcg32 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const EpisodeSpec spec{5, 3, 7};
    const Episode ep = metacog::sample_episode(ds.classes, spec, rng);
    REQUIRE(ep.classes.size() == 5);
    REQUIRE(ep.support.size() == 15);
    REQUIRE(ep.query.size() == 35);
    REQUIRE(ep.support_labels.size() == 15);
    REQUIRE(ep.query_labels.size() == 35);
    CHECK(std::set<int>(ep.classes.begin(), ep.classes.end()).size() == 5);  // classes without replacement
    std::map<int, int> support_per_label, query_per_label;
    for (size_t i = 0; i < ep.support.size(); ++i) {
      const int label = ep.support_labels[i];
      CHECK(label == static_cast<int>(i) / 3);  // class-major
      CHECK(class_of_image(ep.support[i], per_class) == ep.classes[label]);
      ++support_per_label[label];
    }
    for (size_t i = 0; i < ep.query.size(); ++i) {
      const int label = ep.query_labels[i];
      CHECK(label == static_cast<int>(i) / 7);
      CHECK(class_of_image(ep.query[i], per_class) == ep.classes[label]);
      ++query_per_label[label];
    }
    for (int j = 0; j < 5; ++j) {
      CHECK(support_per_label[j] == 3);
      CHECK(query_per_label[j] == 7);
    }
    // every image at most once: no support/query overlap, no repeated draws
    std::set<int> all(ep.support.begin(), ep.support.end());
    all.insert(ep.query.begin(), ep.query.end());
    CHECK(all.size() == ep.support.size() + ep.query.size());
  }
}

TEST_CASE("episode: deterministic for a seed, different for other seeds, advances the generator") {
  const ImageDataset ds = toy_dataset(50, 20);
  const EpisodeSpec spec{5, 1, 15};
  Pcg32 a(42), b(42), c(43);
  const Episode ea = metacog::sample_episode(ds.classes, spec, a);
  const Episode eb = metacog::sample_episode(ds.classes, spec, b);
  const Episode ec = metacog::sample_episode(ds.classes, spec, c);
  CHECK(ea.classes == eb.classes);
  CHECK(ea.support == eb.support);
  CHECK(ea.query == eb.query);
  CHECK((ea.classes != ec.classes || ea.support != ec.support || ea.query != ec.query));
  const Episode ea2 = metacog::sample_episode(ds.classes, spec, a);
  CHECK((ea2.classes != ea.classes || ea2.support != ea.support));
  // the same state restored gives the same next episode
  Pcg32 d(42);
  metacog::sample_episode(ds.classes, spec, d);
  const Pcg32::State saved = d.save();
  const Episode first = metacog::sample_episode(ds.classes, spec, d);
  d.restore(saved);
  const Episode again = metacog::sample_episode(ds.classes, spec, d);
  CHECK(first.support == again.support);
  CHECK(first.query == again.query);
}

TEST_CASE("episode: golden draw is identical on every platform (Pcg32 seed 2024)") {
  // Pinned values, computed independently by a Python re-implementation of PCG32 + partial
  // Fisher–Yates; the native and the wasm builds must both produce exactly this episode.
  const ImageDataset ds = toy_dataset(10, 6);
  Pcg32 rng(2024);
  const Episode ep = metacog::sample_episode(ds.classes, {3, 2, 1}, rng);
  CHECK(ep.classes == (std::vector<int>{5, 2, 3}));
  CHECK(ep.support == (std::vector<int>{33, 35, 16, 14, 20, 19}));
  CHECK(ep.query == (std::vector<int>{30, 12, 21}));
}

TEST_CASE("episode: classes and examples are drawn uniformly") {
  const int n_classes = 10, per_class = 8;
  const ImageDataset ds = toy_dataset(n_classes, per_class);
  Pcg32 rng(99);
  std::vector<int> class_count(n_classes, 0), support_count(n_classes * per_class, 0);
  const int episodes = 4000;
  for (int t = 0; t < episodes; ++t) {
    const Episode ep = metacog::sample_episode(ds.classes, {2, 1, 1}, rng);
    for (int c : ep.classes) ++class_count[c];
    for (int s : ep.support) ++support_count[s];
  }
  // each class is chosen with p = 2/10 → expected 800, sd ≈ 25; each image is a support image
  // with p = 1/8 of its class's draws → expected 100, sd ≈ 9.4. Bounds at > 5 sd.
  for (int c : class_count) CHECK(std::abs(c - 800) < 130);
  for (int s : support_count) CHECK(std::abs(s - 100) < 50);
}

TEST_CASE("episode: impossible requests throw InvalidArgument with a clear message") {
  const ImageDataset ds = toy_dataset(4, 5);
  Pcg32 rng(1);
  CHECK(code_of([&] { metacog::sample_episode(ds.classes, {5, 1, 1}, rng); }) == ErrorCode::InvalidArgument);
  CHECK(message_of([&] { metacog::sample_episode(ds.classes, {5, 1, 1}, rng); }).find("only 4") != std::string::npos);
  CHECK(code_of([&] { metacog::sample_episode(ds.classes, {2, 3, 3}, rng); }) == ErrorCode::InvalidArgument);
  const std::string msg = message_of([&] { metacog::sample_episode(ds.classes, {2, 3, 3}, rng); });
  CHECK(msg.find("K + Q = 6") != std::string::npos);
  CHECK(msg.find("largest class: 5") != std::string::npos);
  CHECK(code_of([&] { metacog::sample_episode(ds.classes, {0, 1, 1}, rng); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::sample_episode(ds.classes, {2, 0, 1}, rng); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::sample_episode(ds.classes, {2, 1, -1}, rng); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::sample_episode({}, {1, 1, 0}, rng); }) == ErrorCode::InvalidArgument);
  // exactly K + Q = examples per class is possible and uses every example of the chosen classes
  const Episode ep = metacog::sample_episode(ds.classes, {4, 2, 3}, rng);
  CHECK(ep.support.size() + ep.query.size() == 20);
  // Q = 0 (support only) is allowed
  CHECK(metacog::sample_episode(ds.classes, {2, 5, 0}, rng).query.empty());
}

TEST_CASE("episode: classes too small for K + Q are never chosen") {
  ImageDataset ds = toy_dataset(6, 5);
  ds.classes[1].examples.resize(2);
  ds.classes[4].examples.resize(3);
  Pcg32 rng(5);
  for (int t = 0; t < 200; ++t) {
    const Episode ep = metacog::sample_episode(ds.classes, {4, 2, 2}, rng);
    for (int c : ep.classes) CHECK((c != 1 && c != 4));
  }
  CHECK(code_of([&] { metacog::sample_episode(ds.classes, {5, 2, 2}, rng); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("episode: gather_episode copies support then query images into one NHWC batch") {
  const ImageDataset ds = toy_dataset(8, 10);
  Pcg32 rng(3);
  const Episode ep = metacog::sample_episode(ds.classes, {3, 2, 4}, rng);
  const metacog::Tensor x = metacog::gather_episode(ds, ep);
  REQUIRE(x.shape() == metacog::Shape{18, 2, 3, 1});
  for (int i = 0; i < 18; ++i) {
    const int image = i < 6 ? ep.support[i] : ep.query[i - 6];
    for (int p = 0; p < 6; ++p) CHECK(x[i * 6 + p] == static_cast<float>(image) / 1000.0f);
  }
  const metacog::Tensor s = metacog::gather_images(ds, ep.support);
  CHECK(s.shape() == metacog::Shape{6, 2, 3, 1});
  CHECK(std::equal(s.data(), s.data() + s.numel(), x.data()));
  CHECK(metacog::gather_images(ds, {}).shape() == metacog::Shape{0, 2, 3, 1});
  CHECK(code_of([&] { metacog::gather_images(ds, {80}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::gather_images(ds, {-1}); }) == ErrorCode::InvalidArgument);
}

// ------------------------------------------------------------------------------------ image dataset format

TEST_CASE("image dataset: binary format round trip (f32 and exact u8 ratio)") {
  ImageDataset ds;
  ds.height = 2;
  ds.width = 2;
  ds.channels = 2;
  ds.description = "toy – ünïcode ok";
  for (int i = 0; i < 3 * 8; ++i) ds.pixels.push_back(static_cast<float>(i % 10) / 9.0f);
  ds.classes = {{"a/rot000", {0, 2}}, {"b", {1}}, {"empty", {}}};
  for (const metacog::PixelEncoding enc : {metacog::PixelEncoding::f32(), metacog::PixelEncoding::u8_ratio(9)}) {
    const std::vector<uint8_t> bytes = metacog::serialize_image_dataset(ds, enc);
    const ImageDataset back = metacog::deserialize_image_dataset(bytes.data(), bytes.size());
    CHECK(back.height == 2);
    CHECK(back.width == 2);
    CHECK(back.channels == 2);
    CHECK(back.description == ds.description);
    CHECK(back.pixels == ds.pixels);  // bit-exact in both encodings
    REQUIRE(back.classes.size() == 3);
    for (size_t c = 0; c < 3; ++c) {
      CHECK(back.classes[c].name == ds.classes[c].name);
      CHECK(back.classes[c].examples == ds.classes[c].examples);
    }
  }
  CHECK(metacog::serialize_image_dataset(ds, metacog::PixelEncoding::u8_ratio(9)).size() <
        metacog::serialize_image_dataset(ds).size());
  // 1/9 steps are not multiples of 1/10: the u8 encoding refuses to lose precision
  CHECK(code_of([&] { metacog::serialize_image_dataset(ds, metacog::PixelEncoding::u8_ratio(10)); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::serialize_image_dataset(ds, metacog::PixelEncoding::u8_ratio(256)); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("image dataset: malformed bytes are rejected with DataFormat") {
  ImageDataset ds;
  ds.height = ds.width = 3;
  ds.channels = 1;
  ds.pixels.assign(18, 0.5f);
  ds.classes = {{"x", {0, 1}}};
  const std::vector<uint8_t> good = metacog::serialize_image_dataset(ds);
  // every truncation
  for (size_t n = 0; n < good.size(); ++n) {
    CHECK(code_of([&] { metacog::deserialize_image_dataset(good.data(), n); }) == ErrorCode::DataFormat);
  }
  // every single-byte corruption (checksum, magic, version or structure)
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x5a;
    CHECK(code_of([&] { metacog::deserialize_image_dataset(bad.data(), bad.size()); }) == ErrorCode::DataFormat);
  }
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  CHECK(code_of([&] { metacog::deserialize_image_dataset(longer.data(), longer.size()); }) == ErrorCode::DataFormat);
  const std::string version_msg = message_of([&] {
    std::vector<uint8_t> v = good;
    v[8] = 2;
    metacog::deserialize_image_dataset(v.data(), v.size());
  });
  CHECK(version_msg.find("version 2") != std::string::npos);
}

TEST_CASE("image dataset: validate catches bad dims, partial images, NaN and dangling indices") {
  ImageDataset ds;
  ds.height = ds.width = 2;
  ds.channels = 1;
  ds.pixels.assign(8, 0.f);
  ds.classes = {{"a", {0, 1}}};
  ds.validate();
  ImageDataset bad = ds;
  bad.classes[0].examples.push_back(2);
  CHECK(code_of([&] { bad.validate(); }) == ErrorCode::DataFormat);
  bad = ds;
  bad.pixels.push_back(0.f);
  CHECK(code_of([&] { bad.validate(); }) == ErrorCode::DataFormat);
  bad = ds;
  bad.pixels[3] = std::nanf("");
  CHECK(code_of([&] { bad.validate(); }) == ErrorCode::DataFormat);
  CHECK(code_of([&] { metacog::serialize_image_dataset(bad); }) == ErrorCode::InvalidArgument);
  bad = ds;
  bad.channels = 0;
  CHECK(code_of([&] { bad.validate(); }) == ErrorCode::DataFormat);
}

TEST_CASE("image dataset: file write/read round trip; missing file is Io") {
  ImageDataset ds = toy_dataset(3, 4);
  const std::string path = metacog::test::scratch_path("episodes-test.mcimg");
  metacog::write_image_dataset(ds, path);
  const ImageDataset back = metacog::read_image_dataset(path);
  CHECK(back.pixels == ds.pixels);
  CHECK(back.classes.size() == 3);
  CHECK(back.classes[2].examples == ds.classes[2].examples);
  std::remove(path.c_str());
  CHECK(code_of([&] { metacog::read_image_dataset(path); }) == ErrorCode::Io);
}

// ------------------------------------------------------------------------------------ resize / rotate

TEST_CASE("image ops: resize_area is the exact box filter") {
  // 1×3 → 1×2: output 0 covers input [0, 1.5) → (2a + b)/3; output 1 covers [1.5, 3) → (b + 2c)/3
  const float row[3] = {3.f, 6.f, 9.f};
  const std::vector<float> r = metacog::resize_area(row, 1, 3, 1, 1, 2);
  CHECK(r[0] == doctest::Approx(4.0));
  CHECK(r[1] == doctest::Approx(8.0));
  // 2×2×2 → 1×1×2 is the per-channel mean
  const float px[8] = {0, 10, 1, 20, 2, 30, 3, 40};
  const std::vector<float> m = metacog::resize_area(px, 2, 2, 2, 1, 1);
  CHECK(m[0] == doctest::Approx(1.5));
  CHECK(m[1] == doctest::Approx(25.0));
  // same size is the identity, bit for bit
  std::vector<float> img(7 * 5 * 3);
  for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>(i % 17) / 255.0f;
  CHECK(metacog::resize_area(img.data(), 7, 5, 3, 7, 5) == img);
  // upsampling replicates (each output pixel lies inside one input pixel)
  const std::vector<float> up = metacog::resize_area(row, 1, 3, 1, 1, 6);
  CHECK(up == std::vector<float>{3.f, 3.f, 6.f, 6.f, 9.f, 9.f});
  // mass is preserved: mean of a 105×105 image equals the mean of its 28×28 box resize
  std::vector<float> big(105 * 105);
  Pcg32 rng(11);
  double mean_in = 0, mean_out = 0;
  for (float& v : big) mean_in += (v = rng.bernoulli(0.3) ? 1.f : 0.f);
  for (float v : metacog::resize_area(big.data(), 105, 105, 1, 28, 28)) mean_out += v;
  CHECK(mean_out / (28 * 28) == doctest::Approx(mean_in / (105 * 105)).epsilon(1e-9));
  CHECK(code_of([&] { metacog::resize_area(row, 1, 3, 1, 0, 2); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("image ops: rotate_quarter_turns follows np.rot90 (counter-clockwise)") {
  const float a[4] = {1, 2, 3, 4};  // [[1, 2], [3, 4]]
  CHECK(metacog::rotate_quarter_turns(a, 2, 1, 1) == std::vector<float>{2, 4, 1, 3});  // np.rot90 → [[2,4],[1,3]]
  CHECK(metacog::rotate_quarter_turns(a, 2, 1, 2) == std::vector<float>{4, 3, 2, 1});
  CHECK(metacog::rotate_quarter_turns(a, 2, 1, 3) == std::vector<float>{3, 1, 4, 2});
  CHECK(metacog::rotate_quarter_turns(a, 2, 1, -1) == std::vector<float>{3, 1, 4, 2});
  CHECK(metacog::rotate_quarter_turns(a, 2, 1, 4) == std::vector<float>{1, 2, 3, 4});
  // 3×3 with 2 channels: the top-right pixel moves to the top-left under one CCW turn
  std::vector<float> img(18);
  for (int i = 0; i < 18; ++i) img[i] = static_cast<float>(i);
  const std::vector<float> r = metacog::rotate_quarter_turns(img.data(), 3, 2, 1);
  CHECK(r[0] == img[(0 * 3 + 2) * 2]);
  CHECK(r[1] == img[(0 * 3 + 2) * 2 + 1]);
  std::vector<float> twice = metacog::rotate_quarter_turns(r.data(), 3, 2, 1);
  CHECK(twice == metacog::rotate_quarter_turns(img.data(), 3, 2, 2));
}

// ------------------------------------------------------------------------------------ SHA-256

TEST_CASE("image dataset: Sha256 matches the FIPS 180-4 test vectors, in any chunking") {
  auto sha = [](const std::string& s) {
    metacog::Sha256 h;
    h.update(s);
    return h.hex_digest();
  };
  CHECK(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha(two_blocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  metacog::Sha256 million;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.update(chunk);
  CHECK(million.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (size_t split = 0; split <= two_blocks.size(); split += 7) {
    metacog::Sha256 h;
    h.update(two_blocks.substr(0, split));
    h.update(two_blocks.substr(split));
    CHECK(h.hex_digest() == sha(two_blocks));
  }
  metacog::Sha256 done;
  done.digest();
  CHECK(code_of([&] { done.update("x"); }) == ErrorCode::InvalidState);
}
