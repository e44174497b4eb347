#include "metacog/training_state.hpp"

#include <stdexcept>

#include "metacog/error.hpp"

namespace metacog {

const std::string& checkpoint_meta(const SafetensorsFile& f, const std::string& key) {
  const auto it = f.metadata.find(key);
  require(it != f.metadata.end(), ErrorCode::StateFormat, "checkpoint lacks '" + key + "'");
  return it->second;
}

int64_t checkpoint_int(const SafetensorsFile& f, const std::string& key) {
  try {
    return std::stoll(checkpoint_meta(f, key));
  } catch (const std::logic_error&) {
    throw Error(ErrorCode::StateFormat, "checkpoint '" + key + "' is not an integer");
  }
}

uint64_t checkpoint_uint(const SafetensorsFile& f, const std::string& key) {
  try {
    return std::stoull(checkpoint_meta(f, key));
  } catch (const std::logic_error&) {
    throw Error(ErrorCode::StateFormat, "checkpoint '" + key + "' is not an unsigned integer");
  }
}

void put_adam_state(SafetensorsFile& f, const ParamSet& params, const Adam& adam, const std::string& prefix,
                    const std::string& t_key) {
  for (size_t i = 0; i < adam.m.size(); ++i) {
    f.set_f32(prefix + "m." + params.names()[i], adam.m[i]);
    f.set_f32(prefix + "v." + params.names()[i], adam.v[i]);
  }
  f.metadata[t_key] = std::to_string(adam.t);
}

void take_adam_state(const SafetensorsFile& f, const ParamSet& params, Adam& adam, const std::string& prefix,
                     const std::string& t_key) {
  adam.reset();
  adam.t = checkpoint_int(f, t_key);
  if (adam.t == 0) return;
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& n = params.names()[i];
    require(f.has(prefix + "m." + n) && f.has(prefix + "v." + n), ErrorCode::StateFormat,
            "checkpoint lacks Adam moments for " + n);
    adam.m.push_back(f.get_f32(prefix + "m." + n));
    adam.v.push_back(f.get_f32(prefix + "v." + n));
    require(adam.m.back().shape() == params.vars()[i].shape() && adam.v.back().shape() == params.vars()[i].shape(),
            ErrorCode::StateFormat, "checkpoint Adam moment shape differs for " + n);
  }
}

void put_rng_state(SafetensorsFile& f, const Pcg32& rng) {
  const Pcg32::State s = rng.save();
  f.metadata["rng_state"] = std::to_string(s.state);
  f.metadata["rng_inc"] = std::to_string(s.inc);
}

void take_rng_state(const SafetensorsFile& f, Pcg32& rng) {
  rng.restore({checkpoint_uint(f, "rng_state"), checkpoint_uint(f, "rng_inc")});
}

SafetensorsFile make_checkpoint(const std::string& config_json, int64_t step, float last_loss, const ParamSet& params,
                                const Buffers& buffers, const Adam& adam, const Pcg32& rng) {
  SafetensorsFile f;
  put_tensors(f, "model.", params, buffers);
  put_adam_state(f, params, adam);
  put_rng_state(f, rng);
  f.metadata["format"] = "metacog-checkpoint";
  f.metadata["config"] = config_json;
  f.metadata["episode"] = std::to_string(step);
  f.metadata["last_loss"] = std::to_string(last_loss);
  return f;
}

const std::string& checkpoint_config(const SafetensorsFile& f) {
  require(checkpoint_meta(f, "format") == "metacog-checkpoint", ErrorCode::StateFormat, "not a metacog training checkpoint");
  return checkpoint_meta(f, "config");
}

int64_t restore_checkpoint(const SafetensorsFile& f, ParamSet& params, Buffers& buffers, Adam& adam, Pcg32& rng) {
  take_tensors(f, "model.", params, buffers);
  take_adam_state(f, params, adam);
  take_rng_state(f, rng);
  return checkpoint_int(f, "episode");
}

}  // namespace metacog
