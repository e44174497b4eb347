// Optimisation-based meta-learners on images (MAML, first-order MAML, Reptile) and the fine-tuning
// baseline: the second-order meta-gradient through a Conv-4 against finite differences, learning a
// synthetic few-shot problem, exact resume, thread-count independence, and the evaluation entry point's errors.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "metacog/few_shot_eval.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/finetune.hpp"
#include "metacog/gradient_meta.hpp"
#include "metacog/ops.hpp"
#include "metacog/training_state.hpp"
#include "meta_gradient_check.hpp"
#include "synthetic_images.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::central_difference;
using metacog::test::CentralDifference;
using metacog::test::matches_difference;
using metacog::test::tiny_task;
using metacog::test::TinyTask;
using metacog::test::code_of;
using metacog::test::synthetic_images;

namespace {

GradientMetaConfig tiny_gradient_config(const std::string& algo) {
  GradientMetaConfig c = GradientMetaConfig::defaults(algo, 5, 1);
  c.arch.image_size = 8;
  c.arch.hidden = 16;
  c.arch.blocks = 2;
  c.seed = 5;
  if (algo == "reptile") {
    c.spec = {5, 5, 0};
    c.iterations = 300;
    c.inner_lr = 3e-3f;
    c.test = {"adam", 3e-3f, 20, 0};
  } else {
    c.meta_batch = 4;
    c.iterations = 150;
    c.test.steps = 5;
  }
  return c;
}

/** L(θ) = CE(f_{U(θ)}(x_q), y_q) for the SGD inner loop U = `how` on the support set (batch statistics). */
float post_update_loss(const Conv4Arch& arch, const ParamSet& theta, const LabelledImages& s, const LabelledImages& q,
                       const GradientAdaptation& how) {
  Pcg32 unused(1);
  const ParamSet phi = adapt_to_task(arch, theta, s, how, InnerGraph::None, unused);
  NoGradGuard no_grad;
  return cross_entropy(conv4_logits(arch, phi, Var(q.images), BnMode::Transductive, nullptr), q.labels).value().item();
}

/** The second-order meta-gradient ∇θ L(θ) through `how` against central differences of L
 *  (meta_gradient_check.hpp; a coordinate at a ReLU kink is skipped and counted). */
void check_meta_gradient(const GradientAdaptation& how) {
  const TinyTask task = tiny_task("flatten");
  const Conv4Arch& arch = task.arch;
  const ParamSet& theta = task.theta;
  const LabelledImages &s = task.support, &q = task.query;
  Pcg32 unused(1);
  auto meta_grad = [&](InnerGraph g) {
    const ParamSet phi = adapt_to_task(arch, theta, s, how, g, unused);
    const Var l = cross_entropy(conv4_logits(arch, phi, Var(q.images), BnMode::Transductive, nullptr), q.labels);
    return grad(l, theta.vars());
  };
  const std::vector<Var> second = meta_grad(InnerGraph::SecondOrder);
  const std::vector<Var> first = meta_grad(InnerGraph::FirstOrder);
  double max_err = 0, max_first_gap = 0;
  int checked = 0, kinks = 0;
  for (size_t p = 0; p < theta.size(); ++p) {
    Tensor w = theta.vars()[p].value();
    for (int64_t j = 0; j < w.numel(); j += 1 + w.numel() / 6) {
      const CentralDifference d = central_difference(w, j, [&] { return post_update_loss(arch, theta, s, q, how); });
      if (!d.usable) {
        ++kinks;
        continue;
      }
      const double fd = d.value, g2 = second[p].value()[j], g1 = first[p].value()[j];
      CHECK_MESSAGE(matches_difference(g2, fd), theta.names()[p] << "[" << j << "]: " << g2 << " vs " << fd);
      max_err = std::max(max_err, std::abs(g2 - fd));
      max_first_gap = std::max(max_first_gap, std::abs(g1 - fd));
      ++checked;
    }
  }
  MESSAGE(how.steps << " step(s) on " << how.params << ": checked " << checked << " coordinates (" << kinks
                    << " skipped at a kink); max |MAML − fd| = " << max_err << ", max |FOMAML − fd| = " << max_first_gap);
  CHECK(checked >= 25);
  CHECK(max_first_gap > 10 * max_err);  // the Hessian terms matter here: the check can tell them apart
}

}  // namespace

