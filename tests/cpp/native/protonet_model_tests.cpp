// Accuracy regression of the committed ProtoNet model (issue 4): ≥ 97 % on 200 Omniglot test
// episodes, 5-way 1-shot, 15 queries, BN running (the Vinyals test split). Needs ../shared/data.
#include <doctest/doctest.h>

#include "metacog/meta_train.hpp"
#include "metacog/omniglot.hpp"
#include "test_support.hpp"

TEST_CASE("protonet model: the committed Omniglot model scores ≥ 97 % on 200 test episodes (5-way 1-shot)") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const std::string data = metacog::test::data_dir() + "/omniglot";
  const metacog::Conv4Model m = metacog::conv4_from_safetensors(
      metacog::read_safetensors_file(metacog::test::source_dir() + "/models/omniglot-protonet.safetensors"));
  CHECK(m.header.algo == "protonet");
  // the shared cache under build/ (as the CLI uses it): decoding the zips once is ~12 s
  const metacog::ImageDataset test =
      metacog::load_omniglot(data, "vinyals", "test", metacog::test::source_dir() + "/build/cache");
  const metacog::MeanCi r =
      metacog::evaluate_metric_model("protonet", m, test, {5, 1, 15}, 200, 2024, metacog::BnMode::Running);
  MESSAGE("committed ProtoNet, Omniglot test, 5-way 1-shot, 200 episodes: " << 100 * r.mean << " % ± " << 100 * r.ci95);
  CHECK(r.mean >= 0.97);
}
