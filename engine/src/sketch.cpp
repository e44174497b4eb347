#include "metacog/sketch.hpp"

#include <algorithm>
#include <cmath>

#include "metacog/error.hpp"
#include "metacog/image_dataset.hpp"
#include "metacog/ops.hpp"

namespace metacog {

std::vector<float> sketch_to_input(const std::vector<float>& ink, int h, int w, int side) {
  require(h >= 1 && w >= 1 && side >= 4 && ink.size() == static_cast<size_t>(h) * w, ErrorCode::InvalidArgument,
          "sketch: expected h·w ink values");
  require(h <= kMaxSketchSide && w <= kMaxSketchSide, ErrorCode::InvalidArgument,
          "sketch: the drawing is " + std::to_string(w) + "×" + std::to_string(h) + " pixels; scale it to at most " +
              std::to_string(kMaxSketchSide) + " per side");
  int y0 = h, y1 = -1, x0 = w, x1 = -1;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float v = ink[static_cast<size_t>(y) * w + x];
      require(std::isfinite(v), ErrorCode::InvalidArgument, "sketch: pixel values must be finite");
      if (v > 0.05f) {
        y0 = std::min(y0, y), y1 = std::max(y1, y), x0 = std::min(x0, x), x1 = std::max(x1, x);
      }
    }
  }
  require(y1 >= 0, ErrorCode::InvalidArgument, "sketch: the drawing is empty; draw something first");
  // Square canvas of side S around the box centre, the box's larger extent = fraction · S.
  const int extent = std::max(y1 - y0 + 1, x1 - x0 + 1);
  const int s = std::max(side, static_cast<int>(std::ceil(extent / kSketchGlyphFraction)));
  const int cy = (y0 + y1) / 2, cx = (x0 + x1) / 2;
  std::vector<float> square(static_cast<size_t>(s) * s, 0.0f);
  for (int y = 0; y < s; ++y) {
    const int sy = cy - s / 2 + y;
    if (sy < 0 || sy >= h) continue;
    for (int x = 0; x < s; ++x) {
      const int sx = cx - s / 2 + x;
      if (sx < 0 || sx >= w) continue;
      square[static_cast<size_t>(y) * s + x] = std::clamp(ink[static_cast<size_t>(sy) * w + sx], 0.0f, 1.0f);
    }
  }
  return resize_area(square.data(), s, s, 1, side, side);
}

SketchClassifier::SketchClassifier(Conv4Model model)
    : model_(std::move(model)), prototypes_(model_.arch.embedding_dim()) {
  require(model_.header.algo == "protonet" || model_.header.algo == "matchingnet", ErrorCode::ModelKind,
          "the sketch classifier needs an image embedding (protonet or matchingnet model), got '" +
              model_.header.algo + "'");
  require(model_.arch.in_channels == 1 && model_.arch.num_classes == 0, ErrorCode::ModelKind,
          "the sketch classifier needs a grey-scale embedding model without a classification head");
  // Full-context embeddings (fce.* tensors, matchingnet_fce.hpp) condition f on the support set; the
  // classifier compares Conv-4 embeddings with prototypes, so it would silently ignore them.
  for (const std::string& name : model_.params.names()) {
    require(name.rfind("fce.", 0) != 0, ErrorCode::ModelKind,
            "the sketch classifier needs a plain Conv-4 embedding; this Matching Network has full-context "
            "embeddings ('" + name + "'), which it cannot use");
  }
}

SketchClassifier SketchClassifier::from_file(const SafetensorsFile& file) {
  const OmniglotResize resize = model_omniglot_resize(file);
  require(resize == OmniglotResize::Box, ErrorCode::ModelKind,
          std::string("the sketch classifier makes area-averaged 28×28 inputs; this model was trained on '") +
              omniglot_resize_name(resize) +
              "'-resized images (omniglot_resize), which they would not match: use a model trained with --resize box");
  return SketchClassifier(conv4_from_safetensors(file));
}

std::vector<float> SketchClassifier::embed(const std::vector<float>& input) const {
  const int n = model_.arch.image_size;
  require(input.size() == static_cast<size_t>(n) * n, ErrorCode::InvalidArgument,
          "sketch: expected a " + std::to_string(n) + "×" + std::to_string(n) + " image (" + std::to_string(n * n) +
              " values), got " + std::to_string(input.size()));
  for (float v : input) require(std::isfinite(v), ErrorCode::InvalidArgument, "sketch: pixel values must be finite");
  return conv4_embed_running(model_.arch, model_.params, Tensor::from({1, n, n, 1}, input), model_.buffers).to_vector();
}

void SketchClassifier::add_example(const std::string& label, const std::vector<float>& input, float weight) {
  prototypes_.add_example(label, embed(input), weight);  // validates label and weight first
  inputs_[label].push_back({input, weight});
}

void SketchClassifier::remove_class(const std::string& label) {
  prototypes_.remove_class(label);
  inputs_.erase(label);
}

void SketchClassifier::clear() {
  prototypes_.clear();
  inputs_.clear();
}

Classification SketchClassifier::classify(const std::vector<float>& input) const {
  return prototypes_.classify(embed(input));
}

}  // namespace metacog
