#include "metacog/image_dataset.hpp"
#include "metacog/safetensors.hpp"  // read_binary_file, write_binary_file

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "metacog/error.hpp"
#include "metacog/hash.hpp"

namespace metacog {

namespace {

constexpr char kMagic[8] = {'M', 'C', 'I', 'M', 'G', 'S', 'E', 'T'};
constexpr uint32_t kVersion = 1;
// Sanity limits for untrusted files: reject absurd headers before allocating.
constexpr uint32_t kMaxDim = 1u << 14;
constexpr uint32_t kMaxString = 1u << 16;

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void bytes(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }

 private:
  std::vector<uint8_t>& out_;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  void need(size_t k, const char* what) const {
    require(k <= n_ - pos_, ErrorCode::DataFormat,
            std::string("image dataset: file truncated while reading ") + what);
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  uint64_t u64(const char* what) {
    need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return v;
  }
  std::string str(const char* what) {
    const uint32_t len = u32(what);
    require(len <= kMaxString, ErrorCode::DataFormat, std::string("image dataset: ") + what + " is too long");
    need(len, what);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return s;
  }
  const uint8_t* take(size_t k, const char* what) {
    need(k, what);
    const uint8_t* q = p_ + pos_;
    pos_ += k;
    return q;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return n_ - pos_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};


}  // namespace

int64_t ImageDataset::num_images() const {
  const int64_t sz = image_size();
  return sz > 0 ? static_cast<int64_t>(pixels.size()) / sz : 0;
}

void ImageDataset::validate() const {
  require(height > 0 && width > 0 && channels > 0, ErrorCode::DataFormat,
          "image dataset: height, width and channels must be positive (got " + std::to_string(height) + "×" +
              std::to_string(width) + "×" + std::to_string(channels) + ")");
  require(static_cast<int64_t>(pixels.size()) % image_size() == 0, ErrorCode::DataFormat,
          "image dataset: pixel count " + std::to_string(pixels.size()) + " is not a multiple of the image size " +
              std::to_string(image_size()));
  for (float v : pixels) require(std::isfinite(v), ErrorCode::DataFormat, "image dataset: a pixel is NaN or infinite");
  const int64_t n = num_images();
  for (const ImageClass& c : classes) {
    for (int e : c.examples) {
      require(e >= 0 && e < n, ErrorCode::DataFormat,
              "image dataset: class '" + c.name + "' refers to image " + std::to_string(e) + " but there are " +
                  std::to_string(n) + " images");
    }
  }
}

std::vector<uint8_t> serialize_image_dataset(const ImageDataset& ds, PixelEncoding enc) {
  try {
    ds.validate();
  } catch (const Error& e) {
    throw Error(ErrorCode::InvalidArgument, std::string("serialize_image_dataset: ") + e.what());
  }
  require(enc.denominator <= 255, ErrorCode::InvalidArgument,
          "serialize_image_dataset: u8 ratio denominator must be ≤ 255 (values are q/den with q ≤ 255)");
  const uint32_t den = enc.denominator;
  std::vector<uint8_t> out;
  out.reserve(64 + ds.description.size() + ds.classes.size() * 64 + ds.pixels.size() * (den ? 1 : 4));
  Writer w(out);
  w.bytes(kMagic, sizeof kMagic);
  w.u32(kVersion);
  w.u32(static_cast<uint32_t>(ds.height));
  w.u32(static_cast<uint32_t>(ds.width));
  w.u32(static_cast<uint32_t>(ds.channels));
  w.u64(static_cast<uint64_t>(ds.num_images()));
  w.u32(den ? 1u : 0u);
  w.u32(den);
  w.str(ds.description);
  w.u32(static_cast<uint32_t>(ds.classes.size()));
  for (const ImageClass& c : ds.classes) {
    require(c.name.size() <= kMaxString, ErrorCode::InvalidArgument, "serialize_image_dataset: class name too long");
    w.str(c.name);
    w.u32(static_cast<uint32_t>(c.examples.size()));
    for (int e : c.examples) w.u32(static_cast<uint32_t>(e));
  }
  if (den == 0) {
    for (float v : ds.pixels) {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      w.u32(bits);
    }
  } else {
    const size_t start = out.size();
    out.resize(start + ds.pixels.size());
    const float fden = static_cast<float>(den);
    for (size_t i = 0; i < ds.pixels.size(); ++i) {
      const float v = ds.pixels[i];
      const float qf = std::nearbyint(v * fden);
      require(qf >= 0.f && qf <= 255.f && static_cast<float>(qf) / fden == v, ErrorCode::InvalidArgument,
              "serialize_image_dataset: pixel value " + std::to_string(v) + " is not exactly q/" +
                  std::to_string(den) + " with q ≤ 255; use the f32 encoding");
      out[start + i] = static_cast<uint8_t>(qf);
    }
  }
  const uint64_t check = fnv1a64(out.data(), out.size());
  w.u64(check);
  return out;
}

ImageDataset deserialize_image_dataset(const uint8_t* data, size_t size) {
  require(data != nullptr || size == 0, ErrorCode::DataFormat, "image dataset: null buffer");
  Reader r(data, size);
  const uint8_t* magic = r.take(sizeof kMagic, "magic");
  require(std::memcmp(magic, kMagic, sizeof kMagic) == 0, ErrorCode::DataFormat,
          "image dataset: bad magic (not a metacog image dataset file)");
  const uint32_t version = r.u32("version");
  require(version == kVersion, ErrorCode::DataFormat,
          "image dataset: unsupported version " + std::to_string(version) + " (this build reads version " +
              std::to_string(kVersion) + ")");
  // Verify the trailing checksum before trusting any length field.
  require(size >= 8 + 12, ErrorCode::DataFormat, "image dataset: file truncated");
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) stored |= static_cast<uint64_t>(data[size - 8 + i]) << (8 * i);
  require(fnv1a64(data, size - 8) == stored, ErrorCode::DataFormat,
          "image dataset: checksum mismatch (file truncated or corrupted; delete it to rebuild the cache)");

