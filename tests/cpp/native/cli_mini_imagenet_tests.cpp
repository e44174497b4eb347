// `metacog train` / `metacog eval` on the mini-ImageNet layout (Ravi & Larochelle: {train,val,test}.csv of
// filename,label + images/), on a generated replica: the real data is not available here, so these tests
// check the plumbing — 84×84 RGB in, the papers' mini-ImageNet architecture and settings recorded, the
// dataset carried from train to eval and resume — and make no accuracy claim about mini-ImageNet.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metacog/gradient_meta.hpp"
#include "metacog/model_io.hpp"
#include "metacog/rng.hpp"
#include "metacog/safetensors.hpp"
#include "cli_support.hpp"

#include "stb_image_write_private.hpp"

namespace fs = std::filesystem;
using metacog::test::printed_json;
using metacog::test::check_refused;
using metacog::test::CliResult;
using metacog::test::run_cli;
using metacog::test::scratch_path;

namespace {

/** A replica of the layout: per split, `classes` classes of 20 noisy 84×84 PNGs, each class its own colour. */
struct MiniImagenetReplica {
  fs::path root;
  MiniImagenetReplica() : root(scratch_path("mini-imagenet")) {
    fs::remove_all(root);
    fs::create_directories(root / "images");
    metacog::Pcg32 rng(7);
    int colour = 0;
    for (const auto& [split, classes] : std::vector<std::pair<std::string, int>>{{"train", 6}, {"val", 5}, {"test", 5}}) {
      std::ofstream csv(root / (split + ".csv"));
      csv << "filename,label\n";
      for (int c = 0; c < classes; ++c, ++colour) {
        // 16 distinct colours: each channel at one of three levels
        const int base[3] = {40 + 85 * (colour % 3), 40 + 85 * (colour / 3 % 3), 40 + 85 * (colour / 9 % 3)};
        const std::string label = "n0" + std::to_string(1000000 + colour);
        for (int i = 0; i < 20; ++i) {
          std::vector<unsigned char> rgb(84 * 84 * 3);
          for (size_t p = 0; p < rgb.size(); ++p) {
            const int noise = static_cast<int>(rng.next_u32() % 61) - 30;
            rgb[p] = static_cast<unsigned char>(std::clamp(base[p % 3] + noise, 0, 255));
          }
          const std::string file = label + "_" + std::to_string(i) + ".png";
          REQUIRE(stbi_write_png((root / "images" / file).string().c_str(), 84, 84, 3, rgb.data(), 84 * 3) != 0);
          csv << file << "," << label << "\n";
        }
      }
    }
  }
  ~MiniImagenetReplica() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::string data() const { return "--dataset mini-imagenet --data '" + root.string() + "' "; }
};

metacog::Conv4Arch arch_of(const metacog::SafetensorsFile& f) { return metacog::Conv4Arch::from_json(f.metadata.at("arch")); }

void remove_model(const fs::path& p) {
  fs::remove(p);
  fs::remove(p.string() + ".ckpt");
}

}  // namespace

TEST_CASE("mini-ImageNet settings: the papers' Conv-4 and schedules") {
  const auto maml = metacog::GradientMetaConfig::mini_imagenet_defaults("maml", 5, 1);
  CHECK(maml.arch.in_channels == 3);
  CHECK(maml.arch.image_size == 84);
  CHECK(maml.arch.hidden == 32);
  CHECK(maml.arch.pool == "max");
  CHECK(maml.arch.readout == "flatten");
  CHECK(maml.arch.embedding_dim() == 32 * 5 * 5);
  CHECK(maml.spec.n_query == 15);
  CHECK(maml.meta_batch == 4);
  CHECK(metacog::GradientMetaConfig::mini_imagenet_defaults("fomaml", 5, 5).meta_batch == 2);
  CHECK(maml.inner_steps == 5);
  CHECK(maml.inner_lr == doctest::Approx(0.01));
  CHECK(maml.test.steps == 10);
  CHECK(maml.iterations == 60000);
  const auto reptile = metacog::GradientMetaConfig::mini_imagenet_defaults("reptile", 5, 1);
  CHECK(reptile.spec.k_shot == 15);
  CHECK(reptile.inner_steps == 8);
  CHECK(reptile.inner_batch == 10);
  CHECK(reptile.meta_batch == 5);
  CHECK(reptile.iterations == 100000);
  CHECK(reptile.test.steps == 50);
  CHECK(reptile.test.batch == 15);
  CHECK(reptile.arch.hidden == 32);
  // one mini-ImageNet schedule in the paper: a wider task does not take Omniglot's 20-way settings
  const auto reptile10 = metacog::GradientMetaConfig::mini_imagenet_defaults("reptile", 10, 1);
  CHECK(reptile10.iterations == 100000);
  CHECK(reptile10.inner_lr == doctest::Approx(1e-3f));
  CHECK(reptile10.test.lr == reptile10.inner_lr);
  maml.validate();
  reptile.validate();
}

