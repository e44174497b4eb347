#include "metacog/error.hpp"

namespace metacog {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::InvalidState: return "INVALID_STATE";
    case ErrorCode::UnknownItem: return "UNKNOWN_ITEM";
    case ErrorCode::UnknownLabel: return "UNKNOWN_LABEL";
    case ErrorCode::ModelFormat: return "MODEL_FORMAT";
    case ErrorCode::ModelVersion: return "MODEL_VERSION";
    case ErrorCode::ModelKind: return "MODEL_KIND";
    case ErrorCode::ItemBank: return "ITEM_BANK";
    case ErrorCode::DataFormat: return "DATA_FORMAT";
    case ErrorCode::StateFormat: return "STATE_FORMAT";
    case ErrorCode::StateVersion: return "STATE_VERSION";
    case ErrorCode::Io: return "IO";
  }
  return "UNKNOWN";
}

}  // namespace metacog
