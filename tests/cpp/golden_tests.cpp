// Golden values from PyTorch (float64) for Conv-4, the ProtoNet loss and a second-order MAML step.
//
// tests/fixtures/golden_conv4.safetensors is written by tests/golden/make_fixtures.py (run by hand
// with Debian's python3-torch; the script's doc string lists every tensor). Each case runs twice:
//   * float64 — the engine's differentiable ops (conv2d, batch_norm_train, max_pool2d, linear,
//     sq_euclidean, log_softmax, cross_entropy, grad with create_graph) composed as Conv-4 on Var64.
//     Tolerance: |got − want| ≤ 1e-9 · max(1, max|want|) per tensor (observed worst 4.4e-14, natively).
//   * float32 — the model code as it ships (conv4_embed / conv4_logits, metric_episode,
//     ParamSet::updated, OIHW↔OHWI conversion of model_io). Tolerance: |got − want| ≤
//     2e-4 · max(1, max|want|) per tensor (float32 rounding through four BN layers; observed worst
//     1.4e-5 on values up to 11, natively). The second-order part of the MAML meta-gradient is 1.86
//     (max |meta − first-order|), far above both tolerances.
// Inputs and weights in the fixture are float32 values, so both sides start from the same numbers.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "metacog/fewshot.hpp"
#include "metacog/model_io.hpp"
#include "metacog/nn.hpp"
#include "metacog/ops.hpp"
#include "test_support.hpp"

using namespace metacog;

namespace {

constexpr double kTol64 = 1e-9;
constexpr double kTol32 = 2e-4;
constexpr int kHidden = 8, kWay = 3, kShot = 2, kQuery = 2;
constexpr double kInnerLr = 0.4;

const SafetensorsFile& fixture() {
  static const SafetensorsFile f =
      read_safetensors_file(metacog::test::source_dir() + "/tests/fixtures/golden_conv4.safetensors");
  return f;
}

/** An F64 tensor of the fixture. */
Tensor64 f64(const std::string& name) {
  const RawTensor& r = fixture().tensors.at(name);
  REQUIRE(r.dtype == DType::F64);
  Tensor64 t = Tensor64::empty(r.shape);
  std::memcpy(t.data(), r.bytes.data(), r.bytes.size());
  return t;
}

/** OIHW [O, C, k, k] ↔ OHWI [O, k, k, C] for either scalar type. */
template <class T>
TensorT<T> oihw_to_ohwi_t(const TensorT<T>& w) {
  const int64_t O = w.dim(0), C = w.dim(1), K = w.dim(2);
  TensorT<T> out = TensorT<T>::empty({O, K, K, C});
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < K; ++y)
        for (int64_t x = 0; x < K; ++x) out[((o * K + y) * K + x) * C + c] = w[((o * C + c) * K + y) * K + x];
  return out;
}

/** max |got − want| ≤ tol · max(1, max|want|), with the worst element reported. */
template <class A, class B>
void check_close(const A& got, const B& want, double tol, const std::string& what) {
  CAPTURE(what);
  REQUIRE(got.shape() == want.shape());
  double scale = 1.0, worst = 0.0;
  int64_t at = 0;
  for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::abs(static_cast<double>(want[i])));
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double d = std::abs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    if (!(d <= worst)) {  // also catches NaN
      worst = d;
      at = i;
    }
  }
  CAPTURE(at);
  CAPTURE(worst);
  CAPTURE(scale);
  CHECK(worst <= tol * scale);
}

std::vector<std::string> encoder_names() {
  std::vector<std::string> n;
  for (int i = 0; i < 4; ++i) {
    const std::string b = "encoder." + std::to_string(i) + ".";
    n.push_back(b + "conv.weight");
    n.push_back(b + "bn.weight");
    n.push_back(b + "bn.bias");
  }
  return n;
}

/** Fixture value of a parameter in engine layout (conv weights OHWI). */
Tensor64 param64(const std::string& prefix, const std::string& name) {
  const Tensor64 t = f64(prefix + name);
  return t.ndim() == 4 ? oihw_to_ohwi_t(t) : t;
}

/** An engine gradient back in the fixture's layout (conv OIHW) for comparison. */
template <class T>
TensorT<T> to_fixture_layout(const TensorT<T>& g) {
  if (g.ndim() != 4) return g;
  const int64_t O = g.dim(0), K = g.dim(1), C = g.dim(3);
  TensorT<T> out = TensorT<T>::empty({O, C, K, K});
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < K; ++y)
        for (int64_t x = 0; x < K; ++x) out[((o * C + c) * K + y) * K + x] = g[((o * K + y) * K + x) * C + c];
  return out;
}

