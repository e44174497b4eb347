// The side-by-side benchmark workloads (bench_compare.hpp): seeded inputs, metacog's code path, and
// the traces another framework needs to compute the same function.
#include "metacog/bench_compare.hpp"

#include "metacog/error.hpp"
#include "metacog/fewshot.hpp"
#include "metacog/kernels.hpp"
#include "metacog/learner_model.hpp"
#include "metacog/ops.hpp"
#include "metacog/rng.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

GemmWorkload::GemmWorkload(int n_, uint64_t seed) : n(n_) {
  require(n >= 1 && n <= 4096, ErrorCode::InvalidArgument, "gemm workload: n must be 1..4096");
  Pcg32 rng(seed);
  a = uniform_tensor({n, n}, 1.0f, rng);
  b = uniform_tensor({n, n}, 1.0f, rng);
  c = Tensor::zeros({n, n});
}

void GemmWorkload::run() { kernels::gemm<float>(false, false, n, n, n, 1.0f, a.data(), b.data(), 0.0f, c.data()); }

Conv4Weights::Conv4Weights(const Conv4Arch& arch_, uint64_t seed) : arch(arch_) {
  Pcg32 rng(seed);
  params = conv4_init(arch, rng);
  buffers = conv4_buffers(arch);
  // γ ~ U(0.5, 1.5), β ~ U(−0.1, 0.1), μ ~ U(−0.1, 0.1), σ² ~ U(0.5, 1.5): BN is not the identity.
  for (int i = 0; i < arch.blocks; ++i) {
    const std::string b = "encoder." + std::to_string(i) + ".";
    Tensor gamma = params.get(b + "bn.weight").value();  // copies share the buffer: writes go to the leaf
    Tensor beta = params.get(b + "bn.bias").value();
    Tensor& mean = buffers.at(b + "bn.running_mean");
    Tensor& var = buffers.at(b + "bn.running_var");
    for (int64_t j = 0; j < arch.hidden; ++j) {
      gamma[j] = rng.uniform(0.5f, 1.5f);
      beta[j] = rng.uniform(-0.1f, 0.1f);
      mean[j] = rng.uniform(-0.1f, 0.1f);
      var[j] = rng.uniform(0.5f, 1.5f);
    }
  }
}

Conv4Workload::Conv4Workload(int images, uint64_t seed) : w(Conv4Arch{}, seed) {
  require(images >= 1 && images <= 10000, ErrorCode::InvalidArgument, "conv4 workload: images must be 1..10000");
  Pcg32 rng(seed, 7);
  x = uniform_tensor({images, 28, 28, 1}, 1.0f, rng);
}

void Conv4Workload::run() {
  NoGradGuard no_grad;
  out = conv4_embed(w.arch, w.params, Var(x), BnMode::Running, &w.buffers).value();
}

ProtoNetWorkload::ProtoNetWorkload(int n_way_, int k_shot_, int n_query_, uint64_t seed)
    : n_way(n_way_), k_shot(k_shot_), n_query(n_query_), w(Conv4Arch{}, seed) {
  require(n_way >= 1 && k_shot >= 1 && n_query >= 1 && n_way * (k_shot + n_query) <= 10000,
          ErrorCode::InvalidArgument, "protonet workload: invalid episode size");
  Pcg32 rng(seed, 11);
  images = uniform_tensor({n_way * (k_shot + n_query), 28, 28, 1}, 1.0f, rng);
}

void ProtoNetWorkload::run() {
  NoGradGuard no_grad;
  const int64_t ns = static_cast<int64_t>(n_way) * k_shot, nq = static_cast<int64_t>(n_way) * n_query;
  const Var z = conv4_embed(w.arch, w.params, Var(images), BnMode::Running, &w.buffers);
  const Var prototypes = weighted_prototypes(slice_rows(z, 0, ns), n_way, k_shot);
  log_probs = protonet_log_probs(slice_rows(z, ns, ns + nq), prototypes).value();
}

