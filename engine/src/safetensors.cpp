#include "metacog/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <tuple>

#include <unistd.h>  // fsync, getpid (POSIX; Emscripten provides both)

#include "metacog/error.hpp"
#include "metacog/model_file.hpp"

namespace metacog {

using json = nlohmann::json;

namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8}, {DType::F32, "F32", 4}, {DType::F16, "F16", 2},  {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4}, {DType::I16, "I16", 2},  {DType::I8, "I8", 1},
    {DType::U64, "U64", 8}, {DType::U32, "U32", 4}, {DType::U16, "U16", 2},  {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
};

const DTypeInfo& info_of(DType dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.dtype == dtype) return d;
  }
  throw Error(ErrorCode::InvalidArgument, "unknown DType value " + std::to_string(static_cast<int>(dtype)));
}

std::string supported_dtypes() {
  std::string s;
  for (const DTypeInfo& d : kDTypes) s += (s.empty() ? "" : ", ") + std::string(d.name);
  return s;
}

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorCode::ModelFormat, message); }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

/** JSON type name for messages ("number", "array", ...). */
std::string type_of(const json& v) { return v.type_name(); }

/**
 * Bytes needed by a tensor of this shape and dtype, or nullopt if a dimension is negative or the
 * size overflows. Zero dimensions are counted as 1 for the overflow test, so a shape such as
 * [2^62, 2^62, 0] is rejected too: every product of its dimensions must fit in an int64.
 */
std::optional<uint64_t> checked_nbytes(const Shape& shape, DType dtype) {
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t bound = dtype_size(dtype);  // Π max(d, 1) · size, must stay ≤ limit
  uint64_t bytes = dtype_size(dtype);  // Π d · size
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    const uint64_t u = static_cast<uint64_t>(d);
    if (__builtin_mul_overflow(bound, std::max<uint64_t>(u, 1), &bound) || bound > limit) return std::nullopt;
    bytes *= u;  // ≤ bound, cannot overflow
  }
  return bytes;
}

uint64_t read_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void write_le(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

/** A JSON number as a non-negative integer (nullopt for negatives, floats, non-numbers). */
std::optional<uint64_t> as_u64(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

/**
 * Parses the header JSON, rejecting duplicate keys in any object (nlohmann would silently keep
 * the last one, so two entries for one tensor name could hide each other).
 */
json parse_header_json(const char* begin, const char* end) {
  std::vector<std::set<std::string>> keys;  // one key set per open object
  auto callback = [&keys](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(k).second) fail("safetensors header has a duplicate key " + quoted(k));
    }
    return true;
  };
  try {
    return json::parse(begin, end, callback);
  } catch (const json::exception& e) {
    fail(std::string("safetensors header is not valid JSON: ") + e.what());
  }
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& name, const json& v, uint64_t data_len) {
  const std::string where = "safetensors tensor " + quoted(name) + ": ";
  if (!v.is_object()) fail(where + "entry must be a JSON object with dtype, shape and data_offsets, got " + type_of(v));
  Entry e{name, DType::F32, {}, 0, 0};

  const auto dt = v.find("dtype");
  if (dt == v.end()) fail(where + "missing \"dtype\"");
  if (!dt->is_string()) fail(where + "\"dtype\" must be a string, got " + type_of(*dt));
  const std::optional<DType> dtype = dtype_from_name(dt->get_ref<const std::string&>());
  if (!dtype) fail(where + "unknown dtype " + quoted(dt->get<std::string>()) + " (supported: " + supported_dtypes() + ")");
  e.dtype = *dtype;

  const auto sh = v.find("shape");
  if (sh == v.end()) fail(where + "missing \"shape\"");
  if (!sh->is_array()) fail(where + "\"shape\" must be an array of integers, got " + type_of(*sh));
  for (size_t i = 0; i < sh->size(); ++i) {
    const json& d = (*sh)[i];
    const std::optional<uint64_t> u = as_u64(d);
    if (!u) fail(where + "shape dimension " + std::to_string(i) + " is " + d.dump() + ", not a non-negative integer");
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(where + "shape dimension " + std::to_string(i) + " = " + std::to_string(*u) + " is too large");
    }
    e.shape.push_back(static_cast<int64_t>(*u));
  }
  const std::optional<uint64_t> nbytes = checked_nbytes(e.shape, e.dtype);
  if (!nbytes) fail(where + "shape " + shape_str(e.shape) + " is too large (its size overflows 64 bits)");

  const auto off = v.find("data_offsets");
  if (off == v.end()) fail(where + "missing \"data_offsets\"");
  if (!off->is_array() || off->size() != 2) {
    fail(where + "\"data_offsets\" must be an array of two integers [begin, end], got " + off->dump());
  }
  const std::optional<uint64_t> b = as_u64((*off)[0]), en = as_u64((*off)[1]);
  if (!b || !en) fail(where + "\"data_offsets\" " + off->dump() + " must be two non-negative integers");
  e.begin = *b;
  e.end = *en;
  const std::string range = "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  if (e.begin > e.end) fail(where + "data_offsets " + range + " have begin > end");
  if (e.end > data_len) {
    fail(where + "data_offsets " + range + " run past the end of the data section (" + std::to_string(data_len) +
         " bytes); the file is truncated or corrupt");
  }
  if (e.end - e.begin != *nbytes) {
    fail(where + "shape " + shape_str(e.shape) + " of " + dtype_name(e.dtype) + " needs " + std::to_string(*nbytes) +
         " bytes but data_offsets " + range + " span " + std::to_string(e.end - e.begin));
  }
  return e;
}

