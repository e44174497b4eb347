// Metric meta-learners: prototypes, Matching Networks attention, training on a synthetic problem,
// and exact checkpoint/resume.
#include <doctest/doctest.h>

#include <cmath>
#include <algorithm>
#include <utility>
#include <vector>

#include "metacog/few_shot_eval.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/meta_train.hpp"
#include "metacog/ops.hpp"
#include "synthetic_images.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::code_of;
using metacog::test::synthetic_images;

namespace {

MetaTrainConfig tiny_config(const std::string& algo) {
  MetaTrainConfig c;
  c.algo = algo;
  c.spec = {5, 2, 3};
  c.episodes = 200;
  c.seed = 11;
  c.lr = 3e-3f;
  c.arch.image_size = 8;
  c.arch.hidden = 8;
  c.arch.blocks = 2;
  return c;
}

}  // namespace

TEST_CASE("fewshot: weighted prototypes are weighted means; zero-weight examples are ignored") {
  const Tensor s = Tensor::from({4, 2}, {0, 0, 2, 4, 10, 10, 20, 30});  // 2-way 2-shot
  const Var c = weighted_prototypes(Var(s), 2, 2);
  CHECK(c.value().to_vector() == std::vector<float>{1, 2, 15, 20});
  const Var w = weighted_prototypes(Var(s), 2, 2, {3, 1, 0, 1});
  CHECK(w.value()[0] == doctest::Approx(0.5f));
  CHECK(w.value()[1] == doctest::Approx(1.0f));
  CHECK(w.value()[2] == 20.0f);
  CHECK(code_of([&] { weighted_prototypes(Var(s), 2, 2, {1, 1, 0, 0}); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { weighted_prototypes(Var(s), 2, 2, {1, -1, 1, 1}); }) == ErrorCode::InvalidArgument);
  // ProtoNet log-probs: a query at a prototype is classified there
  const Var lp = protonet_log_probs(Var(Tensor::from({1, 2}, {14, 21})), c);
  CHECK(lp.value()[1] > lp.value()[0]);
  CHECK(std::exp(lp.value()[0]) + std::exp(lp.value()[1]) == doctest::Approx(1.0f));
}

TEST_CASE("fewshot: matching-network attention sums to one and prefers the nearest support example") {
  const Tensor s = Tensor::from({4, 2}, {1, 0, 0.9f, 0.1f, 0, 1, 0.1f, 0.9f});
  const Tensor q = Tensor::from({2, 2}, {1, 0.05f, 0.02f, 1});
  for (const char* att : {"cosine", "cosine-support", "euclidean"}) {
    const Var lp = matchingnet_log_probs(Var(q), Var(s), 2, 2, att);
    CHECK(std::exp(lp.value()[0]) + std::exp(lp.value()[1]) == doctest::Approx(1.0f).epsilon(1e-5));
    CHECK(lp.value()[0] > lp.value()[1]);
    CHECK(lp.value()[3] > lp.value()[2]);
  }
  CHECK(code_of([&] { matchingnet_log_probs(Var(q), Var(s), 2, 2, "dot"); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("fewshot: cosine-support attention is f·g/‖g‖ — the query's norm scales the logits, the support's does not") {
  // 2-way 1-shot: log ŷ_0 − log ŷ_1 = c(f, g_0) − c(f, g_1)
  const Tensor s = Tensor::from({2, 2}, {3, 4, 0, 2});  // ‖g_0‖ = 5, ‖g_1‖ = 2
  const Tensor q = Tensor::from({1, 2}, {2, 1});
  const Var lp = matchingnet_log_probs(Var(q), Var(s), 2, 1, "cosine-support");
  const double c0 = (2 * 3 + 1 * 4) / 5.0, c1 = (1 * 2) / 2.0;
  CHECK(lp.value()[0] - lp.value()[1] == doctest::Approx(c0 - c1).epsilon(1e-5));
  // scaling the query by 10 scales the logit gap by 10; scaling a support example changes nothing
  const Var lq = matchingnet_log_probs(Var(Tensor::from({1, 2}, {20, 10})), Var(s), 2, 1, "cosine-support");
  CHECK(lq.value()[0] - lq.value()[1] == doctest::Approx(10 * (c0 - c1)).epsilon(1e-5));
  const Var ls = matchingnet_log_probs(Var(q), Var(Tensor::from({2, 2}, {30, 40, 0, 2})), 2, 1, "cosine-support");
  CHECK(ls.value()[0] == doctest::Approx(lp.value()[0]).epsilon(1e-5));
  // plain cosine is bounded: the same query scaled by 10 gives the same probabilities
  const Var cq = matchingnet_log_probs(Var(Tensor::from({1, 2}, {20, 10})), Var(s), 2, 1, "cosine");
  const Var cp = matchingnet_log_probs(Var(q), Var(s), 2, 1, "cosine");
  CHECK(cq.value()[0] == doctest::Approx(cp.value()[0]).epsilon(1e-5));
}

TEST_CASE("fewshot: ProtoNets and Matching Networks learn a synthetic few-shot problem (> 95 %)") {
  const ImageDataset train = synthetic_images(1);
  const ImageDataset test = synthetic_images(2);  // new classes
  const std::pair<const char*, const char*> runs[] = {
      {"protonet", "euclidean"}, {"matchingnet", "euclidean"}, {"matchingnet", "cosine-support"},
      {"matchingnet", "cosine"}};  // the paper's attention (the default)
  for (const auto& [algo, attention] : runs) {
    MetaTrainConfig cfg = tiny_config(algo);
    cfg.attention = attention;
    MetricTrainer t(cfg);
    const ModelHeader h;
    const MeanCi before = evaluate_metric_model(algo, t.model(h), test, {5, 5, 5}, 40, 3, BnMode::Transductive, cfg.attention);
    while (t.episode() < cfg.episodes) t.step(train);
    const MeanCi after = evaluate_metric_model(algo, t.model(h), test, {5, 5, 5}, 40, 3, BnMode::Transductive, cfg.attention);
    MESSAGE(std::string(algo) << " (" << std::string(attention) << "): 5-way 5-shot on new synthetic classes " << before.mean << " → " << after.mean);
    // The paper's full-cosine attention learns, but not to 95 % here: its logits are cosines of
    // ReLU features, in [0, 1], so its softmax stays flat (no temperature); measured 0.397 → 0.844.
    // That is why the README reports it beside the variants that reach the papers' numbers.
    if (std::string(attention) != "cosine") CHECK(after.mean > 0.95);
    CHECK(after.mean > before.mean + 0.3);
  }
}

TEST_CASE("fewshot: a matching network's file names its attention kernel in __metadata__; older files' metrics.attention still read") {
  MetaTrainConfig cfg = tiny_config("matchingnet");
  cfg.attention = "euclidean";
  const SafetensorsFile f = MetricTrainer(cfg).model_file(ModelHeader{});
  REQUIRE(f.metadata.count("attention") == 1);
  CHECK(f.metadata.at("attention") == "euclidean");
  CHECK(read_few_shot_model(f).attention == "euclidean");
  CHECK((f.metadata.count("metrics") == 0 || f.metadata.at("metrics").find("attention") == std::string::npos));  // results only
  // a file written before session 55: the kernel in metrics
  SafetensorsFile legacy = f;
  legacy.metadata.erase("attention");
  legacy.metadata["metrics"] = R"({"attention": "cosine-support", "test/5w1s/running": {"accuracy": 0.5}})";
  CHECK(read_few_shot_model(legacy).attention == "cosine-support");
  // both places, disagreeing; neither; an unknown kernel: refused rather than evaluated with a guess
  SafetensorsFile both = legacy;
  both.metadata["attention"] = "euclidean";
  CHECK(code_of([&] { read_few_shot_model(both); }) == ErrorCode::ModelFormat);
  both.metadata["attention"] = "cosine-support";
  CHECK(read_few_shot_model(both).attention == "cosine-support");
  SafetensorsFile neither = f;
  neither.metadata.erase("attention");
  CHECK(code_of([&] { read_few_shot_model(neither); }) == ErrorCode::ModelFormat);
  neither.metadata["attention"] = "dot";
  CHECK(code_of([&] { read_few_shot_model(neither); }) == ErrorCode::ModelFormat);
  // a prototypical network has no kernel
  CHECK(read_few_shot_model(MetricTrainer(tiny_config("protonet")).model_file(ModelHeader{})).attention.empty());
}

TEST_CASE("fewshot: --resume continues bit for bit (checkpoint after 7 episodes == 12 straight)") {
  const ImageDataset train = synthetic_images(1);
  MetaTrainConfig cfg = tiny_config("protonet");
  MetricTrainer straight(cfg);
  for (int i = 0; i < 12; ++i) straight.step(train);
  MetricTrainer first(cfg);
  for (int i = 0; i < 7; ++i) first.step(train);
  const SafetensorsFile ck = parse_safetensors(serialize_safetensors(first.checkpoint()));
  MetricTrainer resumed = MetricTrainer::from_checkpoint(ck);
  CHECK(resumed.episode() == 7);
  for (int i = 0; i < 5; ++i) resumed.step(train);
  for (size_t i = 0; i < straight.params().size(); ++i) {
    CHECK(resumed.params().vars()[i].value().to_vector() == straight.params().vars()[i].value().to_vector());
  }
  for (const auto& kv : straight.buffers()) CHECK(resumed.buffers().at(kv.first).to_vector() == kv.second.to_vector());
  CHECK(resumed.last_loss() == straight.last_loss());
  SafetensorsFile broken = ck;
  broken.metadata.erase("rng_state");
  CHECK(code_of([&] { MetricTrainer::from_checkpoint(broken); }) == ErrorCode::StateFormat);
}

TEST_CASE("fewshot: --bn-init uniform draws batch-norm scales from U(0, 1), recorded in the config, by seed") {
  MetaTrainConfig cfg = tiny_config("protonet");
  const MetricTrainer ones(cfg);
  cfg.bn_init = "uniform";
  const MetricTrainer uniform(cfg), again(cfg);
  for (int b = 0; b < cfg.arch.blocks; ++b) {
    const std::string name = "encoder." + std::to_string(b) + ".bn.weight";
    const std::vector<float> g = uniform.params().get(name).value().to_vector();
    CHECK(ones.params().get(name).value().to_vector() == std::vector<float>(g.size(), 1.0f));
    CHECK(g == again.params().get(name).value().to_vector());  // the seed decides
    for (float v : g) CHECK((v >= 0.0f && v < 1.0f));
    CHECK(*std::max_element(g.begin(), g.end()) - *std::min_element(g.begin(), g.end()) > 0.3f);
  }
  // every other parameter is drawn exactly as with γ = 1 (the scales are drawn last)
  for (size_t i = 0; i < ones.params().size(); ++i) {
    const std::string& name = ones.params().names()[i];
    if (name.find("bn.weight") == std::string::npos) {
      CHECK(uniform.params().vars()[i].value().to_vector() == ones.params().vars()[i].value().to_vector());
    }
  }
  // recorded only when it is not the default, and carried through a checkpoint
  CHECK(MetaTrainConfig::from_json(cfg.to_json()).bn_init == "uniform");
  CHECK(tiny_config("protonet").to_json().find("bn_init") == std::string::npos);
  CHECK(MetricTrainer::from_checkpoint(parse_safetensors(serialize_safetensors(uniform.checkpoint()))).config().bn_init ==
        "uniform");
  cfg.bn_init = "normal";
  CHECK(code_of([&] { MetricTrainer{cfg}; }) == ErrorCode::InvalidArgument);
}
