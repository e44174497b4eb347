// Omniglot readers on the real data (skipped without ../shared/data/omniglot, failing under CI=true),
// the preprocessing on synthetic images, and the mini-ImageNet loader on a generated replica.
#include "metacog/omniglot.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "metacog/episodes.hpp"
#include "metacog/rng.hpp"
#include "../test_support.hpp"

#include "stb_image_write_private.hpp"

namespace fs = std::filesystem;
using metacog::ErrorCode;
using metacog::ImageDataset;
using metacog::test::code_of;
using metacog::test::message_of;
using metacog::test::TempDir;

namespace {


std::string omniglot_dir() { return metacog::test::data_dir() + "/omniglot"; }

// The characters, decoded once per test process into a private cache directory (so the cache
// round-trip test compares a cache read with this fresh decode).
struct Characters {
  TempDir cache{"omniglot-cache"};
  metacog::OmniglotCacheInfo info;
  ImageDataset ds;
  Characters() { ds = metacog::load_omniglot_characters(omniglot_dir(), cache.str(), &info); }
};
const Characters& characters() {
  static const Characters c;
  return c;
}

// A 105×105 grey image (0 = ink, 255 = paper) with random blobs, deliberately asymmetric.
std::vector<uint8_t> random_drawing(uint64_t seed) {
  metacog::Pcg32 rng(seed);
  std::vector<uint8_t> g(105 * 105, 255);
  for (int stroke = 0; stroke < 6; ++stroke) {
    int y = static_cast<int>(rng.uniform_int(105)), x = static_cast<int>(rng.uniform_int(105));
    for (int step = 0; step < 120; ++step) {
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int yy = std::clamp(y + dy, 0, 104), xx = std::clamp(x + dx, 0, 104);
          g[yy * 105 + xx] = 0;
        }
      y = std::clamp(y + static_cast<int>(rng.uniform_int(3)) - 1, 0, 104);
      x = std::clamp(x + static_cast<int>(rng.uniform_int(3)) - 1, 0, 104);
    }
  }
  g[0] = 0;  // ink in the top-left corner only: breaks every rotational symmetry
  return g;
}

// np.rot90(img, 1) of a square 8-bit image.
std::vector<uint8_t> rot90_ccw(const std::vector<uint8_t>& in, int n) {
  std::vector<uint8_t> out(in.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) out[i * n + j] = in[j * n + (n - 1 - i)];
  return out;
}

bool is_k_over_225(float v) {
  const float k = std::nearbyint(v * 225.0f);
  return k >= 0 && k <= 225 && static_cast<float>(k) / 225.0f == v;
}

}  // namespace

// ------------------------------------------------------------------------ preprocessing (no data)

TEST_CASE("omniglot preprocessing: invert + exact 105→28 box filter, values k/225, ink = 1") {
  std::vector<uint8_t> paper(105 * 105, 255);
  for (float v : metacog::omniglot_preprocess_gray(paper.data(), 105, 105)) CHECK(v == 0.0f);
  std::vector<uint8_t> ink(105 * 105, 0);
  for (float v : metacog::omniglot_preprocess_gray(ink.data(), 105, 105)) CHECK(v == 1.0f);
  // a single ink pixel at (0, 0): covers 1 of 225 quarter-pixel² of output (0, 0)'s footprint ×16
  paper[0] = 0;
  const std::vector<float> one = metacog::omniglot_preprocess_gray(paper.data(), 105, 105);
  CHECK(one[0] == 16.0f / 225.0f);
  CHECK(std::count(one.begin(), one.end(), 0.0f) == 28 * 28 - 1);
  // pixel (3, 3) straddles outputs 0 and 1 in both axes: footprint [3.75, 7.5) starts at 3.75,
  // so 3/4 of the pixel goes to output 0 and 1/4 to output 1 → 9, 3, 3, 1 (×1/225)
  paper[0] = 255;
  paper[3 * 105 + 3] = 0;
  const std::vector<float> split = metacog::omniglot_preprocess_gray(paper.data(), 105, 105);
  CHECK(split[0] == 9.0f / 225.0f);
  CHECK(split[1] == 3.0f / 225.0f);
  CHECK(split[28] == 3.0f / 225.0f);
  CHECK(split[29] == 1.0f / 225.0f);
  // agrees with the generic resize_area on the inverted image
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const std::vector<uint8_t> g = random_drawing(seed);
    std::vector<float> inv(g.size());
    for (size_t i = 0; i < g.size(); ++i) inv[i] = g[i] < 128 ? 1.0f : 0.0f;
    const std::vector<float> ref = metacog::resize_area(inv.data(), 105, 105, 1, 28, 28);
    const std::vector<float> got = metacog::omniglot_preprocess_gray(g.data(), 105, 105);
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i] == doctest::Approx(ref[i]).epsilon(1e-6));
      CHECK(is_k_over_225(got[i]));
    }
  }
  CHECK(code_of([&] { metacog::omniglot_preprocess_gray(paper.data(), 104, 105); }) == ErrorCode::InvalidArgument);
  const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK(code_of([&] { metacog::omniglot_preprocess_png(junk, sizeof junk); }) == ErrorCode::DataFormat);
}

