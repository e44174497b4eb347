// MAML++'s options of the MAML trainers (gradient_meta.hpp): the multi-step loss's weights, the exact
// meta-gradient through learned per-step step sizes and the multi-step loss, training with both,
// the model file carrying the step sizes, and resume.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <nlohmann/json.hpp>

#include "metacog/few_shot_eval.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/gradient_meta.hpp"
#include "metacog/ops.hpp"
#include "meta_gradient_check.hpp"
#include "synthetic_images.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::central_difference;
using metacog::test::CentralDifference;
using metacog::test::code_of;
using metacog::test::matches_difference;
using metacog::test::tiny_task;
using metacog::test::TinyTask;
using metacog::test::synthetic_images;

namespace {

/** A small 5-way MAML run with both options: two inner steps, LSLR, MSL over half the run. */
GradientMetaConfig tiny_maml_plus(const std::string& algo) {
  GradientMetaConfig c = GradientMetaConfig::defaults(algo, 5, 1);
  c.arch.image_size = 8, c.arch.hidden = 16, c.arch.blocks = 2;
  c.seed = 5;
  c.meta_batch = 4;
  c.iterations = 150;
  c.inner_steps = 2;
  c.learn_inner_lr = true;
  c.multi_step_loss = 75;
  c.test.learned_lr = true;
  c.test.steps = 2;
  return c;
}

std::vector<float> values(const Var& v) { return v.value().to_vector(); }

}  // namespace

