// wasm/classification_marshal.hpp — the JS shapes of a prototype classification and of stored
// examples, shared by the prototype and sketch bindings.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "marshal.hpp"
#include "metacog/prototypes.hpp"

namespace metacog::wasm {

/** { label, labels, probabilities: Float32Array, distances: Float32Array } */
inline val classification_value(const Classification& r) {
  val out = val::object();
  out.set("label", r.label);
  out.set("labels", to_string_array(r.labels));
  out.set("probabilities", to_float32_array(r.probabilities));
  out.set("distances", to_float32_array(r.distances));
  return out;
}

/** [{ label, x: Float32Array, weight }] over every class's examples. */
inline val examples_value(const std::map<std::string, std::vector<SupportExample>>& examples) {
  val out = val::array();
  unsigned i = 0;
  for (const auto& kv : examples) {
    for (const SupportExample& e : kv.second) {
      val o = val::object();
      o.set("label", kv.first);
      o.set("x", to_float32_array(e.x));
      o.set("weight", e.weight);
      out.set(i++, o);
    }
  }
  return out;
}

}  // namespace metacog::wasm
