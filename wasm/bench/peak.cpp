// wasm/bench/peak.cpp — Embind mirror of metacog/peak.hpp (the caller times peakF32).
#include "metacog/peak.hpp"

#include <emscripten/bind.h>

#include "../marshal.hpp"

namespace metacog::wasm {
namespace {
/** { isa, lanes } of this build's multiply-add kernel. */
val kernel() {
  const PeakKernel k = peak_kernel();
  val out = val::object();
  out.set("isa", std::string(k.isa));
  out.set("lanes", k.lanes);
  return out;
}
/** Runs the chains (iterations as a double: JS numbers); returns the sink value or an error. */
val run(double iterations, int chains) {
  return guarded([&] { return val(peak_f32_mad(static_cast<int64_t>(iterations), chains)); });
}
}  // namespace
}  // namespace metacog::wasm

EMSCRIPTEN_BINDINGS(metacog_peak) {
  emscripten::function("peakKernel", &metacog::wasm::kernel);
  emscripten::function("peakF32", &metacog::wasm::run);
}
