// wasm/sketch.cpp — Embind mirror of metacog/sketch.hpp (marshalling only).
#include "metacog/sketch.hpp"

#include <emscripten/bind.h>

#include "classification_marshal.hpp"

namespace metacog::wasm {
namespace {

class SketchClassifierJs {
 public:
  explicit SketchClassifierJs(SketchClassifier s) : s_(std::move(s)) {}

  int image_size() const { return s_.image_size(); }
  int embedding_dim() const { return s_.embedding_dim(); }
  val metadata() const { return model_header_value(s_.header()); }
  val preprocess(const val& ink, int h, int w) const {
    return guarded([&] { return to_float32_array(sketch_to_input(to_floats(ink), h, w, s_.image_size())); });
  }
  val embed(const val& input) const {
    return guarded([&] { return to_float32_array(s_.embed(to_floats(input))); });
  }
  val add_example(const std::string& label, const val& input, float weight) {
    return guarded([&] {
      s_.add_example(label, to_floats(input), weight);
      return val::undefined();
    });
  }
  val classify(const val& input) const {
    return guarded([&] {
      return classification_value(s_.classify(to_floats(input)));
    });
  }
  val remove_class(const std::string& label) {
    return guarded([&] {
      s_.remove_class(label);
      return val::undefined();
    });
  }
  void clear() { s_.clear(); }
  val classes() const { return to_string_array(s_.classes()); }
  int count(const std::string& label) const { return s_.count(label); }
  /** [{ label, x: Float32Array (model input), weight }] */
  val examples() const { return examples_value(s_.examples()); }

 private:
  SketchClassifier s_;
};

val make_sketch_classifier(const val& model_bytes) {
  return guarded([&] {
    const std::vector<uint8_t> bytes = to_bytes(model_bytes);
    return val(SketchClassifierJs(SketchClassifier::from_file(parse_safetensors(bytes))));
  });
}

}  // namespace
}  // namespace metacog::wasm

EMSCRIPTEN_BINDINGS(metacog_sketch) {
  using namespace metacog::wasm;
  emscripten::class_<SketchClassifierJs>("SketchClassifier")
      .function("imageSize", &SketchClassifierJs::image_size)
      .function("embeddingDim", &SketchClassifierJs::embedding_dim)
      .function("metadata", &SketchClassifierJs::metadata)
      .function("preprocess", &SketchClassifierJs::preprocess)
      .function("embed", &SketchClassifierJs::embed)
      .function("addExample", &SketchClassifierJs::add_example)
      .function("classify", &SketchClassifierJs::classify)
      .function("removeClass", &SketchClassifierJs::remove_class)
      .function("clear", &SketchClassifierJs::clear)
      .function("classes", &SketchClassifierJs::classes)
      .function("count", &SketchClassifierJs::count)
      .function("examples", &SketchClassifierJs::examples);
  emscripten::function("makeSketchClassifier", &make_sketch_classifier);
}