std::string range_str(const Entry& e) {
  return quoted(e.name) + " [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
}

void check_raw(const std::string& name, const RawTensor& raw, ErrorCode code) {
  const std::optional<uint64_t> nbytes = checked_nbytes(raw.shape, raw.dtype);
  require(nbytes.has_value(), code, "tensor " + quoted(name) + " has an invalid shape " + shape_str(raw.shape));
  require(*nbytes == raw.bytes.size(), code,
          "tensor " + quoted(name) + " holds " + std::to_string(raw.bytes.size()) + " bytes, but shape " +
              shape_str(raw.shape) + " of " + dtype_name(raw.dtype) + " needs " + std::to_string(*nbytes));
}

/** Parses a metadata value that must be a JSON object; ModelFormat naming the key otherwise. */
void check_json_object(const std::string& key, const std::string& text) {
  json v;
  try {
    v = json::parse(text);
  } catch (const json::exception& e) {
    fail("metacog model metadata " + quoted(key) + " is not valid JSON: " + e.what());
  }
  if (!v.is_object()) fail("metacog model metadata " + quoted(key) + " must be a JSON object, got " + type_of(v));
}

}  // namespace

// ---------------------------------------------------------------- dtypes

const char* dtype_name(DType dtype) { return info_of(dtype).name; }

size_t dtype_size(DType dtype) { return info_of(dtype).size; }

std::optional<DType> dtype_from_name(const std::string& name) {
  for (const DTypeInfo& d : kDTypes) {
    if (name == d.name) return d.dtype;
  }
  return std::nullopt;
}