Conv4Arch arch(const std::string& pool, int num_classes) {
  Conv4Arch a;
  a.hidden = kHidden;
  a.pool = pool;
  a.num_classes = num_classes;
  a.validate();
  return a;
}

ParamSet params32(const std::string& prefix, const std::vector<std::string>& names) {
  ParamSet p;
  for (const std::string& n : names) p.add(n, param64(prefix, n).cast<float>());
  return p;
}

// ---- float64 Conv-4 composed from the engine's ops (same structure as conv4_embed)
using P64 = std::map<std::string, Var64>;

Var64 embed64(const P64& p, const Var64& x, bool max_pool) {
  Var64 h = x;
  for (int i = 0; i < 4; ++i) {
    const std::string b = "encoder." + std::to_string(i) + ".";
    h = conv2d(h, p.at(b + "conv.weight"), Var64(), max_pool ? 1 : 2, 1);
    h = batch_norm_train(h, p.at(b + "bn.weight"), p.at(b + "bn.bias"), 1e-5);
    h = relu(h);
    if (max_pool) h = max_pool2d(h);
  }
  return reshape(h, {h.dim(0), -1});
}

Var64 protonet_loss64(const Var64& z) {
  const int64_t ns = kWay * kShot;
  Tensor64 avg = Tensor64::zeros({kWay, ns});
  for (int k = 0; k < kWay; ++k)
    for (int s = 0; s < kShot; ++s) avg[k * ns + k * kShot + s] = 1.0 / kShot;
  const Var64 protos = matmul(Var64(avg), slice_rows(z, 0, ns));
  const Var64 lp = log_softmax(neg(sq_euclidean(slice_rows(z, ns, z.dim(0)), protos)));
  std::vector<int32_t> labels;
  for (int k = 0; k < kWay; ++k)
    for (int q = 0; q < kQuery; ++q) labels.push_back(k);
  return cross_entropy(lp, labels);
}

std::vector<int32_t> class_labels(int per_class) {
  std::vector<int32_t> y;
  for (int k = 0; k < kWay; ++k)
    for (int s = 0; s < per_class; ++s) y.push_back(k);
  return y;
}

}  // namespace

TEST_CASE("golden (PyTorch float64): max-pool Conv-4 forward, BN running stats and ProtoNet gradients") {
  const std::vector<std::string> names = encoder_names();
  const Tensor64 images = f64("images");
  REQUIRE(images.shape() == Shape{kWay * (kShot + kQuery), 28, 28, 1});

  SUBCASE("float64 ops") {
    P64 p;
    std::vector<Var64> leaves;
    for (const std::string& n : names) leaves.push_back(p[n] = Var64::param(param64("maxpool.", n)));
    const Var64 z = embed64(p, Var64(images), true);
    check_close(z.value(), f64("maxpool.out.embedding"), kTol64, "embedding");
    const Var64 loss = protonet_loss64(z);
    check_close(loss.value(), f64("maxpool.out.loss"), kTol64, "loss");
    const std::vector<Var64> g = grad(loss, leaves);
    for (size_t i = 0; i < names.size(); ++i) {
      check_close(to_fixture_layout(g[i].value()), f64("maxpool.grad." + names[i]), kTol64, "grad " + names[i]);
    }
  }

  SUBCASE("float32 model code: conv4_embed, metric_episode, running statistics") {
    const Conv4Arch a = arch("max", 0);
    const ParamSet p = params32("maxpool.", names);
    const Tensor x = images.cast<float>();
    {
      NoGradGuard ng;
      check_close(conv4_embed(a, p, Var(x), BnMode::Transductive, nullptr).value(), f64("maxpool.out.embedding"),
                  kTol32, "embedding");
    }
    Buffers running = conv4_buffers(a);
    const EpisodeOutcome out = metric_episode("protonet", a, p, &running, x, EpisodeSpec{kWay, kShot, kQuery}, BnMode::Train);
    check_close(out.loss.value(), f64("maxpool.out.loss"), kTol32, "loss");
    for (int i = 0; i < 4; ++i) {
      const std::string b = "encoder." + std::to_string(i) + ".bn.";
      check_close(running.at(b + "running_mean"), f64("maxpool.out.running_mean." + std::to_string(i)), kTol32, b + "running_mean");
      check_close(running.at(b + "running_var"), f64("maxpool.out.running_var." + std::to_string(i)), kTol32, b + "running_var");
    }
    const std::vector<Var> g = grad(out.loss, p.vars());
    for (size_t i = 0; i < names.size(); ++i) {
      // model_io's OHWI → OIHW conversion, as when a model file is written
      const Tensor gi = g[i].value().ndim() == 4 ? ohwi_to_oihw(g[i].value()) : g[i].value();
      check_close(gi, f64("maxpool.grad." + names[i]), kTol32, "grad " + names[i]);
    }
  }
}

