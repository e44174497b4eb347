#include "metacog/gradient_meta.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>

#include "metacog/error.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/ops.hpp"
#include "metacog/training_state.hpp"

namespace metacog {

// ------------------------------------------------------------------ configuration

std::string GradientAdaptation::to_json() const {
  nlohmann::json j{{"optimizer", optimizer}, {"lr", lr}, {"steps", steps}, {"batch", batch}};
  if (params != "all") j["params"] = params;  // absent = all (every file written before the option)
  if (!adam_v.empty()) {
    j["state"] = "shared";
    j["adam_t"] = adam_t;
  }
  if (learned_lr) j["lr_per_step"] = "learned";  // absent = lr at every step
  return j.dump();
}

GradientAdaptation GradientAdaptation::from_json(const std::string& text) {
  GradientAdaptation a;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    a.optimizer = j.at("optimizer").get<std::string>();
    a.lr = j.at("lr").get<float>();
    a.steps = j.at("steps").get<int>();
    a.batch = j.at("batch").get<int>();
    a.params = j.value("params", std::string("all"));
    const std::string state = j.value("state", std::string("fresh"));
    require(state == "fresh" || state == "shared", ErrorCode::ModelFormat,
            "adaptation state must be fresh or shared, got '" + state + "'");
    if (state == "shared") {
      a.adam_t = j.at("adam_t").get<int64_t>();
      require(a.adam_t >= 1, ErrorCode::ModelFormat, "a shared adaptation state needs adam_t ≥ 1");
    }
    const std::string per_step = j.value("lr_per_step", std::string("constant"));
    require(per_step == "constant" || per_step == "learned", ErrorCode::ModelFormat,
            "adaptation lr_per_step must be constant or learned, got '" + per_step + "'");
    a.learned_lr = per_step == "learned";
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::ModelFormat, std::string("adaptation settings: ") + e.what());
  }
  a.validate();
  return a;
}

void GradientAdaptation::validate() const {
  require(optimizer == "sgd" || optimizer == "adam", ErrorCode::InvalidArgument,
          "adaptation optimizer must be sgd or adam, got '" + optimizer + "'");
  require(lr > 0 && steps >= 0 && batch >= 0 && adam_t >= 0, ErrorCode::InvalidArgument,
          "adaptation needs lr > 0, steps ≥ 0, batch ≥ 0");
  require((adam_v.empty() && adam_t == 0) || optimizer == "adam", ErrorCode::InvalidArgument,
          "a starting optimiser state is for adam adaptation only");
  require(params == "all" || (params == "weights" && optimizer == "sgd"), ErrorCode::InvalidArgument,
          "adaptation params must be all, or weights with sgd, got '" + params + "'");
  require(!learned_lr || optimizer == "sgd", ErrorCode::InvalidArgument, "learned per-step step sizes are for sgd adaptation");
  require(step_sizes.empty() || learned_lr, ErrorCode::InvalidArgument,
          "per-step step sizes are given but the adaptation does not declare them (learned_lr)");
  for (const Tensor& a : step_sizes) {
    require(a.ndim() == 1 && a.dim(0) == steps, ErrorCode::InvalidArgument,
            "learned step sizes need one value per adaptation step (" + std::to_string(steps) + ")");
  }
}

GradientMetaConfig GradientMetaConfig::defaults(const std::string& algo, int way, int shot) {
  GradientMetaConfig c;
  c.algo = algo;
  c.arch.pool = "stride2";
  c.arch.num_classes = way;
  if (algo == "reptile") {
    // Nichol et al. 2018, Omniglot (openai/supervised-reptile README, "commands used for the
    // paper"): train shots 10, Adam β1 = 0, meta-batch 5, ε 1 → 0; 5-way: inner batch 10,
    // 5 inner iterations, lr 1e-3, 100k iterations; 20-way: inner batch 20, 10 inner
    // iterations, lr 5e-4, 200k iterations. Evaluation with the training lr: 50 iterations,
    // batch 5 (20-way: 10), transductive.
    const bool wide = way > 5;
    c.spec = {way, shot > 10 ? shot : 10, 0};
    c.iterations = wide ? 200000 : 100000;
    c.meta_batch = 5;
    c.inner_steps = wide ? 10 : 5;
    c.inner_lr = wide ? 5e-4f : 1e-3f;
    c.inner_batch = wide ? 20 : 10;
    c.outer_lr = 1.0f;
    c.test = {"adam", c.inner_lr, 50, wide ? 10 : 5};
    c.shared_inner_state = true;
    c.arch.readout = "flatten";
  } else {
    // Finn et al. 2017, Omniglot: K queries per class, meta-batch 32 (20-way: 16), 1 inner SGD
    // step α = 0.4 (20-way: 5 steps, α = 0.1), Adam 1e-3, 60k iterations, 10 steps at test;
    // spatial mean read-out.
    c.spec = {way, shot, shot};
    c.iterations = 60000;
    c.meta_batch = way > 5 ? 16 : 32;
    c.inner_steps = way > 5 ? 5 : 1;
    c.inner_lr = way > 5 ? 0.1f : 0.4f;
    c.outer_lr = 1e-3f;
    c.test = {"sgd", c.inner_lr, 10, 0};
    c.arch.readout = "mean";
  }
  return c;
}

