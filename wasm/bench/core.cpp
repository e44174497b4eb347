// wasm/bench/core.cpp — the core micro-benchmarks (metacog/bench.hpp) for `npm run bench:core`.
#include "metacog/bench.hpp"

#include <emscripten/bind.h>

#include "../marshal.hpp"

namespace metacog::wasm {
namespace {
/** JSON text of run_core_bench (or an error value). */
val core_bench(int repeats) {
  return guarded([&] { return val(run_core_bench({repeats}).to_json()); });
}
}  // namespace
}  // namespace metacog::wasm

EMSCRIPTEN_BINDINGS(metacog_bench) { emscripten::function("coreBench", &metacog::wasm::core_bench); }
