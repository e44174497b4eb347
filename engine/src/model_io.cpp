#include "metacog/model_io.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"

namespace metacog {

Tensor ohwi_to_oihw(const Tensor& w) {
  require(w.ndim() == 4, ErrorCode::InvalidArgument, "ohwi_to_oihw: expected a 4-D tensor");
  const int64_t o = w.dim(0), h = w.dim(1), wd = w.dim(2), c = w.dim(3);
  Tensor out = Tensor::empty({o, c, h, wd});
  for (int64_t a = 0; a < o; ++a)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < wd; ++x)
        for (int64_t k = 0; k < c; ++k) out[((a * c + k) * h + y) * wd + x] = w[((a * h + y) * wd + x) * c + k];
  return out;
}

Tensor oihw_to_ohwi(const Tensor& w) {
  require(w.ndim() == 4, ErrorCode::InvalidArgument, "oihw_to_ohwi: expected a 4-D tensor");
  const int64_t o = w.dim(0), c = w.dim(1), h = w.dim(2), wd = w.dim(3);
  Tensor out = Tensor::empty({o, h, wd, c});
  for (int64_t a = 0; a < o; ++a)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < wd; ++x) out[((a * h + y) * wd + x) * c + k] = w[((a * c + k) * h + y) * wd + x];
  return out;
}

static bool ends_with(const std::string& name, std::string_view suffix) {
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

static bool is_conv_weight(const std::string& name) { return ends_with(name, ".conv.weight"); }

SafetensorsFile conv4_to_safetensors(const Conv4Model& model) {
  model.arch.validate();
  SafetensorsFile f;
  for (size_t i = 0; i < model.params.size(); ++i) {
    const std::string& name = model.params.names()[i];
    const Tensor& v = model.params.vars()[i].value();
    f.set_f32(name, is_conv_weight(name) ? ohwi_to_oihw(v) : v);
  }
  for (const auto& kv : model.buffers) f.set_f32(kv.first, kv.second);
  ModelHeader h = model.header;
  h.arch_json = model.arch.to_json();
  set_metacog_metadata(f, h);
  return f;
}

static void require_finite(const Tensor& t, const std::string& name) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    require(std::isfinite(t[i]), ErrorCode::ModelFormat, "tensor '" + name + "' holds a non-finite value");
  }
}

Conv4Model conv4_from_safetensors(const SafetensorsFile& file) {
  Conv4Model m;
  m.header = check_metacog_metadata(file, kMetacogFormatVersion);
  require(!m.header.arch_json.empty(), ErrorCode::ModelFormat, "model has no arch in __metadata__");
  {
    // A valid model of another kind (e.g. a learner model) is ModelKind, not ModelFormat.
    const nlohmann::json arch = nlohmann::json::parse(m.header.arch_json, nullptr, /*allow_exceptions=*/false);
    const std::string type = arch.is_object() && arch.contains("type") && arch["type"].is_string() ? arch["type"].get<std::string>() : "";
    require(type == "conv4", ErrorCode::ModelKind,
            "this model is not a Conv-4 image embedding (arch type '" + type + "'); use a model trained for images");
  }
  // A Matching Network with full-context embeddings (matchingnet_fce.hpp) embeds a query only
  // together with a support set: used as a plain Conv-4 embedding it would silently give wrong results.
  const auto fce = file.metadata.find("fce");
  require(fce == file.metadata.end() || fce->second == "false", ErrorCode::ModelKind,
          "this Matching Network uses full-context embeddings (__metadata__.fce): its embeddings depend on the "
          "support set, so it is not a plain Conv-4 embedding; use a model trained without --fce");
  m.arch = Conv4Arch::from_json(m.header.arch_json);
  Pcg32 rng(0);
  const ParamSet shapes = conv4_init(m.arch, rng);
  const Buffers buffer_shapes = conv4_buffers(m.arch);
  std::set<std::string> expected;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string& name = shapes.names()[i];
    expected.insert(name);
    Shape file_shape = shapes.vars()[i].value().shape();
    if (is_conv_weight(name)) file_shape = {file_shape[0], file_shape[3], file_shape[1], file_shape[2]};
    file.require_tensor(name, file_shape);
    Tensor v = file.get_f32(name);
    require_finite(v, name);
    m.params.add(name, is_conv_weight(name) ? oihw_to_ohwi(v) : v);
  }
  for (const auto& kv : buffer_shapes) {
    expected.insert(kv.first);
    file.require_tensor(kv.first, kv.second.shape());
    Tensor v = file.get_f32(kv.first);
    require_finite(v, kv.first);
    if (ends_with(kv.first, ".running_var")) {
      // 1/sqrt(var + eps) of a negative variance is NaN, which ReLU and max-pool then hide
      for (int64_t i = 0; i < v.numel(); ++i) {
        const float x = v[i];
        require(x >= 0.0f, ErrorCode::ModelFormat,
                "tensor '" + kv.first + "' holds a negative variance (" + std::to_string(x) + ")");
      }
    }
    m.buffers[kv.first] = v;
  }
  for (const auto& kv : file.tensors) {
    if (expected.count(kv.first) || kv.first.rfind("adaptation.", 0) == 0) continue;
    const std::string& n = kv.first;
    if (ends_with(n, ".num_batches_tracked")) continue;
    throw Error(ErrorCode::ModelFormat, "unexpected tensor '" + n + "' for arch " + m.header.arch_json);
  }
  return m;
}

