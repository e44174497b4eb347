#include "metacog/few_shot_eval.hpp"

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/meta_train.hpp"

namespace metacog {

std::string attention_kernel(const SafetensorsFile& file) {
  const auto algo = file.metadata.find("algo");
  if (algo == file.metadata.end() || algo->second != "matchingnet") return {};
  const auto metrics = file.metadata.find("metrics");
  const auto j = nlohmann::json::parse(metrics == file.metadata.end() ? "{}" : metrics->second, nullptr, false);
  // where files written before session 55 name it
  const std::string in_metrics = j.is_object() && j.contains("attention") && j.at("attention").is_string()
                                     ? j.at("attention").get<std::string>()
                                     : std::string();
  const auto it = file.metadata.find("attention");
  const std::string kernel = it != file.metadata.end() ? it->second : in_metrics;
  require(!kernel.empty(), ErrorCode::ModelFormat,
          "this matching network does not name its attention kernel (__metadata__.attention: cosine, cosine-support or "
          "euclidean)");
  require(is_attention_kernel(kernel), ErrorCode::ModelFormat,
          "this matching network names an unknown attention kernel '" + kernel +
              "' (cosine, cosine-support or euclidean)");
  require(in_metrics.empty() || in_metrics == kernel, ErrorCode::ModelFormat,
          "this matching network names two attention kernels (__metadata__.attention " + kernel + ", metrics.attention " +
              in_metrics + ")");
  return kernel;
}

FewShotModel read_few_shot_model(const SafetensorsFile& file) {
  if (read_fce_metadata(file).has_value()) {
    FceModel fm = matchingnet_fce_from_safetensors(file);
    const std::string kernel = attention_kernel(file);
    return {std::move(fm.model), kernel, fm.fce, std::nullopt, std::nullopt};
  }
  FewShotModel r{conv4_from_safetensors(file), {}, std::nullopt, std::nullopt, std::nullopt};
  const std::string& algo = r.model.header.algo;
  if (algo == "protonet" || algo == "matchingnet") {
    r.attention = attention_kernel(file);
  } else if (is_gradient_algo(algo)) {
    r.adaptation = read_adaptation(file, r.model.params);
  } else if (algo == "finetune") {
    const auto it = file.metadata.find("adaptation");
    require(it != file.metadata.end(), ErrorCode::ModelFormat, "this fine-tuning model lacks its \"adaptation\" metadata");
    r.head_fit = HeadFit::from_json(it->second);
  } else {
    throw Error(ErrorCode::ModelKind, "'" + algo +
                                          "' is not a few-shot image model (expected protonet, matchingnet, maml, fomaml, "
                                          "reptile or finetune)");
  }
  return r;
}

MeanCi evaluate_few_shot(const FewShotModel& m, const ImageDataset& test, const EpisodeSpec& spec, int episodes,
                         uint64_t seed, BnMode mode, const EpisodeProgress& progress) {
  if (m.adaptation) return evaluate_gradient_model(m.model, *m.adaptation, test, spec, episodes, seed, mode, progress);
  if (m.head_fit) return evaluate_finetune_model(m.model, *m.head_fit, test, spec, episodes, seed, mode, progress);
  return evaluate_metric_model(m.model.header.algo, m.model, test, spec, episodes, seed, mode, m.attention,
                               m.fce ? &*m.fce : nullptr, progress);
}

MeanCi evaluate_few_shot_file(const SafetensorsFile& file, const ImageDataset& test, const EpisodeSpec& spec,
                              int episodes, uint64_t seed, BnMode mode, const EpisodeProgress& progress) {
  return evaluate_few_shot(read_few_shot_model(file), test, spec, episodes, seed, mode, progress);
}

}  // namespace metacog
