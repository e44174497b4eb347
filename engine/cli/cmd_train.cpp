// engine/cli/cmd_train.cpp — `metacog train`: meta-training on Omniglot with checkpoints.
//
//     metacog train --algo protonet --data ../shared/data/omniglot --way 60 --shot 5 --query 5
//       --episodes 10000 --out models/omniglot-protonet.safetensors [--resume] [--seed 1] --json
//     metacog train --algo maml|fomaml|reptile --way 5 --shot 1 --episodes 60000 --out …
//     metacog train --algo finetune --episodes 10000 --out …
//     metacog train --algo matchingnet --attention cosine --fce [--fce-steps 5] --way 5 --shot 1 …
//     → {"algo", "episodes", "seconds", "final_loss", "out", "best_val_accuracy", "best_episode"}
//
// --episodes counts training episodes (protonet, matchingnet), meta-iterations (maml, fomaml,
// reptile: each of --meta-batch tasks) or minibatches (finetune); unset, it is the paper's schedule for
// maml, fomaml (60 000) and reptile (100 000), and 10 000 for the others. Unset algorithm settings take
// the paper's values (gradient_meta.hpp, finetune.hpp). Every --val-every steps the model is
// evaluated on --val-episodes episodes of the validation split (5-way — the trained way for
// maml/fomaml/reptile — the training shot, 15 queries; BN running, transductive for
// maml/fomaml/reptile); the best one is written to --out (model selection on the validation
// classes). `<out>.ckpt` holds the exact training state every --checkpoint-every seconds, at each
// validation and on Ctrl-C; --resume continues from it bit for bit, and only with the options the run
// was started with (require_same_run; --episodes may extend it, --val-every may change). --fce adds Matching Networks'
// full-context embeddings (matchingnet_fce.hpp; the model file records fce and fce_steps, and
// `metacog eval` uses them); a checkpoint resumes only with the same --fce setting. For Reptile,
// --shot is the validated setting and --train-shots the examples per class of a training task
// (default max(--shot, 10), the paper's appendix; the authors' README command for 5-way 1-shot
// uses 15). --resize chooses the Omniglot preprocessing (omniglot.hpp) and is stored in the model.
// A validation episode that cannot be drawn (K + 15 > 20 drawings) is refused before training.
//
// --train-split trainval (Vinyals scheme) trains on the 1028 train + 172 validation characters
// (1200 × 4 rotations), as the papers do for their reported models (Vinyals et al. and MAML train on
// 1200 characters; Snell et al. retrain on train+val for the epoch count chosen on validation):
// there is nothing left to validate on, so no validation is run and --out is written once, at the
// end of the --episodes budget — choose that budget with a --train-split train run first. A
// checkpoint resumes only with the same --train-split.
//
// --scheme random --split-seed S trains on the MAML/Reptile papers' kind of split (omniglot.hpp: all
// 1623 characters shuffled, 1100 train / 100 val / 423 test, test characters from alphabets seen in
// training); the model and checkpoint record it ("omniglot_split" = "random:S"), a checkpoint resumes
// only with the same split, and `metacog eval --scheme random` evaluates on that split's test characters.
//
// --outer-anneal cosine (maml, fomaml) anneals the outer Adam step from --outer-lr to 0 over --episodes
// (MAML++'s cosine annealing); --init MODEL (maml, fomaml) starts θ and the batch-norm
// buffers from a model of the same architecture instead of the seeded initialisation, with a fresh
// outer optimiser — e.g. a cosine-annealed phase after a constant-step run. The model's trained_on
// names its starting model; on --resume the checkpoint already holds the weights and --init is not
// read again. A cosine-annealed checkpoint resumes only with its own --episodes (the step is 0 at the end).
//
// --dataset mini-imagenet --data ROOT trains on mini-ImageNet in Ravi & Larochelle's layout (omniglot.hpp,
// load_mini_imagenet: ROOT/{train,val}.csv + ROOT/images/, 84×84 RGB) instead of Omniglot: the Conv-4 takes
// 3 input channels at 84×84; maml, fomaml and reptile take their papers' mini-ImageNet settings
// (GradientMetaConfig::mini_imagenet_defaults: 32 filters, max-pooling, …), protonet, matchingnet and
// finetune the options given (64 filters by default). The Omniglot-only options (--scheme, --split-seed,
// --train-split trainval, --resize, --cache) are refused with it. The model and checkpoint record
// "dataset": "mini-imagenet", which `metacog eval --dataset mini-imagenet` and --resume check.
//
// --learn-inner-lr and --multi-step-loss N (maml, fomaml) are two of MAML++'s changes (gradient_meta.hpp):
// learned per-layer per-step inner step sizes, used at test with the same --inner-steps, and the
// multi-step loss annealed over the first N iterations. A checkpoint carries both and resumes only with
// the same two options; --init from a model with learned step sizes starts from them.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "command.hpp"
#include "model_record.hpp"
#include "validators.hpp"
#include "output_path.hpp"
#include "metacog/error.hpp"
#include "metacog/few_shot_eval.hpp"
#include "metacog/finetune.hpp"
#include "metacog/episodes.hpp"
#include "metacog/gradient_meta.hpp"
#include "metacog/meta_train.hpp"
#include "metacog/training_state.hpp"
#include "metacog/model_file.hpp"
#include "metacog/model_io.hpp"
#include "metacog/omniglot.hpp"
#include "progress.hpp"

