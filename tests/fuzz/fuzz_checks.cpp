// tests/fuzz/fuzz_checks.cpp — the checks of fuzz_checks.hpp.
#include "fuzz_checks.hpp"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
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
 * is the prior, else an import of its document. An import can also register items and skills the
 * bank does not have (a history on items since removed), which neither reset() nor an import undoes:
 * then the engine is built again, so that every input is checked from the same engine.
 */
class KnownEngine {
 public:
  explicit KnownEngine(int answers) : answers_(answers) { build(); }
  Engine& at() {
    if (catalogue(*engine_) != catalogue_) build();
    if (exported(*engine_) != doc_) {
      if (answers_ == 0) engine_->reset();
      if (exported(*engine_) != doc_) engine_->import_state(as_bytes(doc_));
      expect(exported(*engine_) == doc_, "an engine could not be brought back to a state it exported");
    }
    return *engine_;
  }
  const std::string& doc() const { return doc_; }

 private:
  static std::pair<size_t, size_t> catalogue(const Engine& e) { return {e.session().num_items(), e.session().skills().size()}; }
  void build() {
    engine_ = demo_engine();
    for (int i = 0; i < answers_; ++i) engine_->observe(demo_bank().item(i).id, i % 2 == 0, 1.0 + i);
    doc_ = exported(*engine_);
    catalogue_ = catalogue(*engine_);
  }
  int answers_;
  std::unique_ptr<Engine> engine_;
  std::string doc_;
  std::pair<size_t, size_t> catalogue_;
};

/** An engine other than the one under test imports `doc` and must export exactly `doc`. */
void expect_reimport_stable(const std::string& doc) {
  static KnownEngine other(0);
  Engine& fresh = other.at();
  fresh.import_state(as_bytes(doc));
  expect(exported(fresh) == doc, "an exported learner state, imported into another engine, exports differently");
}

