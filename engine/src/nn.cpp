#include "metacog/nn.hpp"

#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/kernels.hpp"
#include "metacog/ops.hpp"

namespace metacog {

BnMode parse_bn_mode(const std::string& s) {
  if (s == "train") return BnMode::Train;
  if (s == "running") return BnMode::Running;
  if (s == "transductive") return BnMode::Transductive;
  throw Error(ErrorCode::InvalidArgument, "unknown batch-norm mode '" + s + "' (use running or transductive)");
}

const char* bn_mode_name(BnMode m) {
  switch (m) {
    case BnMode::Train: return "train";
    case BnMode::Running: return "running";
    case BnMode::Transductive: return "transductive";
  }
  return "?";
}

Tensor uniform_tensor(const Shape& shape, float bound, Pcg32& rng) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = rng.uniform(-bound, bound);
  return t;
}

// ------------------------------------------------------------------ Conv-4

void Conv4Arch::validate() const {
  require(in_channels >= 1 && image_size >= 2 && hidden >= 1 && blocks >= 1 && blocks <= 8, ErrorCode::ModelFormat,
          "conv4 arch: invalid sizes");
  require(image_size <= kMaxConv4ImageSize, ErrorCode::ModelFormat,
          "conv4 arch: image_size " + std::to_string(image_size) + " is above the supported " + std::to_string(kMaxConv4ImageSize));
  require(pool == "max" || pool == "stride2", ErrorCode::ModelFormat, "conv4 arch: pool must be max or stride2");
  require(readout == "flatten" || readout == "mean", ErrorCode::ModelFormat, "conv4 arch: readout must be flatten or mean");
  require(num_classes >= 0, ErrorCode::ModelFormat, "conv4 arch: num_classes must be ≥ 0");
  require(final_size() >= 1, ErrorCode::ModelFormat, "conv4 arch: image too small for the number of blocks");
  // Bounds before anything is allocated from these sizes (a model file's arch is untrusted input): far
  // above every Conv-4 of the papers (≤ 64 filters, 3 channels, a few thousand classes), far below memory.
  require(in_channels <= kMaxConv4Channels && hidden <= kMaxConv4Hidden, ErrorCode::ModelFormat,
          "conv4 arch: in_channels " + std::to_string(in_channels) + " / hidden " + std::to_string(hidden) +
              " above the supported " + std::to_string(kMaxConv4Channels) + " / " + std::to_string(kMaxConv4Hidden));
  require(static_cast<int64_t>(num_classes) * (static_cast<int64_t>(embedding_dim()) + 1) <= kMaxConv4HeadParams,
          ErrorCode::ModelFormat,
          "conv4 arch: a head of " + std::to_string(num_classes) + " classes over " + std::to_string(embedding_dim()) +
              " features is above the supported " + std::to_string(kMaxConv4HeadParams) + " parameters");
  require(bn_eps > 0 && bn_momentum >= 0 && bn_momentum <= 1, ErrorCode::ModelFormat, "conv4 arch: invalid batch norm");
}

int Conv4Arch::final_size() const {
  int s = image_size;
  for (int i = 0; i < blocks; ++i) s = pool == "max" ? s / 2 : (s + 2 - 3) / 2 + 1;
  return s;
}

int Conv4Arch::embedding_dim() const {
  const int s = final_size();
  return readout == "mean" ? hidden : hidden * s * s;
}

std::string Conv4Arch::to_json() const {
  nlohmann::json j = {{"type", "conv4"},          {"in_channels", in_channels}, {"image_size", image_size},
                      {"hidden", hidden},         {"blocks", blocks},           {"pool", pool},
                      {"readout", readout},       {"num_classes", num_classes}, {"bn_eps", bn_eps},
                      {"bn_momentum", bn_momentum}};
  return j.dump();
}

