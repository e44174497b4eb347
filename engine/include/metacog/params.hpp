// metacog/params.hpp — functional parameters: a named, ordered set of trainable tensors.
//
// Models are functions f(θ, x): a ParamSet θ is passed to the forward pass explicitly, so inner
// loops can evaluate the same model at adapted parameters without touching the original:
//     ParamSet phi = theta.clone();                       // fresh leaves, copied values
//     auto g = grad(loss(theta, support), theta.vars(), /*create_graph=*/second_order);
//     ParamSet fast = theta.updated(g, alpha);            // φ = θ − α ∇L  (differentiable in θ)
// Non-trainable state (batch-norm running statistics) lives in Buffers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "metacog/autograd.hpp"

namespace metacog {

class ParamSet {
 public:
  /** Adds a trainable parameter (a leaf with requires_grad). Names must be unique. */
  void add(const std::string& name, Tensor value);
  /** Adds an existing Var (e.g. the result of an update) under a name. */
  void add_var(const std::string& name, Var value);

  bool has(const std::string& name) const;
  const Var& get(const std::string& name) const;
  Var& get_mut(const std::string& name);
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<Var>& vars() const { return vars_; }
  size_t size() const { return vars_.size(); }
  /** Total number of scalar parameters. */
  int64_t numel() const;

  /** New trainable leaves with copies of the values. */
  ParamSet clone() const;
  /** Constant leaves sharing the values (no gradients). */
  ParamSet detached() const;
  /** θ − α g for each parameter, recorded when grad mode is on (so φ stays a function of θ). */
  ParamSet updated(const std::vector<Var>& grads, float alpha) const;
  /** Copies values from another set with the same names and shapes (in place). */
  void assign(const ParamSet& other);

 private:
  std::vector<std::string> names_;
  std::vector<Var> vars_;
  std::map<std::string, size_t> index_;
};

/** Named non-trainable tensors (batch-norm running mean/var). */
using Buffers = std::map<std::string, Tensor>;

/** Deep copy of buffers. */
Buffers clone_buffers(const Buffers& b);

}  // namespace metacog
