// Gradients of every differentiable op against central finite differences in float64.
// Tolerances: step h = 1e-6, |analytic − numeric| ≤ 1e-7 + 1e-6·|numeric| (first order);
// Hessian-vector products: h = 1e-5, ≤ 1e-6 + 1e-5·|numeric|.
#include <doctest/doctest.h>

#include "grad_check.hpp"
#include "metacog/ops.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::check_gradients;
using metacog::test::check_hessian_vector;
using metacog::test::random64;
using V = std::vector<Var64>;

namespace {
/** A fixed random weighting so that sum(w ⊙ y) exercises every output element differently. */
Var64 weighted_sum(const Var64& y, uint64_t seed = 99) {
  Pcg32 rng(seed);
  return sum(mul(y, Var64(random64(y.shape(), rng))));
}
}  // namespace

TEST_CASE("autograd: element-wise ops with broadcasting") {
  Pcg32 rng(1);
  auto a = random64({3, 4}, rng), b = random64({3, 4}, rng), row = random64({4}, rng), col = random64({3, 1}, rng);
  auto pos = random64({3, 4}, rng, 0.5, 2.0);
  check_gradients([](const V& v) { return weighted_sum(add(v[0], v[1])); }, {a, row});
  check_gradients([](const V& v) { return weighted_sum(sub(v[0], v[1])); }, {a, col});
  check_gradients([](const V& v) { return weighted_sum(mul(v[0], v[1])); }, {a, b});
  check_gradients([](const V& v) { return weighted_sum(mul(v[0], v[1])); }, {row, col});
  check_gradients([](const V& v) { return weighted_sum(div(v[0], v[1])); }, {a, pos});
  check_gradients([](const V& v) { return weighted_sum(div(v[0], v[1])); }, {col, row.clone()}, 1e-6, 1e-6, 1e-5);
  check_gradients([](const V& v) { return weighted_sum(add_scalar(mul_scalar(v[0], 3.0), 2.0)); }, {a});
  check_gradients([](const V& v) { return weighted_sum(neg(v[0])); }, {a});
  check_gradients([](const V& v) { return weighted_sum(exp(v[0])); }, {a});
  check_gradients([](const V& v) { return weighted_sum(log(v[0])); }, {pos});
  check_gradients([](const V& v) { return weighted_sum(tanh(v[0])); }, {a});
  check_gradients([](const V& v) { return weighted_sum(sigmoid(v[0])); }, {a});
  check_gradients([](const V& v) { return weighted_sum(sqrt(v[0])); }, {pos});
  check_gradients([](const V& v) { return weighted_sum(square(v[0])); }, {a});
  // relu away from the kink
  auto away = random64({3, 4}, rng, 0.1, 1.0);
  for (int64_t i = 0; i < away.numel(); i += 2) away[i] = -away[i];
  check_gradients([](const V& v) { return weighted_sum(relu(v[0])); }, {away});
}

TEST_CASE("autograd: shape ops, gather/scatter, reductions") {
  Pcg32 rng(2);
  auto a = random64({3, 4}, rng), s = random64({2, 4}, rng), t = random64({4}, rng);
  check_gradients([](const V& v) { return weighted_sum(reshape(v[0], {2, 6})); }, {a});
  check_gradients([](const V& v) { return weighted_sum(transpose(v[0])); }, {a});
  check_gradients([](const V& v) { return weighted_sum(broadcast_to(v[0], {3, 4})); }, {t});
  check_gradients([](const V& v) { return weighted_sum(sum_to(v[0], {4})); }, {a});
  check_gradients([](const V& v) { return weighted_sum(sum_to(v[0], {3, 1})); }, {a});
  check_gradients([](const V& v) { return weighted_sum(slice_rows(v[0], 1, 3)); }, {a});
  check_gradients([](const V& v) { return weighted_sum(pad_rows(v[0], 1, 5)); }, {a});
  check_gradients([](const V& v) { return weighted_sum(concat_rows<double>({v[0], v[1]})); }, {a, s});
  check_gradients([](const V& v) { return weighted_sum(gather(v[0], {0, 5, 5, 11, 2}, {5})); }, {a});
  check_gradients([](const V& v) { return weighted_sum(scatter_add(v[0], {0, 2, 2, 1}, {3})); }, {t});
  check_gradients([](const V& v) { return weighted_sum(gather_rows(v[0], {2, 0, 2})); }, {a});
  check_gradients([](const V& v) { return weighted_sum(scatter_add_rows(v[0], {1, 1, 0}, 2)); }, {a});
  check_gradients([](const V& v) { return sum(v[0]); }, {a});
  check_gradients([](const V& v) { return mean(v[0]); }, {a});
  check_gradients([](const V& v) { return weighted_sum(row_sum(v[0])); }, {a});
}

