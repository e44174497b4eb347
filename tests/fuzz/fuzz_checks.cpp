// tests/fuzz/fuzz_checks.cpp — the checks of fuzz_checks.hpp.
#include "fuzz_checks.hpp"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "metacog/engine.hpp"
#include "metacog/error.hpp"
#include "metacog/item_bank.hpp"
#include "metacog/kt_data.hpp"
#include "metacog/learner_session.hpp"
#include "metacog/safetensors.hpp"
#include "metacog/sketch.hpp"

namespace metacog::fuzz {
namespace {

/** Runs f; a metacog::Error is a refusal (returns false), anything else propagates. */
template <class F>
bool accepted(F&& f) {
  try {
    f();
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::string as_text(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

std::string read_text_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_binary_file(path);
  return std::string(bytes.begin(), bytes.end());
}

const ItemBank& demo_bank() {
  static const ItemBank bank = ItemBank::parse(read_text_file(std::string(METACOG_SOURCE_DIR) + "/web/demo/item-bank.json"));
  return bank;
}

std::shared_ptr<const LearnerModel> demo_model() {
  static const std::shared_ptr<const LearnerModel> model = [] {
    const std::vector<uint8_t> bytes = read_binary_file(std::string(METACOG_SOURCE_DIR) + "/models/demo-learner.safetensors");
    return LearnerSession::load_model(bytes.data(), bytes.size());
  }();
  return model;
}

std::unique_ptr<Engine> demo_engine() { return std::make_unique<Engine>(demo_model(), demo_bank()); }

std::string exported(const Engine& e) {
  const std::vector<uint8_t> bytes = e.export_state();
  return std::string(bytes.begin(), bytes.end());
}

std::vector<uint8_t> as_bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

/**
 * A demo engine kept across inputs at a known state. Building an engine takes tens of milliseconds
 * (the exact prerequisite filter's 2^skills prior), so each input starts from `at()`, which brings
 * the engine back to the state only when the previous input moved it: reset() when the known state
 * is the prior, else an import of its document. Every input is thus checked from the same state.
 */
class KnownEngine {
 public:
  explicit KnownEngine(int answers) : engine_(demo_engine()) {
    for (int i = 0; i < answers; ++i) engine_->observe(demo_bank().item(i).id, i % 2 == 0, 1.0 + i);
    doc_ = exported(*engine_);
    prior_ = answers == 0;
  }
  Engine& at() {
    if (exported(*engine_) != doc_) {
      if (prior_) engine_->reset();
      if (exported(*engine_) != doc_) engine_->import_state(as_bytes(doc_));
      expect(exported(*engine_) == doc_, "an engine could not be brought back to a state it exported");
    }
    return *engine_;
  }
  const std::string& doc() const { return doc_; }

 private:
  std::unique_ptr<Engine> engine_;
  std::string doc_;
  bool prior_ = false;
};

/** An engine other than the one under test imports `doc` and must export exactly `doc`. */
void expect_reimport_stable(const std::string& doc) {
  static KnownEngine other(0);
  Engine& fresh = other.at();
  fresh.import_state(as_bytes(doc));
  expect(exported(fresh) == doc, "an exported learner state, imported into another engine, exports differently");
}

/** Reads the call script of check_engine_calls. */
class Script {
 public:
  Script(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  /** A double: mostly ordinary times, sometimes NaN, ±∞, negative or huge. */
  double number() {
    switch (byte() % 8) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return -std::numeric_limits<double>::infinity();
      case 3: return -1e300;
      case 4: return 1e300;
      default: {
        double v = 0;
        uint8_t raw[sizeof v] = {};
        for (uint8_t& b : raw) b = byte();
        std::memcpy(&v, raw, sizeof v);
        return v;
      }
    }
  }
  /** An item id: a bank item, or an arbitrary short string. */
  std::string item(const ItemBank& bank) {
    const uint8_t k = byte();
    if (k < 200 && bank.num_items() > 0) return bank.item(k % static_cast<int>(bank.num_items())).id;
    return text();
  }
  std::string skill(const ItemBank& bank) {
    const uint8_t k = byte();
    if (k < 200 && bank.num_skills() > 0) return bank.skill(k % static_cast<int>(bank.num_skills())).id;
    return text();
  }
  std::string text() {
    std::string s;
    for (uint8_t n = byte() % 12; n > 0 && !done(); --n) s.push_back(static_cast<char>(byte()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

void expect(bool cond, const std::string& what) {
  if (!cond) throw std::logic_error("fuzz invariant violated: " + what);
}

bool check_safetensors(const uint8_t* data, size_t size) {
  SafetensorsFile f;
  if (!accepted([&] { f = parse_safetensors(data, size); })) return false;
  const std::vector<uint8_t> once = serialize_safetensors(f);
  SafetensorsFile again;
  expect(accepted([&] { again = parse_safetensors(once); }), "a re-serialised safetensors file does not parse");
  expect(serialize_safetensors(again) == once, "safetensors serialise → parse → serialise is not byte-identical");
  for (const auto& [name, raw] : f.tensors) accepted([&, &name = name, &raw = raw] { raw_to_f32(raw, name); });
  accepted([&] { check_metacog_metadata(f, kMetacogFormatVersion); });
  return true;
}

bool check_learner_model(const uint8_t* data, size_t size) {
  return accepted([&] { LearnerSession::load_model(data, size); });
}

bool check_conv4_model(const uint8_t* data, size_t size) {
  return accepted([&] {
    SketchClassifier s = SketchClassifier::from_file(parse_safetensors(data, size));
    const int side = s.image_size();
    std::vector<float> input(static_cast<size_t>(side) * static_cast<size_t>(side), 0.0f);
    input[input.size() / 2] = 1.0f;
    s.add_example("a", input);
    s.classify(input);
  });
}

bool check_item_bank(const uint8_t* data, size_t size) {
  return accepted([&] { ItemBank::parse(as_text(data, size)); });
}

bool check_learner_state(const uint8_t* data, size_t size) {
  static KnownEngine known(1);  // one answer given: a refusal must keep it
  Engine& engine = known.at();
  if (!accepted([&] { engine.import_state(std::vector<uint8_t>(data, data + size)); })) {
    expect(exported(engine) == known.doc(), "a refused learner-state import changed the engine");
    return false;
  }
  expect_reimport_stable(exported(engine));
  return true;
}

bool check_kt_log(const uint8_t* data, size_t size) {
  const std::string text = as_text(data, size);
  bool detected = false;  // accepted with the format detected (what the CLI does)
  for (KtFormat format : {KtFormat::Auto, KtFormat::ThreeLine, KtFormat::Csv}) {
    KtLoadOptions options;
    options.format = format;
    const bool ok = accepted([&] {
      const KtDataset d = parse_kt_text(text, "fuzz", options);
      expect(static_cast<size_t>(d.num_items) == d.item_labels.size(), "num_items differs from the item vocabulary");
      expect(static_cast<size_t>(d.num_skills) == d.skill_labels.size(), "num_skills differs from the skill vocabulary");
    });
    if (format == KtFormat::Auto) detected = ok;
  }
  return detected;
}

bool check_engine_calls(const uint8_t* data, size_t size) {
  const ItemBank& bank = demo_bank();
  static KnownEngine known(0);
  Engine* engine = &known.at();
  Script script(data, size);
  int refused = 0;
  for (int calls = 0; calls < 64 && !script.done(); ++calls) {
    const std::string before = exported(*engine);
    const uint8_t op = script.byte() % 9;
    const bool ok = accepted([&] {
      switch (op) {
        case 0: case 1: {
          const std::string item = script.item(bank);
          const bool correct = script.byte() & 1;
          engine->observe(item, correct, script.number());
          break;
        }
        case 2: engine->predict({script.item(bank), script.item(bank)}, script.number()); break;
        case 3: engine->mastery(script.number()); break;
        case 4: {
          RecommendOptions o;
          o.count = static_cast<int8_t>(script.byte());
          o.target = script.number();
          o.mastery_threshold = script.number();
          o.now = script.number();
          engine->recommend(o);
          break;
        }
        case 5: engine->learning_path({script.skill(bank)}, script.number()); break;
        case 6: engine->recommend_resources(static_cast<int8_t>(script.byte()), {script.skill(bank)}, script.number()); break;
        case 7: engine->explain(script.item(bank), script.number()); break;
        default: engine->adapt(static_cast<int8_t>(script.byte())); break;
      }
    });
    if (!ok) {
      ++refused;
      expect(exported(*engine) == before, "a refused engine call (op " + std::to_string(op) + ") changed the learner state");
    }
  }
  expect_reimport_stable(exported(*engine));
  return refused == 0;
}

bool check_sketch_input(const uint8_t* data, size_t size) {
  static SketchClassifier classifier = [] {
    SketchClassifier c = SketchClassifier::from_file(
        read_safetensors_file(std::string(METACOG_SOURCE_DIR) + "/models/omniglot-protonet.safetensors"));
    const size_t n = static_cast<size_t>(c.image_size()) * static_cast<size_t>(c.image_size());
    std::vector<float> x(n, 0.0f);
    for (size_t i = 0; i < n; i += 7) x[i] = 1.0f;
    c.add_example("seven", x);
    std::fill(x.begin(), x.end(), 0.0f);
    for (size_t i = n / 3; i < n / 2; ++i) x[i] = 1.0f;
    c.add_example("bar", x);
    return c;
  }();
  Script script(data, size);
  const int h = script.byte() % 64, w = script.byte() % 64;
  std::vector<float> ink;
  while (!script.done()) {
    const uint8_t b = script.byte();
    ink.push_back(b == 255 ? std::numeric_limits<float>::quiet_NaN() : b == 254 ? std::numeric_limits<float>::infinity()
                                                                               : static_cast<float>(b) / 200.0f - 0.1f);
  }
  std::vector<float> x;
  if (!accepted([&] { x = sketch_to_input(ink, h, w, classifier.image_size()); })) return false;
  const auto examples = classifier.examples().size();
  const std::vector<std::string> classes = classifier.classes();
  Classification c;
  if (accepted([&] { c = classifier.classify(x); })) {
    float sum = 0;
    for (float p : c.probabilities) {
      expect(std::isfinite(p), "a classification probability is not finite");
      sum += p;
    }
    expect(std::fabs(sum - 1.0f) < 1e-3f, "classification probabilities do not sum to 1");
  }
  const std::string label = "fuzz";
  if (accepted([&] { classifier.add_example(label, x, static_cast<float>(h) / 8.0f); })) {
    expect(classifier.count(label) == 1, "an accepted example is not counted");
    classifier.remove_class(label);
  }
  expect(classifier.classes() == classes && classifier.examples().size() == examples,
         "a sketch call left the classifier with other classes");
  return true;
}

Check check_named(const std::string& name) {
  if (name == "safetensors") return check_safetensors;
  if (name == "learner_model") return check_learner_model;
  if (name == "conv4_model") return check_conv4_model;
  if (name == "item_bank") return check_item_bank;
  if (name == "learner_state") return check_learner_state;
  if (name == "kt_log") return check_kt_log;
  if (name == "engine_calls") return check_engine_calls;
  if (name == "sketch_input") return check_sketch_input;
  return nullptr;
}

}  // namespace metacog::fuzz