TEST_CASE("maml++: the multi-step loss's weights follow MAML++'s schedule and sum to one") {
  const auto v0 = multi_step_loss_weights(5, 0, 100);
  for (const float v : v0) CHECK(v == doctest::Approx(0.2));  // uniform at the start
  const auto half = multi_step_loss_weights(5, 50, 100);
  for (int s = 0; s < 4; ++s) CHECK(half[static_cast<size_t>(s)] == doctest::Approx(0.1));
  CHECK(half[4] == doctest::Approx(0.6));
  const auto late = multi_step_loss_weights(5, 99, 100);  // the floor 0.03/S and the final step's cap
  for (int s = 0; s < 4; ++s) CHECK(late[static_cast<size_t>(s)] == doctest::Approx(0.006));
  CHECK(late[4] == doctest::Approx(1 - 4 * 0.006));
  for (int64_t t = 0; t < 100; t += 7) {
    const auto w = multi_step_loss_weights(5, t, 100);
    CHECK(std::accumulate(w.begin(), w.end(), 0.0) == doctest::Approx(1.0));
    CHECK(w[0] <= w[4]);
  }
  // from t = M on, and with M = 0, the plain MAML loss: the last step's only
  for (const auto& w : {multi_step_loss_weights(5, 100, 100), multi_step_loss_weights(5, 3, 0)}) {
    CHECK(w == std::vector<float>{0, 0, 0, 0, 1});
  }
  CHECK(multi_step_loss_weights(1, 0, 10) == std::vector<float>{1});
  CHECK(code_of([] { multi_step_loss_weights(0, 0, 10); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("maml++: the second-order meta-gradient reaches θ and the learned step sizes exactly, with the multi-step loss") {
  // L(θ, α) = Σ_s v_s CE(f_{φ_s}(x_q), y_q), φ_{s+1,p} = φ_{s,p} − α_{p,s} ∇_p CE(f_{φ_s}(x_s), y_s): its
  // gradient by the recorded double backward against central differences (meta_gradient_check.hpp; a
  // coordinate at a ReLU kink is skipped and counted).
  const TinyTask task = tiny_task("flatten");
  const Conv4Arch& arch = task.arch;
  const ParamSet& theta = task.theta;
  const LabelledImages &s = task.support, &q = task.query;
  GradientAdaptation how{"sgd", 0.4f, 2, 0};
  how.learned_lr = true;
  ParamSet alpha;  // distinct step sizes per parameter and step
  for (size_t i = 0; i < theta.size(); ++i) {
    Tensor a = Tensor::empty({2});
    a[0] = 0.3f + 0.02f * static_cast<float>(i);
    a[1] = 0.5f - 0.03f * static_cast<float>(i);
    alpha.add(theta.names()[i], a);
  }
  const std::vector<float> weights{0.35f, 0.65f};
  const auto loss_value = [&] {
    return maml_task_loss(arch, theta, s, q, how, InnerGraph::None, weights, &alpha.vars(), nullptr).loss.value().item();
  };
  const TaskOuterLoss l = maml_task_loss(arch, theta, s, q, how, InnerGraph::SecondOrder, weights, &alpha.vars(), nullptr);
  CHECK(l.loss.value().item() == doctest::Approx(loss_value()).epsilon(1e-5));
  std::vector<Var> wrt = theta.vars();
  wrt.insert(wrt.end(), alpha.vars().begin(), alpha.vars().end());
  const std::vector<Var> g = grad(l.loss, wrt);
  // first-order MAML's gradient drops the Hessian terms: the check must be able to tell them apart
  const std::vector<Var> g1 =
      grad(maml_task_loss(arch, theta, s, q, how, InnerGraph::FirstOrder, weights, &alpha.vars(), nullptr).loss, wrt);
  int checked = 0, kinks = 0, alphas = 0, large_alphas = 0;
  double max_err = 0, max_alpha_first_gap = 0;
  for (size_t p = 0; p < wrt.size(); ++p) {
    Tensor w = wrt[p].value();
    const bool is_alpha = p >= theta.size();
    for (int64_t j = 0; j < w.numel(); j += is_alpha ? 1 : 1 + w.numel() / 5) {
      const CentralDifference d = central_difference(w, j, loss_value);
      if (!d.usable) {
        ++kinks;
        continue;
      }
      const double fd = d.value, analytic = g[p].value()[j];
      CHECK_MESSAGE(matches_difference(analytic, fd),
                    (is_alpha ? "α " : "θ ") << theta.names()[p % theta.size()] << "[" << j << "]: " << analytic << " vs " << fd);
      max_err = std::max(max_err, std::abs(analytic - fd));
      ++checked;
      if (is_alpha) {
        ++alphas;
        large_alphas += std::abs(fd) > 1e-2 ? 1 : 0;  // well above the tolerance's absolute part
        max_alpha_first_gap = std::max(max_alpha_first_gap, std::abs(g1[p].value()[j] - fd));
      }
    }
  }
  MESSAGE("checked " << checked << " coordinates (" << alphas << " step sizes, " << large_alphas << " with |fd| > 0.01; "
                     << kinks << " skipped at a kink); max |analytic − fd| = " << max_err
                     << ", max |first-order − fd| over the step sizes = " << max_alpha_first_gap);
  CHECK(checked >= 30);
  CHECK(alphas >= 12);
  CHECK(large_alphas >= 6);
  CHECK(max_alpha_first_gap > 10 * max_err);
  // MSL composes: the weighted loss is v_1 L(φ_1) + v_2 L(φ_2), L(φ_1) being a one-step inner loop's loss
  GradientAdaptation one_step = how;
  one_step.steps = 1;
  ParamSet alpha_first;
  for (size_t i = 0; i < alpha.size(); ++i) alpha_first.add(alpha.names()[i], alpha.vars()[i].value().rows(0, 1).clone());
  const float l1 = maml_task_loss(arch, theta, s, q, one_step, InnerGraph::None, {1.0f}, &alpha_first.vars(), nullptr).final_loss;
  const float l2 = maml_task_loss(arch, theta, s, q, how, InnerGraph::None, {0.0f, 1.0f}, &alpha.vars(), nullptr).final_loss;
  CHECK(l1 != doctest::Approx(l2));
  CHECK(loss_value() == doctest::Approx(0.35 * l1 + 0.65 * l2).epsilon(1e-5));
  CHECK(code_of([&] { maml_task_loss(arch, theta, s, q, how, InnerGraph::SecondOrder, {1.0f}, &alpha.vars(), nullptr); }) ==
        ErrorCode::InvalidArgument);
  GradientAdaptation no_sizes = how;  // learned step sizes declared but neither given nor loaded
  CHECK(code_of([&] { maml_task_loss(arch, theta, s, q, no_sizes, InnerGraph::SecondOrder, weights, nullptr, nullptr); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("maml++: MAML and first-order MAML with learned step sizes and the multi-step loss learn, save their step sizes, and resume bit for bit") {
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);  // new classes
  for (const char* algo : {"maml", "fomaml"}) {
    const GradientMetaConfig cfg = tiny_maml_plus(algo);
    GradientTrainer t(cfg);
    REQUIRE(t.inner_step_sizes().size() == t.params().size());
    for (const Var& a : t.inner_step_sizes().vars()) CHECK(values(a) == std::vector<float>{cfg.inner_lr, cfg.inner_lr});
    const MeanCi before = evaluate_few_shot_file(t.model_file({}), test, {5, 1, 5}, 40, 3, BnMode::Transductive);
    while (t.iteration() < cfg.iterations) t.step(train);
    const SafetensorsFile f = parse_safetensors(serialize_safetensors(t.model_file({})));
    const MeanCi after = evaluate_few_shot_file(f, test, {5, 1, 5}, 40, 3, BnMode::Transductive);
    MESSAGE(std::string(algo) << " + LSLR + MSL: 5-way 1-shot on new synthetic classes " << before.mean << " → " << after.mean);
    CHECK(after.mean > 0.5);  // chance is 0.2
    CHECK(after.mean > before.mean + 0.15);
    // the step sizes moved (first-order too: φ is linear in them), and the file carries them for the test
    const Conv4Model m = conv4_from_safetensors(f);
    const GradientAdaptation how = read_adaptation(f, m.params);
    CHECK(how.learned_lr);
    CHECK(how.steps == 2);
    REQUIRE(how.step_sizes.size() == m.params.size());
    bool moved = false;
    for (size_t i = 0; i < how.step_sizes.size(); ++i) {
      CHECK(how.step_sizes[i].to_vector() == values(t.inner_step_sizes().vars()[i]));
      moved = moved || how.step_sizes[i].to_vector() != std::vector<float>{cfg.inner_lr, cfg.inner_lr};
    }
    CHECK(moved);
    // a file missing one of them, or with a wrong count, is refused
    SafetensorsFile missing = f;
    missing.tensors.erase(kAdaptationStepSizePrefix + m.params.names()[0]);
    CHECK(code_of([&] { read_adaptation(missing, m.params); }) == ErrorCode::ModelFormat);
    SafetensorsFile misshapen = f;
    misshapen.set_f32(kAdaptationStepSizePrefix + m.params.names()[0], Tensor::full({3}, 0.1f));
    CHECK(code_of([&] { read_adaptation(misshapen, m.params); }) == ErrorCode::ModelFormat);
  }
  // resume: 3 + 3 iterations across a checkpoint (inside the MSL annealing) equal 6 straight ones
  GradientMetaConfig cfg = tiny_maml_plus("maml");
  cfg.iterations = 10;
  cfg.multi_step_loss = 5;
  GradientTrainer straight(cfg), first(cfg);
  for (int i = 0; i < 6; ++i) straight.step(train);
  for (int i = 0; i < 3; ++i) first.step(train);
  GradientTrainer resumed = GradientTrainer::from_checkpoint(parse_safetensors(serialize_safetensors(first.checkpoint())));
  CHECK(resumed.config().learn_inner_lr);
  CHECK(resumed.config().multi_step_loss == 5);
  for (int i = 0; i < 3; ++i) resumed.step(train);
  for (size_t i = 0; i < straight.params().size(); ++i) {
    CHECK(values(resumed.params().vars()[i]) == values(straight.params().vars()[i]));
    CHECK(values(resumed.inner_step_sizes().vars()[i]) == values(straight.inner_step_sizes().vars()[i]));
  }
}

TEST_CASE("maml++: a warm start from a model with learned step sizes starts from them; another step count is refused") {
  const ImageDataset train = synthetic_images(1);
  const GradientMetaConfig cfg = tiny_maml_plus("maml");
  GradientTrainer first(cfg);
  for (int i = 0; i < 3; ++i) first.step(train);
  const SafetensorsFile f = first.model_file({});
  const Conv4Model m = conv4_from_safetensors(f);
  const GradientAdaptation how = read_adaptation(f, m.params);
  GradientTrainer taken(cfg), fresh(cfg);
  taken.warm_start(m, "first.safetensors", &how);
  fresh.warm_start(m, "first.safetensors");
  bool learned = false;
  for (size_t i = 0; i < m.params.size(); ++i) {
    CHECK(values(taken.inner_step_sizes().vars()[i]) == values(first.inner_step_sizes().vars()[i]));
    CHECK(values(fresh.inner_step_sizes().vars()[i]) == std::vector<float>{cfg.inner_lr, cfg.inner_lr});
    learned = learned || values(first.inner_step_sizes().vars()[i]) != std::vector<float>{cfg.inner_lr, cfg.inner_lr};
  }
  CHECK(learned);
  // a copy: training on changes the started run's step sizes, not the model's
  taken.step(train);
  CHECK(how.step_sizes[0].to_vector() == values(first.inner_step_sizes().vars()[0]));
  GradientMetaConfig three = cfg;
  three.inner_steps = 3, three.test.steps = 3;
  GradientTrainer other(three);
  CHECK(code_of([&] { other.warm_start(m, "first.safetensors", &how); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("maml++: the options are MAML's, the test adapts with the learned steps, and old files read as without them") {
  GradientMetaConfig c = tiny_maml_plus("maml");
  c.validate();
  GradientMetaConfig other_steps = c;
  other_steps.test.steps = 10;  // the learned step sizes are for 2 steps
  CHECK(code_of([&] { other_steps.validate(); }) == ErrorCode::InvalidArgument);
  GradientMetaConfig untold = c;
  untold.test.learned_lr = false;
  CHECK(code_of([&] { untold.validate(); }) == ErrorCode::InvalidArgument);
  GradientMetaConfig negative = c;
  negative.multi_step_loss = -1;
  CHECK(code_of([&] { negative.validate(); }) == ErrorCode::InvalidArgument);
  GradientMetaConfig reptile = GradientMetaConfig::defaults("reptile", 5, 1);
  reptile.multi_step_loss = 10;
  CHECK(code_of([&] { reptile.validate(); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { GradientAdaptation::from_json(R"({"optimizer":"adam","lr":1,"steps":1,"batch":0,"lr_per_step":"learned"})"); }) ==
        ErrorCode::InvalidArgument);
  CHECK(code_of([] { GradientAdaptation::from_json(R"({"optimizer":"sgd","lr":1,"steps":1,"batch":0,"lr_per_step":"cyclic"})"); }) ==
        ErrorCode::ModelFormat);
  // the round trip keeps both options; a config written before them reads as without them
  const GradientMetaConfig back = GradientMetaConfig::from_json(c.to_json());
  CHECK(back.learn_inner_lr);
  CHECK(back.multi_step_loss == 75);
  CHECK(back.test.learned_lr);
  nlohmann::json old = nlohmann::json::parse(GradientMetaConfig::defaults("maml", 5, 1).to_json());
  old.erase("learn_inner_lr");
  old.erase("multi_step_loss");
  const GradientMetaConfig read = GradientMetaConfig::from_json(old.dump());
  CHECK_FALSE(read.learn_inner_lr);
  CHECK(read.multi_step_loss == 0);
  CHECK_FALSE(GradientAdaptation::from_json(R"({"optimizer":"sgd","lr":1,"steps":1,"batch":0})").learned_lr);
}
