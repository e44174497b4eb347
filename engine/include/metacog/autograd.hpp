// metacog/autograd.hpp — reverse-mode automatic differentiation with exact higher-order gradients.
//
// A Var is a node of a computation graph: a value tensor plus, for results of differentiable
// operations, the inputs and a backward function. Backward functions are written with the same
// differentiable operations as the forward pass, so running the backward pass *with recording on*
// (create_graph = true, as PyTorch calls it) yields a graph of the gradient itself, and gradients
// of gradients are exact — second-order MAML differentiates through the inner-loop update
// φ = θ − α ∇_θ L(θ).
//
//     Var w = Var::param(Tensor::from({2}, {1, 2}));
//     Var loss = sum(square(w));                       // L = Σ w²
//     auto g = grad(loss, {w}, /*create_graph=*/true); // ∇L = 2w, itself differentiable
//     auto h = grad(sum(mul(g[0], v)), {w});           // Hessian-vector product H v = 2v
//
// Memory: a graph lives exactly as long as some Var refers to its output; dropping the loss (and
// any gradients computed with create_graph) frees every intermediate tensor. Backward functions
// never capture their own output (they receive it as an argument), so there are no cycles.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metacog/tensor.hpp"

namespace metacog {

template <class T>
class VarT;

/** Number of graph nodes currently alive (all scalar types); for leak tests. */
int64_t live_graph_nodes();

namespace detail {
/** Counts live nodes: one member per node. */
struct NodeCounter {
  NodeCounter();
  NodeCounter(const NodeCounter&);
  ~NodeCounter();
};
}  // namespace detail

template <class T>
struct NodeT {
  using BackwardFn = std::function<std::vector<VarT<T>>(const VarT<T>& grad_output, const VarT<T>& output)>;
  TensorT<T> value;
  bool requires_grad = false;
  std::vector<std::shared_ptr<NodeT>> inputs;  // empty for leaves
  BackwardFn backward;                          // grads w.r.t. inputs (undefined Var = zero)
  const char* op = "leaf";
  detail::NodeCounter counter;
};

/** A value in the autodiff graph. Copies share the node. */
template <class T>
class VarT {
 public:
  using Node = NodeT<T>;
  VarT() = default;
  /** A leaf holding `value` (a constant unless requires_grad). */
  explicit VarT(TensorT<T> value, bool requires_grad = false);
  /** A trainable leaf (requires_grad = true). */
  static VarT param(TensorT<T> value) { return VarT(std::move(value), true); }
  /** Wraps an existing node. */
  explicit VarT(std::shared_ptr<Node> node) : n_(std::move(node)) {}

  bool defined() const { return static_cast<bool>(n_); }
  const TensorT<T>& value() const { return n_->value; }
  const Shape& shape() const { return n_->value.shape(); }
  int64_t dim(int i) const { return n_->value.dim(i); }
  int64_t numel() const { return n_->value.numel(); }
  bool requires_grad() const { return n_ && n_->requires_grad; }
  bool is_leaf() const { return n_ && n_->inputs.empty(); }
  const char* op() const { return n_->op; }
  T item() const { return n_->value.item(); }
  /** A constant leaf with the same value (stops gradients; shares the tensor). */
  VarT detach() const { return VarT(n_->value, false); }
  const std::shared_ptr<Node>& node() const { return n_; }

 private:
  std::shared_ptr<Node> n_;
};

using Var = VarT<float>;
using Var64 = VarT<double>;

/** Whether operations record the graph (thread-local; on by default). */
bool grad_mode_enabled();
void set_grad_mode(bool enabled);

/** RAII: disables recording in a scope (inference, optimizer updates). */
class NoGradGuard {
 public:
  NoGradGuard() : prev_(grad_mode_enabled()) { set_grad_mode(false); }
  ~NoGradGuard() { set_grad_mode(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

/** RAII: enables recording in a scope. */
class EnableGradGuard {
 public:
  EnableGradGuard() : prev_(grad_mode_enabled()) { set_grad_mode(true); }
  ~EnableGradGuard() { set_grad_mode(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

/**
 * Creates the result of an operation. If recording is on and some input requires a gradient, the
 * result keeps its inputs and `backward`; otherwise it is a constant leaf.
 */
template <class T>
VarT<T> make_result(TensorT<T> value, std::vector<VarT<T>> inputs, typename NodeT<T>::BackwardFn backward,
                    const char* op);

/**
 * Gradients of `output` with respect to `inputs`: ∂(Σ grad_output ⊙ output)/∂input_i.
 * grad_output defaults to ones (output must then be a single value). Inputs that `output` does
 * not depend on get zeros. With create_graph the returned gradients are themselves differentiable.
 */
template <class T>
std::vector<VarT<T>> grad(const VarT<T>& output, const std::vector<VarT<T>>& inputs, bool create_graph = false,
                          const VarT<T>& grad_output = VarT<T>());

extern template class VarT<float>;
extern template class VarT<double>;

}  // namespace metacog
