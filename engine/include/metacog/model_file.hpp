// metacog/model_file.hpp — errors about a model file name the file.
//
// read_safetensors_file prefixes a format error with the file's path. An error found later, while a
// model is built from the parsed file (a missing tensor, a wrong shape, a model of the wrong kind,
// a checkpoint's missing state), is prefixed the same way by naming_file: "path: message", with
// its code kept, so a command given several files says which one is wrong. naming_file serves any
// file a command parses after reading it (item banks, simulator parameters); the reading itself
// names the path already (read_binary_file), so only the parsing goes inside.
#pragma once

#include <string>
#include <utility>

#include "metacog/error.hpp"
#include "metacog/safetensors.hpp"

namespace metacog {

/** make(), with an Error it throws prefixed by "path: " (same code). */
template <class Make>
auto naming_file(const std::string& path, Make&& make) -> decltype(make()) {
  try {
    return std::forward<Make>(make)();
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

/** read_safetensors_file(path), then make(file) (the file is passed as an rvalue): every error names
 *  the path, once. */
template <class Make>
auto from_model_file(const std::string& path, Make&& make) {
  SafetensorsFile file = read_safetensors_file(path);
  return naming_file(path, [&] { return make(std::move(file)); });
}

}  // namespace metacog
