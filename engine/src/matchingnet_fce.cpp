#include "metacog/matchingnet_fce.hpp"

#include <cmath>
#include <iterator>
#include <tuple>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

void FceConfig::validate() const {
  require(steps >= 0 && steps <= kMaxSteps, ErrorCode::InvalidArgument,
          "FCE processing steps must be in [0, " + std::to_string(kMaxSteps) + "], got " + std::to_string(steps));
}

namespace {

/** The LSTM equations given W_ih·x (x_proj, [4H, B]) — the input part can be computed once. */
template <class T>
std::pair<VarT<T>, VarT<T>> lstm_step(const LstmWeights<T>& w, const VarT<T>& x_proj, const VarT<T>& h,
                                      const VarT<T>& c) {
  const int64_t four_h = w.weight_hh.dim(0), hid = four_h / 4;
  const VarT<T> gates = add(add(x_proj, reshape(w.bias_ih, {four_h, 1})),
                            add(matmul(w.weight_hh, h), reshape(w.bias_hh, {four_h, 1})));
  const VarT<T> i = sigmoid(slice_rows(gates, 0, hid));
  const VarT<T> f = sigmoid(slice_rows(gates, hid, 2 * hid));
  const VarT<T> g = tanh(slice_rows(gates, 2 * hid, 3 * hid));
  const VarT<T> o = sigmoid(slice_rows(gates, 3 * hid, four_h));
  const VarT<T> c_next = add(mul(f, c), mul(i, g));
  return {mul(o, tanh(c_next)), c_next};
}

/** InvalidArgument unless w is an LSTM from `in` inputs and `hin` recurrent inputs to `hid` units. */
template <class T>
void check_lstm(const LstmWeights<T>& w, int64_t in, int64_t hin, int64_t hid, const char* what) {
  const bool ok = w.weight_ih.defined() && w.weight_hh.defined() && w.bias_ih.defined() && w.bias_hh.defined() &&
                  w.weight_ih.shape() == Shape{4 * hid, in} && w.weight_hh.shape() == Shape{4 * hid, hin} &&
                  w.bias_ih.shape() == Shape{4 * hid} && w.bias_hh.shape() == Shape{4 * hid};
  require(ok, ErrorCode::InvalidArgument,
          std::string("FCE: the ") + what + " LSTM needs weight_ih [4H, " + std::to_string(in) + "], weight_hh [4H, " +
              std::to_string(hin) + "], biases [4H] with H = " + std::to_string(hid));
}

/** One direction of g's LSTM over the rows of g' (proj = g'·W_ihᵀ, [|S|, 4D]); outputs h_i as rows. */
template <class T>
std::vector<VarT<T>> run_direction(const LstmWeights<T>& w, const VarT<T>& proj, int64_t dim, bool reverse) {
  const int64_t n = proj.dim(0);
  std::vector<VarT<T>> out(static_cast<size_t>(n));
  VarT<T> h(TensorT<T>::zeros({dim, 1})), c(TensorT<T>::zeros({dim, 1}));
  for (int64_t s = 0; s < n; ++s) {
    const int64_t i = reverse ? n - 1 - s : s;
    std::tie(h, c) = lstm_step(w, reshape(slice_rows(proj, i, i + 1), {4 * dim, 1}), h, c);
    out[static_cast<size_t>(i)] = reshape(h, {1, dim});
  }
  return out;
}

}  // namespace

template <class T>
std::pair<VarT<T>, VarT<T>> lstm_cell(const LstmWeights<T>& w, const VarT<T>& x, const VarT<T>& h, const VarT<T>& c) {
  require(x.value().ndim() == 2 && h.value().ndim() == 2 && c.value().ndim() == 2, ErrorCode::InvalidArgument,
          "lstm_cell: x, h and c must be 2-D (one example per column)");
  check_lstm(w, x.dim(0), h.dim(0), c.dim(0), "given");
  require(h.dim(1) == x.dim(1) && c.dim(1) == x.dim(1), ErrorCode::InvalidArgument,
          "lstm_cell: x, h and c need the same number of columns");
  return lstm_step(w, matmul(w.weight_ih, x), h, c);
}