/** A few reads and a recommendation on an engine (what a page does right after loading one). */
void exercise(Engine& e) {
  const ItemBank& bank = e.bank();
  RecommendOptions options;
  options.count = 3;
  e.recommend(options);
  e.mastery();
  if (bank.num_items() > 0) {
    e.predict({bank.item(0).id});
    e.explain(bank.item(0).id);
  }
  if (bank.num_skills() > 0) e.learning_path({bank.skill(static_cast<int>(bank.num_skills()) - 1).id});
  e.recommend_resources(2, {});
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
  /** A signed 16-bit count (JS passes any integer; the engine's bounds are in the hundreds). */
  int count() { return static_cast<int16_t>(static_cast<uint16_t>(byte() | byte() << 8)); }
  /** An item id: any bank item (7 in 8), or an arbitrary short string. */
  std::string item(const ItemBank& bank) {
    const int k = byte() | byte() << 8;
    if (k % 8 != 0 && bank.num_items() > 0) return bank.item(k / 8 % static_cast<int>(bank.num_items())).id;
    return text();
  }
  std::string skill(const ItemBank& bank) {
    const int k = byte();
    if (k % 8 != 0 && bank.num_skills() > 0) return bank.skill(k / 8 % static_cast<int>(bank.num_skills())).id;
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
  std::shared_ptr<const LearnerModel> model;
  if (!accepted([&] { model = LearnerSession::load_model(data, size); })) return false;
  // a model that loads must serve: an engine on a small bank answers, adapts and exports
  static const ItemBank small = ItemBank::parse(read_text_file(std::string(METACOG_SOURCE_DIR) + "/tests/fuzz/corpus/item_bank/valid-small.json"));
  accepted([&] {
    Engine e(model, small);
    e.observe(small.item(0).id, true, 1.0);
    e.observe(small.item(1).id, false, 2.0);
    exercise(e);
    const std::vector<uint8_t> doc = e.export_state();
    Engine again(model, small);
    again.import_state(doc);
    expect(again.export_state() == doc, "a learner state does not re-import under a fuzzed model");
  });
  return true;
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
  std::optional<ItemBank> parsed;
  if (!accepted([&] { parsed = ItemBank::parse(as_text(data, size)); })) return false;
  const ItemBank& bank = *parsed;
  // a bank that parses must serve (or be refused by the engine, e.g. too many skills for the exact filter)
  accepted([&] {
    Engine e(demo_model(), bank);
    if (bank.num_items() > 0) e.observe(bank.item(static_cast<int>(bank.num_items()) - 1).id, true, 1.0);
    exercise(e);
  });
  return true;
}

bool check_learner_state(const uint8_t* data, size_t size) {
  static KnownEngine known(1);  // one answer given: a refusal must keep it
  Engine& engine = known.at();
  if (!accepted([&] { engine.import_state(std::vector<uint8_t>(data, data + size)); })) {
    expect(exported(engine) == known.doc(), "a refused learner-state import changed the engine");
    return false;
  }
  const std::string doc = exported(engine);
  accepted([&] { exercise(engine); });  // reads on an imported state (extreme but finite times, say)
  expect_reimport_stable(doc);
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
          o.count = script.count();
          o.target = script.number();
          o.mastery_threshold = script.number();
          o.now = script.number();
          engine->recommend(o);
          break;
        }
        case 5: engine->learning_path({script.skill(bank)}, script.number()); break;
        case 6: engine->recommend_resources(script.count(), {script.skill(bank)}, script.number()); break;
        case 7: engine->explain(script.item(bank), script.number()); break;
        default: engine->adapt(script.count() % 64); break;
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
  auto counts = [&] {
    std::map<std::string, int> m;
    for (const std::string& label : classifier.classes()) m[label] = classifier.count(label);
    return m;
  };
  const std::map<std::string, int> before = counts();
  Script script(data, size);
  const uint8_t mode = script.byte();
  // h, w up to 2^13 from two bytes each; the ink cycles through the remaining bytes (255 = NaN,
  // 254 = ∞); mode bit 0 makes the ink one value short, as a wrong-length array from JS would be.
  const int h = (script.byte() | script.byte() << 8) % 8192, w = (script.byte() | script.byte() << 8) % 8192;
  std::vector<uint8_t> pattern;
  while (!script.done()) pattern.push_back(script.byte());
  if (pattern.empty()) pattern.push_back(0);
  const auto value = [](uint8_t b) {
    return b == 255 ? std::numeric_limits<float>::quiet_NaN()
                    : b == 254 ? std::numeric_limits<float>::infinity() : static_cast<float>(b) / 200.0f - 0.1f;
  };
  std::vector<float> x;
  if (mode & 2) {  // raw model input (embed / add_example / classify take it as it comes from JS)
    const size_t n = static_cast<size_t>(classifier.image_size()) * static_cast<size_t>(classifier.image_size());
    x.resize((mode & 1) ? n - 1 : n);
    for (size_t i = 0; i < x.size(); ++i) x[i] = value(pattern[i % pattern.size()]);
  } else {
    const size_t n = static_cast<size_t>(h) * static_cast<size_t>(w);
    if (n > (size_t{1} << 22)) return false;  // the ink array itself: JS cannot pass more than it has
    std::vector<float> ink((mode & 1) && n > 0 ? n - 1 : n);
    for (size_t i = 0; i < ink.size(); ++i) ink[i] = value(pattern[i % pattern.size()]);
    if (!accepted([&] { x = sketch_to_input(ink, h, w, classifier.image_size()); })) return false;
  }
  Classification c;
  if (accepted([&] { c = classifier.classify(x); })) {
    float sum = 0;
    for (float p : c.probabilities) {
      expect(std::isfinite(p), "a classification probability is not finite");
      sum += p;
    }
    expect(std::fabs(sum - 1.0f) < 1e-3f, "classification probabilities do not sum to 1");
  }
  const std::string labels[] = {"fuzz", "", "seven", std::string(300, 'x')};
  const std::string& label = labels[mode >> 2 & 3];
  const float weights[] = {1.0f, 0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                           1e-30f, static_cast<float>(h) / 8.0f, 1e30f};
  const float weight = weights[mode >> 4 & 7];
  if (accepted([&] { classifier.add_example(label, x, weight); })) {
    expect(classifier.count(label) == (before.count(label) ? before.at(label) : 0) + 1, "an accepted example is not counted");
    if (before.count(label)) {  // back to the known classes: remove the class and re-add its examples
      const std::vector<SupportExample> kept(classifier.examples().at(label).begin(), classifier.examples().at(label).end() - 1);
      classifier.remove_class(label);
      for (const SupportExample& e : kept) classifier.add_example(label, e.x, e.weight);
    } else {
      classifier.remove_class(label);
    }
  }
  expect(counts() == before, "a sketch call left the classifier with other classes or examples");
  return true;
}

const std::vector<std::pair<std::string, Check>>& checks() {
  static const std::vector<std::pair<std::string, Check>> all = {
      {"safetensors", check_safetensors},   {"learner_model", check_learner_model}, {"conv4_model", check_conv4_model},
      {"item_bank", check_item_bank},       {"learner_state", check_learner_state}, {"kt_log", check_kt_log},
      {"engine_calls", check_engine_calls}, {"sketch_input", check_sketch_input}};
  return all;
}

Check check_named(const std::string& name) {
  for (const auto& [n, check] : checks())
    if (n == name) return check;
  return nullptr;
}

}  // namespace metacog::fuzz