TEST_CASE("gradient meta: the second-order MAML meta-gradient through Conv-4 + BN equals finite differences") {
  SUBCASE("one step on every parameter (the 5-way default)") { check_meta_gradient({"sgd", 0.4f, 1, 0}); }
  SUBCASE("three steps on the weights only: batch norm held at θ") {
    // The held parameters are θ's own variables in every step, so their meta-gradient collects the
    // paths through every inner gradient; the inner loop differentiates only the moving ones.
    GradientAdaptation how{"sgd", 0.4f, 3, 0};
    how.params = "weights";
    check_meta_gradient(how);
  }
}

TEST_CASE("gradient meta: MAML, first-order MAML and Reptile learn a synthetic 5-way 1-shot problem") {
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);  // new classes
  for (const char* variant : {"maml", "fomaml", "reptile", "reptile-serial"}) {
    const std::string algo = std::string(variant).substr(0, std::string(variant).find('-'));
    GradientMetaConfig cfg = tiny_gradient_config(algo);
    if (std::string(variant) == "reptile-serial") {  // Reptile's serial variant: one task per outer step
      cfg.meta_batch = 1;
      cfg.iterations *= 5;  // the same number of tasks as the batched run
    }
    GradientTrainer t(cfg);
    const Conv4Model before = conv4_from_safetensors(t.model_file({}));
    const MeanCi b = evaluate_gradient_model(before, cfg.test, test, {5, 1, 5}, 40, 3, BnMode::Transductive);
    while (t.iteration() < cfg.iterations) t.step(train);
    const SafetensorsFile f = t.model_file({});
    const MeanCi a = evaluate_few_shot_file(f, test, {5, 1, 5}, 40, 3, BnMode::Transductive);
    MESSAGE(std::string(variant) << ": 5-way 1-shot on new synthetic classes " << b.mean << " → " << a.mean);
    CHECK(a.mean > 0.5);  // chance is 0.2
    CHECK(a.mean > b.mean + 0.15);
  }
}

TEST_CASE("gradient meta: --resume continues bit for bit (MAML and Reptile)") {
  const ImageDataset train = synthetic_images(1);
  for (const char* algo : {"maml", "reptile"}) {
    GradientMetaConfig cfg = tiny_gradient_config(algo);
    cfg.iterations = 10;
    GradientTrainer straight(cfg);
    for (int i = 0; i < 6; ++i) straight.step(train);
    GradientTrainer first(cfg);
    for (int i = 0; i < 4; ++i) first.step(train);
    GradientTrainer resumed = GradientTrainer::from_checkpoint(parse_safetensors(serialize_safetensors(first.checkpoint())));
    CHECK(resumed.iteration() == 4);
    for (int i = 0; i < 2; ++i) resumed.step(train);
    for (size_t i = 0; i < straight.params().size(); ++i) {
      CHECK(resumed.params().vars()[i].value().to_vector() == straight.params().vars()[i].value().to_vector());
    }
    for (const auto& kv : straight.buffers()) CHECK(resumed.buffers().at(kv.first).to_vector() == kv.second.to_vector());
  }
}

TEST_CASE("gradient meta: a cosine-annealed outer step changes the trajectory and resumes bit for bit") {
  const ImageDataset train = synthetic_images(1);
  GradientMetaConfig constant = tiny_gradient_config("maml");
  constant.iterations = 10;
  GradientMetaConfig cosine = constant;
  cosine.outer_anneal = "cosine";
  GradientTrainer a(constant), b(cosine);
  CHECK(b.outer_step_size() == cosine.outer_lr);  // β₀ = outer_lr: the first step is the papers'
  a.step(train);
  b.step(train);
  for (size_t i = 0; i < a.params().size(); ++i) {
    CHECK(a.params().vars()[i].value().to_vector() == b.params().vars()[i].value().to_vector());
  }
  for (int i = 1; i < 5; ++i) a.step(train), b.step(train);
  CHECK(a.outer_step_size() == constant.outer_lr);
  CHECK(b.outer_step_size() == doctest::Approx(0.5 * cosine.outer_lr));  // t = T/2
  bool differs = false;
  for (size_t i = 0; i < a.params().size(); ++i) {
    differs = differs || a.params().vars()[i].value().to_vector() != b.params().vars()[i].value().to_vector();
  }
  CHECK(differs);
  GradientTrainer resumed = GradientTrainer::from_checkpoint(parse_safetensors(serialize_safetensors(b.checkpoint())));
  CHECK(resumed.config().outer_anneal == "cosine");
  for (int i = 0; i < 3; ++i) resumed.step(train), b.step(train);
  for (size_t i = 0; i < b.params().size(); ++i) {
    CHECK(resumed.params().vars()[i].value().to_vector() == b.params().vars()[i].value().to_vector());
  }
  GradientMetaConfig reptile = tiny_gradient_config("reptile");
  reptile.outer_anneal = "cosine";
  CHECK(code_of([&] { reptile.validate(); }) == ErrorCode::InvalidArgument);
  cosine.outer_anneal = "linear";
  CHECK(code_of([&] { cosine.validate(); }) == ErrorCode::InvalidArgument);
  // a checkpoint written before the options existed: constant step, seeded start
  nlohmann::json old = nlohmann::json::parse(constant.to_json());
  old.erase("outer_anneal");
  old.erase("init_from");
  const GradientMetaConfig read = GradientMetaConfig::from_json(old.dump());
  CHECK(read.outer_anneal == "constant");
  CHECK(read.init_from.empty());
}

