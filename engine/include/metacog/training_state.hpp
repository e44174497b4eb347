// metacog/training_state.hpp — the pieces of a training checkpoint shared by every trainer.
//
// A checkpoint (model_io.hpp) is a safetensors file; these helpers put and take the optimiser's
// moments (tensors "optim.m.<param>", "optim.v.<param>", metadata "adam_t"), the generator state
// (metadata "rng_state", "rng_inc" as decimal strings) and required metadata strings, so a resumed
// run continues bit for bit. Every inconsistency is Error(StateFormat).
#pragma once

#include <cstdint>
#include <string>

#include "metacog/optim.hpp"
#include "metacog/params.hpp"
#include "metacog/rng.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

/** The metadata value `key` (StateFormat naming the key if absent). */
const std::string& checkpoint_meta(const SafetensorsFile& f, const std::string& key);
/** checkpoint_meta parsed as a signed / unsigned integer (StateFormat if not one). */
int64_t checkpoint_int(const SafetensorsFile& f, const std::string& key);
uint64_t checkpoint_uint(const SafetensorsFile& f, const std::string& key);

void put_adam_state(SafetensorsFile& f, const ParamSet& params, const Adam& adam);
/** Restores Adam's step count and moments for `params` (shapes checked). */
void take_adam_state(const SafetensorsFile& f, const ParamSet& params, Adam& adam);

void put_rng_state(SafetensorsFile& f, const Pcg32& rng);
void take_rng_state(const SafetensorsFile& f, Pcg32& rng);

}  // namespace metacog
