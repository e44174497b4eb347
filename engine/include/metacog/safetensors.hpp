// metacog/safetensors.hpp — model files in the safetensors format, read and written on byte buffers.
//
// Layout (https://huggingface.co/docs/safetensors):
//     [u64 little-endian N] [N bytes of JSON header, may end in spaces] [raw little-endian data]
//     header = {"__metadata__": {string: string},
//               "encoder.0.weight": {"dtype": "F32", "shape": [64, 1, 3, 3], "data_offsets": [b, e]}, ...}
// Offsets are relative to the start of the data section; a tensor's bytes are data[b, e) and
// e − b = Π shape × sizeof(dtype), and the tensors' ranges tile the data section exactly, as the
// reference reader requires (no overlap, no byte that no tensor names, none after the last; an empty
// tensor only has to lie inside). parse_safetensors() checks all of that (plus bounds, integer
// overflow) and throws Error(ModelFormat) naming the problem; nothing here touches the
// file system except read_binary_file / write_binary_file, so the core works the same in wasm.
//
// A metacog model is a safetensors file whose __metadata__ holds format = "metacog",
// format_version, arch (JSON), algo, trained_on, metrics (JSON) and created_by.
//
// Example:
//     metacog::SafetensorsFile f;
//     f.set_f32("encoder.0.weight", w);                        // a metacog::Tensor
//     metacog::ModelHeader h;
//     h.algo = "protonet"; h.arch_json = R"({"kind":"conv4"})";
//     metacog::set_metacog_metadata(f, h);
//     std::vector<uint8_t> bytes = metacog::serialize_safetensors(f);
//
//     metacog::SafetensorsFile g = metacog::parse_safetensors(bytes.data(), bytes.size());
//     metacog::ModelHeader hg = metacog::check_metacog_metadata(g, metacog::kMetacogFormatVersion);
//     g.require_tensor("encoder.0.weight", {64, 1, 3, 3});
//     metacog::Tensor w2 = g.get_f32("encoder.0.weight");
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metacog/tensor.hpp"

namespace metacog {

/** Element types of the safetensors format (wire names F64 … BOOL). */
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, Bool };

/** The wire name, e.g. DType::BF16 -> "BF16", DType::Bool -> "BOOL". */
const char* dtype_name(DType dtype);
/** Bytes per element (1, 2, 4 or 8). */
size_t dtype_size(DType dtype);
/** The dtype with this wire name, or nullopt if unknown. */
std::optional<DType> dtype_from_name(const std::string& name);
/** True for F64, F32, F16 and BF16 (the dtypes get_f32 converts). */
bool dtype_is_float(DType dtype);

/** IEEE 754 binary16 bits -> float (exact, including subnormals, ±inf and NaN). */
float f16_to_f32(uint16_t bits);
/** bfloat16 bits -> float (exact: the top 16 bits of a binary32). */
float bf16_to_f32(uint16_t bits);

/** One tensor as stored: dtype, shape and its raw little-endian bytes. */
struct RawTensor {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> bytes;

  /** Number of elements, Π shape (1 for a scalar). */
  int64_t numel() const { return shape_numel(shape); }
};

/** A whole safetensors file in memory; tensors are kept sorted by name. */
struct SafetensorsFile {
  std::map<std::string, std::string> metadata;  ///< the __metadata__ object
  std::map<std::string, RawTensor> tensors;

  /** True if a tensor with this name exists. */
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
  /** The tensor converted to float32; throws ModelFormat if missing or not F64/F32/F16/BF16. */
  Tensor get_f32(const std::string& name) const;
  /** Stores t as an F32 tensor (replacing any tensor of that name); InvalidArgument for a bad name. */
  void set_f32(const std::string& name, const Tensor& t);
  /** The tensor, checked to exist with exactly this shape; throws ModelFormat naming both shapes. */
  const RawTensor& require_tensor(const std::string& name, const Shape& expected_shape) const;
  /** Total element count over all tensors. */
  int64_t parameter_count() const;
};

/** Largest header accepted, as in the reference implementation (100 MB). */
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

/** Parses and validates a safetensors buffer; throws Error(ModelFormat) naming the problem. */
SafetensorsFile parse_safetensors(const uint8_t* data, size_t size);
/** parse_safetensors on a byte vector. */
SafetensorsFile parse_safetensors(const std::vector<uint8_t>& bytes);
/** Deterministic bytes: names sorted, data in name order, header padded with spaces to 8 bytes. */
std::vector<uint8_t> serialize_safetensors(const SafetensorsFile& f);

/** A tensor's bytes as float32 (F64/F32/F16/BF16 only; ModelFormat otherwise). */
Tensor raw_to_f32(const RawTensor& raw, const std::string& name);
/** A Tensor as an F32 RawTensor (little-endian bytes). */
RawTensor f32_to_raw(const Tensor& t);
/** A vector of doubles as a 1-D F64 RawTensor (exact: checkpoints keep full precision). */
RawTensor f64_vector_to_raw(const std::vector<double>& v);
/** The values of a 1-D F64 RawTensor; StateFormat naming `name` for any other dtype or rank. */
std::vector<double> raw_to_f64_vector(const RawTensor& raw, const std::string& name);

// ---------------------------------------------------------------- metacog model metadata

/** The format_version this build writes (and the newest it reads). */
constexpr int kMetacogFormatVersion = 1;

/** The provenance and architecture a metacog model keeps in __metadata__. */
struct ModelHeader {
  int format_version = kMetacogFormatVersion;  ///< "format_version"
  std::string algo;          ///< "algo", e.g. "protonet", "maml"
  std::string arch_json;     ///< "arch": a JSON object describing the network
  std::string trained_on;    ///< "trained_on": dataset / split description
  std::string metrics_json;  ///< "metrics": a JSON object of evaluation results ("" if none)
  std::string created_by;    ///< "created_by": e.g. "metacog 0.1.0"
};

/**
 * Checks the metacog keys of __metadata__ and returns them: format must be "metacog" and
 * format_version a positive integer string (ModelFormat), not above `supported_format_version`
 * (ModelVersion); arch and metrics, when present, must be JSON objects (ModelFormat).
 */
ModelHeader check_metacog_metadata(const SafetensorsFile& f, int supported_format_version);
/** Writes h into f.metadata (format = "metacog"; empty optional fields are left out). */
void set_metacog_metadata(SafetensorsFile& f, const ModelHeader& h);

// ---------------------------------------------------------------- files (native and NODERAWFS)

/** The whole file; throws Error(Io) naming the path if it cannot be read. */
std::vector<uint8_t> read_binary_file(const std::string& path);
/** Writes bytes to path via a temporary file and a rename; throws Error(Io) on failure. */
void write_binary_file(const std::string& path, const std::vector<uint8_t>& bytes);
/** read_binary_file + parse_safetensors; format errors are prefixed with the path. */
SafetensorsFile read_safetensors_file(const std::string& path);
/** serialize_safetensors + write_binary_file. */
void write_safetensors_file(const std::string& path, const SafetensorsFile& f);

}  // namespace metacog