TEST_CASE("omniglot preprocessing: rotating the 105×105 drawing then resizing == resizing then rotating") {
  // prototypical-networks rotates the 105×105 PIL image, then resizes; we rotate the 28×28 result.
  // Both grids (box and nearest) are symmetric, so both orders agree bit for bit, for every quarter turn.
  for (const metacog::OmniglotResize resize : {metacog::OmniglotResize::Box, metacog::OmniglotResize::Nearest}) {
    CAPTURE(metacog::omniglot_resize_name(resize));
    for (uint64_t seed = 10; seed < 14; ++seed) {
      std::vector<uint8_t> g = random_drawing(seed);
      const std::vector<float> base = metacog::omniglot_preprocess_gray(g.data(), 105, 105, resize);
      for (int turns = 1; turns <= 3; ++turns) {
        g = rot90_ccw(g, 105);
        const std::vector<float> direct = metacog::omniglot_preprocess_gray(g.data(), 105, 105, resize);
        CHECK(direct == metacog::rotate_quarter_turns(base.data(), 28, 1, turns));
        CHECK(direct != base);
      }
    }
  }
}

TEST_CASE("omniglot preprocessing: nearest = PIL's 1-bit resize, one source pixel per output, binary") {
  using metacog::OmniglotResize;
  // PIL samples source row/column ⌊(o + ½)·105/28⌋: 1, 5, 9, 13, 16, …, 103
  std::vector<int> rows;
  for (int o = 0; o < 28; ++o) rows.push_back(static_cast<int>(std::floor((o + 0.5) * 105.0 / 28.0)));
  CHECK(rows.front() == 1);
  CHECK(rows[4] == 16);
  CHECK(rows.back() == 103);
  std::vector<uint8_t> paper(105 * 105, 255);
  for (float v : metacog::omniglot_preprocess_gray(paper.data(), 105, 105, OmniglotResize::Nearest)) CHECK(v == 0.0f);
  // one ink pixel on a sampled position appears as exactly one output pixel of value 1 …
  std::vector<uint8_t> dot = paper;
  dot[rows[7] * 105 + rows[20]] = 0;
  const std::vector<float> x = metacog::omniglot_preprocess_gray(dot.data(), 105, 105, OmniglotResize::Nearest);
  for (int i = 0; i < 784; ++i) CHECK(x[i] == (i == 7 * 28 + 20 ? 1.0f : 0.0f));
  // … and off the sampled grid it vanishes (the box filter keeps it as 1/225 … 16/225)
  std::vector<uint8_t> off = paper;
  off[(rows[7] + 1) * 105 + rows[20] + 1] = 0;
  for (float v : metacog::omniglot_preprocess_gray(off.data(), 105, 105, OmniglotResize::Nearest)) CHECK(v == 0.0f);
  double box_ink = 0;
  for (float v : metacog::omniglot_preprocess_gray(off.data(), 105, 105, OmniglotResize::Box)) box_ink += v;
  CHECK(box_ink > 0);
  // on a drawing: binary, and where the box image is all ink (k = 225) the nearest one is ink too
  const std::vector<uint8_t> g = random_drawing(5);
  const std::vector<float> nearest = metacog::omniglot_preprocess_gray(g.data(), 105, 105, OmniglotResize::Nearest);
  const std::vector<float> box = metacog::omniglot_preprocess_gray(g.data(), 105, 105, OmniglotResize::Box);
  for (int i = 0; i < 784; ++i) {
    CHECK((nearest[i] == 0.0f || nearest[i] == 1.0f));
    if (box[i] == 1.0f) CHECK(nearest[i] == 1.0f);
    if (box[i] == 0.0f) CHECK(nearest[i] == 0.0f);
  }
  CHECK(metacog::parse_omniglot_resize("nearest") == OmniglotResize::Nearest);
  CHECK(metacog::parse_omniglot_resize("box") == OmniglotResize::Box);
  CHECK(code_of([] { metacog::parse_omniglot_resize("bilinear"); }) == ErrorCode::InvalidArgument);
  CHECK(std::string(metacog::omniglot_preprocessing(OmniglotResize::Box)) !=
        metacog::omniglot_preprocessing(OmniglotResize::Nearest));
}

