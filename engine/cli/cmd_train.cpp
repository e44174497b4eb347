// engine/cli/cmd_train.cpp — `metacog train`: episodic meta-training on Omniglot with checkpoints.
//
//     metacog train --algo protonet --data ../shared/data/omniglot --way 60 --shot 5 --query 5
//       --episodes 10000 --out models/omniglot-protonet.safetensors [--resume] [--seed 1] --json
//     → {"algo", "episodes", "seconds", "final_loss", "out", "best_val_accuracy", "best_episode"}
//
// Every --val-every episodes the model is evaluated on --val-episodes episodes of the validation
// split (5-way, the training shot, 15 queries, BN running); the best one is written to --out (the
// ProtoNets protocol: model selection on the validation classes). `<out>.ckpt` holds the exact
// training state every --checkpoint-every seconds, at each validation and on Ctrl-C; --resume
// continues from it bit for bit.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "command.hpp"
#include "metacog/error.hpp"
#include "metacog/meta_train.hpp"
#include "metacog/omniglot.hpp"
#include "progress.hpp"

namespace metacog::cli {
namespace {

struct TrainOptions {
  std::string algo = "protonet", data, out, scheme = "vinyals", cache = "build/cache", attention = "cosine";
  std::string pool = "max";
  int way = 60, shot = 5, query = 5, hidden = 64;
  int64_t episodes = 10000, halve_every = 2000;
  float lr = 1e-3f;
  uint64_t seed = 1;
  bool resume = false, json = false;
  int val_every = 500, val_episodes = 200;
  double checkpoint_every = 120;
};

std::string header_trained_on(const TrainOptions& o) {
  return "omniglot " + o.scheme + "/train (box 105->28, ink = 1, 4 rotations), " + std::to_string(o.way) + "-way " +
         std::to_string(o.shot) + "-shot " + std::to_string(o.query) + "-query episodes";
}

int run_train(const TrainOptions& o) {
  require(o.algo == "protonet" || o.algo == "matchingnet", ErrorCode::InvalidArgument,
          "this build trains --algo protonet and matchingnet; '" + o.algo + "' is not available yet");
  require(!o.out.empty(), ErrorCode::InvalidArgument, "--out is required");
  const std::string ckpt_path = o.out + ".ckpt";
  install_stop_handler();

  std::fprintf(stderr, "loading omniglot from %s …\n", o.data.c_str());
  const ImageDataset characters = load_omniglot_characters(o.data, o.cache);
  const ImageDataset train = make_omniglot_split(characters, o.data, o.scheme, "train");
  const ImageDataset val = make_omniglot_split(characters, o.data, o.scheme, o.scheme == "vinyals" ? "val" : "test");

  std::unique_ptr<MetricTrainer> trainer;
  double seconds_before = 0, best_val = -1;
  int64_t best_episode = -1;
  if (o.resume && std::filesystem::exists(ckpt_path)) {
    const SafetensorsFile f = read_safetensors_file(ckpt_path);
    trainer = std::make_unique<MetricTrainer>(MetricTrainer::from_checkpoint(f));
    seconds_before = std::stod(f.metadata.count("seconds") ? f.metadata.at("seconds") : "0");
    best_val = std::stod(f.metadata.count("best_val") ? f.metadata.at("best_val") : "-1");
    best_episode = std::stoll(f.metadata.count("best_episode") ? f.metadata.at("best_episode") : "-1");
    require(trainer->config().algo == o.algo, ErrorCode::InvalidArgument,
            "the checkpoint " + ckpt_path + " is for --algo " + trainer->config().algo);
    std::fprintf(stderr, "resuming %s at episode %lld\n", ckpt_path.c_str(), static_cast<long long>(trainer->episode()));
  } else {
    MetaTrainConfig cfg;
    cfg.algo = o.algo;
    cfg.spec = {o.way, o.shot, o.query};
    cfg.episodes = o.episodes;
    cfg.seed = o.seed;
    cfg.lr = o.lr;
    cfg.halve_every = o.halve_every;
    cfg.attention = o.attention;
    cfg.arch.hidden = o.hidden;
    cfg.arch.pool = o.pool;
    trainer = std::make_unique<MetricTrainer>(cfg);
  }
  const int64_t total = o.episodes;

  ModelHeader header;
  header.trained_on = header_trained_on(o);
  header.created_by = "metacog 0.1.0";
  auto save_checkpoint = [&](double elapsed) {
    SafetensorsFile f = trainer->checkpoint();
    f.metadata["seconds"] = std::to_string(seconds_before + elapsed);
    f.metadata["best_val"] = std::to_string(best_val);
    f.metadata["best_episode"] = std::to_string(best_episode);
    write_safetensors_file(ckpt_path, f);
  };
  const EpisodeSpec val_spec{5, o.shot, 15};
  auto validate = [&]() {
    const Conv4Model m = trainer->model(header);
    const MeanCi r = evaluate_metric_model(o.algo, m, val, val_spec, o.val_episodes, 1000 + o.seed, BnMode::Running,
                                           trainer->config().attention);
    if (r.mean > best_val) {
      best_val = r.mean;
      best_episode = trainer->episode();
      Conv4Model best = m;
      nlohmann::json metrics = {{"val_5way_" + std::to_string(o.shot) + "shot", {{"accuracy", r.mean}, {"ci95", r.ci95},
                                 {"episodes", o.val_episodes}, {"bn", "running"}}},
                                {"best_episode", best_episode}};
      if (o.algo == "matchingnet") metrics["attention"] = trainer->config().attention;
      best.header.metrics_json = metrics.dump();
      write_safetensors_file(o.out, conv4_to_safetensors(best));
    }
    return r.mean;
  };

  Progress bar("train " + o.algo, total, trainer->episode());
  double last_ckpt = 0, val_acc = best_val;
  double loss_avg = 0, acc_avg = 0;
  bool stopped = false;
  while (trainer->episode() < total) {
    trainer->step(train);
    loss_avg = trainer->episode() == 1 ? trainer->last_loss() : 0.98 * loss_avg + 0.02 * trainer->last_loss();
    acc_avg = trainer->episode() == 1 ? trainer->last_accuracy() : 0.98 * acc_avg + 0.02 * trainer->last_accuracy();
    const bool val_now = trainer->episode() % o.val_every == 0 || trainer->episode() == total;
    if (val_now) val_acc = validate();
    char status[160];
    std::snprintf(status, sizeof status, "loss %.4f acc %.3f val %.4f", loss_avg, acc_avg, val_acc);
    bar.update(trainer->episode(), status);
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
                                      {"episodes", trainer->episode()},
                                      {"seconds", seconds_before + bar.elapsed_seconds()},
                                      {"final_loss", trainer->last_loss()},
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
  CLI::App* cmd = app.add_subcommand("train", "Meta-train a few-shot learner on Omniglot");
  cmd->add_option("--algo", o->algo, "protonet | matchingnet")->capture_default_str();
  cmd->add_option("--data", o->data, "the omniglot directory")->capture_default_str();
  cmd->add_option("--scheme", o->scheme, "vinyals | lake")->capture_default_str();
  cmd->add_option("--cache", o->cache, "decoded-image cache directory")->capture_default_str();
  cmd->add_option("--way", o->way, "classes per training episode")->capture_default_str();
  cmd->add_option("--shot", o->shot, "support examples per class")->capture_default_str();
  cmd->add_option("--query", o->query, "query examples per class")->capture_default_str();
  cmd->add_option("--episodes", o->episodes, "total training episodes")->capture_default_str();
  cmd->add_option("--out", o->out, "model file to write (the best on validation)")->required();
  cmd->add_option("--seed", o->seed, "seed of every random choice")->capture_default_str();
  cmd->add_option("--lr", o->lr, "Adam learning rate")->capture_default_str();
  cmd->add_option("--halve-every", o->halve_every, "halve the learning rate every N episodes")->capture_default_str();
  cmd->add_option("--attention", o->attention, "matchingnet: cosine | euclidean")->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "Conv-4 filters")->capture_default_str();
  cmd->add_option("--pool", o->pool, "max | stride2")->capture_default_str();
  cmd->add_option("--val-every", o->val_every, "validate every N episodes")->capture_default_str();
  cmd->add_option("--val-episodes", o->val_episodes, "validation episodes")->capture_default_str();
  cmd->add_option("--checkpoint-every", o->checkpoint_every, "seconds between checkpoints")->capture_default_str();
  cmd->add_flag("--resume", o->resume, "continue from <out>.ckpt");
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([o] { run_command([o] { return run_train(*o); }); });
}

}  // namespace

static const bool registered = register_command(&add_train_command);

}  // namespace metacog::cli
