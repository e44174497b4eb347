// metacog/matchingnet_fce.hpp — full-context embeddings (FCE) of Matching Networks.
//
//     FceWeights<float> w = fce_weights(params);               // the "fce.*" tensors of a ParamSet
//     Var g = fce_support_embedding(w, g_prime);               // g(x_i, S)  [|S|, D]
//     Var f = fce_query_embedding(w, f_prime, g, 5);           // f(x̂, S)    [NQ, D]
//     Var lp = matchingnet_log_probs(f, g, n_way, k_shot, "cosine");  // attention as without FCE
//
// Vinyals et al. 2016, appendix A. f' = g' is the Conv-4 embedding (D = 64 on Omniglot); the
// hidden size of every LSTM is D. LSTM(x, h, c) is the plain LSTM the paper uses (no peepholes), gates
// in PyTorch's order (i, f, g, o) and with its two biases:
//     [i; f; ĝ; o] = W_ih x + b_ih + W_hh h + b_hh
//     c' = σ(f) ⊙ c + σ(i) ⊙ tanh(ĝ),   h' = σ(o) ⊙ tanh(c')
//
// g — a bidirectional LSTM over the support embeddings in support order i = 1..|S| (an episode's
// class-major order), with a skip connection (A.2):
//     h→_i, c→_i = LSTM(g'(x_i), h→_{i−1}, c→_{i−1}),   h→_0 = c→_0 = 0
//     h←_i, c←_i = LSTM(g'(x_i), h←_{i+1}, c←_{i+1}),   h←_{|S|+1} = c←_{|S|+1} = 0
//     g(x_i, S) = h→_i + h←_i + g'(x_i)
//
// f — an LSTM with read attention over g(S), K "processing" steps (A.1, eqs. 3–6), each query
// independently:
//     r_{k−1} = Σ_i a(h_{k−1}, g(x_i)) g(x_i),   a(h_{k−1}, g(x_i)) = softmax_i(h_{k−1}ᵀ g(x_i))   (5, 6)
//     ĥ_k, c_k = LSTM(f'(x̂), [h_{k−1}, r_{k−1}], c_{k−1})                                      (3)
//     h_k = ĥ_k + f'(x̂)                                                                        (4)
//     f(x̂, S) = attLSTM(f'(x̂), g(S), K) = h_K
// The read r_{k−1} is taken with the state h_{k−1} and concatenated to it in the same step, as
// the paper prints eq. 5 (r_{k−1}, not r_k) and as in the "process" block of Order Matters it
// follows. The paper leaves the initial state open; here ĥ_0 = 0 and c_0 = 0, so eq. 4 gives
// h_0 = f'(x̂): the first read attends with f'(x̂), and K = 0 gives f = f'. The LSTM's recurrent
// input [h, r] has 2D entries, so W_hh is [4D, 2D] (its output ĥ has D).
//
// K is not given for Omniglot in the paper; the default 5 is an untuned middle value: each step
// is one LSTM step on [NQ, D] plus one read over the support, small next to Conv-4.
//
// Tensors (PyTorch names: nn.LSTM(D, D, bidirectional=True) for g), all initialised
// U(−1/√D, 1/√D) like PyTorch's LSTM:
//     fce.g.weight_ih_l0[_reverse] [4D, D]   fce.g.weight_hh_l0[_reverse] [4D, D]
//     fce.g.bias_ih_l0[_reverse]   [4D]      fce.g.bias_hh_l0[_reverse]   [4D]
//     fce.f.weight_ih [4D, D]   fce.f.weight_hh [4D, 2D]   fce.f.bias_ih [4D]   fce.f.bias_hh [4D]
// A model file marks FCE in __metadata__: "fce": "true", "fce_steps": "K". Such a file is not a
// plain Conv-4 embedding: conv4_from_safetensors rejects it (ModelKind) and the sketch classifier
// with it; load it with matchingnet_fce_from_safetensors.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "metacog/model_io.hpp"

namespace metacog {

/** FCE settings: K processing steps of the attention LSTM f. */
struct FceConfig {
  int steps = 5;
  /** InvalidArgument unless 0 ≤ steps ≤ kMaxSteps. */
  void validate() const;
  static constexpr int kMaxSteps = 100;
};

/** One LSTM's tensors (PyTorch layout: gates i, f, g, o stacked along the rows). */
template <class T>
struct LstmWeights {
  VarT<T> weight_ih, weight_hh, bias_ih, bias_hh;
};

/** The three LSTMs of FCE: g's forward and backward LSTMs and f's attention LSTM. */
template <class T>
struct FceWeights {
  LstmWeights<T> g_forward, g_backward, f_att;
};

/**
 * One LSTM step in column layout: x [in, B], h [hin, B], c [H, B] (B examples as columns) →
 * (h', c'), both [H, B], with the equations above.
 */
template <class T>
std::pair<VarT<T>, VarT<T>> lstm_cell(const LstmWeights<T>& w, const VarT<T>& x, const VarT<T>& h, const VarT<T>& c);

/** g(x_i, S) = h→_i + h←_i + g'(x_i) for support embeddings g' [|S|, D] → [|S|, D]. */
template <class T>
VarT<T> fce_support_embedding(const FceWeights<T>& w, const VarT<T>& g_prime);

/** f(x̂, S) = h_K for query embeddings f' [NQ, D] and g(S) [|S|, D] → [NQ, D]; K = 0 gives f'. */
template <class T>
VarT<T> fce_query_embedding(const FceWeights<T>& w, const VarT<T>& f_prime, const VarT<T>& g, int steps);

/** Adds the fce.* parameters for embedding size D to `params` (U(−1/√D, 1/√D) from `rng`). */
void fce_init(ParamSet& params, int dim, Pcg32& rng);
/** The fce.* parameters of a set (InvalidArgument if one is missing). */
FceWeights<float> fce_weights(const ParamSet& params);
/** Whether a parameter name belongs to FCE ("fce." prefix). */
bool is_fce_param(const std::string& name);

/** Writes "fce" = "true" and "fce_steps" into a model file's __metadata__. */
void set_fce_metadata(SafetensorsFile& file, const FceConfig& fce);
/**
 * The FCE settings of a model file, or nullopt when it has none ("fce" absent or "false").
 * ModelFormat if "fce" is another value or "fce_steps" is missing or out of range.
 */
std::optional<FceConfig> read_fce_metadata(const SafetensorsFile& file);

/** A Matching Network with full-context embeddings: Conv-4 f' = g' plus the fce.* parameters. */
struct FceModel {
  Conv4Model model;  ///< params hold the Conv-4 and the fce.* tensors
  FceConfig fce;
};

/**
 * Loads and validates an FCE Matching Network: the Conv-4 part as conv4_from_safetensors does,
 * algo "matchingnet", every fce.* tensor present with its shape and finite (ModelFormat), the
 * metadata above (ModelKind if the file has no FCE).
 */
FceModel matchingnet_fce_from_safetensors(const SafetensorsFile& file);

}  // namespace metacog
