#include "metacog/autograd.hpp"

#include <atomic>
#include <unordered_map>
#include <unordered_set>

#include "metacog/error.hpp"
#include "metacog/ops.hpp"

namespace metacog {

namespace {
thread_local bool g_grad_mode = true;
std::atomic<int64_t> g_live_nodes{0};
}  // namespace

int64_t live_graph_nodes() { return g_live_nodes.load(); }
detail::NodeCounter::NodeCounter() { ++g_live_nodes; }
detail::NodeCounter::NodeCounter(const NodeCounter&) { ++g_live_nodes; }
detail::NodeCounter::~NodeCounter() { --g_live_nodes; }

bool grad_mode_enabled() { return g_grad_mode; }
void set_grad_mode(bool enabled) { g_grad_mode = enabled; }

template <class T>
VarT<T>::VarT(TensorT<T> value, bool requires_grad) : n_(std::make_shared<Node>()) {
  n_->value = std::move(value);
  n_->requires_grad = requires_grad;
}

template <class T>
VarT<T> make_result(TensorT<T> value, std::vector<VarT<T>> inputs, typename NodeT<T>::BackwardFn backward,
                    const char* op) {
  bool needs = false;
  if (g_grad_mode) {
    for (const auto& v : inputs) needs = needs || v.requires_grad();
  }
  auto node = std::make_shared<NodeT<T>>();
  node->value = std::move(value);
  node->op = op;
  if (needs) {
    node->requires_grad = true;
    node->inputs.reserve(inputs.size());
    for (auto& v : inputs) node->inputs.push_back(v.node());
    node->backward = std::move(backward);
  }
  return VarT<T>(std::move(node));
}

template <class T>
std::vector<VarT<T>> grad(const VarT<T>& output, const std::vector<VarT<T>>& inputs, bool create_graph,
                          const VarT<T>& grad_output) {
  using Node = NodeT<T>;
  require(output.defined(), ErrorCode::InvalidArgument, "grad: the output is undefined");
  std::vector<VarT<T>> result(inputs.size());
  std::unordered_set<const Node*> wanted;
  for (const auto& v : inputs) {
    require(v.defined(), ErrorCode::InvalidArgument, "grad: an input is undefined");
    wanted.insert(v.node().get());
  }
  VarT<T> seed = grad_output;
  if (!seed.defined()) {
    require(output.numel() == 1, ErrorCode::InvalidArgument,
            "grad: the output has shape " + shape_str(output.shape()) + "; pass grad_output for non-scalar outputs");
    seed = VarT<T>(TensorT<T>::ones(output.shape()));
  } else {
    require(seed.shape() == output.shape(), ErrorCode::InvalidArgument, "grad: grad_output shape differs from the output");
  }
  if (!output.requires_grad()) {
    for (size_t i = 0; i < inputs.size(); ++i) result[i] = VarT<T>(TensorT<T>::zeros(inputs[i].shape()));
    return result;
  }

  // Post-order DFS over nodes that require grad; `reaches` = the node leads to a wanted input.
  // `order` holds owning pointers: gradients built with create_graph may refer to these nodes.
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_map<const Node*, bool> reaches;
  {
    struct Frame {
      std::shared_ptr<Node> node;
      size_t next;
    };
    std::vector<Frame> stack{{output.node(), 0}};
    std::unordered_set<const Node*> visited{output.node().get()};
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next < f.node->inputs.size()) {
        const std::shared_ptr<Node>& child = f.node->inputs[f.next++];
        if (child->requires_grad && visited.insert(child.get()).second) stack.push_back({child, 0});
        continue;
      }
      bool r = wanted.count(f.node.get()) > 0;
      for (const auto& in : f.node->inputs) {
        auto it = reaches.find(in.get());
        r = r || (it != reaches.end() && it->second);
      }
      reaches[f.node.get()] = r;
      order.push_back(f.node);
      stack.pop_back();
    }
  }

  std::unique_ptr<NoGradGuard> no_grad;
  std::unique_ptr<EnableGradGuard> with_grad;
  if (create_graph) {
    with_grad = std::make_unique<EnableGradGuard>();
  } else {
    no_grad = std::make_unique<NoGradGuard>();
  }
  std::unordered_map<const Node*, VarT<T>> grads;
  grads[output.node().get()] = seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const std::shared_ptr<Node>& self = *it;
    Node* node = self.get();
    if (!reaches[node]) continue;
    auto g_it = grads.find(node);
    if (g_it == grads.end()) continue;
    VarT<T> g = g_it->second;
    if (!wanted.count(node)) grads.erase(g_it);  // free as soon as it has been propagated
    if (node->inputs.empty() || !node->backward) continue;
    std::vector<VarT<T>> gin = node->backward(g, VarT<T>(self));
    require(gin.size() == node->inputs.size(), ErrorCode::InvalidArgument,
            std::string("grad: backward of ") + node->op + " returned the wrong number of gradients");
    for (size_t i = 0; i < gin.size(); ++i) {
      const Node* in = node->inputs[i].get();
      if (!gin[i].defined() || !in->requires_grad) continue;
      auto r_it = reaches.find(in);
      if (r_it == reaches.end() || !r_it->second) continue;
      auto acc = grads.find(in);
      if (acc == grads.end()) {
        grads.emplace(in, gin[i]);
      } else {
        acc->second = add(acc->second, gin[i]);
      }
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = grads.find(inputs[i].node().get());
    result[i] = it != grads.end() ? it->second : VarT<T>(TensorT<T>::zeros(inputs[i].shape()));
  }
  return result;
}

template class VarT<float>;
template class VarT<double>;
template VarT<float> make_result(TensorT<float>, std::vector<VarT<float>>, NodeT<float>::BackwardFn, const char*);
template VarT<double> make_result(TensorT<double>, std::vector<VarT<double>>, NodeT<double>::BackwardFn, const char*);
template std::vector<VarT<float>> grad(const VarT<float>&, const std::vector<VarT<float>>&, bool, const VarT<float>&);
template std::vector<VarT<double>> grad(const VarT<double>&, const std::vector<VarT<double>>&, bool,
                                        const VarT<double>&);

}  // namespace metacog
