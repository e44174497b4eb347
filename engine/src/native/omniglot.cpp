// Omniglot and mini-ImageNet readers (native only: libzip + stb_image). See metacog/omniglot.hpp.
#include "metacog/omniglot.hpp"
#include "metacog/safetensors.hpp"  // read_binary_file

#include <zip.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "metacog/error.hpp"
#include "metacog/rng.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO  // we decode from memory only
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace metacog {

const char* omniglot_preprocessing(OmniglotResize r) {
  return r == OmniglotResize::Nearest
             ? "omniglot-preprocess-v1-nearest: 105x105 png, ink(<128)=1, nearest 105->28 (source floor((o+0.5)*105/28)), rot000"
             : "omniglot-preprocess-v1: 105x105 png, ink(<128)=1, exact box filter 105->28 (k/225), rot000";
}

namespace {

constexpr int kSrc = 105;  // Omniglot drawings are 105×105
constexpr int kDst = 28;   // the Vinyals protocol size
// class-name suffix of a rotation by 0, 1, 2, 3 quarter turns (the Vinyals split files' spelling)
constexpr std::array<const char*, 4> kRotationNames = {"rot000", "rot090", "rot180", "rot270"};

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------------ zip access
class ZipArchive {
 public:
  // `bytes` must outlive the archive (libzip reads from the buffer without copying).
  ZipArchive(const std::vector<uint8_t>& bytes, const std::string& label) : label_(label) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (src == nullptr) {
      const std::string msg = zip_error_strerror(&err);
      zip_error_fini(&err);
      throw Error(ErrorCode::DataFormat, label + ": cannot open zip buffer: " + msg);
    }
    za_ = zip_open_from_source(src, ZIP_RDONLY, &err);
    if (za_ == nullptr) {
      const std::string msg = zip_error_strerror(&err);
      zip_source_free(src);
      zip_error_fini(&err);
      throw Error(ErrorCode::DataFormat, label + ": not a valid zip archive: " + msg);
    }
    zip_error_fini(&err);
  }
  ~ZipArchive() {
    if (za_ != nullptr) zip_discard(za_);
  }
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  int64_t size() const { return zip_get_num_entries(za_, 0); }
  std::string name(int64_t i) const {
    const char* n = zip_get_name(za_, static_cast<zip_uint64_t>(i), 0);
    return n != nullptr ? std::string(n) : std::string();
  }
  /** Index of an entry by exact name, or −1. */
  int64_t locate(const std::string& name) const { return zip_name_locate(za_, name.c_str(), 0); }

  std::vector<uint8_t> read(int64_t i) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za_, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
      throw Error(ErrorCode::DataFormat, label_ + ": cannot stat entry '" + name(i) + "'");
    }
    require(st.size <= (1u << 30), ErrorCode::DataFormat, label_ + ": entry '" + name(i) + "' is too large");
    std::vector<uint8_t> out(static_cast<size_t>(st.size));
    zip_file_t* f = zip_fopen_index(za_, static_cast<zip_uint64_t>(i), 0);
    if (f == nullptr) throw Error(ErrorCode::DataFormat, label_ + ": cannot open entry '" + name(i) + "'");
    const zip_int64_t got = out.empty() ? 0 : zip_fread(f, out.data(), out.size());
    zip_fclose(f);
    require(got == static_cast<zip_int64_t>(out.size()), ErrorCode::DataFormat,
            label_ + ": corrupt or truncated entry '" + name(i) + "'");
    return out;
  }
  std::vector<uint8_t> read(const std::string& entry) const {
    const int64_t i = locate(entry);
    require(i >= 0, ErrorCode::DataFormat, label_ + ": missing entry '" + entry + "'");
    return read(i);
  }

 private:
  zip_t* za_ = nullptr;
  std::string label_;
};