Conv4Arch Conv4Arch::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("conv4 arch is not valid JSON: ") + e.what());
  }
  require(j.is_object() && j.value("type", "") == "conv4", ErrorCode::ModelFormat, "arch is not a conv4 architecture");
  Conv4Arch a;
  // sizes must be JSON integers that fit an int (json::value would truncate 2.5 or wrap 2^40)
  auto size = [&](const char* key, int fallback) {
    if (!j.contains(key)) return fallback;
    const nlohmann::json& v = j[key];
    require(v.is_number_integer() && v.get<int64_t>() >= INT32_MIN && v.get<int64_t>() <= INT32_MAX, ErrorCode::ModelFormat,
            std::string("conv4 arch: \"") + key + "\" must be an integer, got " + v.dump());
    return static_cast<int>(v.get<int64_t>());
  };
  try {
    a.in_channels = size("in_channels", a.in_channels);
    a.image_size = size("image_size", a.image_size);
    a.hidden = size("hidden", a.hidden);
    a.blocks = size("blocks", a.blocks);
    a.pool = j.value("pool", a.pool);
    a.readout = j.value("readout", a.readout);
    a.num_classes = size("num_classes", a.num_classes);
    a.bn_eps = j.value("bn_eps", a.bn_eps);
    a.bn_momentum = j.value("bn_momentum", a.bn_momentum);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("conv4 arch has a field of the wrong type: ") + e.what());
  }
  a.validate();
  return a;
}

static std::string block(int i) { return "encoder." + std::to_string(i) + "."; }

ParamSet conv4_init(const Conv4Arch& arch, Pcg32& rng) {
  arch.validate();
  ParamSet p;
  int c = arch.in_channels;
  for (int i = 0; i < arch.blocks; ++i) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(c * 9));
    p.add(block(i) + "conv.weight", uniform_tensor({arch.hidden, 3, 3, c}, bound, rng));
    p.add(block(i) + "bn.weight", Tensor::ones({arch.hidden}));
    p.add(block(i) + "bn.bias", Tensor::zeros({arch.hidden}));
    c = arch.hidden;
  }
  if (arch.num_classes > 0) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(arch.embedding_dim()));
    p.add("head.weight", uniform_tensor({arch.num_classes, arch.embedding_dim()}, bound, rng));
    p.add("head.bias", uniform_tensor({arch.num_classes}, bound, rng));
  }
  return p;
}

void conv4_uniform_bn_scale(ParamSet& params, const Conv4Arch& arch, Pcg32& rng) {
  for (int i = 0; i < arch.blocks; ++i) {
    Tensor gamma = params.get(block(i) + "bn.weight").value();  // shares the parameter's storage
    float* g = gamma.data();
    for (int64_t c = 0; c < gamma.numel(); ++c) g[c] = rng.uniform();
  }
}

Buffers conv4_buffers(const Conv4Arch& arch) {
  Buffers b;
  for (int i = 0; i < arch.blocks; ++i) {
    b[block(i) + "bn.running_mean"] = Tensor::zeros({arch.hidden});
    b[block(i) + "bn.running_var"] = Tensor::ones({arch.hidden});
  }
  return b;
}


namespace {
/** PyTorch: running ← (1 − m)·running + m·batch, with the unbiased batch variance. */
void fold_block(const Conv4Arch& arch, const BnBatchStats::Block& s, Buffers& running) {
  const float m = arch.bn_momentum;
  const float unbias = s.count > 1 ? static_cast<float>(s.count) / static_cast<float>(s.count - 1) : 1.0f;
  Tensor& rm = running.at(s.prefix + "bn.running_mean");
  Tensor& rv = running.at(s.prefix + "bn.running_var");
  for (int64_t j = 0; j < rm.numel(); ++j) {
    rm[j] = (1 - m) * rm[j] + m * s.mean[j];
    rv[j] = (1 - m) * rv[j] + m * s.var[j] * unbias;
  }
}
}  // namespace

void fold_batch_stats(const Conv4Arch& arch, const BnBatchStats& stats, Buffers& running) {
  for (const BnBatchStats::Block& s : stats.blocks) fold_block(arch, s, running);
}

