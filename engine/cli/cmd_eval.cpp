// engine/cli/cmd_eval.cpp — `metacog eval`: few-shot accuracy of a model on Omniglot test episodes.
//
//     metacog eval --model models/omniglot-protonet.safetensors --data ../shared/data/omniglot
//       --way 5 --shot 1 --query 15 --episodes 1000 [--split test] [--bn running|transductive] --json
//     → {"algo", "way", "shot", "query", "episodes", "accuracy", "ci95", "bn", "split", "dataset", "scheme", "seed",
//        "resize", "seconds"} ("scheme" and "resize" for Omniglot only; no "scheme" or "seed" for lake-runs)
//
// Protocol (design.md §4): `episodes` episodes drawn with Pcg32(--seed) from the split's classes
// (Vinyals split by default; --split lake-runs evaluates Lake's 20 one-shot runs instead), accuracy
// per episode, mean ± 1.96·std/√episodes. --record merges the result into the model file's
// __metadata__.metrics under "<split>/<way>w<shot>s/<bn>". A Matching Network trained with --fce
// is evaluated with its full-context embeddings (from the file's metadata). The test images are
// resized as the model's training images were (its "omniglot_resize" metadata, omniglot.hpp).
// --scheme random evaluates a model trained with `metacog train --scheme random` on the test
// characters of its own split (the split seed comes from its "omniglot_split" metadata); any other
// pairing of a random-split model and a scheme (or --split lake-runs) is refused, since the test
// characters would overlap its training characters; so is a Vinyals-split model on --scheme lake (or
// the reverse): a model is tested on its own scheme's test characters. --split lake-runs takes no
// episode options (its runs are fixed) and scores a matching network with its own attention kernel.
// With --scheme random, --split test-unrotated
// tests the same characters at rotation 0 only, Reptile's own test protocol (omniglot.hpp); it is
// recorded under its own key, "test-unrotated/…".
// --dataset mini-imagenet --data ROOT evaluates a model trained with `metacog train --dataset mini-imagenet` on
// episodes of ROOT/<split>.csv (Ravi & Larochelle's layout, omniglot.hpp); a model is only tested on the
// dataset it was trained on (its "dataset" metadata, model_io.hpp).
// --test-steps N (maml, fomaml, reptile) adapts with N steps instead of the model's own count — a probe
// of what the step count does, so it is not recorded (--record is refused with it), and a model with
// learned per-step step sizes (MAML++'s LSLR) has no step sizes for another count (refused).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "validators.hpp"
#include "model_record.hpp"
#include "metacog/error.hpp"
#include "metacog/few_shot_eval.hpp"
#include "metacog/gradient_meta.hpp"
#include "metacog/meta_train.hpp"
#include "metacog/model_file.hpp"
#include "metacog/model_io.hpp"
#include "metacog/omniglot.hpp"
#include "metacog/ops.hpp"
#include "output_path.hpp"
#include "progress.hpp"