std::vector<std::string> split_path(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t p = s.find('/', start);
    parts.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return parts;
    start = p + 1;
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> read_lines(const std::string& path) {
  const std::vector<uint8_t> bytes = read_binary_file(path);
  std::vector<std::string> lines;
  std::string cur;
  for (uint8_t b : bytes) {
    if (b == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (b != '\r') {
      cur.push_back(static_cast<char>(b));
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

// ------------------------------------------------------------------ preprocessing
// 1-D box taps of the 105 → 28 resize in quarter-pixel units: output o covers [15·o, 15·o + 15),
// input pixel i covers [4·i, 4·i + 4); the weight is the overlap (0..4), Σ over i = 15.
struct BoxTaps {
  int first[kDst];
  int count[kDst];
  int weight[kDst][5];
  BoxTaps() {
    for (int o = 0; o < kDst; ++o) {
      const int lo = 15 * o, hi = lo + 15;
      first[o] = lo / 4;
      count[o] = 0;
      for (int i = lo / 4; i < kSrc && 4 * i < hi; ++i) {
        const int w = std::min(hi, 4 * i + 4) - std::max(lo, 4 * i);
        if (w > 0) weight[o][count[o]++] = w;
      }
    }
  }
};
const BoxTaps& box_taps() {
  static const BoxTaps taps;
  return taps;
}

void ink_box28(const uint8_t* gray, float* out) {
  const BoxTaps& t = box_taps();
  int rows[kSrc][kDst];  // horizontal pass: Σ_x w_x·ink(y, x) ∈ [0, 15]
  for (int y = 0; y < kSrc; ++y) {
    const uint8_t* row = gray + y * kSrc;
    for (int o = 0; o < kDst; ++o) {
      int s = 0;
      for (int j = 0; j < t.count[o]; ++j) s += t.weight[o][j] * (row[t.first[o] + j] < 128 ? 1 : 0);
      rows[y][o] = s;
    }
  }
  for (int oy = 0; oy < kDst; ++oy) {
    for (int ox = 0; ox < kDst; ++ox) {
      int k = 0;  // Σ_y w_y·rows[y][ox] ∈ [0, 225]
      for (int j = 0; j < t.count[oy]; ++j) k += t.weight[oy][j] * rows[t.first[oy] + j][ox];
      out[oy * kDst + ox] = static_cast<float>(k) / 225.0f;
    }
  }
}

// Nearest neighbour as PIL resizes a "1"-mode image: source row/column ⌊(2o + 1)·105 / 56⌋.
void ink_nearest28(const uint8_t* gray, float* out) {
  for (int oy = 0; oy < kDst; ++oy) {
    const uint8_t* row = gray + ((2 * oy + 1) * kSrc / (2 * kDst)) * kSrc;
    for (int ox = 0; ox < kDst; ++ox) out[oy * kDst + ox] = row[(2 * ox + 1) * kSrc / (2 * kDst)] < 128 ? 1.0f : 0.0f;
  }
}

void ink_resize28(const uint8_t* gray, OmniglotResize resize, float* out) {
  if (resize == OmniglotResize::Nearest) {
    ink_nearest28(gray, out);
  } else {
    ink_box28(gray, out);
  }
}

struct StbImage {
  unsigned char* data = nullptr;
  int w = 0, h = 0;
  ~StbImage() {
    if (data != nullptr) stbi_image_free(data);
  }
};

// Decodes to `channels` (1 or 3) 8-bit channels; DataFormat naming `what` on failure.
void decode(const uint8_t* bytes, size_t size, int channels, const std::string& what, StbImage& img) {
  require(size <= static_cast<size_t>(1) << 30, ErrorCode::DataFormat, what + ": image file too large");
  int comp = 0;
  img.data = stbi_load_from_memory(bytes, static_cast<int>(size), &img.w, &img.h, &comp, channels);
  if (img.data == nullptr) {
    const char* why = stbi_failure_reason();
    throw Error(ErrorCode::DataFormat, what + ": cannot decode image (" + (why ? why : "unknown") + ")");
  }
}

std::string hex(const std::array<uint8_t, 32>& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : d) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  Sha256 h;
  h.update(bytes.data(), bytes.size());
  return h.hex_digest();
}

// Decodes every images_<part>/<Alphabet>/<characterNN>/<file>.png of one zip into ds.
void decode_omniglot_zip(const std::vector<uint8_t>& bytes, const std::string& label, const std::string& part,
                         OmniglotResize resize, ImageDataset& ds) {
  ZipArchive zip(bytes, label);
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>> folders;  // sorted by path
  const int64_t n = zip.size();
  for (int64_t i = 0; i < n; ++i) {
    const std::string name = zip.name(i);
    if (!ends_with(name, ".png")) continue;
    const std::vector<std::string> parts = split_path(name);
    require(parts.size() == 4 && parts[0] == part, ErrorCode::DataFormat,
            label + ": unexpected entry '" + name + "' (expected " + part + "/<Alphabet>/<character>/<file>.png)");
    folders[parts[0] + "/" + parts[1] + "/" + parts[2]].push_back({parts[3], i});
  }
  require(!folders.empty(), ErrorCode::DataFormat, label + ": no PNG images found under " + part + "/");
  for (auto& [folder, files] : folders) {
    std::sort(files.begin(), files.end());
    ImageClass cls;
    cls.name = folder;
    for (const auto& [file, index] : files) {
      const std::vector<uint8_t> png = zip.read(index);
      const std::vector<float> x = omniglot_preprocess_png(png.data(), png.size(), resize);
      cls.examples.push_back(static_cast<int>(ds.pixels.size() / (kDst * kDst)));
      ds.pixels.insert(ds.pixels.end(), x.begin(), x.end());
    }
    ds.classes.push_back(std::move(cls));
  }
}

}  // namespace

std::string default_omniglot_dir() {
  if (const char* env = std::getenv("METACOG_DATA")) return std::string(env) + "/omniglot";
  return "../shared/data/omniglot";
}

std::vector<float> omniglot_preprocess_gray(const uint8_t* gray, int h, int w, OmniglotResize resize) {
  require(gray != nullptr && h == kSrc && w == kSrc, ErrorCode::InvalidArgument,
          "omniglot_preprocess_gray: expected a 105×105 image, got " + std::to_string(h) + "×" + std::to_string(w));
  std::vector<float> out(kDst * kDst);
  ink_resize28(gray, resize, out.data());
  return out;
}

std::vector<float> omniglot_preprocess_png(const uint8_t* png, size_t size, OmniglotResize resize) {
  StbImage img;
  decode(png, size, 1, "omniglot image", img);
  require(img.w == kSrc && img.h == kSrc, ErrorCode::DataFormat,
          "omniglot image: expected 105×105, got " + std::to_string(img.w) + "×" + std::to_string(img.h));
  std::vector<float> out(kDst * kDst);
  ink_resize28(img.data, resize, out.data());
  return out;
}

ImageDataset load_omniglot_characters(const std::string& data_dir, const std::string& cache_dir,
                                      OmniglotCacheInfo* info, OmniglotResize resize) {
  const auto t0 = Clock::now();
  const std::string bg_path = data_dir + "/images_background.zip";
  const std::string ev_path = data_dir + "/images_evaluation.zip";
  const std::vector<uint8_t> bg = read_binary_file(bg_path);
  const std::vector<uint8_t> ev = read_binary_file(ev_path);

  Sha256 key_hash;
  const std::string preprocessing = omniglot_preprocessing(resize);
  key_hash.update(preprocessing);
  key_hash.update("\n", 1);
  key_hash.update(sha256_hex(bg));
  key_hash.update(sha256_hex(ev));
  const std::string key = hex(key_hash.digest());
  const std::string description = "omniglot characters, 28x28x1, ink = 1; key " + key + "; " + preprocessing;

  OmniglotCacheInfo local;
  local.key = key;
  auto finish = [&](ImageDataset ds, bool from_cache) {
    local.from_cache = from_cache;
    local.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (info != nullptr) *info = local;
    return ds;
  };

  if (!cache_dir.empty()) {
    local.cache_path = cache_dir + "/omniglot-" + key.substr(0, 16) + ".mcimg";
    if (std::filesystem::exists(local.cache_path)) {
      try {
        ImageDataset cached = read_image_dataset(local.cache_path);
        if (cached.description == description && cached.height == kDst && cached.width == kDst &&
            cached.channels == 1) {
          return finish(std::move(cached), true);
        }
      } catch (const Error&) {
        // A truncated or corrupt cache file is rebuilt below (and overwritten).
      }
    }
  }

  ImageDataset ds;
  ds.height = kDst;
  ds.width = kDst;
  ds.channels = 1;
  ds.description = description;
  ds.pixels.reserve(static_cast<size_t>(32460) * kDst * kDst);
  decode_omniglot_zip(bg, bg_path, "images_background", resize, ds);
  decode_omniglot_zip(ev, ev_path, "images_evaluation", resize, ds);

  if (!cache_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    require(!ec, ErrorCode::Io, "cannot create cache directory '" + cache_dir + "': " + ec.message());
    write_image_dataset(ds, local.cache_path, PixelEncoding::u8_ratio(225));
  }
  return finish(std::move(ds), false);
}

ImageDataset make_omniglot_split(const ImageDataset& characters, const std::string& data_dir,
                                 const std::string& scheme, const std::string& split, uint64_t split_seed) {
  require(characters.height == kDst && characters.width == kDst && characters.channels == 1, ErrorCode::InvalidArgument,
          "make_omniglot_split: expected the 28×28×1 characters from load_omniglot_characters");
  std::map<std::string, int> by_name;
  for (size_t c = 0; c < characters.classes.size(); ++c) by_name[characters.classes[c].name] = static_cast<int>(c);

  // (character class id, quarter turns) per output class, in output order.
  std::vector<std::pair<int, int>> wanted;
  std::vector<std::string> names;
  if (scheme == "vinyals") {
    require(split == "train" || split == "val" || split == "trainval" || split == "test", ErrorCode::InvalidArgument,
            "omniglot: unknown vinyals split '" + split + "' (use train, val, trainval or test)");
    const std::string path = data_dir + "/splits/vinyals/" + split + ".txt";
    const std::vector<std::string> lines = read_lines(path);
    for (size_t ln = 0; ln < lines.size(); ++ln) {
      const std::string& line = lines[ln];
      if (line.empty()) continue;
      const std::string where = path + ":" + std::to_string(ln + 1);
      const std::vector<std::string> parts = split_path(line);
      require(parts.size() == 3 && parts[2].size() == 6 && parts[2].compare(0, 3, "rot") == 0, ErrorCode::DataFormat,
              where + ": expected '<Alphabet>/<characterNN>/rot<deg>', got '" + line + "'");
      int turns = -1;
      for (int t = 0; t < 4; ++t)
        if (parts[2] == kRotationNames[static_cast<size_t>(t)]) turns = t;
      require(turns >= 0, ErrorCode::DataFormat, where + ": rotation must be rot000/090/180/270, got '" + parts[2] + "'");
      const std::string character = parts[0] + "/" + parts[1];
      const auto bg = by_name.find("images_background/" + character);
      const auto ev = by_name.find("images_evaluation/" + character);
      require(bg != by_name.end() || ev != by_name.end(), ErrorCode::DataFormat,
              where + ": character '" + character + "' is in neither zip");
      require(bg == by_name.end() || ev == by_name.end(), ErrorCode::DataFormat,
              where + ": character '" + character + "' is in both zips (ambiguous)");
      wanted.push_back({(bg != by_name.end() ? bg : ev)->second, turns});
      names.push_back(line);
    }
  } else if (scheme == "lake") {
    require(split == "train" || split == "test", ErrorCode::InvalidArgument,
            "omniglot: unknown lake split '" + split + "' (use train = images_background or test = images_evaluation)");
    const std::string prefix = split == "train" ? "images_background/" : "images_evaluation/";
    for (size_t c = 0; c < characters.classes.size(); ++c) {
      const std::string& name = characters.classes[c].name;
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      wanted.push_back({static_cast<int>(c), 0});
      names.push_back(name.substr(prefix.size()) + "/rot000");
    }
  } else if (scheme == "random") {
    require(split == "train" || split == "val" || split == "trainval" || split == "test" || split == "test-unrotated",
            ErrorCode::InvalidArgument,
            "omniglot: unknown random split '" + split + "' (use train, val, trainval, test or test-unrotated)");
    const bool unrotated = split == "test-unrotated";
    const int n = static_cast<int>(characters.classes.size());
    require(n > kRandomTrainval, ErrorCode::InvalidArgument,
            "omniglot: the random scheme needs more than " + std::to_string(kRandomTrainval) + " characters, got " +
                std::to_string(n));
    std::vector<int> order(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) order[static_cast<size_t>(c)] = c;
    Pcg32 rng(split_seed, kRandomSplitStream);
    rng.shuffle(order);
    const bool test = split == "test" || unrotated;
    const int lo = split == "val" ? kRandomTrain : test ? kRandomTrainval : 0;
    const int hi = split == "train" ? kRandomTrain : test ? n : kRandomTrainval;
    for (int i = lo; i < hi; ++i) {
      const int c = order[static_cast<size_t>(i)];
      const std::string& name = characters.classes[static_cast<size_t>(c)].name;  // "images_*/<Alphabet>/<characterNN>"
      const std::string character = name.substr(name.find('/') + 1);
      for (int turns = 0; turns < (unrotated ? 1 : 4); ++turns) {
        wanted.push_back({c, turns});
        names.push_back(character + "/" + kRotationNames[static_cast<size_t>(turns)]);
      }
    }
  } else {
    throw Error(ErrorCode::InvalidArgument,
                "omniglot: unknown split scheme '" + scheme + "' (use vinyals, lake or random)");
  }
  require(!wanted.empty(), ErrorCode::DataFormat, "omniglot: split " + scheme + "/" + split + " has no classes");

  ImageDataset ds;
  ds.height = kDst;
  ds.width = kDst;
  ds.channels = 1;
  const bool rotated = std::any_of(wanted.begin(), wanted.end(), [](const auto& w) { return w.second != 0; });
  ds.description = "omniglot " + scheme + (scheme == "random" ? " (split seed " + std::to_string(split_seed) + ")" : "") +
                   "/" + split + (rotated ? ", rotations as classes, of " : ", rotation 0 only, of ") +
                   characters.description;
  size_t total = 0;
  for (const auto& w : wanted) total += characters.classes[w.first].examples.size();
  const size_t img = kDst * kDst;
  ds.pixels.resize(total * img);
  ds.classes.resize(wanted.size());
  size_t next = 0;
  for (size_t c = 0; c < wanted.size(); ++c) {
    const ImageClass& src = characters.classes[wanted[c].first];
    ImageClass& dst = ds.classes[c];
    dst.name = names[c];
    dst.examples.reserve(src.examples.size());
    for (int e : src.examples) {
      require(e >= 0 && e < characters.num_images(), ErrorCode::InvalidArgument, "make_omniglot_split: bad example index");
      float* out = ds.pixels.data() + next * img;
      if (wanted[c].second == 0) {
        std::memcpy(out, characters.image(e), img * sizeof(float));
      } else {
        const std::vector<float> r = rotate_quarter_turns(characters.image(e), kDst, 1, wanted[c].second);
        std::memcpy(out, r.data(), img * sizeof(float));
      }
      dst.examples.push_back(static_cast<int>(next++));
    }
  }
  return ds;
}

ImageDataset load_omniglot(const std::string& data_dir, const std::string& scheme, const std::string& split,
                           const std::string& cache_dir, OmniglotCacheInfo* info, OmniglotResize resize,
                           uint64_t split_seed) {
  const ImageDataset characters = load_omniglot_characters(data_dir, cache_dir, info, resize);
  return make_omniglot_split(characters, data_dir, scheme, split, split_seed);
}

std::vector<OmniglotOneShotRun> load_omniglot_oneshot_runs(const std::string& data_dir, OmniglotResize resize) {
  const std::string path = data_dir + "/one-shot-classification/all_runs.zip";
  const std::vector<uint8_t> bytes = read_binary_file(path);
  ZipArchive zip(bytes, path);

  // run name → sorted training and test image names
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> runs;
  for (int64_t i = 0; i < zip.size(); ++i) {
    const std::string name = zip.name(i);
    const std::vector<std::string> parts = split_path(name);
    if (parts.size() == 2 && parts[1] == "class_labels.txt") runs[parts[0]];
    if (parts.size() == 3 && ends_with(parts[2], ".png")) {
      if (parts[1] == "training") runs[parts[0]].first.push_back(parts[2]);
      if (parts[1] == "test") runs[parts[0]].second.push_back(parts[2]);
    }
  }
  require(!runs.empty(), ErrorCode::DataFormat, path + ": no runNN/ folders found");

  auto load_images = [&](const std::string& folder, const std::vector<std::string>& files) {
    Tensor t = Tensor::empty({static_cast<int64_t>(files.size()), kDst, kDst, 1});
    for (size_t i = 0; i < files.size(); ++i) {
      const std::vector<uint8_t> png = zip.read(folder + files[i]);
      std::vector<float> x;
      try {
        x = omniglot_preprocess_png(png.data(), png.size(), resize);
      } catch (const Error& e) {
        throw Error(e.code(), path + ": " + folder + files[i] + ": " + e.what());
      }
      std::memcpy(t.data() + i * kDst * kDst, x.data(), x.size() * sizeof(float));
    }
    return t;
  };

  std::vector<OmniglotOneShotRun> out;
  for (auto& [run, lists] : runs) {
    auto& [training, test] = lists;
    std::sort(training.begin(), training.end());
    std::sort(test.begin(), test.end());
    require(!training.empty() && training.size() == test.size(), ErrorCode::DataFormat,
            path + ": " + run + " has " + std::to_string(training.size()) + " training and " +
                std::to_string(test.size()) + " test images (expected equal, non-zero)");
    OmniglotOneShotRun r;
    r.name = run;
    r.training = load_images(run + "/training/", training);
    r.test = load_images(run + "/test/", test);
    r.answers.assign(test.size(), -1);

    const std::vector<uint8_t> labels = zip.read(run + "/class_labels.txt");
    std::istringstream in(std::string(labels.begin(), labels.end()));
    std::string line;
    int ln = 0;
    while (std::getline(in, line)) {
      ++ln;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      const std::string where = path + ": " + run + "/class_labels.txt:" + std::to_string(ln);
      std::istringstream fields(line);
      std::string item, cls, extra;
      fields >> item >> cls;
      require(!item.empty() && !cls.empty() && !(fields >> extra), ErrorCode::DataFormat,
              where + ": expected '<run>/test/itemNN.png <run>/training/classNN.png', got '" + line + "'");
      const std::string test_prefix = run + "/test/", train_prefix = run + "/training/";
      require(item.compare(0, test_prefix.size(), test_prefix) == 0 &&
                  cls.compare(0, train_prefix.size(), train_prefix) == 0,
              ErrorCode::DataFormat, where + ": paths must start with " + test_prefix + " and " + train_prefix);
      const auto ti = std::find(test.begin(), test.end(), item.substr(test_prefix.size()));
      const auto ci = std::find(training.begin(), training.end(), cls.substr(train_prefix.size()));
      require(ti != test.end() && ci != training.end(), ErrorCode::DataFormat, where + ": unknown image in '" + line + "'");
      int& answer = r.answers[static_cast<size_t>(ti - test.begin())];
      require(answer < 0, ErrorCode::DataFormat, where + ": test item listed twice");
      answer = static_cast<int>(ci - training.begin());
    }
    for (size_t i = 0; i < r.answers.size(); ++i) {
      require(r.answers[i] >= 0, ErrorCode::DataFormat,
              path + ": " + run + "/class_labels.txt has no label for test/" + test[i]);
    }
    out.push_back(std::move(r));
  }
  return out;
}

ImageDataset load_mini_imagenet(const std::string& root, const std::string& split, int size) {
  require(size > 0 && size <= 4096, ErrorCode::InvalidArgument, "load_mini_imagenet: size must be in [1, 4096]");
  require(!split.empty() && split.find('/') == std::string::npos, ErrorCode::InvalidArgument,
          "load_mini_imagenet: invalid split name '" + split + "' (use train, val or test)");
  const std::string csv = root + "/" + split + ".csv";
  const std::vector<std::string> lines = read_lines(csv);
  require(!lines.empty() && lines[0] == "filename,label", ErrorCode::DataFormat,
          csv + ":1: expected the header 'filename,label'");

  ImageDataset ds;
  ds.height = size;
  ds.width = size;
  ds.channels = 3;
  ds.description = "mini-ImageNet " + split + " (" + root + "), RGB area-resized to " + std::to_string(size) + "x" +
                   std::to_string(size) + ", [0, 1]";
  std::map<std::string, int> class_of;
  const size_t img = static_cast<size_t>(size) * size * 3;
  for (size_t ln = 1; ln < lines.size(); ++ln) {
    const std::string& line = lines[ln];
    if (line.empty()) continue;
    const std::string where = csv + ":" + std::to_string(ln + 1);
    const size_t comma = line.find(',');
    require(comma != std::string::npos && comma > 0 && comma + 1 < line.size() &&
                line.find(',', comma + 1) == std::string::npos,
            ErrorCode::DataFormat, where + ": expected '<filename>,<label>', got '" + line + "'");
    const std::string file = line.substr(0, comma), label = line.substr(comma + 1);
    require(file.find("..") == std::string::npos && file[0] != '/', ErrorCode::DataFormat,
            where + ": file name must be relative to images/ and not contain '..'");
    const std::string image_path = root + "/images/" + file;
    const std::vector<uint8_t> bytes = read_binary_file(image_path);
    StbImage im;
    decode(bytes.data(), bytes.size(), 3, image_path, im);
    std::vector<float> rgb(static_cast<size_t>(im.w) * im.h * 3);
    for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<float>(im.data[i]) / 255.0f;
    const std::vector<float> resized = resize_area(rgb.data(), im.h, im.w, 3, size, size);

    auto it = class_of.find(label);
    if (it == class_of.end()) {
      it = class_of.emplace(label, static_cast<int>(ds.classes.size())).first;
      ds.classes.push_back({label, {}});
    }
    ds.classes[it->second].examples.push_back(static_cast<int>(ds.pixels.size() / img));
    ds.pixels.insert(ds.pixels.end(), resized.begin(), resized.end());
  }
  require(!ds.classes.empty(), ErrorCode::DataFormat, csv + ": no images listed");
  return ds;
}

}  // namespace metacog
