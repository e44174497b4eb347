// metacog/omniglot.hpp — Omniglot (Lake et al. 2015) and mini-ImageNet-format readers. NATIVE ONLY
// (libzip + stb_image); the browser never reads datasets.
//
//     ImageDataset train = load_omniglot("../shared/data/omniglot", "vinyals", "train", "build/cache");
//     // 4112 classes ("Gurmukhi/character42/rot090", …) × 20 images of 28×28×1, ink = 1
//     std::vector<OmniglotOneShotRun> runs = load_omniglot_oneshot_runs("../shared/data/omniglot");
//     ImageDataset mini = load_mini_imagenet("data/miniImagenet", "train");   // 84×84×3
//
// Preprocessing (the Vinyals / Prototypical-Networks protocol; OmniglotResize chooses step 3):
//   1. decode the 105×105 1-bit PNG straight out of the zip (no extraction to disk);
//   2. invert: ink (black, PNG value 0) → 1, paper → 0;
//   3. resize 105 → 28, one of
//      Box (default, every committed model): exact area averaging (box filter over each output
//        pixel's 15/4 × 15/4 input footprint — antialiased, equal to PIL's Image.BOX). Every
//        footprint overlap is a multiple of 1/4 pixel, so each output value is exactly k/225 for an
//        integer k ∈ [0, 225] (computed in integers, stored as float(k)/225);
//      Nearest: what the papers' code did. prototypical-networks (`scale_image`), MAML
//        (`resize_images.py`) and Reptile (`omniglot.py`) all call PIL's Image.resize on the 1-bit
//        ("1"-mode) PNG, which PIL resizes by nearest neighbour whatever filter is asked for, so
//        their 28×28 images are binary: out(y, x) = ink(⌊(y + ½)·105/28⌋, ⌊(x + ½)·105/28⌋) ∈ {0, 1}
//        (k ∈ {0, 225} in the same encoding);
//   4. rotations rot000/090/180/270 are separate classes; rot090 is 90° COUNTER-clockwise, like
//      np.rot90(img, 1) and PIL's img.rotate(90) (prototypical-networks rotates the 105×105 image
//      with PIL before resizing; both 105→28 grids are symmetric — the box footprints, and the
//      nearest sample rows ⌊(o + ½)·3.75⌋ = 104 − ⌊(27 − o + ½)·3.75⌋ — so rotating the 28×28
//      result is bit-identical to that order).
//
// Cache: load_omniglot_characters decodes both zips once into the 1623 characters × 20 drawings
// at rotation 0 and stores them in `<cache_dir>/omniglot-<key16>.mcimg` (ImageDataset binary
// format, one byte k per pixel — lossless, see step 3). key = SHA-256(omniglot_preprocessing(resize) ‖
// SHA-256(images_background.zip) ‖ SHA-256(images_evaluation.zip)); the full key is stored in the
// file and re-checked, so a changed zip or preprocessing version never reads a stale cache. Splits
// (with their rotations) are built from the characters in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metacog/image_dataset.hpp"
#include "metacog/model_io.hpp"  // OmniglotResize
#include "metacog/tensor.hpp"