TEST_CASE("omniglot preprocessing: PNG decoding matches the grey path (1-bit PNG written and read)") {
  const std::vector<uint8_t> g = random_drawing(77);
  int len = 0;
  unsigned char* png = stbi_write_png_to_mem(g.data(), 105, 105, 105, 1, &len);
  REQUIRE(png != nullptr);
  const std::vector<float> from_png = metacog::omniglot_preprocess_png(png, static_cast<size_t>(len));
  STBIW_FREE(png);
  CHECK(from_png == metacog::omniglot_preprocess_gray(g.data(), 105, 105));
}

// ------------------------------------------------------------------------ real data

TEST_CASE("omniglot: all 1623 characters × 20 drawings decode from the zips; pixel conventions") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const Characters& c = characters();
  MESSAGE("omniglot characters: decoded from zips in " << c.info.seconds << " s, key " << c.info.key);
  CHECK_FALSE(c.info.from_cache);
  const ImageDataset& ds = c.ds;
  CHECK(ds.height == 28);
  CHECK(ds.width == 28);
  CHECK(ds.channels == 1);
  REQUIRE(ds.classes.size() == 1623);
  CHECK(ds.num_images() == 32460);
  int background = 0;
  for (const auto& cls : ds.classes) {
    CHECK(cls.examples.size() == 20);
    if (cls.name.rfind("images_background/", 0) == 0) ++background;
  }
  CHECK(background == 964);
  CHECK(ds.classes[0].name == "images_background/Alphabet_of_the_Magi/character01");
  CHECK(ds.classes[964].name.rfind("images_evaluation/", 0) == 0);
  double sum = 0;
  float lo = 1, hi = 0;
  bool all_exact = true;
  for (float v : ds.pixels) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    all_exact = all_exact && is_k_over_225(v);
  }
  const double mean = sum / static_cast<double>(ds.pixels.size());
  MESSAGE("omniglot mean pixel (ink = 1) = " << mean);
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);
  CHECK(all_exact);
  CHECK(mean > 0.02);  // strokes exist …
  CHECK(mean < 0.2);   // … and are the minority: ink = 1, paper = 0
  // the border of a drawing is almost always paper
  double border = 0;
  for (int64_t i = 0; i < ds.num_images(); ++i) border += ds.image(i)[0] + ds.image(i)[27] + ds.image(i)[27 * 28];
  CHECK(border / (3.0 * ds.num_images()) < 0.01);
}

