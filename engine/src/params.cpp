#include "metacog/params.hpp"

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

void ParamSet::add(const std::string& name, Tensor value) { add_var(name, Var::param(std::move(value))); }

void ParamSet::add_var(const std::string& name, Var value) {
  require(!index_.count(name), ErrorCode::InvalidArgument, "ParamSet: duplicate parameter '" + name + "'");
  index_[name] = vars_.size();
  names_.push_back(name);
  vars_.push_back(std::move(value));
}

bool ParamSet::has(const std::string& name) const { return index_.count(name) > 0; }

const Var& ParamSet::get(const std::string& name) const {
  auto it = index_.find(name);
  require(it != index_.end(), ErrorCode::InvalidArgument, "ParamSet: no parameter '" + name + "'");
  return vars_[it->second];
}

Var& ParamSet::get_mut(const std::string& name) {
  auto it = index_.find(name);
  require(it != index_.end(), ErrorCode::InvalidArgument, "ParamSet: no parameter '" + name + "'");
  return vars_[it->second];
}

int64_t ParamSet::numel() const {
  int64_t n = 0;
  for (const auto& v : vars_) n += v.numel();
  return n;
}

ParamSet ParamSet::clone() const {
  ParamSet out;
  for (size_t i = 0; i < vars_.size(); ++i) out.add(names_[i], vars_[i].value().clone());
  return out;
}

ParamSet ParamSet::detached() const {
  ParamSet out;
  for (size_t i = 0; i < vars_.size(); ++i) out.add_var(names_[i], vars_[i].detach());
  return out;
}

ParamSet ParamSet::updated(const std::vector<Var>& grads, float alpha) const {
  require(grads.size() == vars_.size(), ErrorCode::InvalidArgument, "ParamSet::updated: one gradient per parameter");
  ParamSet out;
  for (size_t i = 0; i < vars_.size(); ++i) out.add_var(names_[i], sub(vars_[i], mul_scalar(grads[i], alpha)));
  return out;
}

void ParamSet::assign(const ParamSet& other) {
  require(other.names_ == names_, ErrorCode::InvalidArgument, "ParamSet::assign: parameter names differ");
  for (size_t i = 0; i < vars_.size(); ++i) {
    require(other.vars_[i].shape() == vars_[i].shape(), ErrorCode::InvalidArgument,
            "ParamSet::assign: shape of '" + names_[i] + "' differs");
    Tensor dst = vars_[i].value();
    std::copy(other.vars_[i].value().data(), other.vars_[i].value().data() + dst.numel(), dst.data());
  }
}

Buffers clone_buffers(const Buffers& b) {
  Buffers out;
  for (const auto& kv : b) out[kv.first] = kv.second.clone();
  return out;
}

}  // namespace metacog