bool dtype_is_float(DType dtype) {
  return dtype == DType::F64 || dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

// binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
//   normal:    (−1)^s · 2^(e−15) · (1 + m/1024)  -> binary32 exponent e − 15 + 127 = e + 112
//   subnormal: (−1)^s · 2^−14 · m/1024 = m · 2^−24 -> shift m left until its leading 1 reaches bit 10
float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // ±inf, NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;  // ±0
  } else {
    uint32_t e = 113;  // exponent of 2^−14 in binary32 is −14 + 127 = 113, before normalising
    while ((man & 0x400u) == 0) {
      man <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((man & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bf16_to_f32(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// ---------------------------------------------------------------- conversions

Tensor raw_to_f32(const RawTensor& raw, const std::string& name) {
  if (!dtype_is_float(raw.dtype)) {
    fail("tensor " + quoted(name) + " has dtype " + dtype_name(raw.dtype) +
         "; only F64, F32, F16 and BF16 tensors convert to float32");
  }
  check_raw(name, raw, ErrorCode::ModelFormat);
  Tensor out = Tensor::empty(raw.shape);
  const uint8_t* p = raw.bytes.data();
  const int64_t n = out.numel();
  float* dst = out.data();
  switch (raw.dtype) {
    case DType::F64:
      for (int64_t i = 0; i < n; ++i) {
        const uint64_t bits = read_le(p + 8 * i, 8);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        dst[i] = static_cast<float>(d);
      }
      break;
    case DType::F32:
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t bits = static_cast<uint32_t>(read_le(p + 4 * i, 4));
        std::memcpy(&dst[i], &bits, sizeof(float));
      }
      break;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(static_cast<uint16_t>(read_le(p + 2 * i, 2)));
      break;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(static_cast<uint16_t>(read_le(p + 2 * i, 2)));
      break;
    default:
      break;  // excluded above
  }
  return out;
}

RawTensor f32_to_raw(const Tensor& t) {
  RawTensor raw;
  raw.dtype = DType::F32;
  raw.shape = t.shape();
  raw.bytes.resize(static_cast<size_t>(t.numel()) * 4);
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &t.data()[i], sizeof bits);
    write_le(raw.bytes.data() + 4 * i, bits, 4);
  }
  return raw;
}

// ---------------------------------------------------------------- SafetensorsFile

Tensor SafetensorsFile::get_f32(const std::string& name) const {
  const auto it = tensors.find(name);
  if (it == tensors.end()) fail("safetensors file has no tensor " + quoted(name));
  return raw_to_f32(it->second, name);
}

void SafetensorsFile::set_f32(const std::string& name, const Tensor& t) {
  require(!name.empty() && name != "__metadata__", ErrorCode::InvalidArgument,
          "tensor name " + quoted(name) + " is reserved or empty; use a name such as \"encoder.0.weight\"");
  tensors[name] = f32_to_raw(t);
}

const RawTensor& SafetensorsFile::require_tensor(const std::string& name, const Shape& expected_shape) const {
  const auto it = tensors.find(name);
  if (it == tensors.end()) {
    fail("model file has no tensor " + quoted(name) + " (expected shape " + shape_str(expected_shape) + ")");
  }
  if (it->second.shape != expected_shape) {
    fail("model tensor " + quoted(name) + " has shape " + shape_str(it->second.shape) + ", expected " +
         shape_str(expected_shape));
  }
  return it->second;
}

int64_t SafetensorsFile::parameter_count() const {
  int64_t n = 0;
  for (const auto& kv : tensors) n += kv.second.numel();
  return n;
}

// ---------------------------------------------------------------- parse / serialize

SafetensorsFile parse_safetensors(const uint8_t* data, size_t size) {
  if (size < 8) {
    fail("safetensors file is truncated: " + std::to_string(size) +
         " bytes, shorter than the 8-byte header length that starts every file");
  }
  const uint64_t n = read_le(data, 8);
  if (n > kMaxSafetensorsHeaderBytes) {
    fail("safetensors header length " + std::to_string(n) + " is absurdly large (limit " +
         std::to_string(kMaxSafetensorsHeaderBytes) + " bytes); this is not a safetensors file");
  }
  if (n > size - 8) {
    fail("safetensors header length " + std::to_string(n) + " runs past the end of the file (" +
         std::to_string(size - 8) + " bytes follow the length); the file is truncated");
  }
  const char* text = reinterpret_cast<const char*>(data + 8);
  // the JSON parser stops at a NUL as at the end of input, which would let bytes after it pass unread
  if (std::memchr(text, 0, n) != nullptr) fail("safetensors header contains a NUL byte; a header is UTF-8 JSON text");
  const json header = parse_header_json(text, text + n);
  if (!header.is_object()) fail("safetensors header JSON must be an object, got " + type_of(header));

  const uint8_t* section = data + 8 + n;
  const uint64_t data_len = size - 8 - n;
  SafetensorsFile f;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail("safetensors __metadata__ must be an object of strings, got " + type_of(*it));
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) {
          fail("safetensors __metadata__ value for " + quoted(m.key()) + " must be a string, got " + type_of(*m));
        }
        f.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(it.key(), *it, data_len));
  }

  // The data section must be exactly the tensors' bytes, as the reference reader requires (its
  // InvalidOffset / MetadataIncompleteBuffer): sort the non-empty ranges by begin; each starts where
  // the previous one ends (earlier: overlap; later: a gap), the first at 0 and the last at the end.
  // Bytes no tensor names could carry anything (a polyglot file); no writer of the format leaves them.
  // An empty tensor ([b, b], no bytes) only has to lie within the section.
  std::vector<const Entry*> order;
  for (const Entry& e : entries) {
    if (e.end > e.begin) order.push_back(&e);
  }
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->begin, a->end, a->name) < std::tie(b->begin, b->end, b->name);
  });
  uint64_t covered = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && order[i]->begin < order[i - 1]->end) {
      fail("safetensors tensors " + range_str(*order[i - 1]) + " and " + range_str(*order[i]) + " overlap");
    }
    if (order[i]->begin > covered) {
      fail("safetensors data bytes [" + std::to_string(covered) + ", " + std::to_string(order[i]->begin) +
           ") belong to no tensor (before tensor " + range_str(*order[i]) + ")");
    }
    covered = order[i]->end;
  }
  if (covered != data_len) {
    fail("safetensors data section has " + std::to_string(data_len - covered) + " bytes after the last tensor's end (" +
         std::to_string(covered) + " of " + std::to_string(data_len) + ")");
  }

  for (const Entry& e : entries) {
    RawTensor raw;
    raw.dtype = e.dtype;
    raw.shape = e.shape;
    raw.bytes.assign(section + e.begin, section + e.end);
    f.tensors.emplace(e.name, std::move(raw));
  }
  return f;
}

