// tests/fuzz/fuzz_checks.hpp — what every loader must survive (design.md §5 "robustness: loaders
// survive a fuzzer"), as plain functions of a byte buffer.
//
// Each check feeds arbitrary bytes to one entry point the browser or the CLI exposes to outside
// data and accepts exactly two outcomes: the call returns, or it throws metacog::Error. Anything
// else is a finding: another exception type (the wasm layer reports it as INTERNAL), a crash, an
// AddressSanitizer / UndefinedBehaviorSanitizer report, an allocation larger than libFuzzer's
// -malloc_limit_mb (an input that merely declares a huge size), or a timeout. Where a call
// succeeds the check also tests what must then hold (a re-serialised file parses back to the same
// bytes; a refused state import leaves the engine exactly as it was).
//
// The same functions run in two places: the libFuzzer targets (tests/fuzz/fuzz_target.cpp, built
// once per check as fuzz_<name> with clang by `npm run fuzz`), and the doctest suite, which replays every committed input under
// tests/fuzz/corpus/<name>/ natively and in wasm (tests/cpp/fuzz_corpus_tests.cpp). Each check
// returns whether the loader accepted the input: the replay also requires that the committed seeds
// named valid-* are accepted, so that the seeds stay meaningful as the formats evolve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace metacog::fuzz {

/** Throws std::logic_error (a finding, never caught as a refusal) when an invariant fails. */
void expect(bool cond, const std::string& what);

/** parse_safetensors; if it parses: serialize → parse → serialize is byte-identical, every tensor
 *  converts to float32 or is refused with Error, and the metacog metadata check only throws Error. */
bool check_safetensors(const uint8_t* data, size_t size);
/** LearnerSession::load_model on the bytes (a learner model file from the page or a CLI flag); a model
 *  that loads then serves an engine on a small bank (answers, reads, export → re-import). */
bool check_learner_model(const uint8_t* data, size_t size);
/** SketchClassifier::from_file(parse_safetensors(bytes)) (the sketch widget's Conv-4 model). */
bool check_conv4_model(const uint8_t* data, size_t size);
/** ItemBank::parse on the bytes as text (the item bank JSON); a bank that parses then gets an engine
 *  on the demo model, an answer and the reads a page makes. */
bool check_item_bank(const uint8_t* data, size_t size);
/** Engine::import_state on the demo model + bank: a refused document leaves export_state() as it
 *  was; an accepted one answers the reads a page makes and exports a document that another engine
 *  imports to the same export. */
bool check_learner_state(const uint8_t* data, size_t size);
/** parse_kt_text in each format (knowledge-tracing logs given to the CLI). */
bool check_kt_log(const uint8_t* data, size_t size);
/** The bytes as a script of engine calls (observe / predict / recommend / path / explain / adapt
 *  with arbitrary ids, NaN/∞ timestamps and counts): each refused call changes nothing. */
bool check_engine_calls(const uint8_t* data, size_t size);

/** The bytes as a drawing (height and width up to 8191, ink incl. NaN/∞, or one value short) or as a
 *  raw model input, for the sketch classifier of the shipped ProtoNet: sketch_to_input, then classify
 *  and add_example with odd labels and weights (0, < 0, NaN, ∞); the classes and their example counts
 *  end as they were, and accepted probabilities are finite and sum to 1. */
bool check_sketch_input(const uint8_t* data, size_t size);

using Check = bool (*)(const uint8_t*, size_t);
/** Every check with its name (the name of its corpus folder and of its fuzz_<name> target; the lists
 *  in cmake/fuzz.cmake and scripts/fuzz.mjs are checked against this one by the doctest suite). */
const std::vector<std::pair<std::string, Check>>& checks();
/** The check of that name, nullptr if none. */
Check check_named(const std::string& name);

}  // namespace metacog::fuzz