TEST_CASE("cli train → eval --dataset mini-imagenet: RGB 84×84 models, recorded and checked dataset") {
  const MiniImagenetReplica replica;
  const fs::path proto = scratch_path("mini-protonet.safetensors");
  // ProtoNet (16 filters to keep it quick): trained on train.csv, validated on val.csv
  CliResult r = run_cli("train " + replica.data() +
                        "--algo protonet --way 4 --shot 1 --query 3 --hidden 16 --episodes 6 --val-every 3 "
                        "--val-episodes 4 --seed 2 --json --out '" + proto.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json trained = printed_json(r);
  CHECK(trained.at("completed") == true);
  CHECK(trained.at("best_episode").get<int>() > 0);
  {
    const metacog::SafetensorsFile f = metacog::read_safetensors_file(proto.string());
    CHECK(metacog::model_image_dataset(f) == "mini-imagenet");
    CHECK(f.metadata.count(metacog::kOmniglotResizeKey) == 0);
    CHECK(f.metadata.at("trained_on").rfind("mini-imagenet train.csv", 0) == 0);
    const metacog::Conv4Arch a = arch_of(f);
    CHECK(a.in_channels == 3);
    CHECK(a.image_size == 84);
    CHECK(a.hidden == 16);
  }
  // tested on test.csv episodes: every class its own colour, so even this short training separates them
  r = run_cli("eval " + replica.data() + "--model '" + proto.string() +
              "' --way 4 --shot 1 --query 5 --episodes 20 --record --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json tested = printed_json(r);
  CHECK(tested.at("dataset") == "mini-imagenet");
  CHECK(tested.at("split") == "test");
  CHECK(tested.count("resize") == 0);
  CHECK(tested.at("accuracy").get<double>() > 0.8);  // chance: 0.25
  const nlohmann::json metrics =
      nlohmann::json::parse(metacog::read_safetensors_file(proto.string()).metadata.at("metrics"));
  CHECK(metrics.at("test/4w1s/running").at("accuracy") == tested.at("accuracy"));

  // a model is tested only on its own dataset; the Omniglot options and a missing root are refused
  check_refused("eval --model '" + proto.string() + "' --way 4 --shot 1 --episodes 2", "evaluate it with --dataset mini-imagenet");
  check_refused("eval " + replica.data() + "--model models/omniglot-protonet.safetensors --episodes 2",
                "evaluate it with --dataset omniglot");
  check_refused("eval --dataset mini-imagenet --model '" + proto.string() + "' --episodes 2", "needs --data");
  check_refused("eval " + replica.data() + "--model '" + proto.string() + "' --split lake-runs", "Omniglot options");
  check_refused("eval " + replica.data() + "--model '" + proto.string() + "' --scheme vinyals", "Omniglot options");
  check_refused("eval " + replica.data() + "--model '" + proto.string() + "' --cache build/cache", "Omniglot options");
  const fs::path other = scratch_path("mini-refused.safetensors");
  check_refused("train --dataset mini-imagenet --algo protonet --episodes 1 --out '" + other.string() + "'", "needs --data");
  check_refused("train " + replica.data() + "--scheme random --episodes 1 --out '" + other.string() + "'", "Omniglot options");
  check_refused("train " + replica.data() + "--resize nearest --episodes 1 --out '" + other.string() + "'", "Omniglot options");
  check_refused("train " + replica.data() + "--split-seed 2 --episodes 1 --out '" + other.string() + "'", "Omniglot options");
  check_refused("train " + replica.data() + "--cache build/cache --episodes 1 --out '" + other.string() + "'", "Omniglot options");
  check_refused("train " + replica.data() + "--train-split trainval --episodes 1 --out '" + other.string() + "'",
                "Omniglot options");
  CHECK_FALSE(fs::exists(other));
  // --resume continues a mini-ImageNet checkpoint on its own dataset
  r = run_cli("train " + replica.data() + "--algo protonet --way 4 --shot 1 --query 3 --hidden 16 --episodes 8 --val-every 3 "
              "--val-episodes 4 --seed 2 --resume --json --out '" + proto.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("resuming") != std::string::npos);
  CHECK(printed_json(r).at("episodes") == 8);
  {
    // through the CLI, 6 episodes then --resume to 8 is the run of 8 in one go: the same training state,
    // tensor for tensor (weights, optimiser moments, RNG), and the same saved model
    const fs::path whole = scratch_path("mini-protonet-whole.safetensors");
    const CliResult w = run_cli("train " + replica.data() +
                                "--algo protonet --way 4 --shot 1 --query 3 --hidden 16 --episodes 8 --val-every 3 "
                                "--val-episodes 4 --seed 2 --json --out '" + whole.string() + "'");
    REQUIRE_MESSAGE(w.exit_code == 0, w.output);
    for (const std::string suffix : {".ckpt", ""}) {
      CAPTURE(suffix);
      const metacog::SafetensorsFile a = metacog::read_safetensors_file(proto.string() + suffix);
      const metacog::SafetensorsFile b = metacog::read_safetensors_file(whole.string() + suffix);
      REQUIRE(a.tensors.size() == b.tensors.size());
      for (const auto& [name, t] : a.tensors) {
        CAPTURE(name);
        REQUIRE(b.has(name));
        CHECK(t.shape == b.tensors.at(name).shape);
        CHECK(t.bytes == b.tensors.at(name).bytes);
      }
    }
    remove_model(whole);
  }
  // the checkpoint remembers its dataset: resuming it on Omniglot is refused before any data is read,
  // and an Omniglot checkpoint is not continued on mini-ImageNet
  check_refused("train --algo protonet --way 4 --shot 1 --query 3 --episodes 10 --resume --out '" + proto.string() + "'",
                "resume it with --dataset mini-imagenet");
  fs::copy_file(metacog::test::source_dir() + "/models/omniglot-protonet.safetensors.ckpt", other.string() + ".ckpt");
  check_refused("train " + replica.data() + "--algo protonet --episodes 10 --resume --out '" + other.string() + "'",
                "resume it with --dataset omniglot");
  remove_model(other);
  remove_model(proto);
}

TEST_CASE("cli train --dataset mini-imagenet: MAML and Reptile take the papers' mini-ImageNet network and settings") {
  const MiniImagenetReplica replica;
  const fs::path maml = scratch_path("mini-maml.safetensors"), reptile = scratch_path("mini-reptile.safetensors");
  // one iteration with every setting left to the defaults: the paper's task and inner loop reach the trainer
  CliResult r = run_cli("train " + replica.data() + "--algo maml --episodes 1 --val-every 1 --val-episodes 1 --json --out '" +
                        maml.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  {
    const metacog::SafetensorsFile ckpt = metacog::read_safetensors_file(maml.string() + ".ckpt");
    const metacog::GradientMetaConfig c = metacog::GradientMetaConfig::from_json(ckpt.metadata.at("config"));
    CHECK(c.spec.n_way == 5);
    CHECK(c.spec.n_query == 15);
    CHECK(c.meta_batch == 4);
    CHECK(c.inner_steps == 5);
    CHECK(c.inner_lr == doctest::Approx(0.01));
    CHECK(c.test.steps == 10);
    CHECK(c.arch.hidden == 32);
  }
  remove_model(maml);
  // tiny runs: one inner and one test step, 2 iterations
  r = run_cli("train " + replica.data() +
              "--algo maml --way 3 --shot 1 --query 2 --meta-batch 2 --inner-steps 1 --test-steps 1 "
              "--episodes 2 --val-every 2 --val-episodes 2 --json --out '" + maml.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  {
    const metacog::SafetensorsFile f = metacog::read_safetensors_file(maml.string());
    const metacog::Conv4Arch a = arch_of(f);
    CHECK(a.in_channels == 3);
    CHECK(a.image_size == 84);
    CHECK(a.hidden == 32);
    CHECK(a.pool == "max");
    CHECK(a.readout == "flatten");
    CHECK(a.num_classes == 3);
    const metacog::GradientAdaptation how = metacog::GradientAdaptation::from_json(f.metadata.at("adaptation"));
    CHECK(how.optimizer == "sgd");
    CHECK(how.lr == doctest::Approx(0.01));
  }
  r = run_cli("eval " + replica.data() + "--model '" + maml.string() +
              "' --way 3 --shot 1 --query 5 --episodes 4 --bn transductive --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(printed_json(r).at("bn") == "transductive");

  r = run_cli("train " + replica.data() +
              "--algo reptile --way 3 --shot 1 --inner-steps 1 --test-steps 1 --episodes 2 --val-every 2 "
              "--val-episodes 2 --json --out '" + reptile.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  {
    const metacog::SafetensorsFile f = metacog::read_safetensors_file(reptile.string());
    CHECK(arch_of(f).hidden == 32);
    CHECK(arch_of(f).pool == "max");
    CHECK(arch_of(f).embedding_dim() == 32 * 5 * 5);  // MAML's network (README: Reptile's code pools to 6 × 6)
    CHECK(f.metadata.at("trained_on").find("3-way 15-shot tasks") != std::string::npos);
    CHECK(metacog::GradientAdaptation::from_json(f.metadata.at("adaptation")).batch == 15);
  }
  remove_model(maml);
  remove_model(reptile);
}