TEST_CASE("gradient meta: a warm start takes a model's weights and buffers, records its source, and is refused late or misshapen") {
  const ImageDataset train = synthetic_images(1);
  GradientMetaConfig cfg = tiny_gradient_config("maml");
  GradientTrainer first(cfg);
  for (int i = 0; i < 3; ++i) first.step(train);
  const Conv4Model model = conv4_from_safetensors(parse_safetensors(serialize_safetensors(first.model_file({}))));
  cfg.seed = 9;  // another seeded initialisation, replaced by the model's weights
  GradientTrainer second(cfg);
  second.warm_start(model, "first.safetensors");
  CHECK(second.config().init_from == "first.safetensors");
  for (size_t i = 0; i < first.params().size(); ++i) {
    CHECK(second.params().vars()[i].value().to_vector() == first.params().vars()[i].value().to_vector());
  }
  for (const auto& kv : first.buffers()) CHECK(second.buffers().at(kv.first).to_vector() == kv.second.to_vector());
  // the weights are a copy: training the second leaves the model untouched
  second.step(train);
  CHECK(model.params.vars()[0].value().to_vector() == first.params().vars()[0].value().to_vector());
  CHECK(GradientTrainer::from_checkpoint(parse_safetensors(serialize_safetensors(second.checkpoint()))).config().init_from ==
        "first.safetensors");
  CHECK(code_of([&] { second.warm_start(model, "first.safetensors"); }) == ErrorCode::InvalidArgument);
  GradientMetaConfig wider = cfg;
  wider.arch.hidden = 8;
  GradientTrainer other(wider);
  CHECK(code_of([&] { other.warm_start(model, "first.safetensors"); }) == ErrorCode::InvalidArgument);
  GradientTrainer unnamed(cfg);
  CHECK(code_of([&] { unnamed.warm_start(model, ""); }) == ErrorCode::InvalidArgument);
}

#if defined(_OPENMP)
TEST_CASE("gradient meta: a MAML iteration's tasks run in parallel and give the one-thread model bit for bit") {
  // maml_step runs the meta-batch's tasks on OpenMP threads and reduces gradients, losses and
  // batch-norm statistics in task order afterwards: the thread count must not change one bit.
  const ImageDataset train = synthetic_images(1);
  const int threads_before = omp_get_max_threads();
  for (const char* algo : {"maml", "fomaml"}) {
    GradientMetaConfig cfg = tiny_gradient_config(algo);
    cfg.iterations = 3;
    omp_set_num_threads(1);
    GradientTrainer one(cfg);
    for (int i = 0; i < 3; ++i) one.step(train);
    omp_set_num_threads(3);  // more threads than cores on CI, and not a divisor of the meta-batch of 4
    GradientTrainer several(cfg);
    for (int i = 0; i < 3; ++i) several.step(train);
    omp_set_num_threads(threads_before);
    CHECK(several.last_loss() == one.last_loss());
    for (size_t i = 0; i < one.params().size(); ++i) {
      CHECK(several.params().vars()[i].value().to_vector() == one.params().vars()[i].value().to_vector());
    }
    for (const auto& kv : one.buffers()) CHECK(several.buffers().at(kv.first).to_vector() == kv.second.to_vector());
  }
}
#endif