SafetensorsFile parse_safetensors(const std::vector<uint8_t>& bytes) {
  return parse_safetensors(bytes.data(), bytes.size());
}

std::vector<uint8_t> serialize_safetensors(const SafetensorsFile& f) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!f.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& kv : f.metadata) meta[kv.first] = kv.second;
    header["__metadata__"] = meta;
  }
  uint64_t offset = 0;
  for (const auto& kv : f.tensors) {
    require(kv.first != "__metadata__", ErrorCode::InvalidArgument, "a tensor cannot be named \"__metadata__\"");
    check_raw(kv.first, kv.second, ErrorCode::InvalidArgument);
    const uint64_t end = offset + kv.second.bytes.size();
    header[kv.first] = {{"dtype", dtype_name(kv.second.dtype)},
                        {"shape", kv.second.shape},
                        {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::ordered_json::exception& e) {
    throw Error(ErrorCode::InvalidArgument, std::string("cannot write safetensors header: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<uint8_t> out(8 + text.size());
  write_le(out.data(), text.size(), 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  out.reserve(out.size() + offset);
  for (const auto& kv : f.tensors) out.insert(out.end(), kv.second.bytes.begin(), kv.second.bytes.end());
  return out;
}

// ---------------------------------------------------------------- metacog metadata

ModelHeader check_metacog_metadata(const SafetensorsFile& f, int supported_format_version) {
  const auto get = [&f](const char* key) -> const std::string* {
    const auto it = f.metadata.find(key);
    return it == f.metadata.end() ? nullptr : &it->second;
  };
  const std::string* format = get("format");
  if (!format) {
    fail("not a metacog model: __metadata__ has no \"format\" entry (expected \"metacog\"); a file saved from "
         "PyTorch needs metadata format, format_version and arch");
  }
  if (*format != "metacog") fail("not a metacog model: __metadata__ \"format\" is " + quoted(*format) + ", expected \"metacog\"");

  const std::string* version = get("format_version");
  if (!version) fail("metacog model has no \"format_version\" in __metadata__");
  const bool digits = !version->empty() && std::all_of(version->begin(), version->end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  const bool positive = digits && version->find_first_not_of('0') != std::string::npos;
  if (!positive) fail("metacog model format_version " + quoted(*version) + " is not a positive integer");
  // Compare as text first so that a huge number cannot overflow: more digits = newer.
  const std::string trimmed = version->substr(version->find_first_not_of('0'));
  const std::string supported = std::to_string(supported_format_version);
  if (trimmed.size() > supported.size() || (trimmed.size() == supported.size() && trimmed > supported)) {
    throw Error(ErrorCode::ModelVersion, "model file has format_version " + trimmed + ", but this metacog reads up to " +
                                             supported + "; upgrade metacog to load it");
  }

  ModelHeader h;
  h.format_version = std::stoi(trimmed);
  if (const std::string* s = get("arch")) {
    check_json_object("arch", *s);
    h.arch_json = *s;
  }
  if (const std::string* s = get("metrics")) {
    check_json_object("metrics", *s);
    h.metrics_json = *s;
  }
  if (const std::string* s = get("algo")) h.algo = *s;
  if (const std::string* s = get("trained_on")) h.trained_on = *s;
  if (const std::string* s = get("created_by")) h.created_by = *s;
  return h;
}

void set_metacog_metadata(SafetensorsFile& f, const ModelHeader& h) {
  require(h.format_version >= 1, ErrorCode::InvalidArgument, "ModelHeader.format_version must be >= 1");
  for (const auto& kv : {std::make_pair("arch", &h.arch_json), std::make_pair("metrics", &h.metrics_json)}) {
    if (kv.second->empty()) continue;
    try {
      check_json_object(kv.first, *kv.second);
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidArgument, e.what());
    }
  }
  f.metadata["format"] = "metacog";
  f.metadata["format_version"] = std::to_string(h.format_version);
  const std::pair<const char*, const std::string*> optional[] = {{"algo", &h.algo},
                                                                 {"arch", &h.arch_json},
                                                                 {"trained_on", &h.trained_on},
                                                                 {"metrics", &h.metrics_json},
                                                                 {"created_by", &h.created_by}};
  for (const auto& kv : optional) {
    if (kv.second->empty()) {
      f.metadata.erase(kv.first);
    } else {
      f.metadata[kv.first] = *kv.second;
    }
  }
}

RawTensor f64_vector_to_raw(const std::vector<double>& v) {
  RawTensor r;
  r.dtype = DType::F64;
  r.shape = {static_cast<int64_t>(v.size())};
  r.bytes.resize(v.size() * sizeof(double));
  if (!v.empty()) std::memcpy(r.bytes.data(), v.data(), r.bytes.size());
  return r;
}

std::vector<double> raw_to_f64_vector(const RawTensor& raw, const std::string& name) {
  require(raw.dtype == DType::F64 && raw.shape.size() == 1 &&
              raw.bytes.size() == static_cast<size_t>(raw.shape[0]) * sizeof(double),
          ErrorCode::StateFormat, "tensor '" + name + "' is not a 1-D F64 vector");
  std::vector<double> v(static_cast<size_t>(raw.shape[0]));
  if (!v.empty()) std::memcpy(v.data(), raw.bytes.data(), v.size() * sizeof(double));
  return v;
}

// ---------------------------------------------------------------- files

std::vector<uint8_t> read_binary_file(const std::string& path) {
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  if (!fp) throw Error(ErrorCode::Io, "cannot open " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 16);  // on the heap: wasm stacks are small
  size_t got;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), fp)) > 0) {
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
  }
  const bool failed = std::ferror(fp) != 0;
  const int err = errno;
  std::fclose(fp);
  if (failed) throw Error(ErrorCode::Io, "cannot read " + path + ": " + std::strerror(err));
  return bytes;
}

void write_binary_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  // A temporary name of this writer's own (two processes writing one path must not share it), its
  // bytes flushed to the disk before the rename, so that after a crash `path` holds either the old
  // file or the whole new one — never a new name over data the kernel had not written yet.
  static std::atomic<uint64_t> writes{0};
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(writes++);
  std::FILE* fp = std::fopen(tmp.c_str(), "wb");
  if (!fp) throw Error(ErrorCode::Io, "cannot write " + path + ": " + std::strerror(errno));
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), fp) == bytes.size() && std::fflush(fp) == 0 &&
                     ::fsync(::fileno(fp)) == 0;
  const bool closed = std::fclose(fp) == 0;
  if (!wrote || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(ErrorCode::Io, "cannot write " + path + ": " + std::strerror(err));
  }
}

SafetensorsFile read_safetensors_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_binary_file(path);
  return naming_file(path, [&] { return parse_safetensors(bytes); });
}

void write_safetensors_file(const std::string& path, const SafetensorsFile& f) {
  write_binary_file(path, serialize_safetensors(f));
}

}  // namespace metacog
