// Layers, functional parameters, optimizers and Conv-4 model files.
#include <doctest/doctest.h>

#include <cmath>

#include "metacog/model_io.hpp"
#include "metacog/nn.hpp"
#include "metacog/ops.hpp"
#include "metacog/optim.hpp"
#include "test_support.hpp"

using namespace metacog;
using metacog::test::code_of;
using metacog::test::message_of;

TEST_CASE("nn: Conv-4 shapes for both variants; embedding dims as in the papers") {
  Pcg32 rng(3);
  Conv4Arch a;  // max-pool, 28×28×1, 64 filters → 64-d
  CHECK(a.embedding_dim() == 64);
  ParamSet p = conv4_init(a, rng);
  Buffers b = conv4_buffers(a);
  CHECK(p.size() == 12);
  CHECK(p.numel() == 64 * 9 + 3 * 64 * 9 * 64 + 4 * 128);
  const Var z = conv4_embed(a, p, Var(uniform_tensor({3, 28, 28, 1}, 1.0f, rng)), BnMode::Train, &b);
  CHECK(z.shape() == Shape{3, 64});
  Conv4Arch s;
  s.pool = "stride2";
  s.num_classes = 5;
  CHECK(s.final_size() == 2);
  CHECK(s.embedding_dim() == 256);
  ParamSet ps = conv4_init(s, rng);
  Buffers bs = conv4_buffers(s);
  CHECK(conv4_logits(s, ps, Var(uniform_tensor({2, 28, 28, 1}, 1.0f, rng)), BnMode::Train, &bs).shape() == Shape{2, 5});
  CHECK(code_of([&] { conv4_embed(a, p, Var(Tensor::zeros({2, 27, 28, 1})), BnMode::Train, &b); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("nn: initialisation is seeded and follows PyTorch's bounds") {
  Conv4Arch a;
  Pcg32 r1(9), r2(9), r3(10);
  const ParamSet p1 = conv4_init(a, r1), p2 = conv4_init(a, r2), p3 = conv4_init(a, r3);
  const Tensor& w1 = p1.get("encoder.1.conv.weight").value();
  CHECK(w1.to_vector() == p2.get("encoder.1.conv.weight").value().to_vector());
  CHECK(w1.to_vector() != p3.get("encoder.1.conv.weight").value().to_vector());
  const float bound = 1.0f / std::sqrt(64.0f * 9.0f);
  float mx = 0;
  for (int64_t i = 0; i < w1.numel(); ++i) mx = std::max(mx, std::abs(w1[i]));
  CHECK(mx <= bound);
  CHECK(mx > 0.95f * bound);
  CHECK(p1.get("encoder.0.bn.weight").value().to_vector() == std::vector<float>(64, 1.0f));
}

TEST_CASE("nn: batch norm modes — train updates running stats, transductive and running do not") {
  Conv4Arch a;
  a.blocks = 1;
  a.hidden = 4;
  a.image_size = 6;
  Pcg32 rng(1);
  ParamSet p = conv4_init(a, rng);
  Buffers b = conv4_buffers(a);
  const Tensor x = uniform_tensor({5, 6, 6, 1}, 2.0f, rng);
  conv4_embed(a, p, Var(x), BnMode::Transductive, &b);
  CHECK(b.at("encoder.0.bn.running_mean").to_vector() == std::vector<float>(4, 0.0f));
  conv4_embed(a, p, Var(x), BnMode::Train, &b);
  CHECK(b.at("encoder.0.bn.running_mean").to_vector() != std::vector<float>(4, 0.0f));
  const auto rm = b.at("encoder.0.bn.running_mean").to_vector();
  conv4_embed(a, p, Var(x), BnMode::Running, &b);
  CHECK(b.at("encoder.0.bn.running_mean").to_vector() == rm);
  CHECK(parse_bn_mode("transductive") == BnMode::Transductive);
  CHECK(code_of([] { parse_bn_mode("batch"); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("params: clone is independent, updated is θ − αg and differentiable, detached has no grad") {
  ParamSet p;
  p.add("w", Tensor::from({2}, {1.0f, 2.0f}));
  ParamSet c = p.clone();
  Tensor cv = c.get("w").value();
  cv[0] = 5.0f;
  CHECK(p.get("w").value()[0] == 1.0f);
  const Var loss = sum(square(p.get("w")));  // ∇ = 2w
  const std::vector<Var> g = grad(loss, p.vars(), /*create_graph=*/true);
  const ParamSet fast = p.updated(g, 0.25f);  // w − 0.5 w = 0.5 w
  CHECK(fast.get("w").value().to_vector() == std::vector<float>{0.5f, 1.0f});
  // d/dw Σ fast² = d/dw Σ (0.5 w)² = 0.5 w
  const std::vector<Var> gg = grad(sum(square(fast.get("w"))), p.vars());
  CHECK(gg[0].value()[0] == doctest::Approx(0.5f));
  CHECK(gg[0].value()[1] == doctest::Approx(1.0f));
  CHECK_FALSE(p.detached().get("w").requires_grad());
  CHECK(code_of([&] { p.add("w", Tensor::zeros({1})); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("optim: SGD with momentum and Adam follow their update rules; β1 = 0 works") {
  ParamSet p;
  p.add("w", Tensor::from({1}, {1.0f}));
  Sgd sgd(0.1f, 0.9f);
  const std::vector<Var> g{Var(Tensor::from({1}, {2.0f}))};
  sgd.step(p, g);  // v = 2, w = 1 − 0.2
  CHECK(p.get("w").value()[0] == doctest::Approx(0.8f));
  sgd.step(p, g);  // v = 0.9·2 + 2 = 3.8, w = 0.8 − 0.38
  CHECK(p.get("w").value()[0] == doctest::Approx(0.42f));
  for (float beta1 : {0.9f, 0.0f}) {
    ParamSet q;
    q.add("w", Tensor::from({1}, {1.0f}));
    Adam adam(0.01f, beta1);
    adam.step(q, g);  // first Adam step moves by lr·sign(g) (bias-corrected)
    CHECK(q.get("w").value()[0] == doctest::Approx(0.99f).epsilon(1e-5));
    adam.step(q, {Var(Tensor::from({1}, {-1.0f}))});
    const double b1 = beta1, m1 = (1 - b1) * 2.0, v1 = 0.001 * 4.0;
    const double m2 = b1 * m1 + (1 - b1) * -1.0, v2 = 0.999 * v1 + 0.001 * 1.0;
    const double step = 0.01 * (m2 / (1 - b1 * b1)) / (std::sqrt(v2 / (1 - 0.999 * 0.999)) + 1e-8);
    CHECK(q.get("w").value()[0] == doctest::Approx(0.99 - step).epsilon(1e-5));
  }
  CHECK(step_halving(1e-3f, 0, 2000) == 1e-3f);
  CHECK(step_halving(1e-3f, 3999, 2000) == doctest::Approx(5e-4f));
  CHECK(step_halving(1e-3f, 4000, 2000) == doctest::Approx(2.5e-4f));
  CHECK(linear_anneal(0, 100) == 1.0f);
  CHECK(linear_anneal(25, 100) == doctest::Approx(0.75f));
  CHECK(linear_anneal(200, 100) == 0.0f);
  CHECK(cosine_anneal(0, 100) == 1.0f);
  CHECK(cosine_anneal(25, 100) == doctest::Approx(0.5 * (1 + std::cos(3.14159265358979 / 4))));
  CHECK(cosine_anneal(50, 100) == doctest::Approx(0.5f));
  CHECK(cosine_anneal(100, 100) == doctest::Approx(0.0f));
  CHECK(cosine_anneal(200, 100) == doctest::Approx(0.0f));
  CHECK(cosine_anneal(0, 0) == 0.0f);
}

TEST_CASE("model files: Conv-4 round trip through safetensors (OIHW on disk) and validation errors") {
  Pcg32 rng(5);
  Conv4Model m;
  m.arch.hidden = 8;
  m.arch.num_classes = 3;
  m.params = conv4_init(m.arch, rng);
  m.buffers = conv4_buffers(m.arch);
  m.buffers["encoder.2.bn.running_var"][3] = 2.5f;
  m.header.algo = "protonet";
  const SafetensorsFile f = conv4_to_safetensors(m);
  // on disk conv weights are OIHW: [8, 1, 3, 3] for the first block
  f.require_tensor("encoder.0.conv.weight", {8, 1, 3, 3});
  const Tensor ohwi = m.params.get("encoder.1.conv.weight").value();
  const Tensor oihw = f.get_f32("encoder.1.conv.weight");
  CHECK(oihw.at({2, 5, 1, 0}) == ohwi.at({2, 1, 0, 5}));
  CHECK(oihw_to_ohwi(oihw).to_vector() == ohwi.to_vector());
  const SafetensorsFile g = parse_safetensors(serialize_safetensors(f));
  const Conv4Model back = conv4_from_safetensors(g);
  CHECK(back.arch.to_json() == m.arch.to_json());
  CHECK(back.header.algo == "protonet");
  for (size_t i = 0; i < m.params.size(); ++i) {
    CHECK(back.params.get(m.params.names()[i]).value().to_vector() == m.params.vars()[i].value().to_vector());
  }
  CHECK(back.buffers.at("encoder.2.bn.running_var")[3] == 2.5f);
  // errors: missing tensor, wrong shape, NaN, extra tensor, another kind of model
  SafetensorsFile missing = g;
  missing.tensors.erase("head.bias");
  CHECK(code_of([&] { conv4_from_safetensors(missing); }) == ErrorCode::ModelFormat);
  SafetensorsFile shape = g;
  shape.set_f32("head.bias", Tensor::zeros({4}));
  CHECK(code_of([&] { conv4_from_safetensors(shape); }) == ErrorCode::ModelFormat);
  SafetensorsFile nan = g;
  Tensor bad = Tensor::zeros({3});
  bad[1] = std::nanf("");
  nan.set_f32("head.bias", bad);
  CHECK(code_of([&] { conv4_from_safetensors(nan); }) == ErrorCode::ModelFormat);
  SafetensorsFile negative_var = g;  // a NaN after 1/sqrt(var + eps), which ReLU would hide
  Tensor var = g.get_f32("encoder.2.bn.running_var");
  var[0] = -1.0f;
  negative_var.set_f32("encoder.2.bn.running_var", var);
  CHECK(message_of([&] { conv4_from_safetensors(negative_var); }).find("negative variance") != std::string::npos);
  CHECK(code_of([&] { conv4_from_safetensors(negative_var); }) == ErrorCode::ModelFormat);
  SafetensorsFile extra = g;
  extra.set_f32("encoder.9.conv.weight", Tensor::zeros({1}));
  CHECK(code_of([&] { conv4_from_safetensors(extra); }) == ErrorCode::ModelFormat);
  {  // a mean readout without a head: no tensor pins the input side, so the arch's bound must
    Conv4Model mean;
    mean.arch.hidden = 8;
    mean.arch.readout = "mean";
    mean.params = conv4_init(mean.arch, rng);
    mean.buffers = conv4_buffers(mean.arch);
    mean.header.algo = "protonet";
    SafetensorsFile huge = conv4_to_safetensors(mean);
    CHECK(conv4_from_safetensors(huge).arch.image_size == 28);
    std::string& arch = huge.metadata.at("arch");
    const std::string key = "\"image_size\":28";
    REQUIRE(arch.find(key) != std::string::npos);
    arch.replace(arch.find(key), key.size(), "\"image_size\":100000");
    CHECK(message_of([&] { conv4_from_safetensors(huge); }).find("above the supported 512") != std::string::npos);
  }
  {  // sizes that would allocate gigabytes before the file's tensors are checked, or are not integers:
     // refused from the arch alone
    auto edited = [&](const std::string& key, const std::string& value) {
      SafetensorsFile h = g;
      std::string& arch = h.metadata.at("arch");
      const size_t at = arch.find("\"" + key + "\":");
      REQUIRE(at != std::string::npos);
      const size_t from = at + key.size() + 3, to = arch.find_first_of(",}", from);
      arch.replace(from, to - from, value);
      return h;
    };
    auto with_arch = [&](const std::string& key, const std::string& value) {
      const SafetensorsFile h = edited(key, value);
      return message_of([&] { conv4_from_safetensors(h); });
    };
    CHECK(with_arch("hidden", "60000").find("above the supported 64 / 1024") != std::string::npos);
    CHECK(with_arch("in_channels", "100000").find("above the supported 64 / 1024") != std::string::npos);
    CHECK(with_arch("num_classes", "2000000000").find("parameters") != std::string::npos);
    CHECK(with_arch("hidden", "2.5").find("\"hidden\" must be an integer") != std::string::npos);
    CHECK(with_arch("hidden", "4294967304").find("\"hidden\" must be an integer") != std::string::npos);
    CHECK_NOTHROW(conv4_from_safetensors(edited("hidden", "8")));  // the unedited value still loads
  }
  SafetensorsFile tracked = g;  // PyTorch's BN counter is accepted
  tracked.set_f32("encoder.0.bn.num_batches_tracked", Tensor::zeros({}));
  CHECK_NOTHROW(conv4_from_safetensors(tracked));
  SafetensorsFile other = g;
  other.metadata["arch"] = R"({"type":"learner"})";
  CHECK(code_of([&] { conv4_from_safetensors(other); }) == ErrorCode::ModelKind);
}

TEST_CASE("model files: the omniglot_split record round-trips; anything else is MODEL_FORMAT") {
  CHECK(format_omniglot_split("vinyals", 9) == "vinyals");
  CHECK(format_omniglot_split("random", 18446744073709551615ULL) == "random:18446744073709551615");
  for (const uint64_t seed : {0ULL, 1ULL, 7ULL, 18446744073709551615ULL}) {
    const OmniglotSplitRecord r = parse_omniglot_split(format_omniglot_split("random", seed));
    CHECK(r.scheme == "random");
    CHECK(r.split_seed == seed);
  }
  CHECK(parse_omniglot_split("lake").scheme == "lake");
  CHECK(parse_omniglot_split("").scheme.empty());  // a file from before the record
  for (const char* bad : {"random:", "random:seven", "random:-1", "random:99999999999999999999", "Random:1", "omniglot"})
    CHECK_MESSAGE(code_of([&] { parse_omniglot_split(bad); }) == ErrorCode::ModelFormat, bad);
}

namespace {
/** FNV-1a 64 over the float bits of every parameter, in order. */
uint64_t params_fingerprint(const ParamSet& p) {
  uint64_t h = 1469598103934665603ULL;
  for (const Var& v : p.vars()) {
    const Tensor& t = v.value();
    const auto* bytes = reinterpret_cast<const unsigned char*>(t.data());
    for (size_t i = 0; i < static_cast<size_t>(t.numel()) * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ULL;
  }
  return h;
}
}  // namespace

TEST_CASE("nn: the same seed gives bit-identical initial weights natively and in wasm (golden fingerprint)") {
  // The fingerprint was computed by the native build; this test runs unchanged in both wasm builds,
  // so it fails if any platform draws different weights from the same seed.
  Conv4Arch a;
  a.num_classes = 5;
  Pcg32 rng(42);
  const ParamSet p = conv4_init(a, rng);
  MlpArch m;
  const ParamSet q = mlp_init(m, rng);
  MESSAGE("conv4 fingerprint " << params_fingerprint(p) << ", mlp fingerprint " << params_fingerprint(q));
  CHECK(params_fingerprint(p) == 12727018069728476136ULL);
  CHECK(params_fingerprint(q) == 15254156007764674388ULL);
}