template <class T>
VarT<T> fce_support_embedding(const FceWeights<T>& w, const VarT<T>& g_prime) {
  require(g_prime.value().ndim() == 2 && g_prime.dim(0) >= 1, ErrorCode::InvalidArgument,
          "FCE: support embeddings must be [|S|, D] with |S| ≥ 1");
  const int64_t d = g_prime.dim(1);
  check_lstm(w.g_forward, d, d, d, "forward support");
  check_lstm(w.g_backward, d, d, d, "backward support");
  // h→_i and h←_i; the input part W_ih g'(x_i) of every step in one product per direction.
  const std::vector<VarT<T>> fwd = run_direction(w.g_forward, matmul(g_prime, w.g_forward.weight_ih, false, true), d, false);
  const std::vector<VarT<T>> bwd = run_direction(w.g_backward, matmul(g_prime, w.g_backward.weight_ih, false, true), d, true);
  return add(add(concat_rows(fwd), concat_rows(bwd)), g_prime);  // g = h→ + h← + g'
}

template <class T>
VarT<T> fce_query_embedding(const FceWeights<T>& w, const VarT<T>& f_prime, const VarT<T>& g, int steps) {
  FceConfig{steps}.validate();
  require(f_prime.value().ndim() == 2 && g.value().ndim() == 2 && g.dim(0) >= 1 && f_prime.dim(1) == g.dim(1),
          ErrorCode::InvalidArgument, "FCE: query [NQ, D] and support [|S|, D] embeddings of the same D");
  const int64_t d = f_prime.dim(1), nq = f_prime.dim(0);
  check_lstm(w.f_att, d, 2 * d, d, "attention");
  if (steps == 0) return f_prime;  // h_0 = ĥ_0 + f' with ĥ_0 = 0
  // Column layout: one query per column, so the gates and [h; r] are row blocks.
  const VarT<T> f_col = transpose(f_prime);                                  // f'(x̂)  [D, NQ]
  const VarT<T> x_proj = matmul(w.f_att.weight_ih, f_prime, false, true);    // W_ih f' [4D, NQ]
  VarT<T> h = f_col, c(TensorT<T>::zeros({d, nq}));                         // h_0 = f', c_0 = 0
  for (int k = 1; k <= steps; ++k) {
    const VarT<T> a = softmax(matmul(h, g, true, true));                     // a(h_{k−1}, g(x_i)) [NQ, |S|]
    const VarT<T> r = matmul(g, a, true, true);                              // r_{k−1} = Σ_i a g(x_i)  [D, NQ]
    VarT<T> h_hat;
    std::tie(h_hat, c) = lstm_step(w.f_att, x_proj, concat_rows<T>({h, r}), c);  // ĥ_k, c_k
    h = add(h_hat, f_col);                                                   // h_k = ĥ_k + f'
  }
  return transpose(h);
}

// ---------------------------------------------------------------- parameters

static const char* const kGNames[] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};

bool is_fce_param(const std::string& name) { return name.rfind("fce.", 0) == 0; }

void fce_init(ParamSet& params, int dim, Pcg32& rng) {
  require(dim >= 1, ErrorCode::InvalidArgument, "FCE: the embedding size must be ≥ 1");
  const float bound = 1.0f / std::sqrt(static_cast<float>(dim));
  const int64_t d = dim;
  for (const char* suffix : {"", "_reverse"}) {
    const std::string p = "fce.g.";
    params.add(p + kGNames[0] + suffix, uniform_tensor({4 * d, d}, bound, rng));
    params.add(p + kGNames[1] + suffix, uniform_tensor({4 * d, d}, bound, rng));
    params.add(p + kGNames[2] + suffix, uniform_tensor({4 * d}, bound, rng));
    params.add(p + kGNames[3] + suffix, uniform_tensor({4 * d}, bound, rng));
  }
  params.add("fce.f.weight_ih", uniform_tensor({4 * d, d}, bound, rng));
  params.add("fce.f.weight_hh", uniform_tensor({4 * d, 2 * d}, bound, rng));
  params.add("fce.f.bias_ih", uniform_tensor({4 * d}, bound, rng));
  params.add("fce.f.bias_hh", uniform_tensor({4 * d}, bound, rng));
}