GradientMetaConfig GradientMetaConfig::mini_imagenet_defaults(const std::string& algo, int way, int shot) {
  GradientMetaConfig c = defaults(algo, way, shot);
  c.arch.in_channels = 3;
  c.arch.image_size = 84;
  c.arch.hidden = 32;
  c.arch.pool = "max";
  c.arch.readout = "flatten";
  if (algo == "reptile") {
    c.spec = {way, shot > 15 ? shot : 15, 0};
    c.iterations = 100000;  // the paper's one mini-ImageNet schedule, whatever the way
    c.inner_lr = 1e-3f;
    c.inner_steps = 8;
    c.inner_batch = 10;
    c.test = {"adam", c.inner_lr, 50, 15};
  } else {
    c.spec = {way, shot, 15};
    c.meta_batch = shot > 1 ? 2 : 4;
    c.inner_steps = 5;
    c.inner_lr = 0.01f;
    c.test = {"sgd", c.inner_lr, 10, 0};
  }
  return c;
}

std::string GradientMetaConfig::to_json() const {
  return nlohmann::json({{"algo", algo},
                         {"way", spec.n_way},
                         {"shot", spec.k_shot},
                         {"query", spec.n_query},
                         {"iterations", iterations},
                         {"meta_batch", meta_batch},
                         {"inner_steps", inner_steps},
                         {"inner_lr", inner_lr},
                         {"inner_batch", inner_batch},
                         {"outer_lr", outer_lr},
                         {"outer_anneal", outer_anneal},
                         {"learn_inner_lr", learn_inner_lr},
                         {"multi_step_loss", multi_step_loss},
                         {"init_from", init_from},
                         {"shared_inner_state", shared_inner_state},
                         {"test", nlohmann::json::parse(test.to_json())},
                         {"seed", std::to_string(seed)},
                         {"arch", nlohmann::json::parse(arch.to_json())}})
      .dump();
}

GradientMetaConfig GradientMetaConfig::from_json(const std::string& text) {
  GradientMetaConfig c;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    c.algo = j.at("algo").get<std::string>();
    c.spec = {j.at("way").get<int>(), j.at("shot").get<int>(), j.at("query").get<int>()};
    c.iterations = j.at("iterations").get<int64_t>();
    c.meta_batch = j.at("meta_batch").get<int>();
    c.inner_steps = j.at("inner_steps").get<int>();
    c.inner_lr = j.at("inner_lr").get<float>();
    c.inner_batch = j.at("inner_batch").get<int>();
    c.outer_lr = j.at("outer_lr").get<float>();
    // absent in checkpoints written before these options existed: constant step, seeded start
    c.outer_anneal = j.value("outer_anneal", std::string("constant"));
    c.init_from = j.value("init_from", std::string());
    // absent before MAML++'s options existed: off
    c.learn_inner_lr = j.value("learn_inner_lr", false);
    c.multi_step_loss = j.value("multi_step_loss", int64_t{0});
    // absent in checkpoints written before the option existed: those runs used a fresh state
    c.shared_inner_state = j.value("shared_inner_state", false);
    c.test = GradientAdaptation::from_json(j.at("test").dump());
    c.seed = std::stoull(j.at("seed").get<std::string>());
    c.arch = Conv4Arch::from_json(j.at("arch").dump());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::StateFormat, std::string("training config: ") + e.what());
  }
  c.validate();
  return c;
}

void check_outer_anneal(const std::string& algo, const std::string& outer_anneal) {
  require(outer_anneal == "constant" || outer_anneal == "cosine", ErrorCode::InvalidArgument,
          "--outer-anneal must be constant or cosine, got '" + outer_anneal + "'");
  require(outer_anneal == "constant" || algo != "reptile", ErrorCode::InvalidArgument,
          "Reptile's outer step ε is always annealed linearly to 0; cosine annealing is for maml and fomaml");
}