TEST_CASE("autograd: matmul in all transpose combinations and linear") {
  Pcg32 rng(3);
  auto a = random64({3, 4}, rng), at = random64({4, 3}, rng), b = random64({4, 2}, rng), bt = random64({2, 4}, rng);
  auto bias = random64({2}, rng);
  check_gradients([](const V& v) { return weighted_sum(matmul(v[0], v[1])); }, {a, b});
  check_gradients([](const V& v) { return weighted_sum(matmul(v[0], v[1], true, false)); }, {at, b});
  check_gradients([](const V& v) { return weighted_sum(matmul(v[0], v[1], false, true)); }, {a, bt});
  check_gradients([](const V& v) { return weighted_sum(matmul(v[0], v[1], true, true)); }, {at, bt});
  check_gradients([](const V& v) { return weighted_sum(linear(v[0], v[1], v[2])); }, {a, bt, bias});
}

TEST_CASE("autograd: im2col, col2im, conv2d, pooling") {
  Pcg32 rng(4);
  auto x = random64({2, 5, 5, 3}, rng), w = random64({4, 3, 3, 3}, rng), b = random64({4}, rng);
  check_gradients([](const V& v) { return weighted_sum(im2col(v[0], 3, 1, 1)); }, {x});
  auto cols = random64({2 * 3 * 3, 27}, rng);
  check_gradients([](const V& v) { return weighted_sum(col2im(v[0], {2, 5, 5, 3}, 3, 2, 1)); }, {cols});
  check_gradients([](const V& v) { return weighted_sum(conv2d(v[0], v[1], v[2], 1, 1)); }, {x, w, b});
  check_gradients([](const V& v) { return weighted_sum(conv2d(v[0], v[1], v[2], 2, 1)); }, {x, w, b});
  check_gradients([](const V& v) { return weighted_sum(conv2d(v[0], v[1], Var64(), 1, 0)); }, {x, w});
  // max-pool with distinct values (no ties), odd size floors
  check_gradients([](const V& v) { return weighted_sum(max_pool2d(v[0])); }, {x});
  check_gradients([](const V& v) { return weighted_sum(global_avg_pool(v[0])); }, {x});
}

TEST_CASE("autograd: batch norm (training and fixed statistics)") {
  Pcg32 rng(5);
  auto x = random64({4, 3, 3, 2}, rng), gamma = random64({2}, rng, 0.5, 1.5), beta = random64({2}, rng);
  auto mu = random64({2}, rng), var = random64({2}, rng, 0.5, 2.0);
  check_gradients([](const V& v) { return weighted_sum(batch_norm_train(v[0], v[1], v[2], 1e-5)); }, {x, gamma, beta},
                  1e-6, 1e-6, 1e-5);
  check_gradients([mu, var](const V& v) { return weighted_sum(batch_norm_fixed(v[0], v[1], v[2], mu, var, 1e-5)); },
                  {x, gamma, beta});
}

TEST_CASE("autograd: softmax family, losses, distances") {
  Pcg32 rng(6);
  auto z = random64({4, 5}, rng, -2, 2), a = random64({3, 4}, rng), b = random64({5, 4}, rng);
  Tensor64 y = Tensor64::from({4, 5}, std::vector<double>(20, 0.0));
  for (int i = 0; i < 20; i += 3) y[i] = 1.0;
  check_gradients([](const V& v) { return weighted_sum(log_softmax(v[0])); }, {z});
  check_gradients([](const V& v) { return weighted_sum(softmax(v[0])); }, {z});
  check_gradients([](const V& v) { return cross_entropy(v[0], {0, 4, 2, 2}); }, {z});
  check_gradients([y](const V& v) { return bce_with_logits(v[0], y); }, {z});
  check_gradients([](const V& v) { return mse(v[0], v[1]); }, {a, a.clone()});
  check_gradients([](const V& v) { return weighted_sum(sq_euclidean(v[0], v[1])); }, {a, b});
  check_gradients([](const V& v) { return weighted_sum(cosine_similarity(v[0], v[1])); }, {a, b});
}

