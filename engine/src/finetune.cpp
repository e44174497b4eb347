#include "metacog/finetune.hpp"

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/ops.hpp"
#include "metacog/training_state.hpp"

namespace metacog {

std::string HeadFit::to_json() const {
  return nlohmann::json({{"optimizer", "adam-head"}, {"steps", steps}, {"lr", lr}}).dump();
}

HeadFit HeadFit::from_json(const std::string& text) {
  HeadFit h;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    h.steps = j.at("steps").get<int>();
    h.lr = j.at("lr").get<float>();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("head-fit settings: ") + e.what());
  }
  require(h.steps >= 1 && h.lr > 0, ErrorCode::ModelFormat, "head-fit settings need steps ≥ 1 and lr > 0");
  return h;
}

std::string FinetuneConfig::to_json() const {
  return nlohmann::json({{"algo", "finetune"},
                         {"batch", batch},
                         {"iterations", iterations},
                         {"lr", lr},
                         {"halve_every", halve_every},
                         {"seed", std::to_string(seed)},
                         {"test", nlohmann::json::parse(test.to_json())},
                         {"arch", nlohmann::json::parse(arch.to_json())}})
      .dump();
}

FinetuneConfig FinetuneConfig::from_json(const std::string& text) {
  FinetuneConfig c;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    c.batch = j.at("batch").get<int>();
    c.iterations = j.at("iterations").get<int64_t>();
    c.lr = j.at("lr").get<float>();
    c.halve_every = j.at("halve_every").get<int64_t>();
    c.seed = std::stoull(j.at("seed").get<std::string>());
    c.test = HeadFit::from_json(j.at("test").dump());
    c.arch = Conv4Arch::from_json(j.at("arch").dump());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::StateFormat, std::string("training config: ") + e.what());
  }
  c.validate();
  return c;
}

void FinetuneConfig::validate() const {
  require(batch >= 2 && iterations >= 0 && lr > 0 && halve_every > 0, ErrorCode::InvalidArgument,
          "fine-tuning baseline: invalid settings");
  arch.validate();
}

namespace {
Conv4Arch with_head(Conv4Arch a, int classes) {
  a.num_classes = classes;
  return a;
}

}  // namespace

FinetuneTrainer::FinetuneTrainer(const FinetuneConfig& config, int num_classes)
    : config_(config), adam_(config.lr), rng_(config.seed) {
  require(num_classes >= 2, ErrorCode::InvalidArgument, "fine-tuning baseline: need at least two training classes");
  config_.arch = with_head(config_.arch, num_classes);
  config_.validate();
  Pcg32 init(config.seed, 0x1234567ULL);
  params_ = conv4_init(config_.arch, init);
  buffers_ = conv4_buffers(config_.arch);
}

float FinetuneTrainer::step(const ImageDataset& train) {
  require(static_cast<int>(train.classes.size()) == config_.arch.num_classes, ErrorCode::InvalidArgument,
          "fine-tuning baseline: the training split has a different number of classes than the head");
  if (image_of_.empty()) {
    for (size_t c = 0; c < train.classes.size(); ++c) {
      for (int i : train.classes[c].examples) {
        image_of_.push_back(i);
        label_of_.push_back(static_cast<int32_t>(c));
      }
    }
  }
  std::vector<int> idx;
  std::vector<int32_t> labels;
  for (int b = 0; b < config_.batch; ++b) {
    const uint32_t k = rng_.uniform_int(static_cast<uint32_t>(image_of_.size()));
    idx.push_back(image_of_[k]);
    labels.push_back(label_of_[k]);
  }
  const Var logits = conv4_logits(config_.arch, params_, Var(gather_images(train, idx)), BnMode::Train, &buffers_);
  const Var loss = cross_entropy(logits, labels);
  adam_.lr = step_halving(config_.lr, iteration_, config_.halve_every);
  adam_.step(params_, grad(loss, params_.vars()));
  ++iteration_;
  last_loss_ = loss.value().item();
  last_accuracy_ = argmax_accuracy(logits.value(), labels);
  return last_loss_;
}

SafetensorsFile FinetuneTrainer::checkpoint() const {
  return make_checkpoint(config_.to_json(), iteration_, last_loss_, params_, buffers_, adam_, rng_);
}

FinetuneTrainer FinetuneTrainer::from_checkpoint(const SafetensorsFile& f) {
  const FinetuneConfig c = FinetuneConfig::from_json(checkpoint_config(f));
  FinetuneTrainer t(c, c.arch.num_classes);
  t.iteration_ = restore_checkpoint(f, t.params_, t.buffers_, t.adam_, t.rng_);
  return t;
}

Conv4Model FinetuneTrainer::body(const ModelHeader& header) const {
  Conv4Model m;
  m.arch = with_head(config_.arch, 0);
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& n = params_.names()[i];
    if (n.rfind("head.", 0) != 0) m.params.add(n, params_.vars()[i].value().clone());
  }
  m.buffers = clone_buffers(buffers_);
  m.header = header;
  m.header.algo = "finetune";
  return m;
}

SafetensorsFile FinetuneTrainer::model_file(const ModelHeader& header) const {
  SafetensorsFile f = conv4_to_safetensors(body(header));
  f.metadata["adaptation"] = config_.test.to_json();
  return f;
}

MeanCi evaluate_finetune_model(const Conv4Model& body, const HeadFit& fit, const ImageDataset& test,
                               const EpisodeSpec& spec, int episodes, uint64_t seed, BnMode mode,
                               const EpisodeProgress& progress) {
  require(episodes >= 1, ErrorCode::InvalidArgument, "evaluation needs at least one episode");
  require(mode != BnMode::Train, ErrorCode::InvalidArgument, "evaluate with running or transductive batch norm");
  Pcg32 rng(seed);
  Buffers running = clone_buffers(body.buffers);
  std::vector<double> acc;
  for (int e = 0; e < episodes; ++e) {
    const Episode ep = sample_episode(test.classes, spec, rng);
    Tensor z;
    {
      NoGradGuard no_grad;
      z = conv4_embed(body.arch, body.params, Var(gather_episode(test, ep)), mode, &running).value();
    }
    const int64_t ns = static_cast<int64_t>(ep.support.size());
    const Var zs(z.rows(0, ns)), zq(z.rows(ns, z.dim(0)));
    ParamSet head;
    head.add("weight", Tensor::zeros({spec.n_way, z.dim(1)}));
    head.add("bias", Tensor::zeros({spec.n_way}));
    Adam adam(fit.lr);
    for (int s = 0; s < fit.steps; ++s) {
      adam.step(head, grad(cross_entropy(linear(zs, head.get("weight"), head.get("bias")), ep.support_labels),
                           head.vars()));
    }
    NoGradGuard no_grad;
    acc.push_back(argmax_accuracy(linear(zq, head.get("weight"), head.get("bias")).value(), ep.query_labels));
    if (progress) progress(e + 1);
  }
  return mean_ci95(acc);
}

}  // namespace metacog