void GradientMetaConfig::validate() const {
  require(is_gradient_algo(algo), ErrorCode::InvalidArgument,
          "gradient-based meta-training supports maml, fomaml and reptile, got '" + algo + "'");
  const bool reptile = algo == "reptile";
  require(spec.n_way >= 2 && spec.k_shot >= 1 && (reptile ? spec.n_query >= 0 : spec.n_query >= 1),
          ErrorCode::InvalidArgument, "tasks need way ≥ 2, shot ≥ 1 and (MAML) query ≥ 1");
  require(iterations >= 0 && meta_batch >= 1 && inner_steps >= 1 && inner_lr > 0 && inner_batch >= 0 && outer_lr > 0,
          ErrorCode::InvalidArgument, "invalid meta-training settings");
  require(arch.num_classes == spec.n_way, ErrorCode::InvalidArgument,
          "the head must have one output per way (num_classes = way)");
  check_outer_anneal(algo, outer_anneal);
  require(!shared_inner_state || reptile, ErrorCode::InvalidArgument,
          "a shared inner optimiser state is Reptile's (its inner loop is Adam)");
  require((!learn_inner_lr && multi_step_loss == 0) || !reptile, ErrorCode::InvalidArgument,
          "learned per-step inner step sizes and the multi-step loss are MAML / first-order MAML options");
  require(multi_step_loss >= 0, ErrorCode::InvalidArgument, "the multi-step loss's annealing length must be ≥ 0");
  require(learn_inner_lr == test.learned_lr, ErrorCode::InvalidArgument,
          "learned inner step sizes are used at test time too (test.learned_lr = learn_inner_lr)");
  require(!learn_inner_lr || test.steps == inner_steps, ErrorCode::InvalidArgument,
          "with learned per-step step sizes the test adapts with the " + std::to_string(inner_steps) +
              " learned steps (test steps = inner steps)");
  arch.validate();
  test.validate();
}

// ------------------------------------------------------------------ inner loop

namespace {

/** Rows `idx` of images and their labels. */
LabelledImages take(const LabelledImages& d, const std::vector<int>& idx) {
  LabelledImages out;
  Shape s = d.images.shape();
  s[0] = static_cast<int64_t>(idx.size());
  out.images = Tensor::empty(s);
  const int64_t row = d.images.numel() / d.images.dim(0);
  for (size_t i = 0; i < idx.size(); ++i) {
    std::memcpy(out.images.data() + static_cast<int64_t>(i) * row, d.images.data() + idx[i] * row,
                static_cast<size_t>(row) * sizeof(float));
    out.labels.push_back(d.labels[static_cast<size_t>(idx[i])]);
  }
  return out;
}

/** Minibatches of `batch` indices out of n, without replacement, reshuffled when used up. */
class MinibatchStream {
 public:
  MinibatchStream(int n, int batch, Pcg32& rng) : n_(n), batch_(batch <= 0 || batch > n ? n : batch), rng_(rng) {}
  std::vector<int> next() {
    std::vector<int> out;
    while (static_cast<int>(out.size()) < batch_) {
      if (pos_ == order_.size()) {
        order_.resize(static_cast<size_t>(n_));
        for (int i = 0; i < n_; ++i) order_[static_cast<size_t>(i)] = i;
        rng_.shuffle(order_);
        pos_ = 0;
      }
      out.push_back(order_[pos_++]);
    }
    return out;
  }
  bool whole() const { return batch_ == n_; }

 private:
  int n_, batch_;
  Pcg32& rng_;
  std::vector<int> order_;
  size_t pos_ = 0;
};

Var task_loss(const Conv4Arch& arch, const ParamSet& p, const LabelledImages& d, BnMode mode, Buffers* buffers) {
  return cross_entropy(conv4_logits(arch, p, Var(d.images), mode, buffers), d.labels);
}

/** Whether the inner loop changes parameter `name` under `how.params`. */
bool adapted(const GradientAdaptation& how, const std::string& name) {
  return how.params == "all" || name.find("bn.") == std::string::npos;
}


}  // namespace

std::vector<float> multi_step_loss_weights(int steps, int64_t t, int64_t anneal) {
  require(steps >= 1 && t >= 0 && anneal >= 0, ErrorCode::InvalidArgument,
          "multi-step loss weights need steps ≥ 1, t ≥ 0 and an annealing length ≥ 0");
  std::vector<float> v(static_cast<size_t>(steps), 0.0f);
  if (t >= anneal) {
    v.back() = 1.0f;
    return v;
  }
  const double S = steps, f = static_cast<double>(t) / static_cast<double>(anneal), floor = 0.03 / S;
  for (int s = 0; s + 1 < steps; ++s) v[static_cast<size_t>(s)] = static_cast<float>(std::max((1.0 - f) / S, floor));
  v.back() = static_cast<float>(std::min(1.0 / S + f * (S - 1.0) / S, 1.0 - floor * (S - 1.0)));
  return v;
}