FceWeights<float> fce_weights(const ParamSet& p) {
  auto g = [&](const std::string& suffix) {
    return LstmWeights<float>{p.get(std::string("fce.g.") + kGNames[0] + suffix), p.get(std::string("fce.g.") + kGNames[1] + suffix),
                              p.get(std::string("fce.g.") + kGNames[2] + suffix), p.get(std::string("fce.g.") + kGNames[3] + suffix)};
  };
  return {g(""), g("_reverse"),
          {p.get("fce.f.weight_ih"), p.get("fce.f.weight_hh"), p.get("fce.f.bias_ih"), p.get("fce.f.bias_hh")}};
}

// ---------------------------------------------------------------- model files

void set_fce_metadata(SafetensorsFile& file, const FceConfig& fce) {
  fce.validate();
  file.metadata["fce"] = "true";
  file.metadata["fce_steps"] = std::to_string(fce.steps);
}

std::optional<FceConfig> read_fce_metadata(const SafetensorsFile& file) {
  const auto it = file.metadata.find("fce");
  if (it == file.metadata.end() || it->second == "false") return std::nullopt;
  require(it->second == "true", ErrorCode::ModelFormat, "__metadata__.fce must be \"true\" or \"false\", got '" + it->second + "'");
  const auto st = file.metadata.find("fce_steps");
  require(st != file.metadata.end(), ErrorCode::ModelFormat, "an FCE model needs __metadata__.fce_steps");
  const std::string& s = st->second;
  const bool digits = !s.empty() && s.size() <= 3 && s.find_first_not_of("0123456789") == std::string::npos;
  require(digits && std::stoi(s) <= FceConfig::kMaxSteps, ErrorCode::ModelFormat,
          "__metadata__.fce_steps must be an integer in [0, " + std::to_string(FceConfig::kMaxSteps) + "], got '" + s + "'");
  return FceConfig{std::stoi(s)};
}

FceModel matchingnet_fce_from_safetensors(const SafetensorsFile& file) {
  const std::optional<FceConfig> fce = read_fce_metadata(file);
  require(fce.has_value(), ErrorCode::ModelKind,
          "this model has no full-context embeddings (no __metadata__.fce); load it as a Conv-4 model");
  // The Conv-4 part is validated by the Conv-4 loader on a copy without the FCE keys and tensors.
  SafetensorsFile plain = file;
  plain.metadata.erase("fce");
  plain.metadata.erase("fce_steps");
  for (auto it = plain.tensors.begin(); it != plain.tensors.end();) it = is_fce_param(it->first) ? plain.tensors.erase(it) : std::next(it);
  FceModel out;
  out.model = conv4_from_safetensors(plain);
  out.fce = *fce;
  require(out.model.header.algo == "matchingnet", ErrorCode::ModelFormat,
          "full-context embeddings belong to a matchingnet model, this one is '" + out.model.header.algo + "'");
  Pcg32 rng(0);
  ParamSet shapes;
  fce_init(shapes, out.model.arch.embedding_dim(), rng);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string& name = shapes.names()[i];
    file.require_tensor(name, shapes.vars()[i].value().shape());
    const Tensor v = file.get_f32(name);
    for (int64_t j = 0; j < v.numel(); ++j) {
      require(std::isfinite(v[j]), ErrorCode::ModelFormat, "tensor '" + name + "' holds a non-finite value");
    }
    out.model.params.add(name, v);
  }
  for (const auto& kv : file.tensors) {
    require(!is_fce_param(kv.first) || shapes.has(kv.first), ErrorCode::ModelFormat,
            "unexpected tensor '" + kv.first + "' for a full-context-embedding model");
  }
  return out;
}

#define METACOG_FCE_INSTANTIATE(T)                                                                                 \
  template std::pair<VarT<T>, VarT<T>> lstm_cell(const LstmWeights<T>&, const VarT<T>&, const VarT<T>&,           \
                                                 const VarT<T>&);                                                 \
  template VarT<T> fce_support_embedding(const FceWeights<T>&, const VarT<T>&);                                   \
  template VarT<T> fce_query_embedding(const FceWeights<T>&, const VarT<T>&, const VarT<T>&, int);
METACOG_FCE_INSTANTIATE(float)
METACOG_FCE_INSTANTIATE(double)
#undef METACOG_FCE_INSTANTIATE

}  // namespace metacog
