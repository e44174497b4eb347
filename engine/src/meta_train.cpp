#include "metacog/meta_train.hpp"

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/matchingnet_fce.hpp"
#include "metacog/training_state.hpp"

namespace metacog {

std::string MetaTrainConfig::to_json() const {
  nlohmann::json j({{"algo", algo},
                         {"way", spec.n_way},
                         {"shot", spec.k_shot},
                         {"query", spec.n_query},
                         {"episodes", episodes},
                         {"seed", std::to_string(seed)},
                         {"lr", lr},
                         {"halve_every", halve_every},
                         {"attention", attention},
                         {"arch", nlohmann::json::parse(arch.to_json())}});
  if (fce) {  // only then: configs without FCE stay as they were
    j["fce"] = true;
    j["fce_steps"] = fce_steps;
  }
  if (bn_init != "ones") j["bn_init"] = bn_init;  // likewise
  return j.dump();
}

MetaTrainConfig MetaTrainConfig::from_json(const std::string& text) {
  MetaTrainConfig c;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    c.algo = j.at("algo").get<std::string>();
    c.spec = {j.at("way").get<int>(), j.at("shot").get<int>(), j.at("query").get<int>()};
    c.episodes = j.at("episodes").get<int64_t>();
    c.seed = std::stoull(j.at("seed").get<std::string>());
    c.lr = j.at("lr").get<float>();
    c.halve_every = j.at("halve_every").get<int64_t>();
    c.attention = j.at("attention").get<std::string>();
    c.fce = j.value("fce", false);
    if (c.fce) c.fce_steps = j.at("fce_steps").get<int>();
    c.bn_init = j.value("bn_init", std::string("ones"));
    c.arch = Conv4Arch::from_json(j.at("arch").dump());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::StateFormat, std::string("training config: ") + e.what());
  }
  c.validate();
  return c;
}

void MetaTrainConfig::validate() const {
  require(algo == "protonet" || algo == "matchingnet", ErrorCode::InvalidArgument,
          "metric training supports protonet and matchingnet, got '" + algo + "'");
  require(spec.n_way >= 2 && spec.k_shot >= 1 && spec.n_query >= 1, ErrorCode::InvalidArgument,
          "episodes need way ≥ 2, shot ≥ 1, query ≥ 1");
  require(episodes >= 0 && lr > 0 && halve_every > 0, ErrorCode::InvalidArgument, "invalid schedule");
  require(is_attention_kernel(attention), ErrorCode::InvalidArgument,
          "attention must be cosine, cosine-support or euclidean, got '" + attention + "'");
  require(!fce || algo == "matchingnet", ErrorCode::InvalidArgument,
          "full-context embeddings (--fce) are a Matching Networks option, not " + algo);
  if (fce) FceConfig{fce_steps}.validate();
  require(bn_init == "ones" || bn_init == "uniform", ErrorCode::InvalidArgument,
          "bn_init must be ones or uniform, got '" + bn_init + "'");
  arch.validate();
}

MetricTrainer::MetricTrainer(const MetaTrainConfig& config) : config_(config), adam_(config.lr), rng_(config.seed) {
  config_.validate();
  Pcg32 init(config.seed, 0x1234567ULL);  // initial weights: their own stream
  params_ = conv4_init(config_.arch, init);
  if (config_.fce) fce_init(params_, config_.arch.embedding_dim(), init);
  if (config_.bn_init == "uniform") conv4_uniform_bn_scale(params_, config_.arch, init);
  buffers_ = conv4_buffers(config_.arch);
}

float MetricTrainer::step(const ImageDataset& train) {
  const Episode ep = sample_episode(train.classes, config_.spec, rng_);
  const Tensor images = gather_episode(train, ep);
  const FceConfig fce{config_.fce_steps};
  const EpisodeOutcome out = metric_episode(config_.algo, config_.arch, params_, &buffers_, images, config_.spec,
                                            BnMode::Train, config_.attention, config_.fce ? &fce : nullptr);
  const std::vector<Var> g = grad(out.loss, params_.vars());
  adam_.lr = step_halving(config_.lr, episode_, config_.halve_every);
  adam_.step(params_, g);
  ++episode_;
  last_loss_ = out.loss.value().item();
  last_accuracy_ = out.accuracy;
  return last_loss_;
}

SafetensorsFile MetricTrainer::checkpoint() const {
  return make_checkpoint(config_.to_json(), episode_, last_loss_, params_, buffers_, adam_, rng_);
}

MetricTrainer MetricTrainer::from_checkpoint(const SafetensorsFile& f) {
  MetricTrainer t(MetaTrainConfig::from_json(checkpoint_config(f)));
  t.episode_ = restore_checkpoint(f, t.params_, t.buffers_, t.adam_, t.rng_);
  return t;
}

Conv4Model MetricTrainer::model(const ModelHeader& header) const {
  Conv4Model m;
  m.arch = config_.arch;
  m.params = params_.clone();
  m.buffers = clone_buffers(buffers_);
  m.header = header;
  m.header.algo = config_.algo;
  return m;
}

SafetensorsFile MetricTrainer::model_file(const ModelHeader& header) const {
  SafetensorsFile f = conv4_to_safetensors(model(header));
  // the kernel is part of the classifier, so it travels beside the architecture (until session 55 it
  // was written into metrics, which attention_kernel still reads)
  if (config_.algo == "matchingnet") f.metadata["attention"] = config_.attention;
  if (config_.fce) set_fce_metadata(f, FceConfig{config_.fce_steps});
  return f;
}

MeanCi evaluate_metric_model(const std::string& algo, const Conv4Model& model, const ImageDataset& test,
                             const EpisodeSpec& spec, int episodes, uint64_t seed, BnMode mode,
                             const std::string& attention, const FceConfig* fce, const EpisodeProgress& progress) {
  require(episodes >= 1, ErrorCode::InvalidArgument, "evaluation needs at least one episode");
  require(mode != BnMode::Train, ErrorCode::InvalidArgument, "evaluate with running or transductive batch norm");
  NoGradGuard no_grad;
  Pcg32 rng(seed);
  Buffers buffers = clone_buffers(model.buffers);
  std::vector<double> acc;
  acc.reserve(static_cast<size_t>(episodes));
  for (int e = 0; e < episodes; ++e) {
    const Episode ep = sample_episode(test.classes, spec, rng);
    const Tensor images = gather_episode(test, ep);
    acc.push_back(metric_episode(algo, model.arch, model.params, &buffers, images, spec, mode, attention, fce).accuracy);
    if (progress) progress(e + 1);
  }
  return mean_ci95(acc);
}

}  // namespace metacog
