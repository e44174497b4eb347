// metacog/nn.hpp — layers and models as pure functions of (arch, parameters, input).
//
// Conv-4 (Vinyals et al. 2016; Snell et al. 2017; Finn et al. 2017): 4 blocks of
//   [3×3 conv (hidden filters, padding 1) → batch norm → ReLU → 2×2 max-pool]     ("max" variant)
//   [3×3 conv (stride 2, padding 1)       → batch norm → ReLU]                   ("stride2" variant)
// then a read-out ("flatten" or spatial "mean") and optionally a linear head for N-way logits.
// A 28×28×1 Omniglot image gives a 64-d embedding in both variants with 64 filters.
//
// MLP: Linear → activation → … → Linear (e.g. 1-40-40-1 with ReLU for sine regression).
//
// Parameter names follow PyTorch conventions so files round-trip: encoder.{i}.conv.weight,
// encoder.{i}.bn.weight/bias, buffers encoder.{i}.bn.running_mean/running_var, head.weight/bias,
// layers.{i}.weight/bias. Convolution weights are [O, k, k, C] (OHWI) in memory and [O, C, k, k]
// (OIHW, PyTorch) in model files. Initialisation is PyTorch's default:
// weights and biases ~ U(−1/√fan_in, 1/√fan_in), γ = 1, β = 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metacog/params.hpp"
#include "metacog/rng.hpp"

namespace metacog {

/** How batch norm gets its statistics. */
enum class BnMode {
  Train,         ///< batch statistics; running averages updated
  Running,       ///< running statistics (inductive test)
  Transductive,  ///< statistics of the current batch, running averages untouched
};

BnMode parse_bn_mode(const std::string& s);   // "train" | "running" | "transductive"
const char* bn_mode_name(BnMode m);

/** Largest Conv-4 input side a model file may declare (Omniglot 28, mini-ImageNet 84): no tensor's
 *  shape depends on it when the readout is a mean, so without a bound a file could make every
 *  forward pass allocate image_size² values. */
constexpr int kMaxConv4ImageSize = 512;
/** Bounds Conv4Arch::validate puts on sizes read from a model file, before they size any tensor. */
constexpr int kMaxConv4Channels = 64;
constexpr int kMaxConv4Hidden = 1024;
constexpr int64_t kMaxConv4HeadParams = int64_t{1} << 26;

struct Conv4Arch {
  int in_channels = 1;
  int image_size = 28;
  int hidden = 64;
  int blocks = 4;
  std::string pool = "max";       ///< "max" (ProtoNets, Matching Nets) or "stride2" (MAML, Reptile)
  std::string readout = "flatten";  ///< "flatten" or "mean" (spatial average)
  int num_classes = 0;            ///< > 0 adds a linear head
  float bn_eps = 1e-5f;
  float bn_momentum = 0.1f;

  /** Length of the embedding (before the head). */
  int embedding_dim() const;
  /** Spatial size after the blocks. */
  int final_size() const;
  std::string to_json() const;
  static Conv4Arch from_json(const std::string& json);
  void validate() const;
};

/** Fresh Conv-4 parameters and buffers. */
ParamSet conv4_init(const Conv4Arch& arch, Pcg32& rng);
/**
 * Redraws every block's batch-norm scale γ ~ U(0, 1), in block order from `rng`, as PyTorch before 1.2 initialised
 * it (`_BatchNorm.reset_parameters`: `weight.uniform_()`; 1.2 and later, and conv4_init, use γ = 1, pytorch/pytorch#12259).
 * The code of Snell et al.'s Prototypical Networks (2017) ran on such a PyTorch. In place: the parameters' storage is kept.
 */
void conv4_uniform_bn_scale(ParamSet& params, const Conv4Arch& arch, Pcg32& rng);
Buffers conv4_buffers(const Conv4Arch& arch);

/**
 * Batch statistics of a Train-mode forward, per block, kept aside instead of folded into the running
 * buffers — so that forwards run in parallel can be folded afterwards in a fixed order, giving the
 * buffers a serial run gives (fold_batch_stats).
 */
struct BnBatchStats {
  struct Block {
    std::string prefix;  ///< "encoder.{i}."
    Tensor mean, var;    ///< batch mean and biased batch variance per channel
    int64_t count = 0;   ///< values per channel (N·H·W)
  };
  std::vector<Block> blocks;
};

/**
 * Embeddings [N, D] of images x [N, H, W, C]. In Train mode the running statistics are updated
 * (PyTorch: running ← (1 − m)·running + m·batch, unbiased batch variance) — in `running`, or, when
 * `stats` is given, recorded there for fold_batch_stats and `running` left alone.
 */
Var conv4_embed(const Conv4Arch& arch, const ParamSet& p, const Var& x, BnMode mode, Buffers* running,
                BnBatchStats* stats = nullptr);
/** Folds recorded batch statistics into the running buffers, block by block in recorded order. */
void fold_batch_stats(const Conv4Arch& arch, const BnBatchStats& stats, Buffers& running);
/**
 * Embeddings [N, D] with fixed (running) batch-norm statistics, no graph: each block is one fused
 * kernel relu(conv(h, W)·s + (β − μ·s)), s = γ/√(σ² + ε), then the pool; equal to conv4_embed in
 * Running mode (nn_inference.cpp). The sketch classifier's path.
 */
Tensor conv4_embed_running(const Conv4Arch& arch, const ParamSet& p, const Tensor& x, const Buffers& running);
/** Logits [N, num_classes] (requires a head). */
Var conv4_logits(const Conv4Arch& arch, const ParamSet& p, const Var& x, BnMode mode, Buffers* running,
                 BnBatchStats* stats = nullptr);
/** head(e) = e·Wᵀ + b on given embeddings. */
Var conv4_head(const ParamSet& p, const Var& embedding);

struct MlpArch {
  std::vector<int> sizes{1, 40, 40, 1};  ///< input, hidden…, output
  std::string activation = "relu";       ///< "relu" or "tanh"
  std::string to_json() const;
  static MlpArch from_json(const std::string& json);
  void validate() const;
};

ParamSet mlp_init(const MlpArch& arch, Pcg32& rng);
/** y = MLP(x) for x [N, sizes.front()] → [N, sizes.back()]. */
Var mlp_forward(const MlpArch& arch, const ParamSet& p, const Var& x);

/** U(−b, b) tensor (bit-identical on every platform for a given generator state). */
Tensor uniform_tensor(const Shape& shape, float bound, Pcg32& rng);

}  // namespace metacog
