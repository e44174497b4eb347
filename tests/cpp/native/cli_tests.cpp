// The metacog command line itself (build/metacog, run as a child process): an unknown subcommand named;
// `train` options and unwritable outputs refused before any work; an unset --episodes giving the paper's schedule per algorithm and way, and Ctrl-C
// leaving its checkpoint; the Omniglot resize and character split carried from `train` to `eval`; `kt-train`
// training each distinct grid configuration once and warm-starting from the non-meta network;
// `kt-eval` / `kt-coldstart` reporting the model with its inner loop off beside it.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "metacog/gradient_meta.hpp"
#include "metacog/model_io.hpp"
#include "metacog/omniglot.hpp"
#include "metacog/rng.hpp"
#include "metacog/safetensors.hpp"
#include "../test_support.hpp"
#include "cli_support.hpp"

namespace fs = std::filesystem;
using metacog::test::check_refused;
using metacog::test::printed_json;
using metacog::test::CliResult;
using metacog::test::run_cli;
using metacog::test::run_cli_interrupted;
using metacog::test::run_cli_until;
using metacog::test::read_text;
using metacog::test::scratch_path;

TEST_CASE("cli train: bad options are refused before any work") {
  const fs::path out = scratch_path("refused.safetensors");
  // train with `options` for one episode into `out`: refused, saying `why`
  auto refused = [&](const std::string& options, const std::string& why) {
    check_refused("train " + options + " --episodes 1 --out '" + out.string() + "'", why);
  };
  refused("--algo protonet --resize bilinear", "--resize");
  refused("--algo maml --inner-params bn", "--inner-params");
  refused("--algo protonet --init '" + out.string() + "'", "--init and --outer-anneal are options of maml");
  refused("--algo maml --outer-anneal linear", "--outer-anneal must be constant or cosine");
  refused("--algo reptile --outer-anneal cosine", "Reptile's ε is always annealed linearly");
  refused("--algo reptile --init '" + out.string() + "'", "--init and --outer-anneal are options of maml and fomaml");
  refused("--algo maml --init '" + scratch_path("absent.safetensors") + "'", "--init: no model file at");
  refused("--algo reptile --learn-inner-lr", "--learn-inner-lr and --multi-step-loss are options of maml and fomaml");
  refused("--algo protonet --multi-step-loss 100", "--learn-inner-lr and --multi-step-loss are options of maml and fomaml");
  refused("--algo maml --way 20 --learn-inner-lr --test-steps 10", "adapts at test with the 5 learned inner steps");
  refused("--algo maml --multi-step-loss -3", "--multi-step-loss");
  refused("--algo maml --bn-init uniform", "--bn-init is an option of protonet and matchingnet");
  refused("--algo protonet --bn-init normal", "--bn-init");
  // sizes and counts that cannot work are refused by the parser, before any data is read
  check_refused("train --algo protonet --val-every 0 --episodes 1 --out '" + out.string() + "'", "--val-every");
  check_refused("train --algo protonet --val-episodes 0 --episodes 1 --out '" + out.string() + "'", "--val-episodes");
  check_refused("train --algo protonet --episodes 0 --out '" + out.string() + "'", "--episodes");
  check_refused("train --algo protonet --way 0 --episodes 1 --out '" + out.string() + "'", "--way");
  check_refused("train --algo protonet --checkpoint-every 0 --episodes 1 --out '" + out.string() + "'", "--checkpoint-every");
  check_refused("sine --algo maml --steps -1", "--steps");
  check_refused("sine --algo maml --tasks 0", "--tasks");
  check_refused("sine --algo nope", "--algo");
  for (const char* zero : {"--way 0", "--shot 0", "--query 0", "--episodes 0"}) {
    check_refused(std::string("eval --model models/omniglot-protonet.safetensors ") + zero, std::string(zero).substr(0, std::string(zero).find(' ')));
  }
  CHECK_FALSE(fs::exists(out));

  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  refused("--algo maml --train-shots 3", "--train-shots is a Reptile option");
  refused("--algo reptile --inner-params weights", "--inner-params is a MAML / first-order MAML option");
  // 15-shot validation episodes need 30 of Omniglot's 20 drawings per class: refused up front
  refused("--algo reptile --shot 15", "validation episodes are 15-shot");
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.string() + ".ckpt"));
}

TEST_CASE("cli: an unknown subcommand is named; an output that cannot be written is refused before any work") {
  check_refused("bogus --out x", "unknown subcommand 'bogus'; the subcommands are ");
  check_refused("trian", "train");  // the list names the right one
  const fs::path missing = fs::path(scratch_path("no-such-folder")) / "model.safetensors";
  const std::string folder = fs::path(scratch_path("x")).parent_path().string();
  const std::string no_data = scratch_path("absent.csv");  // never read: the output is checked first
  check_refused("train --algo protonet --episodes 1 --out '" + missing.string() + "'",
                "--out " + missing.string() + ": the folder " + missing.parent_path().string() + " does not exist");
  check_refused("train --algo protonet --episodes 1 --out '" + folder + "'", "is a folder, not a file name");
  check_refused("kt-train --data '" + no_data + "' --out '" + missing.string() + "'", "the folder");
  const std::string out = scratch_path("kt-out.safetensors");
  check_refused("kt-train --data '" + no_data + "' --out '" + out + "' --baseline-out '" + missing.string() + "'",
                "--baseline-out " + missing.string());
  check_refused("kt-calibrate --model '" + no_data + "' --data '" + no_data + "' --out '" + missing.string() + "'", "--out");
  check_refused("simulate-fit --data '" + no_data + "' --out '" + missing.string() + "'", "does not exist");
  // --record rewrites the model: its folder is checked before the model is even read
  check_refused("eval --model '" + missing.string() + "' --episodes 1 --record", "--model (with --record) " + missing.string() + ": the folder");
  check_refused("kt-eval --model '" + missing.string() + "' --data '" + no_data + "' --record", "--model (with --record)");
  check_refused("kt-coldstart --model '" + missing.string() + "' --data '" + no_data + "' --record", "--model (with --record)");
  CHECK_FALSE(fs::exists(missing.parent_path()));
  CHECK_FALSE(fs::exists(out));
  // nothing is left behind by the check in a folder that can be written
  for (const auto& entry : fs::directory_iterator(folder)) {
    CHECK_MESSAGE(entry.path().filename().string().rfind(".metacog-write-check", 0) != 0, entry.path().string());
  }
}

