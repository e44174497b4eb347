// metacog/image_dataset.hpp — an in-memory labelled image set, its binary cache format, and the
// two image operations every few-shot image pipeline needs (area resize, quarter-turn rotation).
//
//     ImageDataset ds;                         // 2 classes of 28×28 grey images
//     ds.height = 28; ds.width = 28; ds.channels = 1;
//     ds.pixels.resize(4 * 28 * 28);           // images 0..3, NHWC, values in [0, 1]
//     ds.classes = {{"a", {0, 1}}, {"b", {2, 3}}};
//     ds.validate();
//     std::vector<uint8_t> bytes = serialize_image_dataset(ds);
//     ImageDataset back = deserialize_image_dataset(bytes.data(), bytes.size());
//
// Images are stored once in `pixels`; a class is a list of image indices into it, so several
// classes (or splits) may share images. Everything here is portable (native and wasm).
//
// Binary format "MCIMGSET" version 1 (all integers little-endian):
//   bytes 0..7   magic "MCIMGSET"
//   u32 version (1) · u32 height · u32 width · u32 channels · u64 image count
//   u32 pixel encoding (0 = f32, 1 = u8 ratio) · u32 denominator (encoding 1; 0 for f32)
//   u32 description length · description bytes (UTF-8)
//   u32 class count · per class: u32 name length · name bytes · u32 example count · u32 indices…
//   pixel payload: count·H·W·C values as f32, or as u8 q with value = q / denominator
//   u64 FNV-1a-64 of every preceding byte (detects truncation and corruption)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace metacog {

/** One class: a name (e.g. "Gurmukhi/character42/rot090") and the indices of its images. */
struct ImageClass {
  std::string name;
  std::vector<int> examples;
};

/** Labelled images, NHWC float pixels in [0, 1]; classes index into the images. */
struct ImageDataset {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<float> pixels;  ///< num_images()·height·width·channels values, NHWC
  std::vector<ImageClass> classes;
  std::string description;  ///< provenance, e.g. "omniglot vinyals/train (box 105→28, ink = 1)"

  /** height·width·channels. */
  int64_t image_size() const { return static_cast<int64_t>(height) * width * channels; }
  /** pixels.size() / image_size() (0 when the image size is 0). */
  int64_t num_images() const;
  /** Pointer to the first value of image i (unchecked). */
  const float* image(int64_t i) const { return pixels.data() + i * image_size(); }
  /** Throws Error(DataFormat) unless dims are positive, pixels hold whole images, every pixel is
   *  finite and every example index is in range. */
  void validate() const;
};

/** How serialize_image_dataset stores pixel values. */
struct PixelEncoding {
  /** 0: raw f32. > 0: one byte q per value, value = float(q) / float(denominator), q ≤ 255. */
  uint32_t denominator = 0;
  static PixelEncoding f32() { return {0}; }
  /** Exact only for values that are multiples of 1/den (e.g. 225 for Omniglot's box 105→28). */
  static PixelEncoding u8_ratio(uint32_t den) { return {den}; }
};

/** The dataset in the binary format above. Throws InvalidArgument if a value is not exactly
 *  representable in the requested u8 encoding (the cache must never lose precision silently). */
std::vector<uint8_t> serialize_image_dataset(const ImageDataset& ds, PixelEncoding enc = PixelEncoding::f32());
/** Parses and validates the binary format; throws Error(DataFormat) on any malformed input. */
ImageDataset deserialize_image_dataset(const uint8_t* data, size_t size);
/** Writes the binary format to `path` atomically (temporary file + rename); throws Error(Io). */
void write_image_dataset(const ImageDataset& ds, const std::string& path,
                         PixelEncoding enc = PixelEncoding::f32());
/** Reads a file written by write_image_dataset; Error(Io) if unreadable, DataFormat if invalid. */
ImageDataset read_image_dataset(const std::string& path);

/**
 * Area-averaging ("box filter") resize of one HWC float image: output pixel (oy, ox) is the mean
 * of the input over its exact footprint [oy·sh/dh, (oy+1)·sh/dh) × [ox·sw/dw, (ox+1)·sw/dw),
 * partially covered input pixels weighted by the covered fraction. Antialiased; equals PIL's
 * Image.BOX. Returns dh·dw·c values.
 */
std::vector<float> resize_area(const float* src, int sh, int sw, int c, int dh, int dw);

/**
 * Rotates a square HWC image counter-clockwise by quarter_turns·90° (any integer; negative turns
 * rotate clockwise), like np.rot90(img, quarter_turns) and PIL's Image.rotate(90·quarter_turns):
 * one CCW turn maps out[i][j] = in[j][n−1−i]. Returns n·n·c values.
 */
std::vector<float> rotate_quarter_turns(const float* src, int n, int c, int quarter_turns);

/** SHA-256 (FIPS 180-4), incremental; used for dataset cache keys. */
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(const std::string& s) { update(s.data(), s.size()); }
  /** The 32-byte digest; the hasher must not be updated afterwards. */
  std::array<uint8_t, 32> digest();
  /** The digest as 64 lowercase hex characters. */
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
  bool done_ = false;
};

}  // namespace metacog
