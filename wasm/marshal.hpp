// wasm/marshal.hpp — conversions between JS values and engine types, and error marshalling.
//
// Bindings never let a C++ exception cross into JavaScript: each bound call runs inside
// `guarded`, which returns either the result or a plain `{ __error: CODE, message }` object that
// the JS layer turns into a MetacogError. Nothing algorithmic lives in wasm/.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "metacog/error.hpp"
#include "metacog/safetensors.hpp"

namespace metacog::wasm {

using emscripten::val;

/** `{ __error: code, message }` — the JS wrapper throws MetacogError(code, message). */
inline val error_value(const char* code, const std::string& message) {
  val e = val::object();
  e.set("__error", std::string(code));
  e.set("message", message);
  return e;
}

/** Runs f() and converts any exception into an error value. */
template <class F>
val guarded(F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    return error_value(error_code_name(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return error_value("OUT_OF_MEMORY", "the engine ran out of memory");
  } catch (const std::exception& e) {
    return error_value("INTERNAL", std::string("internal error: ") + e.what());
  }
}

/** Copies a JS Float32Array (or array of numbers) into a vector in one copy. */
inline std::vector<float> to_floats(const val& v) {
  const unsigned n = v["length"].as<unsigned>();
  std::vector<float> out(n);
  val view(emscripten::typed_memory_view(n, out.data()));
  view.call<void>("set", v);
  return out;
}

/** Copies a JS Uint8Array into a byte vector in one copy. */
inline std::vector<uint8_t> to_bytes(const val& v) {
  const unsigned n = v["length"].as<unsigned>();
  std::vector<uint8_t> out(n);
  val view(emscripten::typed_memory_view(n, out.data()));
  view.call<void>("set", v);
  return out;
}

/** A new JS Float32Array holding a copy of xs. */
inline val to_float32_array(const std::vector<float>& xs) {
  val out = val::global("Float32Array").new_(xs.size());
  out.call<void>("set", val(emscripten::typed_memory_view(xs.size(), xs.data())));
  return out;
}

/** Copies a JS array of strings (InvalidArgument for anything else). */
inline std::vector<std::string> to_strings(const val& v, const char* what) {
  require(v.isArray(), ErrorCode::InvalidArgument, std::string(what) + ": expected an array of strings");
  const unsigned n = v["length"].as<unsigned>();
  std::vector<std::string> out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    const val x = v[i];
    require(x.isString(), ErrorCode::InvalidArgument, std::string(what) + ": element " + std::to_string(i) + " is not a string");
    out.push_back(x.as<std::string>());
  }
  return out;
}

/** A new JS Uint8Array holding a copy of bytes. */
inline val to_uint8_array(const std::vector<uint8_t>& bytes) {
  val out = val::global("Uint8Array").new_(bytes.size());
  out.call<void>("set", val(emscripten::typed_memory_view(bytes.size(), bytes.data())));
  return out;
}

/** A number, or null for NaN (JSON-friendly "never"). */
inline val number_or_null(double x) { return x == x ? val(x) : val::null(); }

/** A model's provenance, the design's __metadata__ keys: { format, format_version, algo, arch,
 *  trained_on, metrics, created_by } (arch and metrics as JSON text; the JS layer parses them;
 *  format is always "metacog": the loader refuses anything else). */
inline val model_header_value(const ModelHeader& h) {
  val o = val::object();
  o.set("format", std::string("metacog"));
  o.set("format_version", h.format_version);
  o.set("algo", h.algo);
  o.set("arch", h.arch_json);
  o.set("trained_on", h.trained_on);
  o.set("metrics", h.metrics_json);
  o.set("created_by", h.created_by);
  return o;
}

/** A new JS array of strings. */
inline val to_string_array(const std::vector<std::string>& xs) {
  val out = val::array();
  for (size_t i = 0; i < xs.size(); ++i) out.set(i, xs[i]);
  return out;
}

}  // namespace metacog::wasm