TEST_CASE("gradient meta: the papers' Omniglot settings are the defaults, per way") {
  // Finn et al. 2017 §5.2 / cbfinn/maml README
  const GradientMetaConfig maml5 = GradientMetaConfig::defaults("maml", 5, 1), maml20 = GradientMetaConfig::defaults("maml", 20, 1);
  CHECK(maml5.iterations == 60000);
  CHECK(maml5.meta_batch == 32);
  CHECK(maml5.inner_steps == 1);
  CHECK(maml5.inner_lr == doctest::Approx(0.4f));
  CHECK(maml20.meta_batch == 16);
  CHECK(maml20.inner_steps == 5);
  CHECK(maml20.inner_lr == doctest::Approx(0.1f));
  CHECK(maml20.test.lr == maml20.inner_lr);
  // Nichol et al. 2018, the commands openai/supervised-reptile gives for the paper
  const GradientMetaConfig rep5 = GradientMetaConfig::defaults("reptile", 5, 1), rep20 = GradientMetaConfig::defaults("reptile", 20, 1);
  CHECK(rep5.iterations == 100000);
  CHECK(rep5.inner_steps == 5);
  CHECK(rep5.inner_batch == 10);
  CHECK(rep5.inner_lr == doctest::Approx(1e-3f));
  CHECK(rep5.test.batch == 5);
  CHECK(rep20.iterations == 200000);
  CHECK(rep20.inner_steps == 10);
  CHECK(rep20.inner_batch == 20);
  CHECK(rep20.inner_lr == doctest::Approx(5e-4f));
  CHECK(rep20.test.lr == rep20.inner_lr);  // the code evaluates with the training learning rate
  CHECK(rep20.test.steps == 50);
  CHECK(rep20.test.batch == 10);
  for (const GradientMetaConfig* c : {&rep5, &rep20}) {
    CHECK(c->spec.k_shot == 10);
    CHECK(c->meta_batch == 5);
    CHECK(c->outer_lr == doctest::Approx(1.0f));
  }
}

TEST_CASE("gradient meta: Reptile's running batch-norm statistics move, and nothing it trains depends on them") {
  const ImageDataset train = synthetic_images(1);
  GradientMetaConfig cfg = tiny_gradient_config("reptile");
  GradientTrainer moving(cfg);
  cfg.arch.bn_momentum = 0.0f;  // the statistics pass then leaves the running averages at their start
  GradientTrainer frozen(cfg);
  for (int i = 0; i < 2; ++i) {
    moving.step(train);
    frozen.step(train);
  }
  CHECK(moving.last_loss() == frozen.last_loss());
  for (size_t i = 0; i < moving.params().size(); ++i) {
    CHECK(moving.params().vars()[i].value().to_vector() == frozen.params().vars()[i].value().to_vector());
  }
  for (const auto& kv : frozen.buffers()) {
    const bool mean = kv.first.find("running_mean") != std::string::npos;
    CHECK(kv.second.to_vector() == std::vector<float>(kv.second.numel(), mean ? 0.0f : 1.0f));
    CHECK(moving.buffers().at(kv.first).to_vector() != kv.second.to_vector());
  }
}