TEST_CASE("omniglot: the cache round trip equals the fresh decode; stale keys are not read") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const Characters& c = characters();
  REQUIRE(fs::exists(c.info.cache_path));
  CHECK(c.info.cache_path.find(c.info.key.substr(0, 16)) != std::string::npos);
  metacog::OmniglotCacheInfo info;
  const ImageDataset cached = metacog::load_omniglot_characters(omniglot_dir(), c.cache.str(), &info);
  MESSAGE("omniglot characters: loaded from cache in " << info.seconds << " s ("
                                                       << fs::file_size(info.cache_path) << " bytes)");
  CHECK(info.from_cache);
  CHECK(info.key == c.info.key);
  // (the load time is reported above, not asserted: timings belong in benchmarks, not unit tests)
  CHECK(cached.pixels == c.ds.pixels);  // bit-exact
  REQUIRE(cached.classes.size() == c.ds.classes.size());
  for (size_t i = 0; i < cached.classes.size(); ++i) {
    CHECK(cached.classes[i].name == c.ds.classes[i].name);
    CHECK(cached.classes[i].examples == c.ds.classes[i].examples);
  }
  // a cache file whose stored key differs (e.g. another preprocessing version) is ignored and rebuilt
  ImageDataset tampered = cached;
  tampered.description += " (older version)";
  tampered.pixels[0] = 1.0f;
  metacog::write_image_dataset(tampered, info.cache_path, metacog::PixelEncoding::u8_ratio(225));
  metacog::OmniglotCacheInfo rebuilt;
  const ImageDataset again = metacog::load_omniglot_characters(omniglot_dir(), c.cache.str(), &rebuilt);
  CHECK_FALSE(rebuilt.from_cache);
  CHECK(again.pixels == c.ds.pixels);
  CHECK(metacog::read_image_dataset(info.cache_path).description == c.ds.description);
  // the nearest resize is another key and another file: neither read from the box cache nor overwriting it
  metacog::OmniglotCacheInfo near_info;
  const ImageDataset nearest =
      metacog::load_omniglot_characters(omniglot_dir(), c.cache.str(), &near_info, metacog::OmniglotResize::Nearest);
  CHECK_FALSE(near_info.from_cache);
  CHECK(near_info.key != c.info.key);
  CHECK(near_info.cache_path != info.cache_path);
  CHECK(fs::exists(info.cache_path));
  REQUIRE(nearest.pixels.size() == c.ds.pixels.size());
  CHECK(std::all_of(nearest.pixels.begin(), nearest.pixels.end(), [](float v) { return v == 0.0f || v == 1.0f; }));
  CHECK(nearest.description.find("nearest") != std::string::npos);
  CHECK(metacog::make_omniglot_split(nearest, omniglot_dir(), "vinyals", "test").description.find("nearest") !=
        std::string::npos);
}