TEST_CASE("cli train: an unset --episodes is the paper's schedule for the algorithm and way; Ctrl-C checkpoints it") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const fs::path out = scratch_path("paper-schedule.safetensors");
  struct Case {
    std::string options;
    int64_t iterations;
    float adam_lr;  // Reptile: its inner Adam's (its outer step is ε, annealed 1 → 0); MAML: the outer Adam's
  };
  // Nichol et al.'s 20-way schedule is longer and slower than their 5-way one; MAML's is one schedule
  for (const Case& c : {Case{"--algo reptile --way 20", 200000, 5e-4f}, Case{"--algo reptile", 100000, 1e-3f},
                        Case{"--algo maml --way 20 --meta-batch 2", 60000, 1e-3f}}) {
    CAPTURE(c.options);
    // interrupted as soon as the first iteration's progress line shows its total
    const CliResult r = run_cli_interrupted("train " + c.options + " --shot 1 --val-every 100000 --json --out '" +
                                                out.string() + "'",
                                            "/" + std::to_string(c.iterations) + " ");
    CHECK_MESSAGE(r.exit_code == 130, r.output);
    CHECK_MESSAGE(r.output.find("\"completed\":false") != std::string::npos, r.output);
    REQUIRE(fs::exists(out.string() + ".ckpt"));
    const metacog::SafetensorsFile ckpt = metacog::read_safetensors_file(out.string() + ".ckpt");
    const metacog::GradientMetaConfig config = metacog::GradientMetaConfig::from_json(ckpt.metadata.at("config"));
    CHECK(config.iterations == c.iterations);
    CHECK((config.algo == "reptile" ? config.inner_lr : config.outer_lr) == doctest::Approx(c.adam_lr));
    fs::remove(out);
    fs::remove(out.string() + ".ckpt");
  }
}

TEST_CASE("cli kt-train: Ctrl-C stops after the current epoch's checkpoint; --resume finishes the same model") {
  // synthetic 3-line logs: 800 learners of 40 answers on 5 skills (ability − difficulty + practice),
  // so that an epoch lasts about a second
  const std::string data = scratch_path("kt-ctrlc.txt");
  {
    std::ofstream f(data);
    metacog::Pcg32 rng(9);
    for (int u = 0; u < 800; ++u) {
      const double theta = rng.normal();
      std::string items, answers;
      for (int t = 0; t < 40; ++t) {
        const int s = static_cast<int>(rng.uniform_int(5));
        const double z = theta - 0.5 * (s - 2) + 0.05 * t;
        items += (t ? "," : "") + std::to_string(s + 1);
        answers += (t ? "," : "") + std::string(rng.uniform_double() < 1 / (1 + std::exp(-z)) ? "1" : "0");
      }
      f << 40 << "\n" << items << "\n" << answers << "\n";
    }
  }
  const std::string common = "kt-train --data '" + data + "' --algos reptile --max-epochs 4 --dim 4 --hidden 8 --seed 2 ";
  const fs::path out = scratch_path("kt-ctrlc.safetensors"), whole = scratch_path("kt-whole.safetensors");
  fs::remove(out.string() + ".ckpt");
  // interrupted once the data is loaded, during the first epoch: it ends that epoch, checkpoints and stops
  const CliResult r = run_cli_interrupted(common + "--out '" + out.string() + "'", "5 items, 5 skills");
  CHECK_MESSAGE(r.exit_code == 130, r.output);
  CHECK_MESSAGE(r.output.find("\"completed\":false") != std::string::npos, r.output);
  CHECK(r.output.find("stopped: checkpoint") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  REQUIRE(fs::exists(out.string() + ".ckpt"));
  const CliResult resumed = run_cli(common + "--resume --out '" + out.string() + "'");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(resumed.output.find("\"completed\":true") != std::string::npos);
  CHECK_FALSE(fs::exists(out.string() + ".ckpt"));  // removed once the model is written
  const CliResult once = run_cli(common + "--out '" + whole.string() + "'");
  REQUIRE_MESSAGE(once.exit_code == 0, once.output);
  const metacog::SafetensorsFile a = metacog::read_safetensors_file(out.string());
  const metacog::SafetensorsFile b = metacog::read_safetensors_file(whole.string());
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    CAPTURE(name);
    CHECK(t.bytes == b.tensors.at(name).bytes);
  }
  fs::remove(out);
  fs::remove(whole);
  fs::remove(data);
}