void put_tensors(SafetensorsFile& f, const std::string& prefix, const ParamSet& params, const Buffers& buffers) {
  for (size_t i = 0; i < params.size(); ++i) f.set_f32(prefix + params.names()[i], params.vars()[i].value());
  for (const auto& kv : buffers) f.set_f32(prefix + kv.first, kv.second);
}

static void copy_into(Tensor dst, const Tensor& src, const std::string& name) {
  require(dst.shape() == src.shape(), ErrorCode::StateFormat, "checkpoint tensor '" + name + "' has the wrong shape");
  for (int64_t i = 0; i < dst.numel(); ++i) dst[i] = src[i];
}

void take_tensors(const SafetensorsFile& f, const std::string& prefix, ParamSet& params, Buffers& buffers) {
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string name = prefix + params.names()[i];
    require(f.has(name), ErrorCode::StateFormat, "checkpoint lacks tensor '" + name + "'");
    copy_into(params.vars()[i].value(), f.get_f32(name), name);
  }
  for (auto& kv : buffers) {
    const std::string name = prefix + kv.first;
    require(f.has(name), ErrorCode::StateFormat, "checkpoint lacks tensor '" + name + "'");
    copy_into(kv.second, f.get_f32(name), name);
  }
}

const char* omniglot_resize_name(OmniglotResize r) { return r == OmniglotResize::Nearest ? "nearest" : "box"; }

OmniglotResize parse_omniglot_resize(const std::string& name) {
  if (name == "box") return OmniglotResize::Box;
  if (name == "nearest") return OmniglotResize::Nearest;
  throw Error(ErrorCode::InvalidArgument, "omniglot resize must be box or nearest; got '" + name + "'");
}

OmniglotResize model_omniglot_resize(const SafetensorsFile& f) {
  const auto it = f.metadata.find(kOmniglotResizeKey);
  if (it == f.metadata.end()) return OmniglotResize::Box;
  require(it->second == "box" || it->second == "nearest", ErrorCode::ModelFormat,
          std::string(kOmniglotResizeKey) + " must be box or nearest; got '" + it->second + "'");
  return parse_omniglot_resize(it->second);
}

std::string model_image_dataset(const SafetensorsFile& f) {
  const auto it = f.metadata.find(kImageDatasetKey);
  if (it == f.metadata.end()) return "omniglot";
  require(it->second == "omniglot" || it->second == "mini-imagenet", ErrorCode::ModelFormat,
          std::string(kImageDatasetKey) + " must be omniglot or mini-imagenet; got '" + it->second + "'");
  return it->second;
}

std::string model_omniglot_split(const SafetensorsFile& f) {
  const auto it = f.metadata.find(kOmniglotSplitKey);
  return it == f.metadata.end() ? std::string() : it->second;
}

std::string format_omniglot_split(const std::string& scheme, uint64_t split_seed) {
  return scheme == "random" ? "random:" + std::to_string(split_seed) : scheme;
}

OmniglotSplitRecord parse_omniglot_split(const std::string& record) {
  if (record.empty() || record == "vinyals" || record == "lake") return {record, 1};
  constexpr std::string_view kRandom = "random:";
  const std::string_view digits =
      record.rfind(kRandom, 0) == 0 ? std::string_view(record).substr(kRandom.size()) : std::string_view();
  uint64_t seed = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seed);
  // from_chars also refuses a sign and a value beyond uint64_t
  require(!digits.empty() && ec == std::errc() && end == digits.data() + digits.size(), ErrorCode::ModelFormat,
          std::string(kOmniglotSplitKey) + " must be vinyals, lake or random:<seed>; got '" + record + "'");
  return {"random", seed};
}

}  // namespace metacog