namespace {
/** The demo learner model's architecture (models/demo-learner.safetensors) for a vocabulary. */
LearnerArch demo_arch(int items, int skills) {
  LearnerArch a;
  a.num_items = items;
  a.num_skills = skills;
  a.dim = 16;
  a.hidden = 32;
  a.rank = 4;
  a.decays = {0.0, 0.7, 0.95};
  a.inner_steps = 2;
  a.inner_lr = 0.3;
  a.prior_precision = 1.0;
  a.inner_window = 200;
  a.positional_clock = true;
  a.adapt_output = true;
  return a;
}
}  // namespace

LearnerReptileWorkload::LearnerReptileWorkload(int responses, uint64_t seed, const std::vector<uint8_t>& model)
    : data_(std::make_unique<KtDataset>()) {
  require(responses >= 1 && responses <= 100000, ErrorCode::InvalidArgument,
          "learner workload: responses must be 1..100000");
  // The demo item bank's size: 277 items over 17 skills; item i belongs to skill i mod 17.
  const int items = 277, skills = 17;
  data_->num_items = items;
  data_->num_skills = skills;
  for (int i = 0; i < items; ++i) data_->item_labels.push_back("item-" + std::to_string(i));
  for (int s = 0; s < skills; ++s) data_->skill_labels.push_back("skill-" + std::to_string(s));
  Pcg32 rng(seed, 13);
  LearnerLog log;
  log.learner = "bench";
  for (int t = 0; t < responses; ++t) {
    Response r;
    r.item = static_cast<int>(rng.uniform_int(items));
    r.skill = r.item % skills;
    r.correct = rng.bernoulli(0.7);
    r.timestamp = t;
    log.responses.push_back(r);
  }
  data_->learners.push_back(std::move(log));
  LearnerTrainConfig cfg;
  cfg.algo = LearnerAlgo::Reptile;
  cfg.arch = demo_arch(items, skills);
  cfg.meta_batch = 1;
  cfg.reptile_chunk = responses;
  cfg.skill_dropout = 0;
  cfg.item_dropout = 0;
  cfg.select_best = false;
  cfg.max_epochs = 1 << 30;
  cfg.seed = seed;
  trainer_ = std::make_unique<LearnerTrainer>(*data_, *data_, cfg);
  if (!model.empty()) {
    // start from the file's meta-parameters: through the trainer's own state round trip
    const LearnerModel m = LearnerModel::from_safetensors(model.data(), model.size());
    require(m.params().size() == trainer_->model().params().size() && m.arch().to_json() == cfg.arch.to_json(),
            ErrorCode::ModelFormat, "learner workload: the model's architecture is not the demo learner's");
    SafetensorsFile state;
    trainer_->save_state(state, "bench/");
    state.tensors["bench/params"] = f64_vector_to_raw(m.params());
    trainer_->load_state(state, "bench/");
  }
}

double LearnerReptileWorkload::run() { return trainer_->run_epoch().train_loss; }

double LearnerReptileWorkload::loss_and_gradient(std::vector<double>& grad) {
  return trainer_->loss_and_gradient({0}, grad);
}

LearnerTrace LearnerReptileWorkload::trace() const {
  const LearnerModel& m = trainer_->model();
  const LearnerArch& a = m.arch();
  const std::vector<Response>& rs = data_->learners[0].responses;
  LearnerTrace tr;
  tr.responses = static_cast<int>(rs.size());
  tr.features = kHistoryFeatures;
  tr.fast_size = a.fast_size();
  LearnerTracker tracker(m);
  LearnerScratch& s = tracker.scratch();
  for (const Response& r : rs) {
    const LearnerQuery q = m.query(r.item, r.skill, r.timestamp);
    tracker.build_input(q, 0, s);
    for (int f = 0; f < kHistoryFeatures; ++f) tr.features_std.push_back(static_cast<float>(s.in[static_cast<size_t>(f)]));
    for (double p : tracker.fast_weights()) tr.phi.push_back(static_cast<float>(p));
    tr.skill.push_back(q.skills[0]);
    tr.item.push_back(q.item);
    tr.interaction.push_back(2 * q.skills[0] + (r.correct ? 1 : 0));
    tr.correct.push_back(r.correct ? 1.0f : 0.0f);
    tracker.observe(q, r.correct);
  }
  return tr;
}

}  // namespace metacog
