// metacog/training_state.hpp — the pieces of a training checkpoint shared by every trainer.
//
// A checkpoint (model_io.hpp) is a safetensors file; these helpers put and take the optimiser's
// moments (tensors "optim.m.<param>", "optim.v.<param>", metadata "adam_t"), the generator state
// (metadata "rng_state", "rng_inc" as decimal strings) and required metadata strings, so a resumed
// run continues bit for bit. Every inconsistency is Error(StateFormat).
#pragma once

#include <cstdint>
#include <string>

#include "metacog/model_io.hpp"
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

/** Adam's moments as tensors "<prefix>m.<param>", "<prefix>v.<param>" and its step count as
 *  metadata `t_key` (defaults: the trainer's own optimiser, "optim." and "adam_t"). */
void put_adam_state(SafetensorsFile& f, const ParamSet& params, const Adam& adam,
                    const std::string& prefix = "optim.", const std::string& t_key = "adam_t");
/** Restores Adam's step count and moments for `params` (shapes checked). */
void take_adam_state(const SafetensorsFile& f, const ParamSet& params, Adam& adam,
                     const std::string& prefix = "optim.", const std::string& t_key = "adam_t");

void put_rng_state(SafetensorsFile& f, const Pcg32& rng);
void take_rng_state(const SafetensorsFile& f, Pcg32& rng);

/** A trainer's whole state: tensors "model.*", Adam, RNG, metadata format = "metacog-checkpoint",
 *  config (the trainer's JSON), episode (its step counter), last_loss. */
SafetensorsFile make_checkpoint(const std::string& config_json, int64_t step, float last_loss, const ParamSet& params,
                                const Buffers& buffers, const Adam& adam, const Pcg32& rng);
/** The config JSON of a metacog checkpoint (StateFormat if the file is not one). */
const std::string& checkpoint_config(const SafetensorsFile& f);
/** Restores what make_checkpoint stored into a trainer built from its config; returns the step. */
int64_t restore_checkpoint(const SafetensorsFile& f, ParamSet& params, Buffers& buffers, Adam& adam, Pcg32& rng);

}  // namespace metacog