namespace metacog {

// Step 3's choice is OmniglotResize (model_io.hpp, where a model records it under kOmniglotResizeKey).
/** The preprocessing version string of a resize; part of the cache key (bump it when preprocessing changes). */
const char* omniglot_preprocessing(OmniglotResize r);

/** `$METACOG_DATA/omniglot` if METACOG_DATA is set, else "../shared/data/omniglot" (relative to the
 *  working directory, i.e. the repository root). */
std::string default_omniglot_dir();

/**
 * Steps 2–3 on one 105×105 8-bit grey image (row-major; a value < 128 is ink): 28·28 floats k/225
 * in [0, 1], ink = 1. Throws InvalidArgument unless h = w = 105.
 */
std::vector<float> omniglot_preprocess_gray(const uint8_t* gray, int h, int w,
                                            OmniglotResize resize = OmniglotResize::Box);

/** Steps 1–3 on PNG bytes (DataFormat if not a decodable 105×105 image). */
std::vector<float> omniglot_preprocess_png(const uint8_t* png, size_t size, OmniglotResize resize = OmniglotResize::Box);

/** Where load_omniglot_characters got its data from. */
struct OmniglotCacheInfo {
  std::string key;         ///< 64 hex characters (see the header comment)
  std::string cache_path;  ///< "" when no cache_dir was given
  bool from_cache = false; ///< true if read from the cache file, false if decoded from the zips
  double seconds = 0;      ///< wall time of the whole call
};

/**
 * All 1623 characters at rotation 0, 20 drawings each, 28×28×1: class names are the zip folder
 * paths "images_background/<Alphabet>/<characterNN>" and "images_evaluation/…" (background first,
 * then sorted by path; drawings sorted by file name). With a non-empty cache_dir (created if
 * missing) reads or writes the cache described above. Throws Io / DataFormat.
 */
ImageDataset load_omniglot_characters(const std::string& data_dir, const std::string& cache_dir = "",
                                      OmniglotCacheInfo* info = nullptr, OmniglotResize resize = OmniglotResize::Box);

/** Sizes of the "random" scheme (MAML's data_generator.py: 1 200 − 100 train, 100 validation, the rest test). */
inline constexpr int kRandomTrain = 1100;
inline constexpr int kRandomTrainval = 1200;
/** The Pcg32 stream of the "random" scheme's shuffle (its seed is the split seed). */
inline constexpr uint64_t kRandomSplitStream = 0x6f6d6e69676c6f74ULL;  // "omniglot"

/**
 * One split built from load_omniglot_characters' result. Class names are
 * "<Alphabet>/<characterNN>/rot<deg>".
 *   scheme "vinyals": split ∈ {train, val, trainval, test}, the classes listed in
 *     `<data_dir>/splits/vinyals/<split>.txt` (lines "<Alphabet>/<characterNN>/rot<deg>", resolved in
 *     either zip), each with its 20 rotated images. Its test characters come from 13 alphabets, only
 *     one of which (Gurmukhi) has characters in train/val: the test is (almost) alphabet-disjoint.
 *   scheme "lake": split "train" (= images_background, 964 classes) or "test" (= images_evaluation,
 *     659 classes), rotation 0 only.
 *   scheme "random": the split of the MAML and Reptile papers' code. All 1623 characters (in
 *     load_omniglot_characters' order) are shuffled by Fisher–Yates with Pcg32(split_seed,
 *     kRandomSplitStream); train = the first kRandomTrain (1 100), val = the next 100, trainval = the
 *     first kRandomTrainval (1 200), test = the remaining 423; every character × 4 rotations as
 *     classes. Characters are split at random across all 50 alphabets, so test characters come from
 *     alphabets seen in training. (cbfinn/maml shuffles with Python's random.seed(1) over an
 *     os.listdir order, which cannot be reproduced; this is the same construction with our RNG.)
 *     Split "test-unrotated" = the same 423 test characters at rotation 0 only: the test protocol of
 *     Reptile's run_omniglot.py, which trains on the 1 200 (with rotations) and tests on the rest
 *     without them. The two tests draw episodes from different class pools (1 692 against 423 classes),
 *     so they score differently; README "Which split the papers used" has both for Reptile.
 * split_seed is used by "random" only.
 */
ImageDataset make_omniglot_split(const ImageDataset& characters, const std::string& data_dir,
                                 const std::string& scheme, const std::string& split, uint64_t split_seed = 1);

/** load_omniglot_characters + make_omniglot_split. */
ImageDataset load_omniglot(const std::string& data_dir, const std::string& scheme, const std::string& split,
                           const std::string& cache_dir = "", OmniglotCacheInfo* info = nullptr,
                           OmniglotResize resize = OmniglotResize::Box, uint64_t split_seed = 1);

/** One run of Lake's 20-way within-alphabet one-shot benchmark (all_runs.zip). */
struct OmniglotOneShotRun {
  std::string name;          ///< "run01"
  Tensor training;           ///< [20, 28, 28, 1] exemplars class01..class20 (preprocessed as above)
  Tensor test;               ///< [20, 28, 28, 1] queries item01..item20
  std::vector<int> answers;  ///< answers[i] = row of `training` showing test item i's class
};

/** The runs of `<data_dir>/one-shot-classification/all_runs.zip`, in run order (20 runs). */
std::vector<OmniglotOneShotRun> load_omniglot_oneshot_runs(const std::string& data_dir,
                                                           OmniglotResize resize = OmniglotResize::Box);

/**
 * A mini-ImageNet split in the Ravi & Larochelle layout: `<root>/<split>.csv` with header
 * "filename,label" and the images (JPEG or PNG, any size) in `<root>/images/`. Each image is
 * decoded as RGB, resized to size×size by area averaging (resize_area) and scaled to [0, 1];
 * classes are the labels in order of first appearance, examples in csv order. Throws Io /
 * DataFormat (naming the file and line).
 */
ImageDataset load_mini_imagenet(const std::string& root, const std::string& split, int size = 84);

}  // namespace metacog