namespace metacog::cli {
namespace {

struct EvalOptions {
  std::string model, data, split = "test", scheme = "vinyals", bn = "running", cache = "build/cache";
  std::string dataset = "omniglot";  ///< "omniglot" | "mini-imagenet"
  bool data_given = false, scheme_given = false, cache_given = false;
  /** --way, --shot, --query, --episodes or --seed given (Lake's runs fix all of them). */
  bool episode_options_given = false;
  int way = 5, shot = 1, query = 15, episodes = 1000;
  int test_steps = 0;  ///< > 0: adapt with this many steps instead of the model's (not recordable)
  uint64_t seed = 2024;
  bool json = false, record = false;
};

/** Lake's runs: the 20 training drawings are the support set (prototypes, or a matching network's attention over
 *  them with its own kernel), accuracy over the 20 test drawings per run. */
MeanCi eval_lake_runs(const FewShotModel& model, const std::string& data, BnMode mode, OmniglotResize resize) {
  NoGradGuard no_grad;
  const Conv4Model& m = model.model;
  Buffers buffers = clone_buffers(m.buffers);
  const std::string& attention = model.attention;  // "" for a prototypical network
  std::vector<double> acc;
  for (const OmniglotOneShotRun& run : load_omniglot_oneshot_runs(data, resize)) {
    const Var z = conv4_embed(m.arch, m.params, Var(concat_rows<float>({Var(run.training), Var(run.test)}).value()), mode,
                              &buffers);
    // the run's 20 training images are the support set, one per class, in class order
    const Var query = slice_rows(z, 20, 40), support = slice_rows(z, 0, 20);
    const Var lp = attention.empty() ? protonet_log_probs(query, support)
                                     : matchingnet_log_probs(query, support, 20, 1, attention);
    int correct = 0;
    for (int i = 0; i < 20; ++i) {
      int best = 0;
      for (int j = 1; j < 20; ++j) if (lp.value()[i * 20 + j] > lp.value()[i * 20 + best]) best = j;
      correct += best == run.answers[i];
    }
    acc.push_back(correct / 20.0);
  }
  return mean_ci95(acc);
}

/** The model file with its adaptation's step count replaced by `steps` (gradient-based models only). */
SafetensorsFile with_test_steps(SafetensorsFile file, int steps) {
  const auto algo = file.metadata.find("algo");
  const auto it = file.metadata.find("adaptation");
  require(algo != file.metadata.end() && is_gradient_algo(algo->second) && it != file.metadata.end(),
          ErrorCode::InvalidArgument,
          "--test-steps is for gradient-based models (maml, fomaml, reptile), which adapt at test; this one is '" +
              (algo == file.metadata.end() ? std::string("?") : algo->second) + "'");
  GradientAdaptation how = GradientAdaptation::from_json(it->second);
  require(!how.learned_lr || how.steps == steps, ErrorCode::InvalidArgument,
          "this model learned its step sizes for " + std::to_string(how.steps) + " adaptation steps; it cannot adapt with " +
              std::to_string(steps));
  how.steps = steps;
  it->second = how.to_json();
  return file;
}

/**
 * The Omniglot character scheme a model was trained on: its split record's, or for files from
 * before the record, the one its trained_on names ("omniglot vinyals/train (…)"); empty when
 * neither says.
 */
std::string trained_scheme(const OmniglotSplitRecord& split, const std::string& trained_on) {
  if (!split.scheme.empty()) return split.scheme;
  for (const char* scheme : {"vinyals", "lake"}) {
    if (trained_on.rfind(std::string("omniglot ") + scheme + "/", 0) == 0) return scheme;
  }
  return {};
}

/** evaluate_few_shot with a progress bar and ETA on stderr (design.md §3.2). */
MeanCi evaluate_with_progress(const FewShotModel& model, const ImageDataset& test, const EpisodeSpec& spec, int episodes,
                              uint64_t seed, BnMode mode) {
  Progress bar("eval " + std::to_string(spec.n_way) + "-way " + std::to_string(spec.k_shot) + "-shot", episodes);
  const MeanCi r = evaluate_few_shot(model, test, spec, episodes, seed, mode, [&](int done) { bar.update(done, ""); });
  bar.finish();
  return r;
}

int run_eval(const EvalOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  require(o.test_steps == 0 || !o.record, ErrorCode::InvalidArgument,
          "--test-steps is a probe of the model with another step count; its result is not recorded (drop --record)");
  // --record rewrites the model file at the end: a folder that refuses it is found before the episodes run
  if (o.record) require_writable_output("--model (with --record)", o.model);
  const SafetensorsFile file = from_model_file(o.model, [&](SafetensorsFile f) {
    if (o.test_steps > 0) return with_test_steps(std::move(f), o.test_steps);
    return f;
  });
  auto of_model = [&](auto read) { return naming_file(o.model, read); };  // what the file says: errors name it
  // the whole model, its adaptation settings and attention kernel included, before any episode runs
  const FewShotModel model = of_model([&] { return read_few_shot_model(file); });
  const Conv4Model& m = model.model;
  const bool fce = model.fce.has_value();
  const std::string algo = m.header.algo;
  // test images made like the training images
  const OmniglotResize resize = of_model([&] { return model_omniglot_resize(file); });
  const BnMode mode = parse_bn_mode(o.bn);
  require(mode != BnMode::Train, ErrorCode::InvalidArgument, "--bn must be running or transductive");
  MeanCi r;
  int way = o.way, shot = o.shot, episodes = o.episodes, query = o.query;
  const std::string trained_on = of_model([&] { return model_image_dataset(file); });
  require(trained_on == o.dataset, ErrorCode::InvalidArgument,
          "this model was trained on " + trained_on + ": evaluate it with --dataset " + trained_on);
  const bool mini = o.dataset == "mini-imagenet";
  const std::string trained_split = of_model([&] { return model_omniglot_split(file); });
  const OmniglotSplitRecord split = of_model([&] { return parse_omniglot_split(trained_split); });
  const bool random_model = split.scheme == "random";
  if (mini) {
    require(o.data_given, ErrorCode::InvalidArgument,
            "--dataset mini-imagenet needs --data: the root holding test.csv (val.csv, train.csv) and images/");
    require(!o.scheme_given && !o.cache_given && o.split != "lake-runs", ErrorCode::InvalidArgument,
            "--scheme, --cache and --split lake-runs are Omniglot options; mini-ImageNet's splits are test, val and train");
    const ImageDataset test = load_mini_imagenet(o.data, o.split, m.arch.image_size);
    r = evaluate_with_progress(model, test, {way, shot, query}, episodes, o.seed, mode);
  } else if (o.split == "lake-runs") {
    // Lake's runs draw on images_evaluation characters, which a random-split model may have trained
    // on (its characters come from both zips): refused, as on the Vinyals test.
    require(!random_model, ErrorCode::InvalidArgument,
            "this model was trained on the " + trained_split +
                " character split, whose training characters include Lake's runs' characters: evaluate it with "
                "--scheme random (its own test characters)");
    require(algo == "protonet" || algo == "matchingnet", ErrorCode::InvalidArgument,
            "--split lake-runs evaluates prototype (protonet, matchingnet) models; this one is '" + algo + "'");
    require(!fce, ErrorCode::InvalidArgument,
            "--split lake-runs compares plain Conv-4 embeddings; it does not support full-context embeddings (--fce)");
    require(!o.episode_options_given && !o.scheme_given && !o.cache_given, ErrorCode::InvalidArgument,
            "--split lake-runs are Lake's 20 fixed 20-way 1-shot runs (images_evaluation): --way, --shot, --query, "
            "--episodes, --seed, --scheme and --cache do not apply");
    r = eval_lake_runs(model, o.data, mode, resize);
    way = 20, shot = 1, query = 1, episodes = static_cast<int>(r.n);
  } else {
    require(random_model == (o.scheme == "random"), ErrorCode::InvalidArgument,
            random_model ? "this model was trained on the " + trained_split +
                               " character split: evaluate it with --scheme random (its own test characters)"
                         : "--scheme random evaluates models trained with --scheme random; this one was trained on " +
                               (trained_split.empty() ? m.header.trained_on : trained_split));
    // each scheme's test characters are training characters of the others (Lake's evaluation
    // alphabets hold 236 of the Vinyals split's training characters), and --record keys by split
    // only: a model is tested on its own scheme's test characters
    const std::string scheme = trained_scheme(split, m.header.trained_on);
    require(scheme.empty() || scheme == o.scheme, ErrorCode::InvalidArgument,
            "this model was trained on the " + scheme + " character scheme, whose training characters include --scheme " +
                o.scheme + "'s test characters: evaluate it with --scheme " + scheme);
    const ImageDataset test = load_omniglot(o.data, o.scheme, o.split, o.cache, nullptr, resize, split.split_seed);
    r = evaluate_with_progress(model, test, {way, shot, query}, episodes, o.seed, mode);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::ordered_json out = {{"algo", algo},    {"way", way},         {"shot", shot},   {"query", query},
                                {"episodes", episodes}, {"accuracy", r.mean}, {"ci95", r.ci95}, {"bn", o.bn},
                                {"split", o.split}, {"dataset", o.dataset}};
  const bool lake = o.split == "lake-runs";  // fixed runs: no scheme, no episode seed
  if (!mini && !lake) out["scheme"] = o.scheme;
  if (!lake) out["seed"] = o.seed;
  if (!mini) out["resize"] = omniglot_resize_name(resize);
  out["seconds"] = seconds;
  if (fce) out["fce_steps"] = model.fce->steps;
  if (o.test_steps > 0) out["test_steps"] = o.test_steps;
  if (o.record) {
    const std::string key = o.split + "/" + std::to_string(way) + "w" + std::to_string(shot) + "s/" + o.bn;
    nlohmann::ordered_json value = {{"accuracy", r.mean}, {"ci95", r.ci95}, {"episodes", episodes}, {"query", query}};
    if (!lake) value["seed"] = o.seed;
    record_metrics(o.model, file, key, value);  // --test-steps (a changed file) is never recorded
  }
  if (o.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s %d-way %d-shot (%s, BN %s): %.2f %% ± %.2f (%d episodes)\n", algo.c_str(), way, shot,
                o.split.c_str(), o.bn.c_str(), 100 * r.mean, 100 * r.ci95, episodes);
  }
  return 0;
}

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  o->data = default_omniglot_dir();
  CLI::App* cmd = app.add_subcommand("eval", "Few-shot accuracy of a model on Omniglot (or mini-ImageNet) test episodes");
  cmd->add_option("--model", o->model, "a .safetensors model")->required();
  CLI::Option* data = cmd->add_option("--data", o->data, "the omniglot directory (mini-imagenet: the layout's root)")
                          ->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "omniglot | mini-imagenet (the model's training dataset)")
      ->check(CLI::IsMember({"omniglot", "mini-imagenet"}))
      ->capture_default_str();
  // checked by the parser, before the test data is loaded
  const std::vector<CLI::Option*> episode_options = {
      cmd->add_option("--way", o->way, "classes per episode")->check(positive())->capture_default_str(),
      cmd->add_option("--shot", o->shot, "support examples per class")->check(positive())->capture_default_str(),
      cmd->add_option("--query", o->query, "query examples per class")->check(positive())->capture_default_str(),
      cmd->add_option("--episodes", o->episodes, "test episodes")->check(positive())->capture_default_str(),
      cmd->add_option("--seed", o->seed, "episode sampling seed")->check(seed_value())->capture_default_str()};
  cmd->add_option("--split", o->split, "test | val | train | lake-runs | test-unrotated (--scheme random: rotation 0 only, Reptile's test)")->capture_default_str();
  CLI::Option* scheme =
      cmd->add_option("--scheme", o->scheme, "vinyals | lake | random (a model trained on a random split: its own split)")
          ->capture_default_str();
  cmd->add_option("--bn", o->bn, "running | transductive")->capture_default_str();
  CLI::Option* cache = cmd->add_option("--cache", o->cache, "decoded-image cache directory")->capture_default_str();
  cmd->add_flag("--record", o->record, "store the result in the model's metadata metrics");
  cmd->add_option("--test-steps", o->test_steps,
                  "maml/fomaml/reptile: adapt with this many steps instead of the model's own (a probe; not recordable)")
      ->check(positive());
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([=] {
    o->data_given = data->count() > 0;
    o->scheme_given = scheme->count() > 0;
    o->cache_given = cache->count() > 0;
    o->episode_options_given = std::any_of(episode_options.begin(), episode_options.end(), [](CLI::Option* x) { return x->count() > 0; });
    // a default from $METACOG_DATA is the user's own path: no hint about the working directory
    const bool data_chosen = o->data_given || std::getenv("METACOG_DATA") != nullptr;
    run_command([o, data_chosen] { return with_default_path_hint(data_chosen, "--data", o->data, [&] { return run_eval(*o); }); });
  });
}

}  // namespace

static const bool registered = register_command(&add_eval_command);

}  // namespace metacog::cli
