// metacog/error.hpp — the one exception type the engine throws.
//
// Every failure the engine reports is a metacog::Error carrying a stable code (the same names the
// JavaScript MetacogError uses) and a message that says what was wrong and what to do. Functions
// validate their inputs before changing any state, so a thrown Error leaves objects unchanged.
#pragma once

#include <stdexcept>
#include <string>

namespace metacog {

/** Stable error codes, shared with the JavaScript API (MetacogError.code). */
enum class ErrorCode {
  InvalidArgument,  ///< wrong type, shape, range, NaN/inf, missing field
  InvalidState,     ///< the call is valid but not now (e.g. classify with no classes)
  UnknownItem,      ///< an item id that is not in the item bank
  UnknownLabel,     ///< a class label that the classifier does not know
  ModelFormat,      ///< a model file that is not a valid metacog safetensors file
  ModelVersion,     ///< a model file written by a newer format version
  ModelKind,        ///< a valid model of the wrong kind (e.g. a sketch embedding given as a learner model)
  ItemBank,         ///< an invalid item bank document
  DataFormat,       ///< a malformed data file (logs, images, splits)
  StateFormat,      ///< a malformed or tampered learner-state / export document
  StateVersion,     ///< a learner-state document from a newer version
  Io,               ///< a file that cannot be read or written
};

/** The code's wire name, e.g. ErrorCode::UnknownItem -> "UNKNOWN_ITEM". */
const char* error_code_name(ErrorCode code);

/** The engine's exception: a code plus an actionable message. */
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

/** Throws Error(code, message) unless cond holds. */
inline void require(bool cond, ErrorCode code, const std::string& message) {
  if (!cond) throw Error(code, message);
}

}  // namespace metacog
