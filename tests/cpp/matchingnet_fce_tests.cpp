// Matching Networks' full-context embeddings (matchingnet_fce.hpp): the LSTM against its equations
// written out, gradients of g and f against finite differences (float64, tolerances of
// autograd_tests.cpp), order properties of g and f, a tiny training run, model files, resume.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "grad_check.hpp"
#include "metacog/few_shot_eval.hpp"
#include "metacog/matchingnet_fce.hpp"
#include "metacog/meta_train.hpp"
#include "metacog/ops.hpp"
#include "metacog/sketch.hpp"
#include "synthetic_images.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::check_gradients;
using metacog::test::code_of;
using metacog::test::random64;
using metacog::test::synthetic_images;
using V = std::vector<Var64>;

namespace {

LstmWeights<double> random_lstm(int64_t in, int64_t hin, int64_t hid, Pcg32& rng) {
  return {Var64(random64({4 * hid, in}, rng)), Var64(random64({4 * hid, hin}, rng)), Var64(random64({4 * hid}, rng)),
          Var64(random64({4 * hid}, rng))};
}

FceWeights<double> random_fce(int64_t d, Pcg32& rng) {
  return {random_lstm(d, d, d, rng), random_lstm(d, d, d, rng), random_lstm(d, 2 * d, d, rng)};
}

/** Rows of a [n, d] tensor in the given order. */
Tensor64 rows_in_order(const Tensor64& t, const std::vector<int>& order) {
  const int64_t d = t.dim(1);
  Tensor64 out = Tensor64::empty({static_cast<int64_t>(order.size()), d});
  for (size_t r = 0; r < order.size(); ++r)
    for (int64_t j = 0; j < d; ++j) out[static_cast<int64_t>(r) * d + j] = t[order[r] * d + j];
  return out;
}

double max_abs_diff(const Tensor64& a, const Tensor64& b) {
  REQUIRE(a.shape() == b.shape());
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

Var64 weighted_sum(const Var64& y, uint64_t seed) {
  Pcg32 rng(seed);
  return sum(mul(y, Var64(random64(y.shape(), rng))));
}

double sigmoid_ref(double z) { return 1.0 / (1.0 + std::exp(-z)); }

MetaTrainConfig tiny_fce_config() {
  MetaTrainConfig c;
  c.algo = "matchingnet";
  c.attention = "cosine";
  c.fce = true;
  c.fce_steps = 3;
  c.spec = {5, 2, 3};
  c.episodes = 150;
  c.seed = 11;
  c.lr = 3e-3f;
  c.arch.image_size = 8;
  c.arch.hidden = 8;
  c.arch.blocks = 2;
  return c;
}

}  // namespace

TEST_CASE("matchingnet_fce: the LSTM cell is the LSTM equations (gates i, f, g, o) written out") {
  // one unit, one input, two examples as columns
  const Tensor64 w_ih = Tensor64::from({4, 1}, {0.5, -0.3, 0.8, 0.1});
  const Tensor64 w_hh = Tensor64::from({4, 1}, {-0.2, 0.4, 0.3, -0.7});
  const Tensor64 b_ih = Tensor64::from({4}, {0.1, 0.2, -0.1, 0.05});
  const Tensor64 b_hh = Tensor64::from({4}, {-0.05, 0.3, 0.2, 0.0});
  const LstmWeights<double> w{Var64(w_ih), Var64(w_hh), Var64(b_ih), Var64(b_hh)};
  const double xs[2] = {1.5, -0.4}, hs[2] = {0.2, 0.9}, cs[2] = {-0.6, 0.3};
  const auto [h1, c1] = lstm_cell(w, Var64(Tensor64::from({1, 2}, {xs[0], xs[1]})),
                                  Var64(Tensor64::from({1, 2}, {hs[0], hs[1]})), Var64(Tensor64::from({1, 2}, {cs[0], cs[1]})));
  for (int b = 0; b < 2; ++b) {
    auto pre = [&](int gate) { return w_ih[gate] * xs[b] + b_ih[gate] + w_hh[gate] * hs[b] + b_hh[gate]; };
    const double c = sigmoid_ref(pre(1)) * cs[b] + sigmoid_ref(pre(0)) * std::tanh(pre(2));
    const double h = sigmoid_ref(pre(3)) * std::tanh(c);
    CHECK(c1.value()[b] == doctest::Approx(c).epsilon(1e-14));
    CHECK(h1.value()[b] == doctest::Approx(h).epsilon(1e-14));
  }
  CHECK(code_of([&] { lstm_cell(w, Var64(Tensor64::zeros({2, 2})), Var64(Tensor64::zeros({1, 2})), Var64(Tensor64::zeros({1, 2}))); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("matchingnet_fce: gradients of g(x_i, S) and f(x̂, S) match finite differences (float64)") {
  Pcg32 rng(5);
  const int64_t d = 3, ns = 4, nq = 2;
  const FceWeights<double> w0 = random_fce(d, rng);
  const Tensor64 g_prime = random64({ns, d}, rng), f_prime = random64({nq, d}, rng);
  // every weight of the three LSTMs and both inputs as variables
  std::vector<Tensor64> xs;
  for (const LstmWeights<double>* l : {&w0.g_forward, &w0.g_backward, &w0.f_att})
    for (const Var64* t : {&l->weight_ih, &l->weight_hh, &l->bias_ih, &l->bias_hh}) xs.push_back(t->value());
  xs.push_back(g_prime);
  xs.push_back(f_prime);
  auto unpack = [](const V& v) {
    return FceWeights<double>{{v[0], v[1], v[2], v[3]}, {v[4], v[5], v[6], v[7]}, {v[8], v[9], v[10], v[11]}};
  };
  SUBCASE("g: bidirectional LSTM with skip connection") {
    check_gradients([&](const V& v) { return weighted_sum(fce_support_embedding(unpack(v), v[12]), 7); }, xs);
  }
  SUBCASE("f: attention LSTM, K = 3 steps, through g") {
    check_gradients(
        [&](const V& v) {
          const FceWeights<double> w = unpack(v);
          return weighted_sum(fce_query_embedding(w, v[13], fce_support_embedding(w, v[12]), 3), 8);
        },
        xs);
  }
  SUBCASE("the episode loss: cosine attention on top of f and g") {
    check_gradients(
        [&](const V& v) {
          const FceWeights<double> w = unpack(v);
          const Var64 g = fce_support_embedding(w, v[12]);
          const Var64 f = fce_query_embedding(w, v[13], g, 2);
          return sum(log_softmax(cosine_similarity(f, g)));
        },
        xs);
  }
}

TEST_CASE("matchingnet_fce: shapes and order — g reads the support as a sequence, f reads g(S) as a set") {
  Pcg32 rng(9);
  const int64_t d = 4, ns = 5, nq = 3;
  const FceWeights<double> w = random_fce(d, rng);
  const Tensor64 gp = random64({ns, d}, rng), fp = random64({nq, d}, rng);
  const Var64 g = fce_support_embedding(w, Var64(gp));
  CHECK(g.shape() == Shape{ns, d});
  CHECK(fce_query_embedding(w, Var64(fp), g, 4).shape() == Shape{nq, d});

  SUBCASE("K = 0 processing steps: f = f'") {
    CHECK(max_abs_diff(fce_query_embedding(w, Var64(fp), g, 0).value(), fp) == 0.0);
    CHECK(max_abs_diff(fce_query_embedding(w, Var64(fp), g, 1).value(), fp) > 1e-3);
  }
  SUBCASE("zero LSTM weights: h = σ(0)·tanh(0) = 0, so g = g'") {
    LstmWeights<double> zero{Var64(Tensor64::zeros({4 * d, d})), Var64(Tensor64::zeros({4 * d, d})),
                             Var64(Tensor64::zeros({4 * d})), Var64(Tensor64::zeros({4 * d}))};
    const FceWeights<double> wz{zero, zero, w.f_att};
    CHECK(max_abs_diff(fce_support_embedding(wz, Var64(gp)).value(), gp) == 0.0);
  }
  SUBCASE("g depends on the support order (not permutation-equivariant)") {
    const std::vector<int> swap = {1, 0, 2, 3, 4};
    const Tensor64 g_swapped = fce_support_embedding(w, Var64(rows_in_order(gp, swap))).value();
    // the element at position 2 has the same neighbours' set but a different history
    CHECK(max_abs_diff(rows_in_order(g_swapped, swap), g.value()) > 1e-3);
  }
  SUBCASE("forward and backward LSTMs with the same weights: g(reversed S) = reversed g(S)") {
    const FceWeights<double> ws{w.g_forward, w.g_forward, w.f_att};
    const std::vector<int> rev = {4, 3, 2, 1, 0};
    const Tensor64 g1 = fce_support_embedding(ws, Var64(gp)).value();
    const Tensor64 g2 = fce_support_embedding(ws, Var64(rows_in_order(gp, rev))).value();
    CHECK(max_abs_diff(rows_in_order(g2, rev), g1) < 1e-14);
    // with different weights the two directions are not interchangeable
    const Tensor64 g3 = fce_support_embedding(w, Var64(rows_in_order(gp, rev))).value();
    CHECK(max_abs_diff(rows_in_order(g3, rev), g.value()) > 1e-3);
  }
  SUBCASE("f is invariant to the order of g(S) (the reads are sums over the set)") {
    const std::vector<int> perm = {3, 0, 4, 2, 1};
    const Tensor64 f1 = fce_query_embedding(w, Var64(fp), g, 4).value();
    const Tensor64 f2 = fce_query_embedding(w, Var64(fp), Var64(rows_in_order(g.value(), perm)), 4).value();
    CHECK(max_abs_diff(f1, f2) < 1e-12);
  }
  SUBCASE("each query is embedded on its own: f of a subset of queries = the subset of f") {
    const Tensor64 f_all = fce_query_embedding(w, Var64(fp), g, 4).value();
    const Tensor64 f_one = fce_query_embedding(w, Var64(rows_in_order(fp, {2})), g, 4).value();
    CHECK(max_abs_diff(f_one, rows_in_order(f_all, {2})) < 1e-14);
  }
  CHECK(code_of([&] { fce_query_embedding(w, Var64(fp), g, -1); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { fce_query_embedding(w, Var64(random64({nq, d + 1}, rng)), g, 2); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { fce_support_embedding(w, Var64(random64({ns, d + 1}, rng))); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("matchingnet_fce: config — FCE only for matchingnet, steps in range, old configs unchanged") {
  MetaTrainConfig c = tiny_fce_config();
  const MetaTrainConfig back = MetaTrainConfig::from_json(c.to_json());
  CHECK(back.fce);
  CHECK(back.fce_steps == 3);
  MetaTrainConfig plain = c;
  plain.fce = false;
  CHECK(plain.to_json().find("fce") == std::string::npos);  // checkpoints without FCE are byte-identical to before
  CHECK_FALSE(MetaTrainConfig::from_json(plain.to_json()).fce);
  MetaTrainConfig proto = c;
  proto.algo = "protonet";
  CHECK(code_of([&] { proto.validate(); }) == ErrorCode::InvalidArgument);
  MetaTrainConfig bad = c;
  bad.fce_steps = -1;
  CHECK(code_of([&] { bad.validate(); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("matchingnet_fce: a tiny seeded run learns — loss falls, FCE weights move, new classes > 90 %") {
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);
  // squared-Euclidean attention: with cosine the loss has a floor well above 0 (similarities in
  // [−1, 1], no temperature), so "halves" would not be a fair bar
  MetaTrainConfig cfg = tiny_fce_config();
  cfg.attention = "euclidean";
  MetricTrainer t(cfg);
  const ParamSet initial = t.params().clone();
  const FceConfig fce{cfg.fce_steps};
  const MeanCi before = evaluate_metric_model("matchingnet", t.model({}), test, {5, 5, 5}, 40, 3, BnMode::Transductive,
                                              cfg.attention, &fce);
  double first = 0, last = 0;
  while (t.episode() < cfg.episodes) {
    const float loss = t.step(train);
    if (t.episode() <= 20) first += loss / 20;
    if (t.episode() > cfg.episodes - 20) last += loss / 20;
  }
  const MeanCi after = evaluate_metric_model("matchingnet", t.model({}), test, {5, 5, 5}, 40, 3, BnMode::Transductive,
                                             cfg.attention, &fce);
  MESSAGE("FCE matching network: mean loss of episodes 1–20 " << first << " → last 20 " << last << "; 5-way 5-shot on new classes "
                                                               << before.mean << " → " << after.mean);
  CHECK(last < 0.5 * first);
  CHECK(after.mean > 0.9);
  CHECK(after.mean > before.mean + 0.2);
  int moved = 0, fce_params = 0;
  for (size_t i = 0; i < initial.size(); ++i) {
    if (!is_fce_param(initial.names()[i])) continue;
    ++fce_params;
    moved += initial.vars()[i].value().to_vector() != t.params().vars()[i].value().to_vector();
  }
  CHECK(fce_params == 12);
  CHECK(moved == fce_params);
}

TEST_CASE("matchingnet_fce: model files — round trip, evaluation dispatch, rejected as a plain Conv-4 embedding") {
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);
  MetaTrainConfig cfg = tiny_fce_config();
  MetricTrainer t(cfg);
  for (int i = 0; i < 5; ++i) t.step(train);
  ModelHeader h;
  h.created_by = "test";
  const SafetensorsFile file = parse_safetensors(serialize_safetensors(t.model_file(h)));
  CHECK(file.metadata.at("fce") == "true");
  CHECK(file.metadata.at("fce_steps") == "3");
  CHECK(file.has("fce.g.weight_hh_l0_reverse"));
  const FceModel m = matchingnet_fce_from_safetensors(file);
  CHECK(m.fce.steps == 3);
  REQUIRE(m.model.params.names() == t.params().names());
  for (size_t i = 0; i < m.model.params.size(); ++i) {
    CHECK(m.model.params.vars()[i].value().to_vector() == t.params().vars()[i].value().to_vector());
  }
  // `metacog eval`'s entry point uses FCE from the metadata: the same accuracy as the in-memory model
  const FceConfig fce{3};
  const MeanCi direct = evaluate_metric_model("matchingnet", t.model(h), test, {5, 1, 5}, 20, 4, BnMode::Running, "cosine", &fce);
  const MeanCi via_file = evaluate_few_shot_file(file, test, {5, 1, 5}, 20, 4, BnMode::Running);
  CHECK(via_file.mean == direct.mean);
  const MeanCi no_fce = evaluate_metric_model("matchingnet", t.model(h), test, {5, 1, 5}, 20, 4, BnMode::Running, "cosine");
  MESSAGE("5 episodes of training: with FCE " << direct.mean << ", the same weights without FCE " << no_fce.mean);

  // not a plain Conv-4 embedding: the Conv-4 loader and the sketch classifier say so (ModelKind)
  CHECK(code_of([&] { conv4_from_safetensors(file); }) == ErrorCode::ModelKind);
  CHECK(code_of([&] { SketchClassifier s(conv4_from_safetensors(file)); }) == ErrorCode::ModelKind);
  CHECK(code_of([&] { SketchClassifier s(m.model); }) == ErrorCode::ModelKind);
  // a model without FCE is not loaded by the FCE loader
  MetaTrainConfig plain_cfg = cfg;
  plain_cfg.fce = false;
  const SafetensorsFile plain = MetricTrainer(plain_cfg).model_file(h);
  CHECK(plain.metadata.count("fce") == 0);
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(plain); }) == ErrorCode::ModelKind);
  CHECK_NOTHROW(conv4_from_safetensors(plain));

  SafetensorsFile missing = file;
  missing.tensors.erase("fce.f.bias_hh");
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(missing); }) == ErrorCode::ModelFormat);
  SafetensorsFile shape = file;
  shape.set_f32("fce.f.weight_hh", Tensor::zeros({4 * 32, 32}));
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(shape); }) == ErrorCode::ModelFormat);
  SafetensorsFile nan = file;
  Tensor bad = nan.get_f32("fce.g.bias_ih_l0");
  bad[3] = std::nanf("");
  nan.set_f32("fce.g.bias_ih_l0", bad);
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(nan); }) == ErrorCode::ModelFormat);
  SafetensorsFile extra = file;
  extra.set_f32("fce.f.peephole", Tensor::zeros({4}));
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(extra); }) == ErrorCode::ModelFormat);
  SafetensorsFile steps = file;
  steps.metadata["fce_steps"] = "-2";
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(steps); }) == ErrorCode::ModelFormat);
  steps.metadata.erase("fce_steps");
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(steps); }) == ErrorCode::ModelFormat);
  SafetensorsFile flag = file;
  flag.metadata["fce"] = "yes";
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(flag); }) == ErrorCode::ModelFormat);
  SafetensorsFile proto = file;
  proto.metadata["algo"] = "protonet";
  CHECK(code_of([&] { matchingnet_fce_from_safetensors(proto); }) == ErrorCode::ModelFormat);
}

TEST_CASE("matchingnet_fce: --resume continues bit for bit (checkpoint after 7 episodes == 12 straight)") {
  const ImageDataset train = synthetic_images(1);
  const MetaTrainConfig cfg = tiny_fce_config();
  MetricTrainer straight(cfg);
  for (int i = 0; i < 12; ++i) straight.step(train);
  MetricTrainer first(cfg);
  for (int i = 0; i < 7; ++i) first.step(train);
  const SafetensorsFile ck = parse_safetensors(serialize_safetensors(first.checkpoint()));
  CHECK(ck.has("model.fce.f.weight_hh"));
  CHECK(ck.has("optim.m.fce.f.weight_hh"));
  MetricTrainer resumed = MetricTrainer::from_checkpoint(ck);
  CHECK(resumed.config().fce);
  CHECK(resumed.config().fce_steps == 3);
  for (int i = 0; i < 5; ++i) resumed.step(train);
  REQUIRE(resumed.params().names() == straight.params().names());
  for (size_t i = 0; i < straight.params().size(); ++i) {
    CHECK(resumed.params().vars()[i].value().to_vector() == straight.params().vars()[i].value().to_vector());
  }
  CHECK(resumed.last_loss() == straight.last_loss());
}