namespace metacog::cli {
namespace {

struct TrainOptions {
  std::string algo = "protonet", data, out, scheme = "vinyals", cache = "build/cache", attention = "cosine";
  std::string dataset = "omniglot";  ///< "omniglot" | "mini-imagenet" (--data is then the layout's root)
  std::string train_split = "train";  ///< "train" (validate on val, keep the best) | "trainval" (no validation)
  std::string pool = "max";
  std::string bn_init = "ones";  ///< protonet, matchingnet: batch-norm scale at initialisation (meta_train.hpp)
  std::string resize = "box";  ///< Omniglot 105 → 28 resize (omniglot.hpp): box | nearest
  int way = 60, shot = 5, query = 5, hidden = 64;
  int64_t episodes = 10000, halve_every = 2000;
  float lr = 1e-3f;
  uint64_t seed = 1, split_seed = 1;
  bool resume = false, json = false, fce = false;
  int fce_steps = 5;
  int val_every = 500, val_episodes = 200;
  double checkpoint_every = 120;
  // gradient-based meta-learners and the fine-tuning baseline (≤ 0: the paper's value)
  int meta_batch = 0, inner_steps = 0, inner_batch = -1, test_steps = 0, batch = 0;
  int train_shots = 0;  // reptile: examples per class of a training task (0: max(shot, 10), the paper's)
  float inner_lr = 0, outer_lr = 0;
  std::string inner_params;  // maml/fomaml: all | weights (empty: the default, all)
  std::string inner_state;  // reptile: "shared" (default) | "fresh"
  std::string outer_anneal;  // maml, fomaml: "constant" (default) | "cosine"
  std::string init;          // maml, fomaml: a model to start θ from
  bool learn_inner_lr = false;   // maml, fomaml: MAML++'s learned per-layer per-step inner steps
  int64_t multi_step_loss = -1;  // maml, fomaml: MAML++'s multi-step loss over this many iterations (< 0: off)
  bool way_given = false, shot_given = false, query_given = false, hidden_given = false;
  bool scheme_given = false, split_seed_given = false, resize_given = false, cache_given = false, data_given = false;
};

bool is_mini_imagenet(const TrainOptions& o) { return o.dataset == "mini-imagenet"; }

/** The papers' settings for o.algo on o.dataset (maml, fomaml, reptile). */
GradientMetaConfig paper_defaults(const TrainOptions& o, int way, int shot) {
  return is_mini_imagenet(o) ? GradientMetaConfig::mini_imagenet_defaults(o.algo, way, shot)
                             : GradientMetaConfig::defaults(o.algo, way, shot);
}

/** The three trainers behind one interface for the loop below. */
class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual void step(const ImageDataset& train) = 0;
  virtual int64_t done() const = 0;
  virtual float loss() const = 0;
  virtual float accuracy() const = 0;
  virtual SafetensorsFile checkpoint() const = 0;
  virtual SafetensorsFile model_file(const ModelHeader& h) const = 0;
  virtual std::string algo() const = 0;
  virtual std::string tasks() const = 0;  ///< what a training step sees, for trained_on
  /** Validation protocol: episode spec and BN mode. */
  virtual EpisodeSpec val_spec(int shot) const { return {5, shot, 15}; }
  virtual BnMode val_bn() const { return BnMode::Running; }
};

/** The calls every trainer answers alike, forwarded to the wrapped one (T: MetricTrainer,
 *  GradientTrainer or FinetuneTrainer). */
template <class T>
class Adapter : public Trainer {
 public:
  explicit Adapter(T t) : t_(std::move(t)) {}
  void step(const ImageDataset& d) override { t_.step(d); }
  float loss() const override { return t_.last_loss(); }
  float accuracy() const override { return t_.last_accuracy(); }
  SafetensorsFile checkpoint() const override { return t_.checkpoint(); }
  SafetensorsFile model_file(const ModelHeader& h) const override { return t_.model_file(h); }