Var conv4_embed(const Conv4Arch& arch, const ParamSet& p, const Var& x, BnMode mode, Buffers* running,
                BnBatchStats* stats) {
  require(x.value().ndim() == 4 && x.dim(1) == arch.image_size && x.dim(2) == arch.image_size &&
              x.dim(3) == arch.in_channels,
          ErrorCode::InvalidArgument,
          "conv4: expected images [N, " + std::to_string(arch.image_size) + ", " + std::to_string(arch.image_size) +
              ", " + std::to_string(arch.in_channels) + "], got " + shape_str(x.shape()));
  if (mode == BnMode::Running && !grad_mode_enabled()) {
    require(running != nullptr, ErrorCode::InvalidArgument, "conv4: running batch-norm statistics are missing");
    return Var(conv4_embed_running(arch, p, x.value(), *running));
  }
  Var h = x;
  const int stride = arch.pool == "max" ? 1 : 2;
  for (int i = 0; i < arch.blocks; ++i) {
    const std::string b = block(i);
    h = conv2d(h, p.get(b + "conv.weight"), Var(), stride, 1);
    const Var& gamma = p.get(b + "bn.weight");
    const Var& beta = p.get(b + "bn.bias");
    if (mode == BnMode::Running) {
      require(running != nullptr, ErrorCode::InvalidArgument, "conv4: running batch-norm statistics are missing");
      h = batch_norm_fixed(h, gamma, beta, running->at(b + "bn.running_mean"), running->at(b + "bn.running_var"),
                           arch.bn_eps);
    } else {
      Tensor mu, var;
      h = batch_norm_train(h, gamma, beta, arch.bn_eps, &mu, &var);
      if (mode == BnMode::Train && (running != nullptr || stats != nullptr)) {
        BnBatchStats::Block block_stats{b, std::move(mu), std::move(var), h.numel() / h.dim(-1)};
        if (stats != nullptr) {
          stats->blocks.push_back(std::move(block_stats));
        } else {
          fold_block(arch, block_stats, *running);
        }
      }
    }
    h = relu(h);
    if (arch.pool == "max") h = max_pool2d(h);
  }
  if (arch.readout == "mean") return global_avg_pool(h);
  return reshape(h, {h.dim(0), -1});
}

Var conv4_head(const ParamSet& p, const Var& embedding) {
  return linear(embedding, p.get("head.weight"), p.get("head.bias"));
}

Var conv4_logits(const Conv4Arch& arch, const ParamSet& p, const Var& x, BnMode mode, Buffers* running,
                 BnBatchStats* stats) {
  require(arch.num_classes > 0, ErrorCode::InvalidArgument, "conv4: this architecture has no classification head");
  return conv4_head(p, conv4_embed(arch, p, x, mode, running, stats));
}

// ------------------------------------------------------------------ MLP

void MlpArch::validate() const {
  require(sizes.size() >= 2, ErrorCode::ModelFormat, "mlp arch: need at least input and output sizes");
  for (int s : sizes) require(s >= 1, ErrorCode::ModelFormat, "mlp arch: sizes must be ≥ 1");
  require(activation == "relu" || activation == "tanh", ErrorCode::ModelFormat, "mlp arch: activation must be relu or tanh");
}

std::string MlpArch::to_json() const {
  return nlohmann::json({{"type", "mlp"}, {"sizes", sizes}, {"activation", activation}}).dump();
}

MlpArch MlpArch::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("mlp arch is not valid JSON: ") + e.what());
  }
  require(j.is_object() && j.value("type", "") == "mlp", ErrorCode::ModelFormat, "arch is not an mlp architecture");
  MlpArch a;
  try {
    a.sizes = j.at("sizes").get<std::vector<int>>();
    a.activation = j.value("activation", a.activation);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("mlp arch has a field of the wrong type: ") + e.what());
  }
  a.validate();
  return a;
}

ParamSet mlp_init(const MlpArch& arch, Pcg32& rng) {
  arch.validate();
  ParamSet p;
  for (size_t i = 0; i + 1 < arch.sizes.size(); ++i) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(arch.sizes[i]));
    const std::string n = "layers." + std::to_string(i) + ".";
    p.add(n + "weight", uniform_tensor({arch.sizes[i + 1], arch.sizes[i]}, bound, rng));
    p.add(n + "bias", uniform_tensor({arch.sizes[i + 1]}, bound, rng));
  }
  return p;
}

Var mlp_forward(const MlpArch& arch, const ParamSet& p, const Var& x) {
  require(x.value().ndim() == 2 && x.dim(1) == arch.sizes.front(), ErrorCode::InvalidArgument,
          "mlp: expected input [N, " + std::to_string(arch.sizes.front()) + "], got " + shape_str(x.shape()));
  Var h = x;
  const size_t layers = arch.sizes.size() - 1;
  for (size_t i = 0; i < layers; ++i) {
    const std::string n = "layers." + std::to_string(i) + ".";
    h = linear(h, p.get(n + "weight"), p.get(n + "bias"));
    if (i + 1 < layers) h = arch.activation == "relu" ? relu(h) : tanh(h);
  }
  return h;
}

}  // namespace metacog
