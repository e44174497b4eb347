// metacog/model_io.hpp — Conv-4 models and training checkpoints as safetensors files.
//
//     Conv4Model m{arch, conv4_init(arch, rng), conv4_buffers(arch), header};
//     SafetensorsFile f = conv4_to_safetensors(m);          // OHWI → OIHW, arch into __metadata__
//     Conv4Model back = conv4_from_safetensors(f);          // validated: names, shapes, finiteness
//
// Tensor names are PyTorch's (encoder.{i}.conv.weight [O, C, 3, 3], encoder.{i}.bn.weight/bias/
// running_mean/running_var, head.weight/bias), so a file written by
// `safetensors.torch.save_file(model.state_dict())` with the same arch loads too; a PyTorch
// `num_batches_tracked` buffer is accepted and ignored. Conv weights are transposed between the
// file layout OIHW and the engine's OHWI on the way in and out.
//
// A checkpoint is a safetensors file too: the model's tensors, extra named tensors (optimizer
// moments under "optim.*") and string metadata (episode counter, RNG state as decimal strings), so
// `--resume` restores everything bit for bit.
#pragma once

#include <map>
#include <string>

#include "metacog/nn.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

/** How Omniglot's 105×105 drawings become 28×28 inputs (omniglot.hpp step 3): Box = area averages,
 *  Nearest = binary, one source pixel per output, as the papers' code. */
enum class OmniglotResize { Box, Nearest };
/** "box" | "nearest". */
const char* omniglot_resize_name(OmniglotResize r);
/** Inverse of omniglot_resize_name; InvalidArgument naming the choices otherwise. */
OmniglotResize parse_omniglot_resize(const std::string& name);

/** __metadata__ key of an image model naming the resize of its training images ("box" when absent).
 *  `metacog train` writes it, `metacog eval` prepares test images alike, and the sketch classifier
 *  (which makes area-averaged inputs) refuses "nearest" models. */
inline constexpr const char kOmniglotResizeKey[] = "omniglot_resize";
/** The resize recorded in a model or checkpoint file (Box when absent); ModelFormat for another value. */
OmniglotResize model_omniglot_resize(const SafetensorsFile& f);

/** __metadata__ key of an image model naming its training images' dataset: "mini-imagenet" for a model
 *  trained with `metacog train --dataset mini-imagenet`; absent for Omniglot (every file from before the
 *  key, and the Omniglot models `metacog train` writes). `metacog eval` refuses to test a model on the
 *  other dataset, and `--resume` to continue a checkpoint on it. */
inline constexpr const char kImageDatasetKey[] = "dataset";
/** The dataset recorded in a model or checkpoint file: "omniglot" when absent, "mini-imagenet";
 *  ModelFormat for any other value. */
std::string model_image_dataset(const SafetensorsFile& f);

/** __metadata__ key of an Omniglot model naming the character split it was trained on: "vinyals",
 *  "lake" or "random:<split seed>" (omniglot.hpp). `metacog train` writes it (model and checkpoint);
 *  files from before it have none (they were trained on "vinyals" or "lake", see trained_on).
 *  `metacog eval --scheme random` takes the split seed from it and refuses a model trained on another
 *  split, and evaluating a random-split model on another scheme is refused too: those test
 *  characters would include the model's training characters. */
inline constexpr const char kOmniglotSplitKey[] = "omniglot_split";
/** The split recorded in a file ("" when absent). */
std::string model_omniglot_split(const SafetensorsFile& f);
/** The record for a split: the scheme ("vinyals", "lake"), or "random:<seed>" for the random scheme. */
std::string format_omniglot_split(const std::string& scheme, uint64_t split_seed);
/** A parsed split record: scheme is "vinyals", "lake", "random" ("" for an absent record, a legacy
 *  vinyals or lake file); split_seed is the random scheme's seed (1 otherwise). */
struct OmniglotSplitRecord {
  std::string scheme;
  uint64_t split_seed = 1;
};
/** Parses a record written by format_omniglot_split ("" parses as absent); ModelFormat for any other text. */
OmniglotSplitRecord parse_omniglot_split(const std::string& record);

/** Tensors under this prefix are a gradient-based model's test-time optimiser state (Reptile's
 *  Adam second moment, file layout like the parameter's), read by read_adaptation
 *  (gradient_meta.hpp); conv4_from_safetensors skips every tensor under "adaptation.". */
inline const std::string kAdaptationStatePrefix = "adaptation.adam_v.";
/** Tensors under this prefix are a gradient-based model's learned per-step inner step sizes
 *  (MAML++'s LSLR: one [steps] tensor per parameter), read by read_adaptation. */
inline const std::string kAdaptationStepSizePrefix = "adaptation.lr.";

/** A Conv-4 network with its provenance. */
struct Conv4Model {
  Conv4Arch arch;
  ParamSet params;
  Buffers buffers;
  ModelHeader header;  ///< header.arch_json is overwritten from `arch` when saving
};

/** OHWI [O, k, k, C] → OIHW [O, C, k, k]. */
Tensor ohwi_to_oihw(const Tensor& w);
/** OIHW [O, C, k, k] → OHWI [O, k, k, C]. */
Tensor oihw_to_ohwi(const Tensor& w);

/** The model as a metacog safetensors file (format_version = kMetacogFormatVersion). */
SafetensorsFile conv4_to_safetensors(const Conv4Model& model);

/**
 * Loads and validates a Conv-4 model: metacog metadata (ModelFormat / ModelVersion), arch type
 * "conv4" (ModelKind otherwise), no full-context embeddings (__metadata__.fce absent or "false";
 * ModelKind otherwise — load those with matchingnet_fce_from_safetensors), every expected tensor present with the arch's shape, no unexpected
 * tensor (tensors under "adaptation." belong to the test-time optimiser and are left to
 * read_adaptation), every value finite (ModelFormat naming the tensor).
 */
Conv4Model conv4_from_safetensors(const SafetensorsFile& file);

/** Adds every tensor of `params` and `buffers` to f under `prefix` + name (raw engine layout). */
void put_tensors(SafetensorsFile& f, const std::string& prefix, const ParamSet& params, const Buffers& buffers);
/** Copies tensors saved by put_tensors back into existing params/buffers (shapes must match). */
void take_tensors(const SafetensorsFile& f, const std::string& prefix, ParamSet& params, Buffers& buffers);

}  // namespace metacog
