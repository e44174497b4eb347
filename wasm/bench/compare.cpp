// wasm/bench/compare.cpp — Embind mirror of metacog/bench_compare.hpp (bench/compare.mjs):
// the workloads, their run() and copies of their inputs, weights, outputs and traces.
#include "metacog/bench_compare.hpp"

#include <emscripten/bind.h>

#include "../marshal.hpp"

namespace metacog::wasm {
namespace {

val floats(const Tensor& t) {
  val out = val::global("Float32Array").new_(static_cast<unsigned>(t.numel()));
  out.call<void>("set", val(emscripten::typed_memory_view(static_cast<size_t>(t.numel()), t.data())));
  return out;
}

template <class V>
val typed(const char* type, const std::vector<V>& xs) {
  val out = val::global(type).new_(xs.size());
  out.call<void>("set", val(emscripten::typed_memory_view(xs.size(), xs.data())));
  return out;
}

/** { "encoder.0.conv.weight": Float32Array (OHWI), …, "encoder.0.bn.running_mean": …, … }. */
val weights_value(const Conv4Weights& w) {
  val out = val::object();
  for (size_t i = 0; i < w.params.size(); ++i) out.set(w.params.names()[i], floats(w.params.vars()[i].value()));
  for (const auto& kv : w.buffers) out.set(kv.first, floats(kv.second));
  return out;
}

class GemmJs {
 public:
  GemmJs(int n, int seed) : w_(n, static_cast<uint64_t>(seed)) {}
  void run() { w_.run(); }
  val a() const { return floats(w_.a); }
  val b() const { return floats(w_.b); }
  val c() const { return floats(w_.c); }

 private:
  GemmWorkload w_;
};

class Conv4Js {
 public:
  Conv4Js(int images, int seed) : w_(images, static_cast<uint64_t>(seed)) {}
  val run() {
    return guarded([&] {
      w_.run();
      return val::undefined();
    });
  }
  val x() const { return floats(w_.x); }
  val out() const { return floats(w_.out); }
  val weights() const { return weights_value(w_.w); }

 private:
  Conv4Workload w_;
};

class ProtoNetJs {
 public:
  ProtoNetJs(int n_way, int k_shot, int n_query, int seed) : w_(n_way, k_shot, n_query, static_cast<uint64_t>(seed)) {}
  val run() {
    return guarded([&] {
      w_.run();
      return val::undefined();
    });
  }
  val images() const { return floats(w_.images); }
  val log_probs() const { return floats(w_.log_probs); }
  val weights() const { return weights_value(w_.w); }

 private:
  ProtoNetWorkload w_;
};

class LearnerReptileJs {
 public:
  LearnerReptileJs(int responses, int seed, const val& model)
      : w_(responses, static_cast<uint64_t>(seed), model.isUndefined() ? std::vector<uint8_t>{} : to_bytes(model)) {}
  val run() {
    return guarded([&] { return val(w_.run()); });
  }
  /** { responses, features, fastSize, featuresStd, phi, skill, item, interaction, correct }. */
  val trace() const {
    return guarded([&] {
      const LearnerTrace t = w_.trace();
      val out = val::object();
      out.set("responses", t.responses);
      out.set("features", t.features);
      out.set("fastSize", t.fast_size);
      out.set("featuresStd", typed("Float32Array", t.features_std));
      out.set("phi", typed("Float32Array", t.phi));
      out.set("skill", typed("Int32Array", t.skill));
      out.set("item", typed("Int32Array", t.item));
      out.set("interaction", typed("Int32Array", t.interaction));
      out.set("correct", typed("Float32Array", t.correct));
      return out;
    });
  }
  /** { loss, grad: Float64Array } at the current meta-parameters. */
  val gradient() {
    return guarded([&] {
      std::vector<double> g;
      const double loss = w_.loss_and_gradient(g);
      val out = val::object();
      out.set("loss", loss);
      out.set("grad", typed("Float64Array", g));
      return out;
    });
  }
  /** { arch: JSON text, params: Float64Array, layout: { name: offset } }. */
  val model() const {
    const LearnerModel& m = w_.model();
    const LearnerLayout& l = m.layout();
    val layout = val::object();
    const std::pair<const char*, size_t> names[] = {
        {"skill_embedding", l.skill_embedding}, {"interaction_embedding", l.interaction_embedding},
        {"item_difficulty", l.item_difficulty}, {"skill_difficulty", l.skill_difficulty},
        {"w1", l.w1}, {"b1", l.b1}, {"w2", l.w2}, {"b2", l.b2}, {"projection", l.projection},
        {"fast_init", l.fast_init}, {"total", l.total}};
    for (const auto& kv : names) layout.set(kv.first, static_cast<double>(kv.second));
    val out = val::object();
    out.set("arch", m.arch().to_json());
    out.set("params", typed("Float64Array", m.params()));
    out.set("layout", layout);
    return out;
  }

 private:
  LearnerReptileWorkload w_;
};

template <class T, class... A>
val make(A... args) {
  return guarded([&] { return val(T(args...)); });
}

/** makeLearnerReptileWorkload(responses, seed, modelBytes?: Uint8Array). */
val make_learner(int responses, int seed, val model) {
  return guarded([&] { return val(LearnerReptileJs(responses, seed, model)); });
}

}  // namespace
}  // namespace metacog::wasm

EMSCRIPTEN_BINDINGS(metacog_bench_compare) {
  using namespace metacog::wasm;
  emscripten::class_<GemmJs>("GemmWorkload")
      .function("run", &GemmJs::run)
      .function("a", &GemmJs::a)
      .function("b", &GemmJs::b)
      .function("c", &GemmJs::c);
  emscripten::class_<Conv4Js>("Conv4Workload")
      .function("run", &Conv4Js::run)
      .function("x", &Conv4Js::x)
      .function("out", &Conv4Js::out)
      .function("weights", &Conv4Js::weights);
  emscripten::class_<ProtoNetJs>("ProtoNetWorkload")
      .function("run", &ProtoNetJs::run)
      .function("images", &ProtoNetJs::images)
      .function("logProbs", &ProtoNetJs::log_probs)
      .function("weights", &ProtoNetJs::weights);
  emscripten::class_<LearnerReptileJs>("LearnerReptileWorkload")
      .function("run", &LearnerReptileJs::run)
      .function("trace", &LearnerReptileJs::trace)
      .function("gradient", &LearnerReptileJs::gradient)
      .function("model", &LearnerReptileJs::model);
  emscripten::function("makeGemmWorkload", &make<GemmJs, int, int>);
  emscripten::function("makeConv4Workload", &make<Conv4Js, int, int>);
  emscripten::function("makeProtoNetWorkload", &make<ProtoNetJs, int, int, int, int>);
  emscripten::function("makeLearnerReptileWorkload", &make_learner);
}