TEST_CASE("cli train → eval: the nearest resize is stored in the model and used for its test images") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const fs::path out = scratch_path("nearest.safetensors");
  const CliResult t = run_cli("train --algo protonet --way 5 --shot 1 --query 2 --episodes 2 --val-every 2 --val-episodes 2 "
                              "--resize nearest --seed 3 --json --out '" + out.string() + "'");
  REQUIRE_MESSAGE(t.exit_code == 0, t.output);
  const metacog::SafetensorsFile f = metacog::read_safetensors_file(out.string());
  REQUIRE(f.metadata.count(metacog::kOmniglotResizeKey) == 1);
  CHECK(f.metadata.at(metacog::kOmniglotResizeKey) == "nearest");
  CHECK(f.metadata.at("trained_on").find("nearest 105->28") != std::string::npos);
  const CliResult e = run_cli("eval --model '" + out.string() + "' --way 5 --shot 1 --query 2 --episodes 3 --json");
  REQUIRE_MESSAGE(e.exit_code == 0, e.output);
  CHECK(e.output.find("\"resize\":\"nearest\"") != std::string::npos);
  // the checkpoint remembers it too: resuming with the other resize is refused
  const CliResult resumed = run_cli("train --algo protonet --way 5 --shot 1 --query 2 --episodes 4 --val-every 2 "
                                    "--val-episodes 2 --resize box --resume --out '" + out.string() + "'");
  CHECK(resumed.exit_code != 0);
  CHECK(resumed.output.find("trained on --resize nearest") != std::string::npos);
  // and every other option the run was started with: a different one (or a default where the run gave
  // one) is refused, naming what differs, and the checkpoint is left as it was
  const std::string ckpt_before = read_text(out.string() + ".ckpt");
  const std::string same = "train --algo protonet --way 5 --query 2 --episodes 4 --val-every 2 --resize nearest --resume ";
  check_refused(same + "--shot 1 --val-episodes 2 --seed 4 --out '" + out.string() + "'", "/seed: checkpoint \"3\", command \"4\"");
  check_refused(same + "--val-episodes 2 --seed 3 --out '" + out.string() + "'", "/shot: checkpoint 1, command 5");  // --shot left out
  check_refused(same + "--shot 1 --val-episodes 2 --seed 3 --hidden 32 --out '" + out.string() + "'", "/arch/hidden: checkpoint 64, command 32");
  check_refused(same + "--shot 1 --val-episodes 3 --seed 3 --out '" + out.string() + "'", "--val-episodes: checkpoint 2, command 3");
  CHECK(read_text(out.string() + ".ckpt") == ckpt_before);
  // the same options with a longer budget continue it
  const CliResult longer = run_cli(same + "--shot 1 --val-episodes 2 --seed 3 --json --out '" + out.string() + "'");
  REQUIRE_MESSAGE(longer.exit_code == 0, longer.output);
  CHECK(longer.output.find("\"episodes\":4") != std::string::npos);
  // Reptile's --shot is only the validated shot (its tasks train with --train-shots, 10 either way),
  // so the checkpoint records it: resuming a 1-shot-validated run with --shot 5 is refused
  const fs::path rep = scratch_path("reptile-val-shot.safetensors");
  const std::string reptile = "train --algo reptile --way 5 --meta-batch 1 --inner-steps 1 --test-steps 1 --val-every 1 "
                              "--val-episodes 1 --out '" + rep.string() + "' ";
  const CliResult started = run_cli(reptile + "--shot 1 --episodes 1");
  REQUIRE_MESSAGE(started.exit_code == 0, started.output);
  check_refused(reptile + "--shot 5 --episodes 2 --resume", "validation shot (--shot): checkpoint 1, command 5");
  fs::remove(rep);
  fs::remove(rep.string() + ".ckpt");
  fs::remove(out);
  fs::remove(out.string() + ".ckpt");
}

TEST_CASE("cli train: --init names the starting model; a cosine-annealed run resumes only with its own --episodes") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const fs::path first = scratch_path("init-first.safetensors"), second = scratch_path("init-second.safetensors");
  const std::string tiny = "train --algo fomaml --way 5 --shot 1 --meta-batch 2 --val-every 2 --val-episodes 2 ";
  CliResult r = run_cli(tiny + "--episodes 2 --out '" + first.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  r = run_cli(tiny + "--episodes 2 --outer-anneal cosine --init '" + first.string() + "' --out '" + second.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::string trained_on = metacog::read_safetensors_file(second.string()).metadata.at("trained_on");
  CHECK(trained_on.find("outer step cosine-annealed to 0") != std::string::npos);
  CHECK(trained_on.find("initialised from " + first.string()) != std::string::npos);
  check_refused(tiny + "--episodes 4 --resume --out '" + second.string() + "'", "is a cosine-annealed run of --episodes 2");
  for (const fs::path& p : {first, second}) fs::remove(p), fs::remove(p.string() + ".ckpt");
}

TEST_CASE("cli train → eval: MAML++'s learned step sizes and multi-step loss — recorded, resumed, used at test") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const fs::path out = scratch_path("maml-plus.safetensors");
  const std::string tiny = "train --algo maml --way 5 --shot 1 --meta-batch 2 --inner-steps 2 --val-every 2 --val-episodes 2 "
                           "--learn-inner-lr --multi-step-loss 3 --out '" + out.string() + "' ";
  CliResult r = run_cli(tiny + "--episodes 2");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  r = run_cli(tiny + "--episodes 4 --resume --json");  // the checkpoint carries both options and the step sizes
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("\"episodes\":4") != std::string::npos);
  // the options change the objective: the checkpoint resumes only with the ones it started with
  const std::string plain = "train --algo maml --way 5 --shot 1 --meta-batch 2 --inner-steps 2 --val-every 2 --val-episodes 2 "
                            "--episodes 6 --resume --out '" + out.string() + "' ";
  check_refused(plain + "--multi-step-loss 3", "resume it with --learn-inner-lr");
  check_refused(plain + "--learn-inner-lr", "was started with --multi-step-loss 3");
  const metacog::SafetensorsFile f = metacog::read_safetensors_file(out.string());
  CHECK(f.metadata.at("trained_on").find("learned per-step inner steps, multi-step loss over 3 iterations") != std::string::npos);
  const metacog::Conv4Model m = metacog::conv4_from_safetensors(f);
  const metacog::GradientAdaptation how = metacog::read_adaptation(f, m.params);
  CHECK(how.learned_lr);
  CHECK(how.steps == 2);  // the test adapts with the learned steps, not MAML's 10
  CHECK(how.step_sizes.size() == m.params.size());
  const CliResult e = run_cli("eval --model '" + out.string() + "' --way 5 --shot 1 --query 2 --episodes 3 --bn transductive --json");
  REQUIRE_MESSAGE(e.exit_code == 0, e.output);
  CHECK_MESSAGE(e.output.find("eval 5-way 1-shot") != std::string::npos, e.output);  // progress on stderr
  // --test-steps probes another step count: not for learned step sizes, not recorded, not for metric models
  const std::string probe = " --way 5 --shot 1 --query 2 --episodes 3 --bn transductive";
  check_refused("eval --model '" + out.string() + "'" + probe + " --test-steps 3", "learned its step sizes for 2 adaptation steps");
  const CliResult two = run_cli("eval --model '" + out.string() + "'" + probe + " --test-steps 2 --json");
  CHECK_MESSAGE(two.exit_code == 0, two.output);
  const CliResult fomaml = run_cli("eval --model models/omniglot-fomaml.safetensors" + probe + " --test-steps 3 --json");
  REQUIRE_MESSAGE(fomaml.exit_code == 0, fomaml.output);
  CHECK(fomaml.output.find("\"test_steps\":3") != std::string::npos);
  check_refused("eval --model models/omniglot-fomaml.safetensors" + probe + " --test-steps 3 --record", "is not recorded");
  check_refused("eval --model models/omniglot-protonet.safetensors" + probe + " --test-steps 3", "--test-steps is for gradient-based models");
  fs::remove(out);
  fs::remove(out.string() + ".ckpt");
}