  ImageDataset ds;
  const uint32_t h = r.u32("height"), wd = r.u32("width"), ch = r.u32("channels");
  require(h > 0 && wd > 0 && ch > 0 && h <= kMaxDim && wd <= kMaxDim && ch <= 64, ErrorCode::DataFormat,
          "image dataset: invalid dimensions " + std::to_string(h) + "×" + std::to_string(wd) + "×" +
              std::to_string(ch));
  ds.height = static_cast<int>(h);
  ds.width = static_cast<int>(wd);
  ds.channels = static_cast<int>(ch);
  const uint64_t count = r.u64("image count");
  const uint32_t encoding = r.u32("pixel encoding");
  const uint32_t den = r.u32("denominator");
  require((encoding == 0 && den == 0) || (encoding == 1 && den >= 1 && den <= 255), ErrorCode::DataFormat,
          "image dataset: unknown pixel encoding " + std::to_string(encoding) + "/" + std::to_string(den));
  ds.description = r.str("description");
  const uint32_t nclasses = r.u32("class count");
  require(nclasses <= r.remaining() / 8, ErrorCode::DataFormat, "image dataset: class count exceeds file size");
  ds.classes.resize(nclasses);
  for (ImageClass& c : ds.classes) {
    c.name = r.str("class name");
    const uint32_t ne = r.u32("example count");
    require(ne <= r.remaining() / 4, ErrorCode::DataFormat, "image dataset: example count exceeds file size");
    c.examples.resize(ne);
    for (uint32_t i = 0; i < ne; ++i) {
      const uint32_t e = r.u32("example index");
      require(e < count, ErrorCode::DataFormat,
              "image dataset: class '" + c.name + "' refers to image " + std::to_string(e) + " of " +
                  std::to_string(count));
      c.examples[i] = static_cast<int>(e);
    }
  }
  const uint64_t per_image = static_cast<uint64_t>(h) * wd * ch;
  const uint64_t bytes_per = encoding == 0 ? 4 : 1;
  require(r.remaining() >= 8 && count <= (r.remaining() - 8) / (per_image * bytes_per), ErrorCode::DataFormat,
          "image dataset: pixel payload truncated");
  const uint64_t nvalues = count * per_image;
  require(r.remaining() - 8 == nvalues * bytes_per, ErrorCode::DataFormat,
          "image dataset: pixel payload has the wrong size");
  const uint8_t* payload = r.take(nvalues * bytes_per, "pixels");
  ds.pixels.resize(nvalues);
  if (encoding == 0) {
    for (uint64_t i = 0; i < nvalues; ++i) {
      const uint8_t* b = payload + 4 * i;
      const uint32_t bits = static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
                            static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
      float v;
      std::memcpy(&v, &bits, 4);
      require(std::isfinite(v), ErrorCode::DataFormat, "image dataset: a pixel is NaN or infinite");
      ds.pixels[i] = v;
    }
  } else {
    float table[256];
    for (int q = 0; q < 256; ++q) table[q] = static_cast<float>(q) / static_cast<float>(den);
    for (uint64_t i = 0; i < nvalues; ++i) ds.pixels[i] = table[payload[i]];
  }
  return ds;
}

void write_image_dataset(const ImageDataset& ds, const std::string& path, PixelEncoding enc) {
  write_binary_file(path, serialize_image_dataset(ds, enc));  // temporary file, fsync, rename
}

ImageDataset read_image_dataset(const std::string& path) {
  const std::vector<uint8_t> bytes = read_binary_file(path);
  try {
    return deserialize_image_dataset(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(e.code(), std::string(e.what()) + " [" + path + "]");
  }
}

std::vector<float> resize_area(const float* src, int sh, int sw, int c, int dh, int dw) {
  require(src != nullptr && sh > 0 && sw > 0 && c > 0 && dh > 0 && dw > 0, ErrorCode::InvalidArgument,
          "resize_area: sizes must be positive");
  // Work in units where an input pixel is d wide and an output pixel s wide: output cell o covers
  // [o·s, (o+1)·s), input pixel i covers [i·d, (i+1)·d); overlaps are exact integers.
  struct Tap {
    int index;
    double weight;
  };
  auto taps = [](int s, int d) {
    std::vector<std::vector<Tap>> t(d);
    for (int o = 0; o < d; ++o) {
      const int64_t lo = static_cast<int64_t>(o) * s, hi = lo + s;
      for (int i = static_cast<int>(lo / d); i < s && static_cast<int64_t>(i) * d < hi; ++i) {
        const int64_t a = std::max<int64_t>(lo, static_cast<int64_t>(i) * d);
        const int64_t b = std::min<int64_t>(hi, static_cast<int64_t>(i + 1) * d);
        if (b > a) t[o].push_back({i, static_cast<double>(b - a)});
      }
    }
    return t;
  };
  const auto ty = taps(sh, dh), tx = taps(sw, dw);
  const double norm = static_cast<double>(sh) * sw;  // Σ weights over a footprint = s_h·s_w
  std::vector<float> out(static_cast<size_t>(dh) * dw * c);
  std::vector<double> acc(c);
  for (int oy = 0; oy < dh; ++oy) {
    for (int ox = 0; ox < dw; ++ox) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (const Tap& y : ty[oy]) {
        const float* row = src + static_cast<size_t>(y.index) * sw * c;
        for (const Tap& x : tx[ox]) {
          const double wgt = y.weight * x.weight;
          for (int k = 0; k < c; ++k) acc[k] += wgt * row[static_cast<size_t>(x.index) * c + k];
        }
      }
      float* o = out.data() + (static_cast<size_t>(oy) * dw + ox) * c;
      for (int k = 0; k < c; ++k) o[k] = static_cast<float>(acc[k] / norm);
    }
  }
  return out;
}

std::vector<float> rotate_quarter_turns(const float* src, int n, int c, int quarter_turns) {
  require(src != nullptr && n > 0 && c > 0, ErrorCode::InvalidArgument, "rotate_quarter_turns: sizes must be positive");
  const int t = ((quarter_turns % 4) + 4) % 4;
  std::vector<float> out(static_cast<size_t>(n) * n * c);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      int si, sj;  // source pixel of out[i][j]
      switch (t) {
        case 0: si = i; sj = j; break;
        case 1: si = j; sj = n - 1 - i; break;          // CCW 90°: out[i][j] = in[j][n−1−i]
        case 2: si = n - 1 - i; sj = n - 1 - j; break;  // 180°
        default: si = n - 1 - j; sj = i; break;         // CCW 270° = CW 90°
      }
      const float* s = src + (static_cast<size_t>(si) * n + sj) * c;
      float* d = out.data() + (static_cast<size_t>(i) * n + j) * c;
      for (int k = 0; k < c; ++k) d[k] = s[k];
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ SHA-256
namespace {
constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
}  // namespace

Sha256::Sha256()
    : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}, buf_{} {}

void Sha256::block(const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = static_cast<uint32_t>(p[4 * i]) << 24 | static_cast<uint32_t>(p[4 * i + 1]) << 16 |
           static_cast<uint32_t>(p[4 * i + 2]) << 8 | static_cast<uint32_t>(p[4 * i + 3]);
  }
  for (int i = 16; i < 64; ++i) {
    const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[i] + w[i];
    const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a; h_[1] += b; h_[2] += c; h_[3] += d;
  h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
}

void Sha256::update(const void* data, size_t size) {
  require(!done_, ErrorCode::InvalidState, "Sha256: update after digest");
  const uint8_t* p = static_cast<const uint8_t*>(data);
  total_ += size;
  if (buf_len_ > 0) {
    const size_t take = std::min(size, 64 - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    size -= take;
    if (buf_len_ == 64) {
      block(buf_);
      buf_len_ = 0;
    }
  }
  while (size >= 64) {
    block(p);
    p += 64;
    size -= 64;
  }
  if (size > 0) {
    std::memcpy(buf_, p, size);
    buf_len_ = size;
  }
}

std::array<uint8_t, 32> Sha256::digest() {
  require(!done_, ErrorCode::InvalidState, "Sha256: digest called twice");
  const uint64_t bits = total_ * 8;
  const uint8_t pad = 0x80;
  update(&pad, 1);
  const uint8_t zero = 0;
  while (buf_len_ != 56) update(&zero, 1);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  update(len, 8);
  done_ = true;
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h_[i] >> (24 - 8 * j));
  }
  return out;
}

std::string Sha256::hex_digest() {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (uint8_t b : digest()) {
    s.push_back(hex[b >> 4]);
    s.push_back(hex[b & 15]);
  }
  return s;
}

}  // namespace metacog