ParamSet adapt_to_task(const Conv4Arch& arch, const ParamSet& theta, const LabelledImages& task,
                       const GradientAdaptation& how, InnerGraph graph, Pcg32& rng, Adam* shared,
                       const InnerLoopHooks& hooks) {
  how.validate();
  require(task.images.ndim() == 4 && task.images.dim(0) == static_cast<int64_t>(task.labels.size()) &&
              !task.labels.empty(),
          ErrorCode::InvalidArgument, "adapt_to_task: one label per image, at least one image");
  require(how.optimizer == "sgd" || graph == InnerGraph::None, ErrorCode::InvalidArgument,
          "adapt_to_task: only SGD inner loops can be differentiated");
  require(shared == nullptr || how.optimizer == "adam", ErrorCode::InvalidArgument,
          "adapt_to_task: a shared optimiser state needs adam adaptation");
  require((how.adam_v.empty() && how.adam_t == 0) || (how.adam_v.size() == theta.size() && how.adam_t >= 1),
          ErrorCode::InvalidArgument,
          "adapt_to_task: a starting Adam state needs its step count and one tensor per parameter "
          "(read it with read_adaptation)");
  if (hooks.step_sizes != nullptr) {
    require(how.learned_lr && hooks.step_sizes->size() == theta.size(), ErrorCode::InvalidArgument,
            "adapt_to_task: step-size variables need learned_lr and one per parameter");
    for (const Var& a : *hooks.step_sizes) {
      require(a.value().ndim() == 1 && a.value().dim(0) == how.steps, ErrorCode::InvalidArgument,
              "adapt_to_task: a step-size variable needs one value per step");
    }
  } else {
    require(!how.learned_lr || how.step_sizes.size() == theta.size(), ErrorCode::InvalidArgument,
            "adapt_to_task: learned step sizes need one tensor per parameter (read them with read_adaptation)");
  }
  // LSLR's step of parameter i at step s, as a value (the graph path uses the variables when given)
  auto step_size = [&](size_t i, int s) {
    if (!how.learned_lr) return how.lr;
    const Tensor& a = hooks.step_sizes ? (*hooks.step_sizes)[i].value() : how.step_sizes[i];
    return a[s];
  };
  MinibatchStream batches(static_cast<int>(task.labels.size()), how.batch, rng);
  if (graph == InnerGraph::None) {
    ParamSet phi = theta.clone();
    Sgd sgd(how.lr);
    Adam own(how.lr, 0.0f, 0.999f);
    if (!how.adam_v.empty()) {
      own.t = how.adam_t;
      for (const Tensor& v : how.adam_v) {
        own.m.push_back(Tensor::zeros(v.shape()));  // β1 = 0: m is the current gradient
        own.v.push_back(v.clone());
      }
    }
    Adam& adam = shared ? *shared : own;
    for (int s = 0; s < how.steps; ++s) {
      const LabelledImages b = batches.whole() ? task : take(task, batches.next());
      std::vector<Var> g = grad(task_loss(arch, phi, b, BnMode::Transductive, nullptr), phi.vars());
      for (size_t i = 0; i < g.size(); ++i) {
        if (!adapted(how, phi.names()[i])) g[i] = Var(Tensor::zeros(g[i].shape()));
      }
      if (how.optimizer == "adam") {
        adam.step(phi, g);
      } else if (!how.learned_lr) {
        sgd.step(phi, g);
      } else {
        for (size_t i = 0; i < g.size(); ++i) {  // φ_p ← φ_p − α_{p,s} g_p
          Tensor w = phi.vars()[i].value();
          const Tensor& gi = g[i].value();
          const float a = step_size(i, s);
          for (int64_t j = 0; j < w.numel(); ++j) w[j] -= a * gi[j];
        }
      }
      if (hooks.trajectory) hooks.trajectory->push_back(phi.clone());
    }
    return phi;
  }
  // Only the moving parameters are differentiated. A held one is θ's own variable in every step,
  // and θ is an ancestor of every earlier step's result: asking for its gradient would make each
  // step's backward run through all the earlier steps' graphs (second order: their double
  // backward), a cost growing with the step count, for a gradient the step does not use.
  std::vector<size_t> moving;
  for (size_t i = 0; i < theta.size(); ++i) {
    if (adapted(how, theta.names()[i])) moving.push_back(i);
  }
  ParamSet phi = theta;
  for (int s = 0; s < how.steps; ++s) {
    const LabelledImages b = batches.whole() ? task : take(task, batches.next());
    std::vector<Var> wrt;
    for (const size_t i : moving) wrt.push_back(phi.vars()[i]);
    const std::vector<Var> g =
        grad(task_loss(arch, phi, b, BnMode::Transductive, nullptr), wrt, graph == InnerGraph::SecondOrder);
    ParamSet next;
    for (size_t i = 0, k = 0; i < phi.size(); ++i) {
      const bool moves = k < moving.size() && moving[k] == i;
      if (!moves) {
        next.add_var(phi.names()[i], phi.vars()[i]);
      } else if (hooks.step_sizes) {  // α_{p,s} a variable: the outer gradient reaches it
        next.add_var(phi.names()[i], sub(phi.vars()[i], mul(g[k++], slice_rows((*hooks.step_sizes)[i], s, s + 1))));
      } else {
        next.add_var(phi.names()[i], sub(phi.vars()[i], mul_scalar(g[k++], step_size(i, s))));
      }
    }
    phi = std::move(next);
    if (hooks.trajectory) hooks.trajectory->push_back(phi);
  }
  return phi;
}