TEST_CASE("cli train → eval: a random-split model is evaluated only on its own split's test characters") {
  if (!metacog::test::require_data("omniglot/images_background.zip")) return;
  const fs::path out = scratch_path("random-split.safetensors");
  const CliResult t = run_cli("train --algo protonet --way 5 --shot 1 --query 2 --episodes 2 --val-every 2 --val-episodes 2 "
                              "--scheme random --split-seed 7 --seed 3 --json --out '" + out.string() + "'");
  REQUIRE_MESSAGE(t.exit_code == 0, t.output);
  const metacog::SafetensorsFile f = metacog::read_safetensors_file(out.string());
  CHECK(metacog::model_omniglot_split(f) == "random:7");
  CHECK(f.metadata.at("trained_on").rfind("omniglot random:7/train", 0) == 0);
  CHECK(metacog::model_omniglot_split(metacog::read_safetensors_file(out.string() + ".ckpt")) == "random:7");
  // the checkpoint keeps the best validation accuracy exactly: a resumed run compares new ones with it
  CHECK(std::stod(metacog::read_safetensors_file(out.string() + ".ckpt").metadata.at("best_val")) ==
        printed_json(t).at("best_val_accuracy").get<double>());
  const CliResult e = run_cli("eval --model '" + out.string() + "' --scheme random --way 5 --shot 1 --query 2 --episodes 3 --json");
  REQUIRE_MESSAGE(e.exit_code == 0, e.output);
  CHECK(e.output.find("\"scheme\":\"random\"") != std::string::npos);
  // Reptile's test protocol (rotation 0 only) is recorded under its own key, beside "test/…"
  const CliResult upright = run_cli("eval --model '" + out.string() +
                                    "' --scheme random --split test-unrotated --way 5 --shot 1 --query 2 --episodes 3 --record --json");
  REQUIRE_MESSAGE(upright.exit_code == 0, upright.output);
  CHECK(upright.output.find("\"split\":\"test-unrotated\"") != std::string::npos);
  const nlohmann::json recorded = nlohmann::json::parse(metacog::read_safetensors_file(out.string()).metadata.at("metrics"));
  CHECK(recorded.contains("test-unrotated/5w1s/running"));
  CHECK_FALSE(recorded.contains("test/5w1s/running"));
  // the Vinyals test characters include this model's training characters (and the reverse)
  const CliResult vinyals = run_cli("eval --model '" + out.string() + "' --way 5 --shot 1 --query 2 --episodes 3");
  CHECK(vinyals.exit_code != 0);
  CHECK(vinyals.output.find("evaluate it with --scheme random") != std::string::npos);
  // so do Lake's runs (images_evaluation characters): refused before any run is loaded
  const CliResult lake = run_cli("eval --model '" + out.string() + "' --split lake-runs --json");
  CHECK(lake.exit_code != 0);
  CHECK(lake.output.find("INVALID_ARGUMENT") != std::string::npos);
  CHECK(lake.output.find("evaluate it with --scheme random") != std::string::npos);
  const CliResult shipped = run_cli("eval --model models/omniglot-protonet.safetensors --scheme random --episodes 3");
  CHECK(shipped.exit_code != 0);
  CHECK(shipped.output.find("--scheme random evaluates models trained with --scheme random") != std::string::npos);
  // nor a Vinyals-split model on the lake scheme: Lake's evaluation alphabets hold its training characters
  check_refused("eval --model models/omniglot-protonet.safetensors --scheme lake --episodes 3", "evaluate it with --scheme vinyals");
  // a malformed record is a typed error, not a crash
  metacog::SafetensorsFile bad = f;
  bad.metadata[metacog::kOmniglotSplitKey] = "random:seven";
  const fs::path bad_path = scratch_path("random-split-bad.safetensors");
  metacog::write_safetensors_file(bad_path.string(), bad);
  const CliResult malformed = run_cli("eval --model '" + bad_path.string() + "' --scheme random --episodes 3");
  CHECK(malformed.exit_code != 0);
  CHECK(malformed.output.find("MODEL_FORMAT") != std::string::npos);
  fs::remove(bad_path);
  // so is a checkpoint with a malformed record, and resuming it changes nothing
  {
    const std::string ckpt = out.string() + ".ckpt";
    const metacog::SafetensorsFile good_ckpt = metacog::read_safetensors_file(ckpt);
    metacog::SafetensorsFile bad_ckpt = good_ckpt;
    bad_ckpt.metadata[metacog::kOmniglotSplitKey] = "random:7x";
    metacog::write_safetensors_file(ckpt, bad_ckpt);
    const CliResult resumed = run_cli("train --algo protonet --way 5 --shot 1 --query 2 --episodes 4 --val-every 2 "
                                      "--val-episodes 2 --scheme random --split-seed 7 --resume --out '" + out.string() + "'");
    CHECK(resumed.exit_code != 0);
    CHECK(resumed.output.find("MODEL_FORMAT") != std::string::npos);
    CHECK(metacog::model_omniglot_split(metacog::read_safetensors_file(ckpt)) == "random:7x");
    metacog::write_safetensors_file(ckpt, good_ckpt);
  }
  // a run without --resume starts over but keeps the earlier run's checkpoint, and says so
  {
    const std::string ckpt_before = read_text(out.string() + ".ckpt");
    const CliResult again = run_cli("train --algo protonet --way 5 --shot 1 --query 2 --episodes 2 --val-every 2 "
                                    "--val-episodes 2 --scheme random --split-seed 7 --seed 4 --out '" + out.string() + "'");
    CHECK_MESSAGE(again.exit_code == 0, again.output);
    CHECK(again.output.find("the earlier run's checkpoint is kept as") != std::string::npos);
    CHECK(read_text(out.string() + ".ckpt.previous") == ckpt_before);
    CHECK(read_text(out.string() + ".ckpt") != ckpt_before);
    fs::remove(out.string() + ".ckpt.previous");
  }
  // a checkpoint resumes only on its own split
  for (const std::string other : {"--scheme vinyals", "--scheme random --split-seed 8"}) {
    const CliResult resumed = run_cli("train --algo protonet --way 5 --shot 1 --query 2 --episodes 4 --val-every 2 "
                                      "--val-episodes 2 " + other + " --resume --out '" + out.string() + "'");
    CHECK(resumed.exit_code != 0);
    CHECK(resumed.output.find("trained on the random:7 character split") != std::string::npos);
  }
  fs::remove(out);
  fs::remove(out.string() + ".ckpt");
}

