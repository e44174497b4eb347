#include "metacog/few_shot_eval.hpp"

#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/finetune.hpp"
#include "metacog/gradient_meta.hpp"
#include "metacog/matchingnet_fce.hpp"
#include "metacog/meta_train.hpp"

namespace metacog {

std::string attention_kernel(const ModelHeader& h) {
  if (h.algo != "matchingnet") return {};
  const auto j = nlohmann::json::parse(h.metrics_json.empty() ? "{}" : h.metrics_json, nullptr, false);
  const bool named = j.is_object() && j.contains("attention") && j["attention"].is_string();
  require(named && is_attention_kernel(j["attention"].get<std::string>()), ErrorCode::ModelFormat,
          "this matching network does not name its attention kernel (metrics.attention: cosine, cosine-support or "
          "euclidean)");
  return j["attention"].get<std::string>();
}

MeanCi evaluate_few_shot_file(const SafetensorsFile& file, const ImageDataset& test, const EpisodeSpec& spec,
                              int episodes, uint64_t seed, BnMode mode, const EpisodeProgress& progress) {
  if (read_fce_metadata(file).has_value()) {  // a Matching Network with full-context embeddings
    const FceModel fm = matchingnet_fce_from_safetensors(file);
    return evaluate_metric_model("matchingnet", fm.model, test, spec, episodes, seed, mode, attention_kernel(fm.model.header), &fm.fce,
                                 progress);
  }
  const Conv4Model m = conv4_from_safetensors(file);
  const std::string& algo = m.header.algo;
  if (algo == "protonet" || algo == "matchingnet") {
    return evaluate_metric_model(algo, m, test, spec, episodes, seed, mode, attention_kernel(m.header), nullptr, progress);
  }
  if (is_gradient_algo(algo)) {
    return evaluate_gradient_model(m, read_adaptation(file, m.params), test, spec, episodes, seed, mode, progress);
  }
  if (algo == "finetune") {
    const auto it = file.metadata.find("adaptation");
    require(it != file.metadata.end(), ErrorCode::ModelFormat, "this fine-tuning model lacks its \"adaptation\" metadata");
    return evaluate_finetune_model(m, HeadFit::from_json(it->second), test, spec, episodes, seed, mode, progress);
  }
  throw Error(ErrorCode::ModelKind, "'" + algo +
                                        "' is not a few-shot image model (expected protonet, matchingnet, maml, fomaml, "
                                        "reptile or finetune)");
}

}  // namespace metacog