 protected:
  T t_;
};

class MetricAdapter : public Adapter<MetricTrainer> {
 public:
  using Adapter::Adapter;
  int64_t done() const override { return t_.episode(); }
  std::string algo() const override { return t_.config().algo; }
  std::string tasks() const override {
    const EpisodeSpec& s = t_.config().spec;
    return std::to_string(s.n_way) + "-way " + std::to_string(s.k_shot) + "-shot " + std::to_string(s.n_query) +
           "-query episodes" + (t_.config().bn_init == "uniform" ? ", batch-norm scale initialised U(0, 1)" : "");
  }
};

class GradientAdapter : public Adapter<GradientTrainer> {
 public:
  using Adapter::Adapter;
  int64_t done() const override { return t_.iteration(); }
  std::string algo() const override { return t_.config().algo; }
  std::string tasks() const override {
    const GradientMetaConfig& c = t_.config();
    return std::to_string(c.spec.n_way) + "-way " + std::to_string(c.spec.k_shot) + "-shot tasks" +
           (c.spec.n_query > 0 ? " with " + std::to_string(c.spec.n_query) + " queries per class" : "") +
           ", meta-batch " + std::to_string(c.meta_batch) +
           (c.outer_anneal == "cosine" ? ", outer step cosine-annealed to 0" : "") +
           (c.learn_inner_lr ? ", learned per-step inner steps" : "") +
           (c.multi_step_loss > 0 ? ", multi-step loss over " + std::to_string(c.multi_step_loss) + " iterations" : "") +
           (c.init_from.empty() ? "" : ", initialised from " + c.init_from);
  }
  EpisodeSpec val_spec(int shot) const override { return {t_.config().spec.n_way, shot, 15}; }
  BnMode val_bn() const override { return BnMode::Transductive; }
};

class FinetuneAdapter : public Adapter<FinetuneTrainer> {
 public:
  using Adapter::Adapter;
  int64_t done() const override { return t_.iteration(); }
  std::string algo() const override { return "finetune"; }
  std::string tasks() const override {
    return "all " + std::to_string(t_.config().arch.num_classes) + " classes, minibatches of " +
           std::to_string(t_.config().batch);
  }
};

std::unique_ptr<Trainer> trainer_from_checkpoint(const SafetensorsFile& f) {
  const std::string& config = checkpoint_meta(f, "config");
  const auto j = nlohmann::json::parse(config, nullptr, false);
  require(j.is_object() && j.contains("algo") && j["algo"].is_string(), ErrorCode::StateFormat,
          "checkpoint config lacks its algorithm");
  const std::string algo = j["algo"];
  if (is_gradient_algo(algo)) return std::make_unique<GradientAdapter>(GradientTrainer::from_checkpoint(f));
  if (algo == "finetune") return std::make_unique<FinetuneAdapter>(FinetuneTrainer::from_checkpoint(f));
  return std::make_unique<MetricAdapter>(MetricTrainer::from_checkpoint(f));
}

std::unique_ptr<Trainer> new_trainer(const TrainOptions& o, const ImageDataset& train) {
  if (is_gradient_algo(o.algo)) {
    const int way = o.way_given ? o.way : 5, shot = o.shot_given ? o.shot : 1;
    GradientMetaConfig c = paper_defaults(o, way, shot);
    if (o.query_given) c.spec.n_query = o.query;
    if (o.train_shots > 0) {
      require(o.algo == "reptile", ErrorCode::InvalidArgument,
              "--train-shots is a Reptile option (MAML and first-order MAML train with --shot examples per class)");
      c.spec.k_shot = o.train_shots;
    }
    c.iterations = o.episodes;
    c.seed = o.seed;
    if (o.hidden_given) c.arch.hidden = o.hidden;  // else the paper's (Omniglot 64, mini-ImageNet 32)
    if (o.meta_batch > 0) c.meta_batch = o.meta_batch;
    if (o.inner_steps > 0) c.inner_steps = o.inner_steps;
    if (o.inner_lr > 0) c.inner_lr = o.inner_lr, c.test.lr = o.inner_lr;
    if (o.inner_batch >= 0) c.inner_batch = o.inner_batch;
    if (o.outer_lr > 0) c.outer_lr = o.outer_lr;
    if (o.test_steps > 0) c.test.steps = o.test_steps;
    if (!o.inner_params.empty()) {
      require(o.algo != "reptile", ErrorCode::InvalidArgument, "--inner-params is a MAML / first-order MAML option");
      c.test.params = o.inner_params;
    }
    if (!o.inner_state.empty()) {
      require(o.algo == "reptile", ErrorCode::InvalidArgument, "--inner-state is a Reptile option");
      require(o.inner_state == "shared" || o.inner_state == "fresh", ErrorCode::InvalidArgument,
              "--inner-state must be shared or fresh, got '" + o.inner_state + "'");
      c.shared_inner_state = o.inner_state == "shared";
    }
    if (!o.outer_anneal.empty()) c.outer_anneal = o.outer_anneal;
    if (o.learn_inner_lr) {  // run_train has refused a --test-steps other than the inner steps
      c.learn_inner_lr = true;
      c.test.learned_lr = true;
      c.test.steps = c.inner_steps;
    }
    if (o.multi_step_loss >= 0) c.multi_step_loss = o.multi_step_loss;
    GradientTrainer t(c);
    if (!o.init.empty()) {
      const SafetensorsFile init = read_safetensors_file(o.init);
      const Conv4Model m = naming_file(o.init, [&] { return conv4_from_safetensors(init); });
      GradientAdaptation how;
      // its learned step sizes carry over
      if (c.learn_inner_lr) how = naming_file(o.init, [&] { return read_adaptation(init, m.params); });
      t.warm_start(m, o.init, c.learn_inner_lr ? &how : nullptr);
    }
    return std::make_unique<GradientAdapter>(std::move(t));
  }
  if (o.algo == "finetune") {
    FinetuneConfig c;
    c.iterations = o.episodes;
    c.seed = o.seed;
    c.lr = o.lr;
    c.halve_every = o.halve_every;
    c.arch.hidden = o.hidden;
    c.arch.in_channels = train.channels;
    c.arch.image_size = train.height;
    if (o.batch > 0) c.batch = o.batch;
    return std::make_unique<FinetuneAdapter>(FinetuneTrainer(c, static_cast<int>(train.classes.size())));
  }
  MetaTrainConfig cfg;
  cfg.algo = o.algo;
  cfg.spec = {o.way, o.shot, o.query};
  cfg.episodes = o.episodes;
  cfg.seed = o.seed;
  cfg.lr = o.lr;
  cfg.halve_every = o.halve_every;
  cfg.attention = o.attention;
  cfg.fce = o.fce;
  cfg.fce_steps = o.fce_steps;
  cfg.arch.hidden = o.hidden;
  cfg.arch.pool = o.pool;
  cfg.arch.in_channels = train.channels;
  cfg.arch.image_size = train.height;
  cfg.bn_init = o.bn_init;
  return std::make_unique<MetricAdapter>(MetricTrainer(cfg));
}

/** The validation shot: --shot if given; else 1 for the algorithms whose --shot default is not a test setting. */
int validation_shot(const TrainOptions& o) {
  const bool shot_is_default_one = is_gradient_algo(o.algo) || o.algo == "finetune";
  return o.shot_given || !shot_is_default_one ? o.shot : 1;
}

/**
 * A checkpoint continues only the run it was started as: the trainer the command line would start
 * must have the configuration of the trainer restored from the checkpoint — both serialised by this
 * build, so a key an older checkpoint lacks takes the value its trainer restored — except for the
 * budget (--episodes may extend a run; a cosine-annealed one is checked above) and --init (the
 * checkpoint already holds the weights). Validation counts too: its episodes and shot, when recorded
 * (Reptile's --shot is only the validated shot: its tasks train with --train-shots).
 * Otherwise InvalidArgument naming every difference, before a single step.
 */
void require_same_run(const Trainer& restored, const SafetensorsFile& ckpt, const TrainOptions& o, const ImageDataset& train,
                      const std::string& ckpt_path) {
  const nlohmann::json have = nlohmann::json::parse(checkpoint_meta(restored.checkpoint(), "config")).flatten();
  const nlohmann::json want = nlohmann::json::parse(checkpoint_meta(new_trainer(o, train)->checkpoint(), "config")).flatten();
  std::string diffs;
  auto differ = [&](const std::string& key, const std::string& ckpt_value, const std::string& command_value) {
    diffs += (diffs.empty() ? "" : "; ") + key + ": checkpoint " + ckpt_value + ", command " + command_value;
  };
  for (const auto& [key, value] : have.items()) {
    if (key == "/iterations" || key == "/episodes" || key == "/init_from") continue;
    const auto it = want.find(key);
    if (it == want.end()) differ(key, value.dump(), "(none)");
    else if (*it != value) differ(key, value.dump(), it->dump());
  }
  for (const auto& [key, value] : want.items()) {
    if (!have.contains(key)) differ(key, "(none)", value.dump());
  }
  if (ckpt.metadata.count("val_episodes")) {
    const std::string& v = ckpt.metadata.at("val_episodes");
    if (v != std::to_string(o.val_episodes)) differ("--val-episodes", v, std::to_string(o.val_episodes));
  }
  if (ckpt.metadata.count("val_shot")) {
    const std::string& v = ckpt.metadata.at("val_shot");
    const std::string shot = std::to_string(validation_shot(o));
    if (v != shot) differ("validation shot (--shot)", v, shot);
  }
  require(diffs.empty(), ErrorCode::InvalidArgument,
          "the checkpoint " + ckpt_path + " was started with other options (" + diffs +
              "): resume it with the options it was started with, or start a new run with another --out");
}

int run_train(const TrainOptions& o) {
  require(o.algo == "protonet" || o.algo == "matchingnet" || is_gradient_algo(o.algo) || o.algo == "finetune",
          ErrorCode::InvalidArgument,
          "--algo must be protonet, matchingnet, maml, fomaml, reptile or finetune; got '" + o.algo + "'");
  require(!o.out.empty(), ErrorCode::InvalidArgument, "--out is required");
  require_writable_output("--out", o.out);  // not first found at the first checkpoint, minutes later
  require((o.init.empty() && o.outer_anneal.empty()) || o.algo == "maml" || o.algo == "fomaml",
          ErrorCode::InvalidArgument,
          "--init and --outer-anneal are options of maml and fomaml (Reptile's ε is always annealed linearly to 0, "
          "and its model's shared inner Adam state would not carry over)");
  if (!o.outer_anneal.empty()) check_outer_anneal(o.algo, o.outer_anneal);
  require((!o.learn_inner_lr && o.multi_step_loss < 0) || o.algo == "maml" || o.algo == "fomaml",
          ErrorCode::InvalidArgument, "--learn-inner-lr and --multi-step-loss are options of maml and fomaml (MAML++)");
  if (o.learn_inner_lr) {
    const int inner_steps = o.inner_steps > 0 ? o.inner_steps : paper_defaults(o, o.way_given ? o.way : 5, 1).inner_steps;
    require(o.test_steps <= 0 || o.test_steps == inner_steps, ErrorCode::InvalidArgument,
            "--learn-inner-lr adapts at test with the " + std::to_string(inner_steps) +
                " learned inner steps: leave out --test-steps or give --test-steps " + std::to_string(inner_steps));
  }
  require(o.init.empty() || std::filesystem::is_regular_file(o.init), ErrorCode::InvalidArgument,
          "--init: no model file at " + o.init);
  require(o.bn_init == "ones" || o.algo == "protonet" || o.algo == "matchingnet", ErrorCode::InvalidArgument,
          "--bn-init is an option of protonet and matchingnet");
  require(!o.fce || o.algo == "matchingnet", ErrorCode::InvalidArgument,
          "--fce (full-context embeddings) is a Matching Networks option: use it with --algo matchingnet");
  require(o.train_split == "train" || o.train_split == "trainval", ErrorCode::InvalidArgument,
          "--train-split must be train or trainval; got '" + o.train_split + "'");
  require(o.scheme == "vinyals" || o.scheme == "lake" || o.scheme == "random", ErrorCode::InvalidArgument,
          "--scheme must be vinyals, lake or random; got '" + o.scheme + "'");
  require(o.train_split == "train" || o.scheme != "lake", ErrorCode::InvalidArgument,
          "--train-split trainval needs --scheme vinyals or random (the lake scheme has no validation split)");
  const bool mini = is_mini_imagenet(o);
  if (mini) {
    require(o.data_given, ErrorCode::InvalidArgument,
            "--dataset mini-imagenet needs --data: the root holding train.csv, val.csv, test.csv and images/");
    require(!o.scheme_given && !o.split_seed_given && !o.resize_given && !o.cache_given && o.train_split == "train",
            ErrorCode::InvalidArgument,
            "--scheme, --split-seed, --train-split trainval, --resize and --cache are Omniglot options; mini-ImageNet "
            "trains on its train.csv and validates on its val.csv");
  }
  const std::string split_record = format_omniglot_split(o.scheme, o.split_seed);
  const bool trainval = o.train_split == "trainval";
  const OmniglotResize resize = parse_omniglot_resize(o.resize);
  const std::string ckpt_path = o.out + ".ckpt";
  install_stop_handler();

  if (!o.resume) set_aside_checkpoint(ckpt_path);  // an earlier run's checkpoint is kept, not overwritten
  const bool have_checkpoint = o.resume && std::filesystem::exists(ckpt_path);
  const SafetensorsFile checkpoint = have_checkpoint ? read_safetensors_file(ckpt_path) : SafetensorsFile{};
  if (have_checkpoint) {  // before loading a dataset the checkpoint did not train on
    const std::string ckpt_dataset = naming_file(ckpt_path, [&] { return model_image_dataset(checkpoint); });
    require(ckpt_dataset == o.dataset, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + " trained on " + ckpt_dataset + ": resume it with --dataset " + ckpt_dataset);
  }
  std::fprintf(stderr, "loading %s from %s …\n", o.dataset.c_str(), o.data.c_str());
  ImageDataset train, val;
  if (mini) {
    train = load_mini_imagenet(o.data, "train");
    val = load_mini_imagenet(o.data, "val");
  } else {
    const ImageDataset characters = load_omniglot_characters(o.data, o.cache, nullptr, resize);
    train = make_omniglot_split(characters, o.data, o.scheme, o.train_split, o.split_seed);
    // trainval has no held-out split to validate on (validate() is never called then)
    if (!trainval) val = make_omniglot_split(characters, o.data, o.scheme, o.scheme == "lake" ? "test" : "val", o.split_seed);
  }

  std::unique_ptr<Trainer> trainer;
  double seconds_before = 0, best_val = -1;
  int64_t best_episode = -1;
  if (o.resume && !have_checkpoint) {
    // --resume on a run that has no checkpoint yet starts it (so one command both starts and continues)
    std::fprintf(stderr, "--resume: no checkpoint at %s, starting from iteration 0\n", ckpt_path.c_str());
  }
  if (have_checkpoint) {
    const SafetensorsFile& f = checkpoint;
    trainer = naming_file(ckpt_path, [&] { return trainer_from_checkpoint(f); });
    seconds_before = std::stod(f.metadata.count("seconds") ? f.metadata.at("seconds") : "0");
    best_val = std::stod(f.metadata.count("best_val") ? f.metadata.at("best_val") : "-1");
    best_episode = std::stoll(f.metadata.count("best_episode") ? f.metadata.at("best_episode") : "-1");
    require(trainer->algo() == o.algo, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + " is for --algo " + trainer->algo());
    const auto cfg = nlohmann::json::parse(checkpoint_meta(f, "config"), nullptr, false);
    const std::string ckpt_split = f.metadata.count("train_split") ? f.metadata.at("train_split") : "train";
    require(ckpt_split == o.train_split, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + " trained on --train-split " + ckpt_split + ": resume it with that split");
    // checkpoints from before the split was recorded were trained on the vinyals or lake scheme
    const OmniglotSplitRecord recorded = parse_omniglot_split(model_omniglot_split(f));  // malformed: MODEL_FORMAT
    const std::string ckpt_split_record =
        recorded.scheme.empty() ? (o.scheme == "random" ? "vinyals or lake" : split_record)
                                : format_omniglot_split(recorded.scheme, recorded.split_seed);
    require(ckpt_split_record == split_record, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + " trained on the " + ckpt_split_record +
                " character split: resume it with that --scheme (and --split-seed)");
    const OmniglotResize ckpt_resize = model_omniglot_resize(f);
    require(ckpt_resize == resize, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + " trained on --resize " + omniglot_resize_name(ckpt_resize) +
                " images: resume it with that resize");
    // MAML++'s options change the objective: a checkpoint resumes only with the ones it was started with
    if (is_gradient_algo(o.algo) && cfg.is_object()) {
      const bool ckpt_lslr = cfg.value("learn_inner_lr", false);
      const int64_t ckpt_msl = cfg.value("multi_step_loss", int64_t{0});
      require(ckpt_lslr == o.learn_inner_lr, ErrorCode::InvalidArgument,
              "the checkpoint " + ckpt_path + (ckpt_lslr ? " learns" : " does not learn") +
                  " per-step inner step sizes: resume it " + (ckpt_lslr ? "with" : "without") + " --learn-inner-lr");
      require(ckpt_msl == std::max<int64_t>(o.multi_step_loss, 0), ErrorCode::InvalidArgument,
              "the checkpoint " + ckpt_path + " was started with " +
                  (ckpt_msl > 0 ? "--multi-step-loss " + std::to_string(ckpt_msl) : "no --multi-step-loss") +
                  ": resume it with the same");
    }
    const bool ckpt_fce = cfg.is_object() && cfg.value("fce", false);
    require(ckpt_fce == o.fce, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + (ckpt_fce ? " uses" : " does not use") +
                " full-context embeddings: resume it " + (ckpt_fce ? "with" : "without") + " --fce");
    // a cosine schedule reaches 0 at the checkpoint's own length: a longer --episodes would train on with step 0
    if (cfg.is_object() && cfg.value("outer_anneal", std::string("constant")) == "cosine") {
      const int64_t length = cfg.value("iterations", int64_t{-1});
      require(length == o.episodes, ErrorCode::InvalidArgument,
              "the checkpoint " + ckpt_path + " is a cosine-annealed run of --episodes " + std::to_string(length) +
                  ": resume it with that --episodes (its outer step is 0 at the end)");
    }
    require_same_run(*trainer, f, o, train, ckpt_path);
    std::fprintf(stderr, "resuming %s at step %lld\n", ckpt_path.c_str(), static_cast<long long>(trainer->done()));
  } else {
    trainer = new_trainer(o, train);
  }
  const int64_t total = o.episodes;

  ModelHeader header;
  header.trained_on = mini ? "mini-imagenet train.csv of " + o.data + " (RGB area-resized to 84x84), " + trainer->tasks()
                            : "omniglot " + split_record + "/" + o.train_split + " (" + o.resize +
                                  " 105->28, ink = 1, 4 rotations), " + trainer->tasks();
  header.created_by = std::string("metacog ") + METACOG_VERSION;
  // the model file says how its images were made, so that `metacog eval` makes the test images alike
  auto record_images = [&](SafetensorsFile& f) {
    if (mini) {
      f.metadata[kImageDatasetKey] = o.dataset;
    } else {
      f.metadata[kOmniglotResizeKey] = o.resize;
      f.metadata[kOmniglotSplitKey] = split_record;
    }
  };
  auto model_file = [&](const ModelHeader& h) {
    SafetensorsFile f = trainer->model_file(h);
    record_images(f);
    return f;
  };
  auto save_checkpoint = [&](double elapsed) {
    SafetensorsFile f = trainer->checkpoint();
    record_images(f);
    f.metadata["seconds"] = std::to_string(seconds_before + elapsed);
    f.metadata["best_val"] = nlohmann::json(best_val).dump();  // round-trips exactly (to_string keeps 6 decimals)
    f.metadata["best_episode"] = std::to_string(best_episode);
    f.metadata["train_split"] = o.train_split;
    f.metadata["val_episodes"] = std::to_string(o.val_episodes);
    f.metadata["val_shot"] = std::to_string(validation_shot(o));
    write_safetensors_file(ckpt_path, f);
  };
  const EpisodeSpec val_spec = trainer->val_spec(validation_shot(o));
  if (!trainval) {
    // draw one validation episode now (a throwaway generator), so an impossible one fails before training
    Pcg32 probe(0);
    try {
      sample_episode(val.classes, val_spec, probe);
    } catch (const Error& e) {
      throw Error(e.code(), "validation episodes are " + std::to_string(val_spec.k_shot) + "-shot with " +
                                std::to_string(val_spec.n_query) + " queries per class: " + e.what() + "; use a smaller --shot" +
                                (o.algo == "reptile" ? " (Reptile's training shots: --train-shots)" : ""));
    }
  }
  auto validate = [&]() {
    const MeanCi r = evaluate_few_shot_file(model_file(header), val, val_spec, o.val_episodes,
                                            1000 + o.seed, trainer->val_bn());
    if (r.mean > best_val) {
      best_val = r.mean;
      best_episode = trainer->done();
      ModelHeader best = header;
      best.metrics_json = nlohmann::json({{"val_" + std::to_string(val_spec.n_way) + "way_" +
                                               std::to_string(val_spec.k_shot) + "shot",
                                           {{"accuracy", r.mean}, {"ci95", r.ci95}, {"episodes", o.val_episodes},
                                            {"bn", bn_mode_name(trainer->val_bn())}}},
                                          {"best_episode", best_episode}})
                              .dump();
      write_model_file(o.out, model_file(best));
    }
    return r.mean;
  };

  Progress bar("train " + o.algo, total, trainer->done());
  double last_ckpt = 0, val_acc = best_val;
  double loss_avg = 0, acc_avg = 0;
  bool stopped = false, first = true;
  while (trainer->done() < total) {
    trainer->step(train);
    loss_avg = first ? trainer->loss() : 0.98 * loss_avg + 0.02 * trainer->loss();
    acc_avg = first ? trainer->accuracy() : 0.98 * acc_avg + 0.02 * trainer->accuracy();
    first = false;
    const bool val_now = !trainval && (trainer->done() % o.val_every == 0 || trainer->done() == total);
    if (val_now) val_acc = validate();
    if (trainval && trainer->done() == total) {
      // no held-out classes: the model is the one at the end of the budget
      best_episode = total;
      ModelHeader final_header = header;
      final_header.metrics_json = nlohmann::json({{"train_split", "trainval"}, {"episodes", total}}).dump();
      write_model_file(o.out, model_file(final_header));
    }
    char status[160];
    std::snprintf(status, sizeof status, "loss %.4f acc %.3f val %.4f", loss_avg, acc_avg, val_acc);
    bar.update(trainer->done(), status);
    if (val_now || bar.elapsed_seconds() - last_ckpt > o.checkpoint_every || stop_requested()) {
      save_checkpoint(bar.elapsed_seconds());
      last_ckpt = bar.elapsed_seconds();
    }
    if (stop_requested()) {
      stopped = true;
      break;
    }
  }
  bar.finish();
  save_checkpoint(bar.elapsed_seconds());
  if (stopped) std::fprintf(stderr, "stopped: checkpoint %s (continue with --resume)\n", ckpt_path.c_str());
  const nlohmann::ordered_json out = {{"algo", o.algo},
                                      {"episodes", trainer->done()},
                                      {"seconds", seconds_before + bar.elapsed_seconds()},
                                      {"final_loss", trainer->loss()},
                                      {"out", o.out},
                                      {"best_val_accuracy", best_val},
                                      {"best_episode", best_episode},
                                      {"checkpoint", ckpt_path},
                                      {"completed", !stopped}};
  if (o.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s\n", out.dump(2).c_str());
  }
  return stopped ? 130 : 0;
}

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  o->data = default_omniglot_dir();
  CLI::App* cmd = app.add_subcommand("train", "Meta-train a few-shot learner on Omniglot (or mini-ImageNet)");
  cmd->add_option("--algo", o->algo, "protonet | matchingnet | maml | fomaml | reptile | finetune")->capture_default_str();
  CLI::Option* data = cmd->add_option("--data", o->data, "the omniglot directory (mini-imagenet: the layout's root)")
                          ->capture_default_str();
  cmd->add_option("--dataset", o->dataset,
                  "omniglot | mini-imagenet (Ravi & Larochelle's layout under --data: {train,val,test}.csv, images/)")
      ->check(CLI::IsMember({"omniglot", "mini-imagenet"}))
      ->capture_default_str();
  CLI::Option* scheme = cmd->add_option("--scheme", o->scheme,
                  "vinyals | lake | random (the MAML/Reptile code's split of all characters, see --split-seed)")
      ->capture_default_str();
  CLI::Option* split_seed = cmd->add_option("--split-seed", o->split_seed, "--scheme random: seed of the character shuffle")->check(seed_value())->capture_default_str();
  cmd->add_option("--train-split", o->train_split,
                  "train (validate on val, keep the best) | trainval (vinyals, random: train on train+val, no validation, "
                  "--out written at the end of --episodes)")
      ->capture_default_str();
  CLI::Option* cache = cmd->add_option("--cache", o->cache, "decoded-image cache directory")->capture_default_str();
  CLI::Option* resize = cmd->add_option("--resize", o->resize,
                  "Omniglot 105->28 resize: box (area average) | nearest (binary, as the papers' code); stored in the model")
      ->check(CLI::IsMember({"box", "nearest"}))
      ->capture_default_str();
  CLI::Option* way = cmd->add_option("--way", o->way, "classes per training episode (maml/fomaml/reptile: 5)")
                         ->check(positive())
                         ->capture_default_str();
  CLI::Option* shot = cmd->add_option("--shot", o->shot, "support examples per class (maml/fomaml/reptile: 1)")
                          ->check(positive())
                          ->capture_default_str();
  CLI::Option* query = cmd->add_option("--query", o->query, "query examples per class (maml: = shot)")
                           ->check(non_negative())
                           ->capture_default_str();
  CLI::Option* episodes = cmd->add_option(
      "--episodes", o->episodes,
      "training episodes / meta-iterations / minibatches (default: maml, fomaml 60000; reptile 100000, 20-way 200000; others 10000)")
      ->check(positive());
  cmd->add_option("--out", o->out, "model file to write (the best on validation)")->required();
  cmd->add_option("--seed", o->seed, "seed of every random choice")->check(seed_value())->capture_default_str();
  cmd->add_option("--lr", o->lr, "Adam learning rate (protonet, matchingnet, finetune)")->check(positive())->capture_default_str();
  cmd->add_option("--halve-every", o->halve_every, "halve the learning rate every N episodes")->check(positive())->capture_default_str();
  cmd->add_option("--attention", o->attention, "matchingnet: cosine | cosine-support | euclidean")->capture_default_str();
  cmd->add_flag("--fce", o->fce, "matchingnet: full-context embeddings (bidirectional LSTM g, attention LSTM f)");
  cmd->add_option("--fce-steps", o->fce_steps, "matchingnet --fce: processing steps K of the attention LSTM")
      ->check(positive())
      ->capture_default_str();
  CLI::Option* hidden =
      cmd->add_option("--hidden", o->hidden, "Conv-4 filters (maml/fomaml/reptile on mini-imagenet: 32)")->check(positive())->capture_default_str();
  cmd->add_option("--pool", o->pool, "max | stride2 (protonet, matchingnet)")->capture_default_str();
  cmd->add_option("--bn-init", o->bn_init,
                  "protonet, matchingnet: batch-norm scale at initialisation: ones | uniform (U(0,1), PyTorch before 1.2)")
      ->check(CLI::IsMember({"ones", "uniform"}))
      ->capture_default_str();
  cmd->add_option("--meta-batch", o->meta_batch, "tasks per meta-iteration (maml 32, reptile 5; 1 = serial Reptile)")->check(positive());
  cmd->add_option("--inner-steps", o->inner_steps, "inner-loop steps in training (maml 1, 20-way 5; reptile 5, 20-way 10)")->check(positive());
  cmd->add_option("--inner-lr", o->inner_lr, "inner-loop step (maml SGD 0.4, 20-way 0.1; reptile Adam 1e-3, 20-way 5e-4)")->check(positive());
  cmd->add_option("--inner-params", o->inner_params,
                  "maml/fomaml: parameters the inner loop adapts: all | weights (convolutions and head; batch norm held)")
      ->check(CLI::IsMember({"all", "weights"}));
  cmd->add_option("--inner-batch", o->inner_batch, "reptile inner minibatch (10, 20-way 20; 0 = whole task)")->check(non_negative());
  cmd->add_option("--train-shots", o->train_shots,
                  "reptile: examples per class of a training task (default max(--shot, 10); --shot stays the validated setting)")
      ->check(positive());
  cmd->add_option("--inner-state", o->inner_state,
                  "reptile: shared (the inner Adam's second moment runs on across tasks and seeds test-time "
                  "adaptation, as in the authors' code; default) | fresh (a new Adam per task)");
  cmd->add_option("--outer-lr", o->outer_lr, "outer Adam step (maml 1e-3) or initial ε (reptile 1)")->check(positive());
  cmd->add_option("--outer-anneal", o->outer_anneal,
                  "maml/fomaml: constant (the papers', default) | cosine (outer step annealed to 0 over --episodes)");
  cmd->add_option("--init", o->init,
                  "maml/fomaml: start from this model's weights (same architecture) instead of the seeded "
                  "initialisation; fresh outer optimiser");
  cmd->add_flag("--learn-inner-lr", o->learn_inner_lr,
                "maml/fomaml: MAML++'s learned per-layer per-step inner step sizes (LSLR), started at --inner-lr; "
                "the test adapts with the same --inner-steps");
  cmd->add_option("--multi-step-loss", o->multi_step_loss,
                  "maml/fomaml: MAML++'s multi-step loss (every inner step's query loss, weights annealed to the "
                  "last step's) over the first N iterations")
      ->check(non_negative());
  cmd->add_option("--test-steps", o->test_steps, "adaptation steps at test (maml 10, reptile 50)")->check(positive());
  cmd->add_option("--batch", o->batch, "finetune: pre-training minibatch (64)")->check(positive());
  cmd->add_option("--val-every", o->val_every, "validate every N steps")->check(positive())->capture_default_str();
  cmd->add_option("--val-episodes", o->val_episodes, "validation episodes (a checkpoint resumes only with its own)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", o->checkpoint_every, "seconds between checkpoints")
      ->check(positive())
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume, "continue from <out>.ckpt");
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([=] {
    o->way_given = way->count() > 0;
    o->shot_given = shot->count() > 0;
    o->query_given = query->count() > 0;
    o->hidden_given = hidden->count() > 0;
    // unset --episodes: the gradient-based algorithms' paper schedules (the same on Omniglot and mini-ImageNet)
    if (episodes->count() == 0 && is_gradient_algo(o->algo))
      o->episodes = paper_defaults(*o, o->way_given ? o->way : 5, 1).iterations;
    o->data_given = data->count() > 0;
    o->scheme_given = scheme->count() > 0;
    o->split_seed_given = split_seed->count() > 0;
    o->resize_given = resize->count() > 0;
    o->cache_given = cache->count() > 0;
    // a default from $METACOG_DATA is the user's own path: no hint about the working directory
    const bool data_chosen = o->data_given || std::getenv("METACOG_DATA") != nullptr;
    run_command([o, data_chosen] { return with_default_path_hint(data_chosen, "--data", o->data, [&] { return run_train(*o); }); });
  });
}

}  // namespace

static const bool registered = register_command(&add_train_command);

}  // namespace metacog::cli