TEST_CASE("cli kt-train: overrides reach the candidates' configs; one that makes grid points identical trains each once") {
  // --prior-precision 100 turns the grid's FOMAML κ = 10 and κ = 100 into one configuration
  const fs::path data = scratch_path("kt.csv"), out = scratch_path("kt.safetensors");
  {
    std::ofstream f(data);
    f << "learner,item,skill,correct,timestamp\n";
    metacog::Pcg32 rng(4);
    for (int u = 0; u < 30; ++u) {
      for (int t = 0; t < 12; ++t) {
        const int item = static_cast<int>(rng.uniform_int(10));
        f << "u" << u << ",i" << item << ",s" << item % 3 << "," << (rng.uniform() < 0.6f ? 1 : 0) << "," << t << "\n";
      }
    }
  }
  const CliResult r = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() +
                              "' --algos fomaml --prior-precision 100 --max-epochs 1 --no-refit --dim 4 --hidden 8 --seed 2 "
                              "--inner-lr 0.7 --early-weight 2 --early-positions 5 --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const metacog::SafetensorsFile f = metacog::read_safetensors_file(out.string());
  const nlohmann::json metrics = nlohmann::json::parse(f.metadata.at("metrics"));
  const nlohmann::json& candidates = metrics.at("selection").at("candidates");
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0].at("config").at("arch").at("prior_precision") == 100.0);
  CHECK(candidates[0].at("config").at("arch").at("inner_lr") == 0.7);
  CHECK(candidates[0].at("config").at("early_weight") == 2.0);
  CHECK(candidates[0].at("config").at("early_positions") == 5);
  fs::remove(out.string() + ".ckpt");
  // second-order MAML at FOMAML's grid points (κ = 10 and 100), with its horizon
  const CliResult m = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() +
                              "' --algos maml --max-epochs 1 --no-refit --dim 4 --hidden 8 --seed 2 --maml-horizon 2 "
                              "--unadapted-weight 0.5 --json");
  REQUIRE_MESSAGE(m.exit_code == 0, m.output);
  const nlohmann::json maml = nlohmann::json::parse(
      metacog::read_safetensors_file(out.string()).metadata.at("metrics")).at("selection").at("candidates");
  REQUIRE(maml.size() == 2);
  for (const auto& c : maml) {
    CHECK(c.at("algo") == "maml");
    CHECK(c.at("config").at("maml_horizon") == 2);
    CHECK(c.at("config").at("unadapted_weight") == 0.5);
  }
  fs::remove(out.string() + ".ckpt");
  // the non-meta network alone: it is the --out model, and the --baseline-out one when asked
  // (--unadapted-weight is for the meta-learned candidates: the non-meta network, which refuses it, is left as is)
  const fs::path base = scratch_path("kt-base.safetensors");
  const CliResult p = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() + "' --baseline-out '" +
                              base.string() + "' --algos pretrain --max-epochs 1 --dim 4 --hidden 8 --seed 2 "
                              "--unadapted-weight 0.5 --json");
  REQUIRE_MESSAGE(p.exit_code == 0, p.output);
  const metacog::SafetensorsFile pf = metacog::read_safetensors_file(out.string());
  CHECK(pf.metadata.at("algo") == "learner-pretrain");
  CHECK(nlohmann::json::parse(pf.metadata.at("metrics")).at("validation").at("auc").is_number());
  const metacog::SafetensorsFile bf = metacog::read_safetensors_file(base.string());
  CHECK(bf.metadata.at("algo") == "learner-pretrain");
  // the baseline file has metrics too: its own validation AUC (design.md §3.3: every model)
  CHECK(nlohmann::json::parse(bf.metadata.at("metrics")).at("validation").at("auc") ==
        nlohmann::json::parse(pf.metadata.at("metrics")).at("validation").at("auc"));
  CHECK(p.output.find("\"algo\":\"learner-pretrain\"") != std::string::npos);
  fs::remove(base);
  fs::remove(out.string() + ".ckpt");
  // --warm-start: the non-meta network is trained first and every meta-learned candidate starts from it
  const CliResult w = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() + "' --baseline-out '" +
                              base.string() + "' --algos fomaml,pretrain --prior-precision 10 --warm-start --lr 0.0005 "
                              "--max-epochs 1 --no-refit --dim 4 --hidden 8 --seed 2 --json");
  REQUIRE_MESSAGE(w.exit_code == 0, w.output);
  const nlohmann::json warm = nlohmann::json::parse(
      metacog::read_safetensors_file(out.string()).metadata.at("metrics")).at("selection").at("candidates");
  REQUIRE(warm.size() == 2);
  CHECK(warm[0].at("algo") == "pretrain");
  // beside a meta-learned model, the baseline file's metrics are the non-meta candidate's own, not the chosen one's
  CHECK(nlohmann::json::parse(metacog::read_safetensors_file(base.string()).metadata.at("metrics"))
            .at("validation").at("auc") == warm[0].at("valid_auc"));
  CHECK(warm[0].at("valid_auc") != warm[1].at("valid_auc"));  // so the check above tells them apart
  fs::remove(base);
  CHECK(warm[1].at("algo") == "fomaml");
  CHECK(warm[1].at("config").at("warm_start") == true);
  CHECK(warm[1].at("config").at("lr") == 0.0005);  // --lr: the meta-learned candidates' step only
  CHECK(warm[0].at("config").at("lr") == 0.003);
  fs::remove(out.string() + ".ckpt");
  // … and needs the non-meta network among the candidates
  const CliResult lone = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() +
                                 "' --algos fomaml --warm-start --max-epochs 1 --no-refit --dim 4 --hidden 8 --json");
  CHECK(lone.exit_code != 0);
  CHECK(lone.output.find("pretrain") != std::string::npos);
  // a misspelt algorithm is an error, not silently dropped
  const CliResult typo = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() +
                                 "' --algos fomaml,mamll --max-epochs 1 --no-refit --dim 4 --hidden 8 --json");
  CHECK(typo.exit_code != 0);
  CHECK(typo.output.find("mamll") != std::string::npos);
  fs::remove(data);
  fs::remove(out);
  fs::remove(out.string() + ".ckpt");
}

