// metacog/sketch.hpp — few-shot classification of drawings with a meta-trained image embedding.
//
//     SketchClassifier s = SketchClassifier::from_file(parse_safetensors(bytes));
//     s.add_example("alpha", sketch_to_input(rgba_alpha, 280, 280));   // 28×28 input, ink = 1
//     Classification c = s.classify(sketch_to_input(drawing, 280, 280));
//
// The embedding f is the ProtoNet Conv-4 (batch norm with running statistics, one image at a
// time). Classes are prototypes in embedding space, c_k = Σ s_i f(x_i) / Σ s_i, and
// p(k | x) = softmax_k(−‖f(x) − c_k‖²) (prototypes.hpp).
//
// sketch_to_input maps a drawing of any size to the model's input the way Omniglot was
// preprocessed (omniglot.hpp): ink = 1 on paper = 0; the ink's bounding box is centred in a square
// with a margin so the glyph spans ~ kSketchGlyphFraction of the side (Omniglot drawings span
// 60–80 % of their 105-pixel canvas), then area-averaged down to 28×28. The caller draws strokes
// with a width of about 2.5/105 of the canvas side, Omniglot's pen width.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "metacog/model_io.hpp"
#include "metacog/prototypes.hpp"

namespace metacog {

/** Fraction of the square side the drawing's larger extent occupies after preprocessing. */
constexpr float kSketchGlyphFraction = 0.7f;

/** Largest drawing side accepted (a 280-px canvas at 4× device pixels is 1 120): the preprocessing
 *  squares the drawing's extent / kSketchGlyphFraction, so its memory grows with the square of this. */
constexpr int kMaxSketchSide = 2048;

/**
 * A drawing (h×w row-major ink values in [0, 1], ink = 1) → side×side model input. An empty drawing
 * (no ink above 0.05) is InvalidArgument ("draw something first"); non-finite values too, and a
 * side above kMaxSketchSide.
 */
std::vector<float> sketch_to_input(const std::vector<float>& ink, int h, int w, int side = 28);

class SketchClassifier {
 public:
  /** Takes a Conv-4 embedding model (a ProtoNet or Matching Network without full-context
   *  embeddings); ModelKind for anything else. */
  explicit SketchClassifier(Conv4Model model);
  /** conv4_from_safetensors + the constructor; also ModelKind for a model trained on nearest-resized
   *  (binary) images, which area-averaged sketch inputs do not match (kOmniglotResizeKey). */
  static SketchClassifier from_file(const SafetensorsFile& file);

  /** The image side the model expects (28 for Omniglot). */
  int image_size() const { return model_.arch.image_size; }
  int embedding_dim() const { return model_.arch.embedding_dim(); }
  const ModelHeader& header() const { return model_.header; }

  /** f(x) for one model input (image_size² values). */
  std::vector<float> embed(const std::vector<float>& input) const;
  /** Adds a model input as an example of `label` (weight > 0). */
  void add_example(const std::string& label, const std::vector<float>& input, float weight = 1.0f);
  Classification classify(const std::vector<float>& input) const;
  void remove_class(const std::string& label);
  void clear();
  std::vector<std::string> classes() const { return prototypes_.classes(); }
  int count(const std::string& label) const { return prototypes_.count(label); }
  /** The model inputs added per class, with their weights (for serialization: a state survives a
   *  model upgrade because it is re-embedded on restore). */
  const std::map<std::string, std::vector<SupportExample>>& examples() const { return inputs_; }

 private:
  Conv4Model model_;
  PrototypeClassifier prototypes_;
  std::map<std::string, std::vector<SupportExample>> inputs_;
};

}  // namespace metacog