TaskOuterLoss maml_task_loss(const Conv4Arch& arch, const ParamSet& theta, const LabelledImages& support,
                             const LabelledImages& query, const GradientAdaptation& inner, InnerGraph graph,
                             const std::vector<float>& step_weights, const std::vector<Var>* step_sizes,
                             BnBatchStats* stats) {
  require(static_cast<int>(step_weights.size()) == inner.steps && inner.steps >= 1, ErrorCode::InvalidArgument,
          "maml_task_loss: one loss weight per inner step");
  std::vector<ParamSet> iterates;
  InnerLoopHooks hooks;
  hooks.step_sizes = step_sizes;
  const bool every_step = step_weights.size() > 1 && std::any_of(step_weights.begin(), step_weights.end() - 1,
                                                                  [](float v) { return v != 0.0f; });
  if (every_step) hooks.trajectory = &iterates;
  Pcg32 unused(0);  // the whole-support inner loop draws no minibatches
  const ParamSet phi = adapt_to_task(arch, theta, support, inner, graph, unused, nullptr, hooks);
  TaskOuterLoss out;
  out.final_logits = conv4_logits(arch, phi, Var(query.images), BnMode::Train, nullptr, stats);
  const Var final_loss = cross_entropy(out.final_logits, query.labels);
  out.final_loss = final_loss.value().item();
  out.loss = step_weights.back() == 1.0f ? final_loss : mul_scalar(final_loss, step_weights.back());
  for (size_t s = 0; every_step && s + 1 < iterates.size(); ++s) {
    if (step_weights[s] == 0.0f) continue;
    const Var l = cross_entropy(conv4_logits(arch, iterates[s], Var(query.images), BnMode::Transductive, nullptr),
                                query.labels);
    out.loss = add(out.loss, mul_scalar(l, step_weights[s]));
  }
  return out;
}

float gradient_episode_accuracy(const Conv4Arch& arch, const ParamSet& theta, const Buffers& buffers,
                                const GradientAdaptation& how, const LabelledImages& support,
                                const LabelledImages& query, BnMode mode, Pcg32& rng) {
  require(mode != BnMode::Train, ErrorCode::InvalidArgument, "evaluate with running or transductive batch norm");
  const ParamSet phi = adapt_to_task(arch, theta, support, how, InnerGraph::None, rng);
  NoGradGuard no_grad;
  Buffers running = buffers;  // read only in Running mode
  return argmax_accuracy(conv4_logits(arch, phi, Var(query.images), mode, &running).value(), query.labels);
}

void split_episode(const Tensor& images, const Episode& ep, LabelledImages& support, LabelledImages& query) {
  const int64_t ns = static_cast<int64_t>(ep.support.size());
  support.images = images.rows(0, ns);
  query.images = images.rows(ns, images.dim(0));
  support.labels.assign(ep.support_labels.begin(), ep.support_labels.end());
  query.labels.assign(ep.query_labels.begin(), ep.query_labels.end());
}

// ------------------------------------------------------------------ trainer

GradientTrainer::GradientTrainer(const GradientMetaConfig& config)
    : config_(config),
      adam_(config.outer_lr),
      inner_adam_(config.inner_lr, 0.0f, 0.999f),
      step_size_adam_(config.outer_lr),
      rng_(config.seed) {
  config_.validate();
  Pcg32 init(config.seed, 0x1234567ULL);  // initial weights: their own stream
  params_ = conv4_init(config_.arch, init);
  buffers_ = conv4_buffers(config_.arch);
  if (config_.learn_inner_lr) {  // LSLR: every α_{p,s} starts at the inner step
    for (const std::string& name : params_.names()) {
      step_sizes_.add(name, Tensor::full({config_.inner_steps}, config_.inner_lr));
    }
  }
}

