// wasm/prototypes.cpp — Embind mirror of metacog/prototypes.hpp.
#include "metacog/prototypes.hpp"

#include <emscripten/bind.h>

#include "marshal.hpp"

namespace metacog::wasm {
namespace {

class PrototypeClassifierJs {
 public:
  explicit PrototypeClassifierJs(int dim) : clf_(dim) {}

  val add_example(const std::string& label, const val& x, float weight) {
    return guarded([&] {
      clf_.add_example(label, to_floats(x), weight);
      return val::undefined();
    });
  }
  val remove_class(const std::string& label) {
    return guarded([&] {
      clf_.remove_class(label);
      return val::undefined();
    });
  }
  void clear() { clf_.clear(); }
  int dim() const { return clf_.dim(); }
  val classes() const { return to_string_array(clf_.classes()); }
  int count(const std::string& label) const { return clf_.count(label); }

  val classify(const val& x) const {
    return guarded([&] {
      const Classification r = clf_.classify(to_floats(x));
      val out = val::object();
      out.set("label", r.label);
      out.set("labels", to_string_array(r.labels));
      out.set("probabilities", to_float32_array(r.probabilities));
      out.set("distances", to_float32_array(r.distances));
      return out;
    });
  }

  /** Every stored example: [{ label, x: Float32Array, weight }]. */
  val examples() const {
    val out = val::array();
    unsigned i = 0;
    for (const auto& kv : clf_.examples()) {
      for (const SupportExample& e : kv.second) {
        val o = val::object();
        o.set("label", kv.first);
        o.set("x", to_float32_array(e.x));
        o.set("weight", e.weight);
        out.set(i++, o);
      }
    }
    return out;
  }

 private:
  PrototypeClassifier clf_;
};

val make_classifier(int dim) {
  return guarded([&] { return val(PrototypeClassifierJs(dim)); });
}

}  // namespace
}  // namespace metacog::wasm

EMSCRIPTEN_BINDINGS(metacog_prototypes) {
  using namespace metacog::wasm;
  emscripten::class_<PrototypeClassifierJs>("PrototypeClassifier")
      .function("addExample", &PrototypeClassifierJs::add_example)
      .function("removeClass", &PrototypeClassifierJs::remove_class)
      .function("clear", &PrototypeClassifierJs::clear)
      .function("dim", &PrototypeClassifierJs::dim)
      .function("classes", &PrototypeClassifierJs::classes)
      .function("count", &PrototypeClassifierJs::count)
      .function("classify", &PrototypeClassifierJs::classify)
      .function("examples", &PrototypeClassifierJs::examples);
  emscripten::function("makePrototypeClassifier", &make_classifier);
}