TEST_CASE("cli kt-eval / kt-coldstart: the model with its inner loop off is reported beside it") {
  const fs::path data = scratch_path("kt-abl-train.csv"), test = scratch_path("kt-abl-test.csv"), out = scratch_path("kt-abl.safetensors");
  auto write = [](const fs::path& path, uint64_t seed, int learners) {
    // learners differ in ability, so adapting to one learner's answers changes its predictions
    std::ofstream f(path);
    f << "learner,item,skill,correct,timestamp\n";
    metacog::Pcg32 rng(seed);
    for (int u = 0; u < learners; ++u) {
      const float ability = rng.uniform();
      for (int t = 0; t < 15; ++t) {
        const int item = static_cast<int>(rng.uniform_int(10));
        f << "u" << u << ",i" << item << ",s" << item % 3 << "," << (rng.uniform() < ability ? 1 : 0) << "," << t << "\n";
      }
    }
  };
  write(data, 5, 40);
  write(test, 6, 25);
  const CliResult t = run_cli("kt-train --data '" + data.string() + "' --out '" + out.string() +
                              "' --algos fomaml --prior-precision 1 --max-epochs 1 --no-refit --dim 4 --hidden 8 --seed 2 --json");
  REQUIRE_MESSAGE(t.exit_code == 0, t.output);
  const CliResult e = run_cli("kt-eval --model '" + out.string() + "' --data '" + test.string() + "' --no-baselines --json");
  REQUIRE_MESSAGE(e.exit_code == 0, e.output);
  const nlohmann::json ej = nlohmann::json::parse(e.output.substr(e.output.find('{')));
  const nlohmann::json& frozen = ej.at("ablations").at("no_adaptation");
  CHECK(frozen.at("n") == ej.at("n"));
  CHECK(frozen.at("auc").get<double>() != ej.at("auc").get<double>());
  const CliResult c = run_cli("kt-coldstart --model '" + out.string() + "' --data '" + test.string() + "' --no-baselines --json");
  REQUIRE_MESSAGE(c.exit_code == 0, c.output);
  const nlohmann::json cj = nlohmann::json::parse(c.output.substr(c.output.find('{')));
  CHECK_FALSE(cj.contains("baselines"));
  const nlohmann::json& m = cj.at("ablations").at("no_adaptation").at("margin");
  const double est = m.at("metacog_minus_this_mean_auc_k1_10").get<double>();
  CHECK(est == doctest::Approx(cj.at("mean_auc_k1_10").get<double>() -
                               cj.at("ablations").at("no_adaptation").at("mean_auc_k1_10").get<double>()));
  CHECK(m.at("ci95_low").get<double>() <= est);
  CHECK(est <= m.at("ci95_high").get<double>());
  for (const fs::path& p : {data, test, out}) fs::remove(p);
  fs::remove(out.string() + ".ckpt");
}