TEST_CASE("golden (PyTorch float64): stride-2 Conv-4 forward and a one-step second-order MAML meta-gradient") {
  std::vector<std::string> names = encoder_names();
  names.push_back("head.weight");
  names.push_back("head.bias");
  const Tensor64 images = f64("images");
  const int64_t ns = kWay * kShot;
  const std::vector<int32_t> ys = class_labels(kShot), yq = class_labels(kQuery);
  // The Hessian terms must matter at this scale, or the test could not tell MAML from first-order MAML.
  double second_order_part = 0;
  for (const std::string& n : names) {
    const Tensor64 a = f64("stride2.maml.grad." + n), b = f64("stride2.maml.fo_grad." + n);
    for (int64_t i = 0; i < a.numel(); ++i) second_order_part = std::max(second_order_part, std::abs(a[i] - b[i]));
  }
  CHECK(second_order_part > 50 * kTol32);

  SUBCASE("float64 ops") {
    P64 p;
    std::vector<Var64> theta;
    for (const std::string& n : names) theta.push_back(p[n] = Var64::param(param64("stride2.", n)));
    check_close(embed64(p, Var64(images), false).value(), f64("stride2.out.embedding"), kTol64, "embedding");
    const auto logits = [&](const P64& q, const Tensor64& x) {
      return linear(embed64(q, Var64(x), false), q.at("head.weight"), q.at("head.bias"));
    };
    const Var64 ls = cross_entropy(logits(p, images.rows(0, ns)), ys);
    check_close(ls.value(), f64("stride2.maml.support_loss"), kTol64, "support loss");
    const std::vector<Var64> g = grad(ls, theta, /*create_graph=*/true);
    P64 phi;
    std::vector<Var64> phi_list;
    for (size_t i = 0; i < names.size(); ++i) phi_list.push_back(phi[names[i]] = theta[i] - mul_scalar(g[i], kInnerLr));
    const Var64 lq = cross_entropy(logits(phi, images.rows(ns, images.dim(0))), yq);
    check_close(lq.value(), f64("stride2.maml.query_loss"), kTol64, "query loss");
    const std::vector<Var64> meta = grad(lq, theta);
    for (size_t i = 0; i < names.size(); ++i) {
      check_close(to_fixture_layout(meta[i].value()), f64("stride2.maml.grad." + names[i]), kTol64, "meta-grad " + names[i]);
    }
  }

  SUBCASE("float32 model code: conv4_logits, ParamSet::updated, create_graph") {
    const Conv4Arch a = arch("stride2", kWay);
    const ParamSet theta = params32("stride2.", names);
    const Tensor x = images.cast<float>();
    {
      NoGradGuard ng;
      check_close(conv4_embed(a, theta, Var(x), BnMode::Transductive, nullptr).value(), f64("stride2.out.embedding"),
                  kTol32, "embedding");
    }
    const Var ls = cross_entropy(conv4_logits(a, theta, Var(x.rows(0, ns)), BnMode::Train, nullptr), ys);
    check_close(ls.value(), f64("stride2.maml.support_loss"), kTol32, "support loss");
    const std::vector<Var> g = grad(ls, theta.vars(), /*create_graph=*/true);
    const ParamSet phi = theta.updated(g, static_cast<float>(kInnerLr));
    const Var lq = cross_entropy(conv4_logits(a, phi, Var(x.rows(ns, x.dim(0))), BnMode::Train, nullptr), yq);
    check_close(lq.value(), f64("stride2.maml.query_loss"), kTol32, "query loss");
    const std::vector<Var> fo = grad(lq, phi.vars(), /*create_graph=*/false);
    const std::vector<Var> meta = grad(lq, theta.vars());
    for (size_t i = 0; i < names.size(); ++i) {
      check_close(to_fixture_layout(meta[i].value()), f64("stride2.maml.grad." + names[i]), kTol32, "meta-grad " + names[i]);
      check_close(to_fixture_layout(fo[i].value()), f64("stride2.maml.fo_grad." + names[i]), kTol32, "first-order grad " + names[i]);
    }
  }
}