TEST_CASE("gradient meta: Reptile's shared inner Adam state runs across tasks, resumes, and seeds test-time adaptation") {
  CHECK(GradientMetaConfig::defaults("reptile", 5, 1).shared_inner_state);
  CHECK_FALSE(GradientMetaConfig::defaults("maml", 5, 1).shared_inner_state);
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);
  GradientMetaConfig cfg = tiny_gradient_config("reptile");
  REQUIRE(cfg.shared_inner_state);
  GradientTrainer t(cfg);
  for (int i = 0; i < 3; ++i) t.step(train);
  const SafetensorsFile ckpt = t.checkpoint();
  // one optimiser over every inner step of every task so far
  CHECK(checkpoint_int(ckpt, "inner_adam_t") == 3 * cfg.meta_batch * cfg.inner_steps);

  // the model file carries the state: conv4_from_safetensors skips it, read_adaptation restores it
  const SafetensorsFile f = t.model_file({});
  const Conv4Model m = conv4_from_safetensors(f);
  const GradientAdaptation how = read_adaptation(f, m.params);
  CHECK(how.adam_t == 3 * cfg.meta_batch * cfg.inner_steps);
  REQUIRE(how.adam_v.size() == m.params.size());
  for (size_t i = 0; i < m.params.size(); ++i) {
    CHECK(how.adam_v[i].to_vector() == ckpt.get_f32("inner_optim.v." + m.params.names()[i]).to_vector());
  }
  // and it changes the adaptation: the first step is g/√v̂ instead of a fresh optimiser's lr·sign(g)
  LabelledImages support, query;
  Pcg32 ep_rng(9);
  const Episode ep = sample_episode(test.classes, {5, 1, 5}, ep_rng);
  split_episode(gather_episode(test, ep), ep, support, query);
  GradientAdaptation fresh = how;
  fresh.adam_v.clear();
  fresh.adam_t = 0;
  Pcg32 r1(4), r2(4);
  const ParamSet a = adapt_to_task(m.arch, m.params, support, how, InnerGraph::None, r1);
  const ParamSet b = adapt_to_task(m.arch, m.params, support, fresh, InnerGraph::None, r2);
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = a.vars()[i].value().to_vector(), y = b.vars()[i].value().to_vector();
    for (size_t j = 0; j < x.size(); ++j) diff += std::fabs(x[j] - y[j]);
  }
  CHECK(diff > 1e-3);
  // a step count without its tensors (settings parsed without read_adaptation) is refused, not run fresh
  GradientAdaptation half = fresh;
  half.adam_t = how.adam_t;
  Pcg32 r3(4);
  CHECK(code_of([&] { adapt_to_task(m.arch, m.params, support, half, InnerGraph::None, r3); }) ==
        ErrorCode::InvalidArgument);
  // evaluation starts every episode from the same saved state (the state is copied, not advanced)
  CHECK(evaluate_few_shot_file(f, test, {5, 1, 5}, 6, 3, BnMode::Transductive).mean ==
        evaluate_few_shot_file(f, test, {5, 1, 5}, 6, 3, BnMode::Transductive).mean);

  // broken state: a missing tensor, a negative second moment
  SafetensorsFile missing = f;
  missing.tensors.erase(kAdaptationStatePrefix + m.params.names()[0]);
  CHECK(code_of([&] { read_adaptation(missing, m.params); }) == ErrorCode::ModelFormat);
  SafetensorsFile negative = f;
  Tensor v = f.get_f32(kAdaptationStatePrefix + m.params.names()[1]);
  v[0] = -1.0f;
  negative.set_f32(kAdaptationStatePrefix + m.params.names()[1], v);
  CHECK(code_of([&] { read_adaptation(negative, m.params); }) == ErrorCode::ModelFormat);

  // checkpoints written before the option existed resume with a fresh state per task, as they ran
  nlohmann::json old = nlohmann::json::parse(cfg.to_json());
  old.erase("shared_inner_state");
  CHECK_FALSE(GradientMetaConfig::from_json(old.dump()).shared_inner_state);
  // the option is Reptile's
  GradientMetaConfig maml = tiny_gradient_config("maml");
  maml.shared_inner_state = true;
  CHECK(code_of([&] { maml.validate(); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("gradient meta: an inner loop on the weights only holds batch norm's scale and offset at θ") {
  const TinyTask task = tiny_task("mean");
  const Conv4Arch& arch = task.arch;
  const ParamSet& theta = task.theta;
  const LabelledImages& s = task.support;
  GradientAdaptation weights{"sgd", 0.4f, 2, 0}, all{"sgd", 0.4f, 2, 0};
  weights.params = "weights";
  for (const InnerGraph g : {InnerGraph::None, InnerGraph::FirstOrder, InnerGraph::SecondOrder}) {
    Pcg32 r1(1), r2(1);
    const ParamSet a = adapt_to_task(arch, theta, s, weights, g, r1);
    const ParamSet b = adapt_to_task(arch, theta, s, all, g, r2);
    int held = 0, moved = 0;
    for (size_t i = 0; i < theta.size(); ++i) {
      const std::string& name = theta.names()[i];
      const Tensor& t0 = theta.vars()[i].value();
      const Tensor& ta = a.vars()[i].value();
      const Tensor& tb = b.vars()[i].value();
      double da = 0, db = 0;
      for (int64_t j = 0; j < t0.numel(); ++j) da += std::abs(ta[j] - t0[j]), db += std::abs(tb[j] - t0[j]);
      CHECK_MESSAGE(db > 0, name);  // "all" moves every parameter, batch norm's included
      if (name.find("bn.") != std::string::npos) {
        CHECK_MESSAGE(da == 0, name);
        ++held;
      } else {
        CHECK_MESSAGE(da > 0, name);
        ++moved;
      }
    }
    CHECK(held == 4);   // scale and offset of two blocks
    CHECK(moved == 4);  // two convolutions, the head's weight and bias
  }
  // persisted with the adaptation; absent in older files = all; SGD only
  CHECK(GradientAdaptation::from_json(weights.to_json()).params == "weights");
  CHECK(GradientAdaptation::from_json("{\"optimizer\":\"sgd\",\"lr\":0.4,\"steps\":10,\"batch\":0}").params == "all");
  CHECK(code_of([] { GradientAdaptation::from_json("{\"optimizer\":\"adam\",\"lr\":1,\"steps\":1,\"batch\":0,\"params\":\"weights\"}"); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([] { GradientAdaptation::from_json("{\"optimizer\":\"sgd\",\"lr\":1,\"steps\":1,\"batch\":0,\"params\":\"bn\"}"); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("gradient meta: configuration and model-file errors") {
  GradientMetaConfig bad = GradientMetaConfig::defaults("maml", 5, 1);
  bad.arch.num_classes = 4;
  CHECK(code_of([&] { bad.validate(); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { GradientMetaConfig::defaults("protonet", 5, 1).validate(); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { GradientAdaptation::from_json("{\"optimizer\":\"rmsprop\",\"lr\":1,\"steps\":1,\"batch\":0}"); }) ==
        ErrorCode::InvalidArgument);

  const ImageDataset test = synthetic_images(2);
  GradientMetaConfig cfg = tiny_gradient_config("fomaml");
  const GradientTrainer t(cfg);
  SafetensorsFile f = t.model_file({});
  CHECK(GradientMetaConfig::from_json(cfg.to_json()).to_json() == cfg.to_json());
  // a 5-way head cannot be evaluated 3-way
  CHECK(code_of([&] { evaluate_few_shot_file(f, test, {3, 1, 5}, 2, 1, BnMode::Transductive); }) ==
        ErrorCode::InvalidArgument);
  f.metadata.erase("adaptation");
  CHECK(code_of([&] { evaluate_few_shot_file(f, test, {5, 1, 5}, 2, 1, BnMode::Transductive); }) == ErrorCode::ModelFormat);
  f.metadata["algo"] = "learner-reptile";
  CHECK(code_of([&] { evaluate_few_shot_file(f, test, {5, 1, 5}, 2, 1, BnMode::Transductive); }) == ErrorCode::ModelKind);
}

TEST_CASE("finetune baseline: pre-training on all classes, then a new head per episode, beats its random start") {
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);
  FinetuneConfig cfg;
  cfg.arch.image_size = 8, cfg.arch.hidden = 16, cfg.arch.blocks = 2;
  cfg.batch = 32, cfg.iterations = 300, cfg.lr = 3e-3f, cfg.seed = 3;
  FinetuneTrainer t(cfg, static_cast<int>(train.classes.size()));
  const MeanCi b = evaluate_few_shot_file(t.model_file({}), test, {5, 1, 5}, 40, 3, BnMode::Transductive);
  while (t.iteration() < cfg.iterations) t.step(train);
  const SafetensorsFile f = t.model_file({});
  CHECK_FALSE(f.has("head.weight"));  // the head over the training classes is not shipped
  const MeanCi a = evaluate_few_shot_file(f, test, {5, 1, 5}, 40, 3, BnMode::Transductive);
  MESSAGE("finetune: 5-way 1-shot on new synthetic classes " << b.mean << " → " << a.mean);
  CHECK(a.mean > b.mean + 0.1);

  FinetuneTrainer first(cfg, static_cast<int>(train.classes.size()));
  for (int i = 0; i < 3; ++i) first.step(train);
  FinetuneTrainer resumed = FinetuneTrainer::from_checkpoint(parse_safetensors(serialize_safetensors(first.checkpoint())));
  FinetuneTrainer straight(cfg, static_cast<int>(train.classes.size()));
  for (int i = 0; i < 5; ++i) straight.step(train);
  for (int i = 0; i < 2; ++i) resumed.step(train);
  CHECK(resumed.last_loss() == straight.last_loss());
}

TEST_CASE("fewshot: argmax accuracy takes the first maximum on ties") {
  Tensor s = Tensor::zeros({3, 2});
  s[1] = 1;  // row 0 → 1
  s[4] = 2, s[5] = 2;  // row 2 tie → 0
  CHECK(argmax_accuracy(s, {1, 0, 0}) == doctest::Approx(1.0));
  CHECK(argmax_accuracy(s, {0, 1, 1}) == doctest::Approx(0.0));
  CHECK(code_of([&] { argmax_accuracy(s, {0}); }) == ErrorCode::InvalidArgument);
}