TEST_CASE("autograd: Hessian-vector products through the recorded backward pass") {
  Pcg32 rng(7);
  // A small conv net with batch norm, ReLU, pooling and a prototype-style loss: every op whose
  // backward has its own formula appears, so second derivatives of each are exercised.
  auto x = random64({3, 4, 4, 2}, rng), w1 = random64({3, 3, 3, 2}, rng), g1 = random64({3}, rng, 0.5, 1.5);
  auto b1 = random64({3}, rng), w2 = random64({2, 3}, rng);
  auto net = [](const V& v) {
    Var64 h = conv2d(v[0], v[1], Var64(), 1, 1);
    h = batch_norm_train(h, v[2], v[3], 1e-5);
    h = tanh(h);  // smooth (ReLU has zero curvature, tested below)
    h = max_pool2d(h);
    Var64 e = reshape(h, {3, 12});
    Var64 d = sq_euclidean(e, slice_rows(e, 0, 2));
    Var64 logits = neg(d);
    Var64 l = cross_entropy(logits, {0, 1, 0});
    Var64 lin = linear(reshape(global_avg_pool(h), {3, 3}), v[4], Var64());
    return add(l, mean(square(sigmoid(lin))));
  };
  check_hessian_vector(net, {x, w1, g1, b1, w2}, rng);
  auto z = random64({3, 4}, rng), pos = random64({3, 4}, rng, 0.5, 2.0);
  check_hessian_vector([](const V& v) { return sum(div(exp(v[0]), sqrt(v[1]))); }, {z, pos}, rng);
  check_hessian_vector([](const V& v) { return weighted_sum(cosine_similarity(v[0], v[1])); }, {z, pos}, rng);
  check_hessian_vector([](const V& v) { return sum(log_softmax(mul(v[0], v[0]))); }, {z}, rng);
}

TEST_CASE("autograd: recorded and fused batch-norm backward agree") {
  Pcg32 rng(8);
  auto x = random64({5, 3}, rng), gamma = random64({3}, rng), beta = random64({3}, rng);
  Var64 vx = Var64::param(x), vg = Var64::param(gamma), vb = Var64::param(beta);
  Var64 y = weighted_sum(batch_norm_train(vx, vg, vb, 1e-5));
  auto plain = grad(y, {vx, vg, vb}, false);
  auto recorded = grad(y, {vx, vg, vb}, true);
  for (int i = 0; i < 3; ++i)
    for (int64_t j = 0; j < plain[i].numel(); ++j)
      CHECK(plain[i].value()[j] == doctest::Approx(recorded[i].value()[j]).epsilon(1e-10));
}

TEST_CASE("autograd: graphs are freed when dropped (no growth over many iterations)") {
  Pcg32 rng(9);
  Var64 w = Var64::param(random64({8, 4}, rng));
  Var64 x(random64({16, 4}, rng));
  const int64_t baseline = live_graph_nodes();
  for (int it = 0; it < 300; ++it) {
    // One second-order MAML-style step: φ = w − α∇L(w), meta-loss L(φ), meta-gradient ∂L(φ)/∂w.
    Var64 loss = mean(square(tanh(matmul(x, w, false, true))));
    auto g = grad(loss, {w}, true);
    Var64 phi = sub(w, mul_scalar(g[0], 0.1));
    Var64 meta = mean(square(tanh(matmul(x, phi, false, true))));
    auto mg = grad(meta, {w});
    CHECK(mg[0].is_leaf());
  }
  CHECK(live_graph_nodes() == baseline);
}

TEST_CASE("autograd: float32 ops agree with float64") {
  Pcg32 rng(10);
  auto x = random64({2, 6, 6, 2}, rng), w = random64({3, 3, 3, 2}, rng);
  Var64 y64 = conv2d(Var64(x), Var64(w), Var64(), 1, 1);
  Var y32 = conv2d(Var(x.cast<float>()), Var(w.cast<float>()), Var(), 1, 1);
  for (int64_t i = 0; i < y64.numel(); ++i) CHECK(y32.value()[i] == doctest::Approx(y64.value()[i]).epsilon(1e-5));
}

TEST_CASE("autograd: errors") {
  Var64 a(Tensor64::zeros({2, 3})), b(Tensor64::zeros({4, 3}));
  CHECK(metacog::test::code_of([&] { add(a, b); }) == ErrorCode::InvalidArgument);
  CHECK(metacog::test::code_of([&] { matmul(a, b); }) == ErrorCode::InvalidArgument);
  Var64 p = Var64::param(Tensor64::zeros({2}));
  CHECK(metacog::test::code_of([&] { grad(mul_scalar(p, 2.0), {p}); }) == ErrorCode::InvalidArgument);
}