TEST_CASE("cli eval: a matching network is scored with its own attention kernel, on Lake's runs too; one that does not name it is refused") {
  if (!metacog::test::require_data("omniglot/one-shot-classification/all_runs.zip")) return;
  const std::string model = "models/omniglot-matchingnet.safetensors";  // cosine (1-shot euclidean would equal ProtoNet)
  const CliResult lake = run_cli("eval --model " + model + " --split lake-runs --json");
  REQUIRE_MESSAGE(lake.exit_code == 0, lake.output);
  // the same weights read as a prototypical network: another classifier, another score on the same runs
  metacog::SafetensorsFile f = metacog::read_safetensors_file(metacog::test::source_dir() + "/" + model);  // the CLI runs from there
  metacog::SafetensorsFile as_protonet = f;
  as_protonet.metadata["algo"] = "protonet";
  const fs::path proto = scratch_path("matchingnet-as-protonet.safetensors");
  metacog::write_safetensors_file(proto.string(), as_protonet);
  const CliResult p = run_cli("eval --model '" + proto.string() + "' --split lake-runs --json");
  REQUIRE_MESSAGE(p.exit_code == 0, p.output);
  CHECK(printed_json(lake).at("accuracy") != printed_json(p).at("accuracy"));
  // Lake's runs fix way, shot, query and episodes: giving them is refused, not ignored
  check_refused("eval --model " + model + " --split lake-runs --way 7 --json", "do not apply");
  // a file written since session 55 names its kernel in __metadata__.attention: the same score
  metacog::SafetensorsFile current = f;
  nlohmann::json results = nlohmann::json::parse(f.metadata.at("metrics"));
  current.metadata["attention"] = results.at("attention").get<std::string>();
  results.erase("attention");
  current.metadata["metrics"] = results.dump();
  const fs::path moved = scratch_path("matchingnet-kernel-in-metadata.safetensors");
  metacog::write_safetensors_file(moved.string(), current);
  const CliResult same = run_cli("eval --model '" + moved.string() + "' --split lake-runs --json");
  REQUIRE_MESSAGE(same.exit_code == 0, same.output);
  CHECK(printed_json(same).at("accuracy") == printed_json(lake).at("accuracy"));
  fs::remove(moved);
  // no kernel named: refused rather than scored with a default
  metacog::SafetensorsFile unnamed = f;
  unnamed.metadata["metrics"] = "{}";
  unnamed.metadata.erase("attention");
  const fs::path bad = scratch_path("matchingnet-unnamed.safetensors");
  metacog::write_safetensors_file(bad.string(), unnamed);
  check_refused("eval --model '" + bad.string() + "' --episodes 3 --json", "MODEL_FORMAT");
  fs::remove(proto);
  fs::remove(bad);
}

TEST_CASE("cli simulate: Ctrl-C exits 130 (the SIGINT convention, as train and kt-train) and writes nothing") {
  const fs::path logs = scratch_path("simulate-interrupted.csv");
  fs::remove(logs);
  // interrupted as soon as the progress line shows the learners' total
  const CliResult r = run_cli_interrupted("simulate --item-bank web/demo/item-bank.json --policy random --learners 1000000 --json "
                                          "--logs-out '" + logs.string() + "'",
                                          "/1000000 ");
  CHECK_MESSAGE(r.exit_code == 130, r.output);
  CHECK(r.output.find("interrupted") != std::string::npos);
  CHECK_FALSE(fs::exists(logs));
}

TEST_CASE("cli: a default path relative to the working directory says so when it is missing there, and how to give another") {
  const metacog::test::TempDir elsewhere("cli-elsewhere");
  const std::string bank = "--item-bank '" + metacog::test::source_dir() + "/web/demo/item-bank.json'";
  // run from another folder, simulate's default --params (models/simulator-params.json) is not there
  CliResult r = run_cli("simulate " + bank + " --policy random --learners 1", elsewhere.path.string());
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.output.find("error: IO: cannot open models/simulator-params.json") != std::string::npos, r.output);
  CHECK_MESSAGE(r.output.find("(the default --params, relative to the working directory " + elsewhere.path.string() +
                              ": run from the repository root, pass --params, or create it with `metacog simulate-fit`)") !=
                                  std::string::npos,
                r.output);
  // a path the user gave is theirs to fix: no hint about defaults
  r = run_cli("simulate " + bank + " --policy random --learners 1 --params no-such.json", elsewhere.path.string());
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("create it with `metacog simulate-fit`") != std::string::npos);
  CHECK(r.output.find("the default --params") == std::string::npos);
  // where the default exists (a malformed one here), the error is about the file, not the working directory
  {
    const std::string broken = elsewhere.path.string() + "/models";
    fs::create_directories(broken);
    std::ofstream(broken + "/simulator-params.json") << "{ not json";
    r = run_cli("simulate " + bank + " --policy random --learners 1", elsewhere.path.string());
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("the default --params") == std::string::npos);
    CHECK(r.output.find("models/simulator-params.json") != std::string::npos);  // the error still names the file
  }
  // eval's default --data (../shared/data/omniglot, unless METACOG_DATA is set)
  if (std::getenv("METACOG_DATA") == nullptr) {
    r = run_cli("eval --model '" + metacog::test::source_dir() + "/models/omniglot-protonet.safetensors' --episodes 1",
                elsewhere.path.string());
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.output.find("(the default --data, relative to the working directory") != std::string::npos, r.output);
    // an error about another file (the model) gets no hint
    r = run_cli("eval --model no-such.safetensors --episodes 1", elsewhere.path.string());
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("the default --data") == std::string::npos);
  }
}