void GradientTrainer::warm_start(const Conv4Model& model, const std::string& source,
                                 const GradientAdaptation* adaptation) {
  require(iteration_ == 0, ErrorCode::InvalidArgument, "a warm start comes before the first meta-iteration");
  require(model.arch.to_json() == config_.arch.to_json(), ErrorCode::InvalidArgument,
          "the initial model's architecture " + model.arch.to_json() + " differs from this run's " +
              config_.arch.to_json() + " (same --way, --hidden and algorithm family)");
  require(!source.empty(), ErrorCode::InvalidArgument, "a warm start names the model it came from");
  const bool take_steps = config_.learn_inner_lr && adaptation != nullptr && adaptation->learned_lr;
  if (take_steps) {
    require(adaptation->steps == config_.inner_steps && adaptation->step_sizes.size() == step_sizes_.size(),
            ErrorCode::InvalidArgument,
            "the initial model learned step sizes for " + std::to_string(adaptation->steps) +
                " inner steps; this run has " + std::to_string(config_.inner_steps));
  }
  params_ = model.params.clone();
  buffers_ = clone_buffers(model.buffers);
  if (take_steps) {
    ParamSet taken;
    for (size_t i = 0; i < step_sizes_.size(); ++i) taken.add(step_sizes_.names()[i], adaptation->step_sizes[i].clone());
    step_sizes_ = std::move(taken);
  }
  config_.init_from = source;
}

float GradientTrainer::outer_step_size() const {
  return config_.outer_anneal == "cosine" ? config_.outer_lr * cosine_anneal(iteration_, config_.iterations)
                                          : config_.outer_lr;
}

float GradientTrainer::step(const ImageDataset& train) {
  if (config_.algo == "reptile") {
    last_loss_ = reptile_step(train);
  } else {
    last_loss_ = maml_step(train, config_.algo == "maml");
  }
  ++iteration_;
  return last_loss_;
}

/**
 * One MAML / FOMAML iteration. The B tasks are independent given θ, so they run in parallel (OpenMP,
 * OMP_NUM_THREADS; one task per thread, every product inside a task single-threaded): the episodes
 * are drawn first, in order, from the one stream (the inner loop draws nothing: its batch is the
 * whole support set), and the per-task gradients, losses and batch-norm statistics are reduced
 * afterwards in task order. The sums are therefore formed in the same order whatever the thread
 * count, and the model is bit-identical to a one-thread run.
 */
float GradientTrainer::maml_step(const ImageDataset& train, bool second_order) {
  GradientAdaptation inner{"sgd", config_.inner_lr, config_.inner_steps, 0};
  inner.params = config_.test.params;
  inner.learned_lr = config_.learn_inner_lr;
  const std::vector<float> weights = multi_step_loss_weights(config_.inner_steps, iteration_, config_.multi_step_loss);
  // the outer gradient's variables: θ, then (LSLR) the step sizes
  std::vector<Var> wrt = params_.vars();
  wrt.insert(wrt.end(), step_sizes_.vars().begin(), step_sizes_.vars().end());
  const int tasks = config_.meta_batch;
  const float scale = 1.0f / static_cast<float>(tasks);
  std::vector<Episode> episodes;
  episodes.reserve(static_cast<size_t>(tasks));
  for (int b = 0; b < tasks; ++b) episodes.push_back(sample_episode(train.classes, config_.spec, rng_));

  struct TaskResult {
    std::vector<Var> grad;
    float loss = 0, accuracy = 0;
    BnBatchStats bn;
    std::exception_ptr error;
  };
  std::vector<TaskResult> results(static_cast<size_t>(tasks));
  const InnerGraph graph = second_order ? InnerGraph::SecondOrder : InnerGraph::FirstOrder;
#pragma omp parallel for schedule(dynamic, 1)
  for (int b = 0; b < tasks; ++b) {
    TaskResult& r = results[static_cast<size_t>(b)];
    try {
      const Episode& ep = episodes[static_cast<size_t>(b)];
      LabelledImages support, query;
      split_episode(gather_episode(train, ep), ep, support, query);
      const TaskOuterLoss l = maml_task_loss(config_.arch, params_, support, query, inner, graph, weights,
                                             config_.learn_inner_lr ? &step_sizes_.vars() : nullptr, &r.bn);
      r.loss = l.final_loss * scale;
      r.accuracy = argmax_accuracy(l.final_logits.value(), query.labels) * scale;
      r.grad = grad(mul_scalar(l.loss, scale), wrt);
    } catch (...) {
      r.error = std::current_exception();
    }
  }
  for (const TaskResult& r : results) {
    if (r.error) std::rethrow_exception(r.error);
  }

  std::vector<Tensor> sum;
  float loss = 0, acc = 0;
  for (const TaskResult& r : results) {
    fold_batch_stats(config_.arch, r.bn, buffers_);
    loss += r.loss;
    acc += r.accuracy;
    for (size_t i = 0; i < r.grad.size(); ++i) {
      if (sum.size() <= i) {
        sum.push_back(r.grad[i].value().clone());
      } else {
        float* s = sum[i].data();
        const float* gi = r.grad[i].value().data();
        for (int64_t j = 0; j < sum[i].numel(); ++j) s[j] += gi[j];
      }
    }
  }
  std::vector<Var> meta_grad(sum.begin(), sum.begin() + static_cast<std::ptrdiff_t>(params_.size()));
  adam_.lr = outer_step_size();
  adam_.step(params_, meta_grad);
  if (config_.learn_inner_lr) {
    std::vector<Var> step_size_grad(sum.begin() + static_cast<std::ptrdiff_t>(params_.size()), sum.end());
    step_size_adam_.lr = adam_.lr;
    step_size_adam_.step(step_sizes_, step_size_grad);
  }
  last_accuracy_ = acc;
  return loss;
}

