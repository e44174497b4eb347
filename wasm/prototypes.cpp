// wasm/prototypes.cpp — Embind mirror of metacog/prototypes.hpp.
#include "metacog/prototypes.hpp"

#include <emscripten/bind.h>

#include "classification_marshal.hpp"

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
      return classification_value(clf_.classify(to_floats(x)));
    });
  }

  /** Every stored example: [{ label, x: Float32Array, weight }]. */
  val examples() const { return examples_value(clf_.examples()); }

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