TEST_CASE("cli eval: errors about a model name its file; --record writes only into the model it evaluated") {
  if (!metacog::test::require_data("omniglot/images_evaluation.zip")) return;
  const fs::path path = scratch_path("record-target.safetensors");
  // the shipped model without the result this test records (so finding it shows it was recorded)
  metacog::SafetensorsFile shipped =
      metacog::read_safetensors_file(metacog::test::source_dir() + "/models/omniglot-protonet.safetensors");
  {
    nlohmann::json m = nlohmann::json::parse(shipped.metadata.at("metrics"));
    m.erase("test/5w1s/running");
    shipped.metadata["metrics"] = m.dump();
  }
  // a tensor missing is found while the model is built from the parsed file: the error names the file
  metacog::SafetensorsFile broken = shipped;
  broken.tensors.erase(broken.tensors.begin());
  metacog::write_safetensors_file(path.string(), broken);
  check_refused("eval --model '" + path.string() + "' --episodes 3", path.string() + ": ");
  check_refused("kt-eval --model '" + path.string() + "' --data no-such-test.csv", path.string() + ": ");  // read before the data
  // what a model says about its evaluation (adaptation settings, attention kernel) is read before
  // any episode runs: the error names the file (until session 55 it came from inside the episodes)
  auto refused_as = [&](const std::string& model, const std::function<void(metacog::SafetensorsFile&)>& spoil) {
    metacog::SafetensorsFile f = metacog::read_safetensors_file(metacog::test::source_dir() + "/models/" + model);
    spoil(f);
    metacog::write_safetensors_file(path.string(), f);
    const CliResult r = run_cli("eval --model '" + path.string() + "' --bn transductive --episodes 3 --json");
    CHECK_MESSAGE(r.exit_code != 0, model);
    CHECK_MESSAGE(r.output.find(path.string() + ": ") != std::string::npos, r.output);
    CHECK_MESSAGE(r.output.find("MODEL_FORMAT") != std::string::npos, r.output);
  };
  refused_as("omniglot-maml.safetensors", [](metacog::SafetensorsFile& f) {  // well formed, out of range
    nlohmann::json how = nlohmann::json::parse(f.metadata.at("adaptation"));
    how["lr"] = -1;
    f.metadata["adaptation"] = how.dump();
  });
  refused_as("omniglot-maml.safetensors", [](metacog::SafetensorsFile& f) { f.metadata["adaptation"] = "{\"lr\": 0.4}"; });
  refused_as("omniglot-finetune.safetensors", [](metacog::SafetensorsFile& f) { f.metadata.erase("adaptation"); });
  refused_as("omniglot-matchingnet.safetensors", [](metacog::SafetensorsFile& f) {
    nlohmann::json m = nlohmann::json::parse(f.metadata.at("metrics"));
    m.erase("attention");
    f.metadata["metrics"] = m.dump();
    f.metadata.erase("attention");
  });

  const std::string record = "eval --model '" + path.string() + "' --way 5 --shot 1 --query 15 --episodes 1000 --record";
  const std::string started = "eval 5-way 1-shot [";
  // another model written to the file during the evaluation: the result is not recorded into it
  metacog::SafetensorsFile other = shipped;
  other.tensors.begin()->second.bytes[0] ^= 1;
  metacog::write_safetensors_file(path.string(), shipped);
  const CliResult replaced =
      run_cli_until(record, started, [&](pid_t) { metacog::write_safetensors_file(path.string(), other); }, 600);
  CHECK(replaced.exit_code != 0);
  CHECK_MESSAGE(replaced.output.find("another model than the one evaluated") != std::string::npos, replaced.output);
  const metacog::SafetensorsFile left = metacog::read_safetensors_file(path.string());
  CHECK(left.metadata == other.metadata);
  CHECK(left.tensors.begin()->second.bytes == other.tensors.begin()->second.bytes);
  // the same model with a result recorded meanwhile under another key: both results are kept
  metacog::SafetensorsFile noted = shipped;
  nlohmann::json metrics = nlohmann::json::parse(noted.metadata.at("metrics"));
  metrics["probe"] = 1;
  noted.metadata["metrics"] = metrics.dump();
  metacog::write_safetensors_file(path.string(), shipped);
  const CliResult merged =
      run_cli_until(record, started, [&](pid_t) { metacog::write_safetensors_file(path.string(), noted); }, 600);
  REQUIRE_MESSAGE(merged.exit_code == 0, merged.output);
  const nlohmann::json kept = nlohmann::json::parse(metacog::read_safetensors_file(path.string()).metadata.at("metrics"));
  CHECK(kept.contains("probe"));
  CHECK(kept.contains("test/5w1s/running"));
  // a record holds the lock of the model's folder (folder_lock.hpp) from its read to its write: while
  // this test holds it, a finished evaluation waits, and a result this test records meanwhile is kept.
  // The model sits in a folder of its own, so that no other command's lock is held.
  const metacog::test::TempDir own("lock");
  const fs::path target = own.path / "model.safetensors";
  metacog::write_safetensors_file(target.string(), shipped);
  struct HeldLock {  // released however the test ends
    int fd;
    ~HeldLock() {
      ::flock(fd, LOCK_UN);
      ::close(fd);
    }
  };
  std::unique_ptr<HeldLock> lock(new HeldLock{::open(own.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)});
  REQUIRE(lock->fd >= 0);
  REQUIRE(::flock(lock->fd, LOCK_EX) == 0);
  bool waited = false;
  const CliResult locked = run_cli_until(
      "eval --model '" + target.string() + "' --way 5 --shot 1 --query 15 --episodes 3 --record", "] 3/3",
      [&](pid_t) {
        std::this_thread::sleep_for(std::chrono::seconds(2));  // the record would take milliseconds
        metacog::SafetensorsFile now = metacog::read_safetensors_file(target.string());
        nlohmann::json m = nlohmann::json::parse(now.metadata.at("metrics"));
        waited = !m.contains("test/5w1s/running");
        m["probe-under-lock"] = 1;
        now.metadata["metrics"] = m.dump();
        metacog::write_safetensors_file(target.string(), now);
        lock.reset();
      },
      600);
  lock.reset();
  CHECK_MESSAGE(waited, "the record did not wait for the folder's lock");
  REQUIRE_MESSAGE(locked.exit_code == 0, locked.output);
  CHECK_MESSAGE(locked.output.find("waiting for another metacog command") != std::string::npos, locked.output);
  const nlohmann::json both = nlohmann::json::parse(metacog::read_safetensors_file(target.string()).metadata.at("metrics"));
  CHECK(both.contains("probe-under-lock"));
  CHECK(both.contains("test/5w1s/running"));
  fs::remove(path);
}