float GradientTrainer::reptile_step(const ImageDataset& train) {
  const GradientAdaptation inner{"adam", config_.inner_lr, config_.inner_steps, config_.inner_batch};
  std::vector<Tensor> delta;
  float loss = 0, acc = 0;
  const float scale = 1.0f / static_cast<float>(config_.meta_batch);
  for (int b = 0; b < config_.meta_batch; ++b) {
    const Episode ep = sample_episode(train.classes, config_.spec, rng_);
    LabelledImages task, unused;
    split_episode(gather_episode(train, ep), ep, task, unused);
    const ParamSet phi = adapt_to_task(config_.arch, params_, task, inner, InnerGraph::None, rng_,
                                       config_.shared_inner_state ? &inner_adam_ : nullptr);
    if (b + 1 == config_.meta_batch) {
      // the last task's adapted weights on that whole task: the loss/accuracy shown during training,
      // and one update of the running batch-norm averages per iteration (for inductive evaluation).
      // Once per iteration, not per task: it trains nothing, and per task it cost a fifth of the
      // iteration (20-way: 200 images forward against 10 steps × 20 images forward and backward).
      NoGradGuard no_grad;
      const Var logits = conv4_logits(config_.arch, phi, Var(task.images), BnMode::Train, &buffers_);
      loss = cross_entropy(logits, task.labels).value().item();
      acc = argmax_accuracy(logits.value(), task.labels);
    }
    for (size_t i = 0; i < params_.size(); ++i) {
      const Tensor& w = params_.vars()[i].value();
      const Tensor& f = phi.vars()[i].value();
      if (delta.size() <= i) delta.push_back(Tensor::zeros(w.shape()));
      for (int64_t j = 0; j < w.numel(); ++j) delta[i][j] += (f[j] - w[j]) * scale;
    }
  }
  // θ ← θ + ε (mean φ − θ), ε linearly annealed from ε₀ to 0
  const float eps = config_.outer_lr * linear_anneal(iteration_, config_.iterations);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor w = params_.vars()[i].value();
    for (int64_t j = 0; j < w.numel(); ++j) w[j] += eps * delta[i][j];
  }
  last_accuracy_ = acc;
  return loss;
}

SafetensorsFile GradientTrainer::checkpoint() const {
  SafetensorsFile f = make_checkpoint(config_.to_json(), iteration_, last_loss_, params_, buffers_, adam_, rng_);
  if (config_.shared_inner_state) put_adam_state(f, params_, inner_adam_, "inner_optim.", "inner_adam_t");
  if (config_.learn_inner_lr) {
    put_tensors(f, "step_size.", step_sizes_, {});
    put_adam_state(f, step_sizes_, step_size_adam_, "step_size_optim.", "step_size_adam_t");
  }
  return f;
}

GradientTrainer GradientTrainer::from_checkpoint(const SafetensorsFile& f) {
  GradientTrainer t(GradientMetaConfig::from_json(checkpoint_config(f)));
  t.iteration_ = restore_checkpoint(f, t.params_, t.buffers_, t.adam_, t.rng_);
  if (t.config_.shared_inner_state) take_adam_state(f, t.params_, t.inner_adam_, "inner_optim.", "inner_adam_t");
  if (t.config_.learn_inner_lr) {
    Buffers none;
    take_tensors(f, "step_size.", t.step_sizes_, none);
    take_adam_state(f, t.step_sizes_, t.step_size_adam_, "step_size_optim.", "step_size_adam_t");
  }
  return t;
}