TEST_CASE("omniglot: Vinyals and Lake split counts; names follow the split files") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const ImageDataset& chars = characters().ds;
  const std::map<std::string, size_t> expected = {{"train", 4112}, {"val", 688}, {"trainval", 4800}, {"test", 1692}};
  std::map<std::string, std::set<std::string>> characters_of;
  for (const auto& [split, count] : expected) {
    const auto t0 = std::chrono::steady_clock::now();
    const ImageDataset ds = metacog::make_omniglot_split(chars, omniglot_dir(), "vinyals", split);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("vinyals/" << split << ": " << ds.classes.size() << " classes, " << ds.num_images() << " images, built in "
                       << secs << " s");
    CHECK(ds.classes.size() == count);
    CHECK(ds.num_images() == static_cast<int64_t>(count) * 20);
    for (const auto& cls : ds.classes) {
      CHECK(cls.examples.size() == 20);
      characters_of[split].insert(cls.name.substr(0, cls.name.rfind('/')));
    }
    ds.validate();
  }
  CHECK(characters_of["train"].size() == 1028);
  CHECK(characters_of["val"].size() == 172);
  CHECK(characters_of["trainval"].size() == 1200);
  CHECK(characters_of["test"].size() == 423);
  for (const auto& ch : characters_of["test"]) CHECK(characters_of["trainval"].count(ch) == 0);
  CHECK(characters_of["trainval"].size() + characters_of["test"].size() == 1623);

  const ImageDataset val = metacog::make_omniglot_split(chars, omniglot_dir(), "vinyals", "val");
  std::ifstream list(omniglot_dir() + "/splits/vinyals/val.txt");
  std::string first;
  std::getline(list, first);
  CHECK(val.classes[0].name == first);

  const ImageDataset lake_train = metacog::make_omniglot_split(chars, omniglot_dir(), "lake", "train");
  const ImageDataset lake_test = metacog::make_omniglot_split(chars, omniglot_dir(), "lake", "test");
  CHECK(lake_train.classes.size() == 964);
  CHECK(lake_test.classes.size() == 659);
  CHECK(lake_train.classes[0].name == "Alphabet_of_the_Magi/character01/rot000");
  CHECK(lake_test.num_images() == 659 * 20);
  CHECK(lake_test.description.find("rotation 0 only") != std::string::npos);
  CHECK(std::equal(lake_train.pixels.begin(), lake_train.pixels.end(), chars.pixels.begin()));

  CHECK(code_of([&] { metacog::make_omniglot_split(chars, omniglot_dir(), "vinyals", "dev"); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::make_omniglot_split(chars, omniglot_dir(), "lake", "val"); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::make_omniglot_split(chars, omniglot_dir(), "bogus", "train"); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([&] { metacog::make_omniglot_split(chars, "/nonexistent", "vinyals", "train"); }) == ErrorCode::Io);
}

TEST_CASE("omniglot: the random scheme (MAML/Reptile code) splits characters, not alphabets; seeded") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const ImageDataset& chars = characters().ds;
  auto characters_in = [](const ImageDataset& ds) {
    std::set<std::string> out;
    for (const auto& cls : ds.classes) out.insert(cls.name.substr(0, cls.name.rfind('/')));
    return out;
  };
  auto alphabet = [](const std::string& character) { return character.substr(0, character.find('/')); };
  std::map<std::string, std::set<std::string>> of;
  const std::map<std::string, size_t> expected = {{"train", 1100}, {"val", 100}, {"trainval", 1200}, {"test", 423}};
  for (const auto& [split, count] : expected) {
    const ImageDataset ds = metacog::make_omniglot_split(chars, omniglot_dir(), "random", split, 1);
    CHECK(ds.classes.size() == 4 * count);  // every character with its 4 rotations
    CHECK(ds.num_images() == static_cast<int64_t>(4 * count) * 20);
    ds.validate();
    of[split] = characters_in(ds);
    CHECK(of[split].size() == count);
  }
  std::set<std::string> train_and_val = of["train"];
  train_and_val.insert(of["val"].begin(), of["val"].end());
  CHECK(train_and_val == of["trainval"]);
  for (const auto& ch : of["val"]) CHECK(of["train"].count(ch) == 0);
  for (const auto& ch : of["test"]) CHECK(of["trainval"].count(ch) == 0);
  CHECK(of["trainval"].size() + of["test"].size() == 1623);

  // What makes it differ from Vinyals': test characters come from alphabets seen in training.
  auto share_seen = [&](const std::set<std::string>& test, const std::set<std::string>& train) {
    std::set<std::string> seen;
    for (const auto& ch : train) seen.insert(alphabet(ch));
    size_t n = 0;
    for (const auto& ch : test) n += seen.count(alphabet(ch));
    return static_cast<double>(n) / static_cast<double>(test.size());
  };
  const double random_seen = share_seen(of["test"], of["trainval"]);
  const double vinyals_seen =
      share_seen(characters_in(metacog::make_omniglot_split(chars, omniglot_dir(), "vinyals", "test")),
                 characters_in(metacog::make_omniglot_split(chars, omniglot_dir(), "vinyals", "trainval")));
  MESSAGE("test characters whose alphabet has training characters: random " << random_seen << ", vinyals "
                                                                            << vinyals_seen);
  CHECK(random_seen > 0.99);
  CHECK(vinyals_seen < 0.1);

  // The split seed decides the shuffle; the same seed gives the same classes in the same order.
  const ImageDataset again = metacog::make_omniglot_split(chars, omniglot_dir(), "random", "test", 1);
  const ImageDataset other = metacog::make_omniglot_split(chars, omniglot_dir(), "random", "test", 2);
  std::vector<std::string> names_again, names_first;
  for (const auto& cls : again.classes) names_again.push_back(cls.name);
  for (const auto& cls : metacog::make_omniglot_split(chars, omniglot_dir(), "random", "test", 1).classes)
    names_first.push_back(cls.name);
  CHECK(names_again == names_first);
  CHECK(characters_in(other) != of["test"]);
  CHECK(code_of([&] { metacog::make_omniglot_split(chars, omniglot_dir(), "random", "dev", 1); }) ==
        ErrorCode::InvalidArgument);

  // Reptile's test protocol: the same 423 test characters, rotation 0 only, the same images as the
  // rot000 classes of "test"; the Vinyals scheme has no such split.
  const ImageDataset unrotated = metacog::make_omniglot_split(chars, omniglot_dir(), "random", "test-unrotated", 1);
  unrotated.validate();
  CHECK(unrotated.classes.size() == 423);
  CHECK(characters_in(unrotated) == of["test"]);
  CHECK(unrotated.description.find("rotation 0 only") != std::string::npos);
  CHECK(again.description.find("rotations as classes") != std::string::npos);
  for (size_t c = 0; c < unrotated.classes.size(); ++c) {
    const auto& cls = unrotated.classes[c];
    const auto& rot000 = again.classes[4 * c];
    CHECK(cls.name == rot000.name);
    CHECK(cls.name.substr(cls.name.rfind('/')) == "/rot000");
    REQUIRE(cls.examples.size() == rot000.examples.size());
    for (size_t e = 0; e < cls.examples.size(); ++e)
      CHECK(std::equal(unrotated.image(cls.examples[e]), unrotated.image(cls.examples[e]) + unrotated.image_size(),
                       again.image(rot000.examples[e])));
  }
  CHECK(code_of([&] { metacog::make_omniglot_split(chars, omniglot_dir(), "vinyals", "test-unrotated"); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("omniglot: rot090 images are the rot000 images rotated 90° counter-clockwise") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const ImageDataset ds = metacog::make_omniglot_split(characters().ds, omniglot_dir(), "vinyals", "val");
  std::map<std::string, int> index;
  for (size_t c = 0; c < ds.classes.size(); ++c) index[ds.classes[c].name] = static_cast<int>(c);
  int checked = 0;
  for (const auto& [name, c0] : index) {
    if (name.size() < 7 || name.compare(name.size() - 6, 6, "rot000") != 0) continue;
    const std::string base = name.substr(0, name.size() - 6);
    for (int turns = 1; turns <= 3; ++turns) {
      const char* deg[] = {"rot000", "rot090", "rot180", "rot270"};
      const auto it = index.find(base + deg[turns]);
      REQUIRE(it != index.end());
      for (int e = 0; e < 20; ++e) {
        const float* upright = ds.image(ds.classes[c0].examples[e]);
        const std::vector<float> expected = metacog::rotate_quarter_turns(upright, 28, 1, turns);
        const float* got = ds.image(ds.classes[it->second].examples[e]);
        CHECK(std::equal(expected.begin(), expected.end(), got));
      }
    }
    ++checked;
  }
  CHECK(checked == 172);
  // direction: rot090[i][j] = rot000[j][27 − i] (np.rot90), checked on raw values
  const float* r0 = ds.image(ds.classes[index.begin()->second].examples[0]);
  const std::string base = index.begin()->first.substr(0, index.begin()->first.size() - 6);
  const float* r90 = ds.image(ds.classes[index.at(base + "rot090")].examples[0]);
  for (int i = 0; i < 28; ++i)
    for (int j = 0; j < 28; ++j) CHECK(r90[i * 28 + j] == r0[j * 28 + (27 - i)]);
}

TEST_CASE("omniglot: episodes from the Vinyals test split (20-way 5-shot 15-query)") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const ImageDataset test = metacog::make_omniglot_split(characters().ds, omniglot_dir(), "vinyals", "test");
  metacog::Pcg32 rng(1);
  const metacog::Episode ep = metacog::sample_episode(test.classes, {20, 5, 15}, rng);
  const metacog::Tensor x = metacog::gather_episode(test, ep);
  CHECK(x.shape() == metacog::Shape{400, 28, 28, 1});
  CHECK(std::equal(x.data() + 100 * 784, x.data() + 101 * 784, test.image(ep.query[0])));
  CHECK(code_of([&] { metacog::sample_episode(test.classes, {5, 10, 11}, rng); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("omniglot: Lake's 20 one-shot runs (all_runs.zip)") {
  if (!metacog::test::require_data("omniglot/one-shot-classification/all_runs.zip")) return;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<metacog::OmniglotOneShotRun> runs = metacog::load_omniglot_oneshot_runs(omniglot_dir());
  MESSAGE("all_runs.zip decoded in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                                     << " s");
  REQUIRE(runs.size() == 20);
  CHECK(runs[0].name == "run01");
  CHECK(runs[19].name == "run20");
  for (const auto& run : runs) {
    CHECK(run.training.shape() == metacog::Shape{20, 28, 28, 1});
    CHECK(run.test.shape() == metacog::Shape{20, 28, 28, 1});
    REQUIRE(run.answers.size() == 20);
    // each of the 20 classes has exactly one query: the answers are a permutation
    std::vector<int> sorted = run.answers;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 20; ++i) CHECK(sorted[i] == i);
    double mean = 0;
    bool exact = true;
    for (int64_t i = 0; i < run.test.numel(); ++i) {
      exact = exact && is_k_over_225(run.test[i]) && is_k_over_225(run.training[i]);
      mean += run.test[i];
    }
    CHECK(exact);
    mean /= static_cast<double>(run.test.numel());
    CHECK(mean > 0.02);
    CHECK(mean < 0.2);
  }
  // run01/class_labels.txt: "run01/test/item01.png run01/training/class08.png", "… item02 … class09"
  CHECK(runs[0].answers[0] == 7);
  CHECK(runs[0].answers[1] == 8);
  CHECK(runs[0].answers[2] == 1);
  // the nearest resize of the same drawings: binary, the same answers, ink where the box image is all ink
  const std::vector<metacog::OmniglotOneShotRun> nearest =
      metacog::load_omniglot_oneshot_runs(omniglot_dir(), metacog::OmniglotResize::Nearest);
  REQUIRE(nearest.size() == runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    CHECK(nearest[r].answers == runs[r].answers);
    bool binary = true, consistent = true;
    for (int64_t i = 0; i < runs[r].test.numel(); ++i) {
      const float v = nearest[r].test[i], b = runs[r].test[i];
      binary = binary && (v == 0.0f || v == 1.0f);
      consistent = consistent && (b != 1.0f || v == 1.0f) && (b != 0.0f || v == 0.0f);
    }
    CHECK(binary);
    CHECK(consistent);
  }
  CHECK(code_of([&] { metacog::load_omniglot_oneshot_runs("/nonexistent"); }) == ErrorCode::Io);
}

TEST_CASE("omniglot: missing or broken zips give Io / DataFormat") {
  TempDir dir("omniglot-broken");
  CHECK(code_of([&] { metacog::load_omniglot_characters(dir.str()); }) == ErrorCode::Io);
  for (const char* name : {"images_background.zip", "images_evaluation.zip"}) {
    std::ofstream(dir.path / name) << "this is not a zip archive";
  }
  CHECK(code_of([&] { metacog::load_omniglot_characters(dir.str()); }) == ErrorCode::DataFormat);
  CHECK(message_of([&] { metacog::load_omniglot_characters(dir.str()); }).find("images_background.zip") !=
        std::string::npos);
}

// ------------------------------------------------------------------------ mini-ImageNet format

namespace {
void write_png(const fs::path& path, int w, int h, const std::vector<uint8_t>& rgb) {
  REQUIRE(stbi_write_png(path.string().c_str(), w, h, 3, rgb.data(), w * 3) != 0);
}
std::vector<uint8_t> solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  std::vector<uint8_t> px;
  for (int i = 0; i < w * h; ++i) px.insert(px.end(), {r, g, b});
  return px;
}
}  // namespace

TEST_CASE("mini-ImageNet: a generated Ravi & Larochelle replica loads as 84×84×3 classes") {
  TempDir root("mini-imagenet");
  fs::create_directories(root.path / "images");
  // class n01 (solid colours at 84×84, 100×60 and 168×168), class n02 (a 2×2 checker at 168×168 →
  // every output pixel averages one 2×2 block), class n03 (JPEG, lossy)
  write_png(root.path / "images" / "n0100000001.png", 84, 84, solid(84, 84, 255, 0, 51));
  write_png(root.path / "images" / "n0100000002.png", 100, 60, solid(100, 60, 0, 102, 255));
  write_png(root.path / "images" / "n0100000003.png", 168, 168, solid(168, 168, 10, 20, 30));
  std::vector<uint8_t> checker;
  for (int y = 0; y < 168; ++y)
    for (int x = 0; x < 168; ++x) {
      const uint8_t v = ((x + y) % 2 == 0) ? 255 : 0;
      checker.insert(checker.end(), {v, v, v});
    }
  write_png(root.path / "images" / "n0200000001.png", 168, 168, checker);
  write_png(root.path / "images" / "n0200000002.png", 84, 84, solid(84, 84, 0, 0, 0));
  REQUIRE(stbi_write_jpg((root.path / "images" / "n0300000001.jpg").string().c_str(), 90, 90, 3,
                         solid(90, 90, 200, 100, 50).data(), 95) != 0);
  std::ofstream(root.path / "train.csv") << "filename,label\n"
                                            "n0100000001.png,n01\n"
                                            "n0100000002.png,n01\n"
                                            "n0200000001.png,n02\n"
                                            "n0100000003.png,n01\n"
                                            "n0200000002.png,n02\n";
  std::ofstream(root.path / "test.csv") << "filename,label\r\nn0300000001.jpg,n03\r\n";

  const ImageDataset train = metacog::load_mini_imagenet(root.str(), "train");
  CHECK(train.height == 84);
  CHECK(train.width == 84);
  CHECK(train.channels == 3);
  CHECK(train.num_images() == 5);
  REQUIRE(train.classes.size() == 2);
  CHECK(train.classes[0].name == "n01");
  CHECK(train.classes[0].examples == std::vector<int>{0, 1, 3});
  CHECK(train.classes[1].name == "n02");
  CHECK(train.classes[1].examples == std::vector<int>{2, 4});
  train.validate();
  auto pixel = [&](int image, int y, int x, int ch) { return train.image(image)[(y * 84 + x) * 3 + ch]; };
  // solid images stay exact at any source size (area averaging of a constant)
  CHECK(pixel(0, 0, 0, 0) == 1.0f);
  CHECK(pixel(0, 83, 83, 2) == doctest::Approx(51.0 / 255.0));
  CHECK(pixel(1, 40, 10, 1) == doctest::Approx(102.0 / 255.0));
  CHECK(pixel(3, 5, 7, 0) == doctest::Approx(10.0 / 255.0));
  // the checker averages to exactly 1/2 everywhere (antialiased, no aliasing to 0 or 1)
  for (int y = 0; y < 84; y += 13)
    for (int x = 0; x < 84; x += 11) CHECK(pixel(2, y, x, 0) == doctest::Approx(0.5));
  CHECK(std::all_of(train.pixels.begin(), train.pixels.end(), [](float v) { return v >= 0.0f && v <= 1.0f; }));

  const ImageDataset test = metacog::load_mini_imagenet(root.str(), "test", 32);
  CHECK(test.height == 32);
  REQUIRE(test.classes.size() == 1);
  CHECK(test.image(0)[0] == doctest::Approx(200.0 / 255.0).epsilon(0.03));
  CHECK(test.image(0)[1] == doctest::Approx(100.0 / 255.0).epsilon(0.03));

  // episodes work on it like on Omniglot
  metacog::Pcg32 rng(3);
  const metacog::Episode ep = metacog::sample_episode(train.classes, {2, 1, 1}, rng);
  CHECK(metacog::gather_episode(train, ep).shape() == metacog::Shape{4, 84, 84, 3});

  // errors: missing split → Io; bad header / bad row → DataFormat naming the line; missing image → Io
  CHECK(code_of([&] { metacog::load_mini_imagenet(root.str(), "val"); }) == ErrorCode::Io);
  std::ofstream(root.path / "val.csv") << "file,label\nn0100000001.png,n01\n";
  CHECK(code_of([&] { metacog::load_mini_imagenet(root.str(), "val"); }) == ErrorCode::DataFormat);
  std::ofstream(root.path / "val.csv") << "filename,label\nn0100000001.png\n";
  CHECK(message_of([&] { metacog::load_mini_imagenet(root.str(), "val"); }).find("val.csv:2") != std::string::npos);
  std::ofstream(root.path / "val.csv") << "filename,label\nmissing.png,n01\n";
  CHECK(code_of([&] { metacog::load_mini_imagenet(root.str(), "val"); }) == ErrorCode::Io);
  std::ofstream(root.path / "val.csv") << "filename,label\n../train.csv,n01\n";
  CHECK(code_of([&] { metacog::load_mini_imagenet(root.str(), "val"); }) == ErrorCode::DataFormat);
  std::ofstream(root.path / "images" / "broken.png") << "not an image";
  std::ofstream(root.path / "val.csv") << "filename,label\nbroken.png,n01\n";
  CHECK(code_of([&] { metacog::load_mini_imagenet(root.str(), "val"); }) == ErrorCode::DataFormat);
  CHECK(code_of([&] { metacog::load_mini_imagenet(root.str(), "train", 0); }) == ErrorCode::InvalidArgument);
}