SafetensorsFile GradientTrainer::model_file(const ModelHeader& header) const {
  Conv4Model m;
  m.arch = config_.arch;
  m.params = params_.clone();
  m.buffers = clone_buffers(buffers_);
  m.header = header;
  m.header.algo = config_.algo;
  SafetensorsFile f = conv4_to_safetensors(m);
  GradientAdaptation test = config_.test;
  if (config_.shared_inner_state && inner_adam_.t > 0) {
    test.adam_t = inner_adam_.t;
    test.adam_v = inner_adam_.v;
    for (size_t i = 0; i < params_.size(); ++i) {
      const Tensor& v = inner_adam_.v[i];
      f.set_f32(kAdaptationStatePrefix + params_.names()[i], v.ndim() == 4 ? ohwi_to_oihw(v) : v);
    }
  }
  for (size_t i = 0; i < step_sizes_.size(); ++i) {
    f.set_f32(kAdaptationStepSizePrefix + step_sizes_.names()[i], step_sizes_.vars()[i].value());
  }
  f.metadata["adaptation"] = test.to_json();
  return f;
}

// ------------------------------------------------------------------ evaluation

GradientAdaptation read_adaptation(const SafetensorsFile& file, const ParamSet& params) {
  const auto it = file.metadata.find("adaptation");
  require(it != file.metadata.end(), ErrorCode::ModelFormat,
          "this gradient-based model lacks its \"adaptation\" metadata (optimizer, lr, steps, batch)");
  // settings that parse but are out of range are the file's fault, not the command line's
  GradientAdaptation a = [&] {
    try {
      return GradientAdaptation::from_json(it->second);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::InvalidArgument) throw;
      throw Error(ErrorCode::ModelFormat, std::string("adaptation settings: ") + e.what());
    }
  }();
  if (a.learned_lr) {
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string name = kAdaptationStepSizePrefix + params.names()[i];
      require(file.has(name), ErrorCode::ModelFormat, "the learned step sizes lack tensor '" + name + "'");
      const Tensor alpha = file.get_f32(name);
      require(alpha.ndim() == 1 && alpha.dim(0) == a.steps, ErrorCode::ModelFormat,
              "learned step-size tensor '" + name + "' must hold one value per adaptation step (" +
                  std::to_string(a.steps) + ")");
      for (int64_t j = 0; j < alpha.numel(); ++j) {
        require(std::isfinite(alpha[j]), ErrorCode::ModelFormat, "learned step-size tensor '" + name + "' must be finite");
      }
      a.step_sizes.push_back(alpha);
    }
  }
  if (a.adam_t == 0) return a;  // from_json has already refused a state on an SGD adaptation
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string name = kAdaptationStatePrefix + params.names()[i];
    const Tensor& p = params.vars()[i].value();
    require(file.has(name), ErrorCode::ModelFormat, "the adaptation state lacks tensor '" + name + "'");
    Tensor v = file.get_f32(name);
    if (p.ndim() == 4) {
      require(v.ndim() == 4, ErrorCode::ModelFormat, "adaptation tensor '" + name + "' has the wrong shape");
      v = oihw_to_ohwi(v);
    }
    require(v.shape() == p.shape(), ErrorCode::ModelFormat, "adaptation tensor '" + name + "' has the wrong shape");
    for (int64_t j = 0; j < v.numel(); ++j) {
      require(std::isfinite(v[j]) && v[j] >= 0, ErrorCode::ModelFormat,
              "adaptation tensor '" + name + "' must be finite and non-negative");
    }
    a.adam_v.push_back(v);
  }
  return a;
}

MeanCi evaluate_gradient_model(const Conv4Model& model, const GradientAdaptation& how, const ImageDataset& test,
                               const EpisodeSpec& spec, int episodes, uint64_t seed, BnMode mode,
                               const EpisodeProgress& progress) {
  require(episodes >= 1, ErrorCode::InvalidArgument, "evaluation needs at least one episode");
  require(model.arch.num_classes == spec.n_way, ErrorCode::InvalidArgument,
          "this model has a " + std::to_string(model.arch.num_classes) + "-way head; evaluate it with --way " +
              std::to_string(model.arch.num_classes));
  Pcg32 rng(seed);
  Pcg32 batches(seed, 0xba7c4ULL);
  std::vector<double> acc;
  acc.reserve(static_cast<size_t>(episodes));
  for (int e = 0; e < episodes; ++e) {
    const Episode ep = sample_episode(test.classes, spec, rng);
    LabelledImages support, query;
    split_episode(gather_episode(test, ep), ep, support, query);
    acc.push_back(gradient_episode_accuracy(model.arch, model.params, model.buffers, how, support, query, mode, batches));
    if (progress) progress(e + 1);
  }
  return mean_ci95(acc);
}

}  // namespace metacog
