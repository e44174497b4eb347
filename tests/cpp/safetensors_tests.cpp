#include "metacog/safetensors.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "metacog/error.hpp"
#include "test_support.hpp"

using metacog::DType;
using metacog::ErrorCode;
using metacog::RawTensor;
using metacog::SafetensorsFile;
using metacog::Shape;
using metacog::Tensor;
using metacog::test::code_of;
using metacog::test::message_of;

namespace {

/** [u64 LE length][header][data_bytes zero bytes]; `declared` overrides the length field. */
std::vector<uint8_t> file_with(const std::string& header, size_t data_bytes = 0,
                               uint64_t declared = std::numeric_limits<uint64_t>::max()) {
  const uint64_t n = declared == std::numeric_limits<uint64_t>::max() ? header.size() : declared;
  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

SafetensorsFile parse(const std::vector<uint8_t>& bytes) { return metacog::parse_safetensors(bytes); }

/** Parsing `header` (+ data_bytes) fails with ModelFormat and a message containing `needle`. */
void check_format_error(const std::string& header, size_t data_bytes, const std::string& needle) {
  CAPTURE(header);
  const auto bytes = file_with(header, data_bytes);
  CHECK(code_of([&] { parse(bytes); }) == ErrorCode::ModelFormat);
  const std::string msg = message_of([&] { parse(bytes); });
  CAPTURE(msg);
  CHECK(msg.find(needle) != std::string::npos);
}

/** One tensor entry: {"name": {"dtype": .., "shape": .., "data_offsets": ..}} as JSON text. */
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

RawTensor raw(DType dtype, Shape shape, std::vector<uint8_t> bytes) {
  RawTensor r;
  r.dtype = dtype;
  r.shape = std::move(shape);
  r.bytes = std::move(bytes);
  return r;
}

SafetensorsFile metacog_file(const std::string& version) {
  SafetensorsFile f;
  f.metadata = {{"format", "metacog"}, {"format_version", version}, {"arch", R"({"kind":"conv4"})"}};
  return f;
}

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

}  // namespace

TEST_CASE("safetensors round trip keeps tensors and metadata, bytes are deterministic") {
  SafetensorsFile f;
  f.metadata = {{"format", "metacog"}, {"note", "héllo \"quoted\""}};
  f.set_f32("encoder.0.weight", Tensor::from({2, 3}, {1.f, -2.f, 0.5f, 3.25f, -0.f, 1e-30f}));
  f.set_f32("encoder.0.bias", Tensor::scalar(7.f));
  f.set_f32("empty", Tensor::zeros({0, 3}));
  f.tensors["encoder.1.num_batches_tracked"] = raw(DType::I64, {}, {5, 0, 0, 0, 0, 0, 0, 0});
  f.tensors["mask"] = raw(DType::Bool, {3}, {1, 0, 1});
  f.tensors["half"] = raw(DType::BF16, {2}, {0x80, 0x3f, 0x00, 0xc0});  // 1.0, -2.0

  const std::vector<uint8_t> bytes = metacog::serialize_safetensors(f);
  const SafetensorsFile g = parse(bytes);
  CHECK(g.metadata == f.metadata);
  REQUIRE(g.tensors.size() == f.tensors.size());
  for (const auto& kv : f.tensors) {
    CAPTURE(kv.first);
    REQUIRE(g.has(kv.first));
    const RawTensor& r = g.tensors.at(kv.first);
    CHECK(r.dtype == kv.second.dtype);
    CHECK(r.shape == kv.second.shape);
    CHECK(r.bytes == kv.second.bytes);
  }
  CHECK(metacog::serialize_safetensors(g) == bytes);
  CHECK(g.get_f32("encoder.0.weight").to_vector() == std::vector<float>{1.f, -2.f, 0.5f, 3.25f, -0.f, 1e-30f});
  CHECK(g.get_f32("encoder.0.bias").shape() == Shape{});
  CHECK(g.get_f32("encoder.0.bias").item() == 7.f);
  CHECK(g.get_f32("empty").shape() == Shape{0, 3});
  CHECK(g.get_f32("half").to_vector() == std::vector<float>{1.f, -2.f});
  CHECK(g.parameter_count() == 6 + 1 + 0 + 1 + 3 + 2);

  // Header length is a multiple of 8 and the data section is the tensors in name order.
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  CHECK(n % 8 == 0);
  CHECK(bytes.size() == 8 + n + (24 + 4 + 0 + 8 + 3 + 4));
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  CHECK(header.rfind("{\"__metadata__\":", 0) == 0);
  CHECK(header.find("\"empty\"") < header.find("\"encoder.0.bias\""));
  CHECK(header.find("\"encoder.0.bias\"") < header.find("\"mask\""));

  // Insertion order does not matter.
  SafetensorsFile h;
  h.tensors["mask"] = f.tensors["mask"];
  h.tensors["half"] = f.tensors["half"];
  for (const auto& kv : f.tensors) h.tensors[kv.first] = kv.second;
  h.metadata = f.metadata;
  CHECK(metacog::serialize_safetensors(h) == bytes);
}

TEST_CASE("safetensors writer produces the exact reference layout") {
  SafetensorsFile f;
  f.set_f32("a", Tensor::from({1}, {1.f}));
  const std::vector<uint8_t> bytes = metacog::serialize_safetensors(f);
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";  // 54 bytes
  std::vector<uint8_t> expected = {56, 0, 0, 0, 0, 0, 0, 0};
  expected.insert(expected.end(), header.begin(), header.end());
  expected.insert(expected.end(), {' ', ' '});               // padded to 56
  expected.insert(expected.end(), {0x00, 0x00, 0x80, 0x3f});  // 1.0f little-endian
  CHECK(bytes == expected);

  // An empty file: no metadata, no tensors.
  const auto empty = metacog::serialize_safetensors(SafetensorsFile{});
  CHECK(empty == std::vector<uint8_t>{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
  CHECK(parse(empty).tensors.empty());
}

TEST_CASE("safetensors writer rejects inconsistent tensors") {
  SafetensorsFile f;
  f.tensors["w"] = raw(DType::F32, {2}, {0, 0, 0});
  CHECK(code_of([&] { metacog::serialize_safetensors(f); }) == ErrorCode::InvalidArgument);
  CHECK(message_of([&] { metacog::serialize_safetensors(f); }).find("holds 3 bytes") != std::string::npos);
  SafetensorsFile g;
  CHECK(code_of([&] { g.set_f32("__metadata__", Tensor::zeros({1})); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { g.set_f32("", Tensor::zeros({1})); }) == ErrorCode::InvalidArgument);
  CHECK(g.tensors.empty());
  g.tensors["bad\xff"] = raw(DType::U8, {1}, {1});  // not UTF-8: cannot go into a JSON header
  CHECK(code_of([&] { metacog::serialize_safetensors(g); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("safetensors reader accepts header padding, empty tensors and all dtypes") {
  const std::string all =
      "{" + entry("f64", "\"F64\"", "[1]", "[0,8]") + "," + entry("f32", "\"F32\"", "[1]", "[8,12]") + "," +
      entry("f16", "\"F16\"", "[1]", "[12,14]") + "," + entry("bf16", "\"BF16\"", "[1]", "[14,16]") + "," +
      entry("i64", "\"I64\"", "[1]", "[16,24]") + "," + entry("i32", "\"I32\"", "[1]", "[24,28]") + "," +
      entry("i16", "\"I16\"", "[1]", "[28,30]") + "," + entry("i8", "\"I8\"", "[1]", "[30,31]") + "," +
      entry("u8", "\"U8\"", "[1]", "[31,32]") + "," + entry("bool", "\"BOOL\"", "[1]", "[32,33]") + "," +
      entry("u16", "\"U16\"", "[1]", "[33,35]") + "," + entry("u32", "\"U32\"", "[1]", "[35,39]") + "," +
      entry("u64", "\"U64\"", "[1]", "[39,47]") + "," + entry("none", "\"F32\"", "[0]", "[4,4]") + "}      ";
  const SafetensorsFile f = parse(file_with(all, 47));  // the header ends in spaces; "none" lies inside "f64"
  CHECK(f.tensors.size() == 14);
  CHECK(f.tensors.at("bf16").dtype == DType::BF16);
  CHECK(f.tensors.at("bool").dtype == DType::Bool);
  CHECK(f.tensors.at("u64").bytes.size() == 8);
  CHECK(f.tensors.at("none").bytes.empty());
  CHECK(f.get_f32("f64").item() == 0.f);
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16, DType::I8,
                  DType::U64, DType::U32, DType::U16, DType::U8, DType::Bool}) {
    CHECK(metacog::dtype_from_name(metacog::dtype_name(d)) == d);
  }
  CHECK(metacog::dtype_name(DType::Bool) == std::string("BOOL"));
  CHECK(metacog::dtype_size(DType::BF16) == 2);
  CHECK_FALSE(metacog::dtype_from_name("bf16").has_value());
}

TEST_CASE("safetensors reader rejects malformed files with a specific message") {
  // The 8-byte length prefix.
  {
    const std::vector<uint8_t> five = {1, 0, 0, 0, 0};
    CHECK(code_of([&] { parse(five); }) == ErrorCode::ModelFormat);
    CHECK(message_of([&] { parse(five); }).find("truncated") != std::string::npos);
    CHECK(code_of([&] { metacog::parse_safetensors(nullptr, 0); }) == ErrorCode::ModelFormat);
  }
  {
    const auto past = file_with("{}", 10, 100);
    CHECK(code_of([&] { parse(past); }) == ErrorCode::ModelFormat);
    CHECK(message_of([&] { parse(past); }).find("header length 100 runs past the end of the file") !=
          std::string::npos);
  }
  {
    const auto huge = file_with("{}", 10, uint64_t(1) << 40);
    CHECK(code_of([&] { parse(huge); }) == ErrorCode::ModelFormat);
    CHECK(message_of([&] { parse(huge); }).find("absurdly large") != std::string::npos);
    const auto max = file_with("{}", 0, std::numeric_limits<uint64_t>::max() - 1);
    CHECK(message_of([&] { parse(max); }).find("absurdly large") != std::string::npos);
  }

  // The header JSON.
  check_format_error("not json", 0, "header is not valid JSON");
  check_format_error("{\"a\":", 0, "header is not valid JSON");
  check_format_error("[1, 2]", 0, "header JSON must be an object, got array");
  check_format_error("\"text\"", 0, "header JSON must be an object, got string");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("a", "\"F32\"", "[1]", "[4,8]") + "}",
                     8, "duplicate key \"a\"");
  check_format_error(R"({"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}})", 8,
                     "duplicate key \"dtype\"");
  check_format_error(R"({"__metadata__":{"k":"v","k":"w"}})", 0, "duplicate key \"k\"");
  // the JSON parser would stop at a NUL and never read what follows it
  check_format_error(std::string("{}\0{\"b\": this is not json", 25), 0, "contains a NUL byte");

  // __metadata__.
  check_format_error(R"({"__metadata__":{"k":1}})", 0, "__metadata__ value for \"k\" must be a string, got number");
  check_format_error(R"({"__metadata__":{"k":{"x":"y"}}})", 0, "__metadata__ value for \"k\" must be a string");
  check_format_error(R"({"__metadata__":["k"]})", 0, "__metadata__ must be an object of strings, got array");

  // Tensor entries: structure and JSON types.
  check_format_error(R"({"a":5})", 0, "tensor \"a\": entry must be a JSON object");
  check_format_error(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4, "tensor \"a\": missing \"dtype\"");
  check_format_error(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4, "tensor \"a\": missing \"shape\"");
  check_format_error(R"({"a":{"dtype":"F32","shape":[1]}})", 4, "tensor \"a\": missing \"data_offsets\"");
  check_format_error("{" + entry("a", "5", "[1]", "[0,4]") + "}", 4, "\"dtype\" must be a string, got number");
  check_format_error("{" + entry("a", "\"F32\"", "\"1\"", "[0,4]") + "}", 4, "\"shape\" must be an array");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0]") + "}", 4,
                     "\"data_offsets\" must be an array of two integers");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "{\"b\":0}") + "}", 4,
                     "\"data_offsets\" must be an array of two integers");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0,\"4\"]") + "}", 4, "must be two non-negative integers");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[-4,0]") + "}", 4, "must be two non-negative integers");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0,4.0]") + "}", 4, "must be two non-negative integers");

  // dtype and shape values.
  check_format_error("{" + entry("a", "\"F7\"", "[1]", "[0,4]") + "}", 4, "unknown dtype \"F7\" (supported: F64");
  check_format_error("{" + entry("a", "\"f32\"", "[1]", "[0,4]") + "}", 4, "unknown dtype \"f32\"");
  check_format_error("{" + entry("a", "\"F32\"", "[-1]", "[0,4]") + "}", 4,
                     "shape dimension 0 is -1, not a non-negative integer");
  check_format_error("{" + entry("a", "\"F32\"", "[1,2.5]", "[0,4]") + "}", 4,
                     "shape dimension 1 is 2.5, not a non-negative integer");
  check_format_error("{" + entry("a", "\"F32\"", "[\"2\"]", "[0,4]") + "}", 4, "shape dimension 0 is \"2\"");
  check_format_error("{" + entry("a", "\"F32\"", "[18446744073709551616]", "[0,4]") + "}", 4,
                     "not a non-negative integer");  // 2^64 parses as a float
  check_format_error("{" + entry("a", "\"U8\"", "[9223372036854775808]", "[0,4]") + "}", 4,
                     "shape dimension 0 = 9223372036854775808 is too large");
  check_format_error("{" + entry("a", "\"F32\"", "[4611686018427387904,4]", "[0,4]") + "}", 4, "is too large");
  check_format_error("{" + entry("a", "\"F32\"", "[2305843009213693952]", "[0,4]") + "}", 4, "is too large");
  check_format_error("{" + entry("a", "\"F32\"", "[4294967296,4294967296,0]", "[0,0]") + "}", 4, "is too large");

  // Offsets against shapes, each other and the data section.
  check_format_error("{" + entry("a", "\"F32\"", "[2,3]", "[0,20]") + "}", 24,
                     "shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] span 20");
  check_format_error("{" + entry("a", "\"BF16\"", "[]", "[0,4]") + "}", 4, "needs 2 bytes");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[8,4]") + "}", 8, "data_offsets [8, 4] have begin > end");
  check_format_error("{" + entry("a", "\"F32\"", "[2]", "[0,8]") + "}", 4,
                     "data_offsets [0, 8] run past the end of the data section (4 bytes)");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[18446744073709551612,18446744073709551615]") + "}", 4,
                     "run past the end of the data section");
  check_format_error("{" + entry("a", "\"F32\"", "[2]", "[0,8]") + "," + entry("b", "\"F32\"", "[2]", "[4,12]") + "}",
                     12, "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap");
  check_format_error("{" + entry("a", "\"F32\"", "[4]", "[0,16]") + "," + entry("b", "\"F32\"", "[1]", "[4,8]") + "}",
                     16, "overlap");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("b", "\"F32\"", "[1]", "[0,4]") + "}",
                     4, "overlap");
  // bytes no tensor names (the reference reader's InvalidOffset / MetadataIncompleteBuffer)
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("b", "\"F32\"", "[1]", "[5,9]") + "}",
                     9, "data bytes [4, 5) belong to no tensor (before tensor \"b\" [5, 9])");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[4,8]") + "}", 8, "data bytes [0, 4) belong to no tensor");
  check_format_error("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "}", 12,
                     "data section has 8 bytes after the last tensor's end (4 of 12)");
  check_format_error("{" + entry("none", "\"F32\"", "[0]", "[0,0]") + "}", 1, "1 bytes after the last tensor's end");
  check_format_error("{}", 3, "3 bytes after");
}

TEST_CASE("safetensors metacog metadata") {
  using metacog::check_metacog_metadata;
  const int v = metacog::kMetacogFormatVersion;

  SafetensorsFile f = metacog_file("1");
  f.metadata["algo"] = "maml";
  f.metadata["metrics"] = R"({"accuracy":0.98})";
  f.metadata["created_by"] = "metacog 0.1.0";
  const metacog::ModelHeader h = check_metacog_metadata(f, v);
  CHECK(h.format_version == 1);
  CHECK(h.algo == "maml");
  CHECK(h.arch_json == R"({"kind":"conv4"})");
  CHECK(h.metrics_json == R"({"accuracy":0.98})");
  CHECK(h.created_by == "metacog 0.1.0");
  CHECK(h.trained_on.empty());

  // set_metacog_metadata writes what check_metacog_metadata reads.
  SafetensorsFile g;
  g.metadata["trained_on"] = "stale";
  metacog::ModelHeader w;
  w.algo = "reptile";
  w.arch_json = R"({"kind":"mlp","hidden":[40,40]})";
  w.created_by = "metacog test";
  metacog::set_metacog_metadata(g, w);
  CHECK(g.metadata.at("format") == "metacog");
  CHECK(g.metadata.at("format_version") == std::to_string(v));
  CHECK(g.metadata.count("trained_on") == 0);
  CHECK(g.metadata.count("metrics") == 0);
  const metacog::ModelHeader r = check_metacog_metadata(parse(metacog::serialize_safetensors(g)), v);
  CHECK(r.algo == "reptile");
  CHECK(r.arch_json == w.arch_json);
  w.arch_json = "{oops";
  CHECK(code_of([&] { metacog::set_metacog_metadata(g, w); }) == ErrorCode::InvalidArgument);
  CHECK(g.metadata.at("arch") == R"({"kind":"mlp","hidden":[40,40]})");

  const auto format_error = [&](const SafetensorsFile& file, const std::string& needle) {
    CAPTURE(needle);
    CHECK(code_of([&] { check_metacog_metadata(file, v); }) == ErrorCode::ModelFormat);
    const std::string msg = message_of([&] { check_metacog_metadata(file, v); });
    CAPTURE(msg);
    CHECK(msg.find(needle) != std::string::npos);
  };
  SafetensorsFile no_format = metacog_file("1");
  no_format.metadata.erase("format");
  format_error(no_format, "no \"format\" entry");
  SafetensorsFile pt = metacog_file("1");
  pt.metadata["format"] = "pt";
  format_error(pt, "\"format\" is \"pt\", expected \"metacog\"");
  SafetensorsFile no_version = metacog_file("1");
  no_version.metadata.erase("format_version");
  format_error(no_version, "no \"format_version\"");
  for (const char* bad : {"", "abc", "1.0", "-1", "+1", " 1", "0", "00", "1e3"}) {
    format_error(metacog_file(bad), "format_version \"" + std::string(bad) + "\" is not a positive integer");
  }
  SafetensorsFile bad_arch = metacog_file("1");
  bad_arch.metadata["arch"] = "{not json";
  format_error(bad_arch, "\"arch\" is not valid JSON");
  bad_arch.metadata["arch"] = "[1, 2]";
  format_error(bad_arch, "\"arch\" must be a JSON object, got array");
  SafetensorsFile bad_metrics = metacog_file("1");
  bad_metrics.metadata["metrics"] = "0.9";
  format_error(bad_metrics, "\"metrics\" must be a JSON object, got number");

  CHECK(check_metacog_metadata(metacog_file("01"), v).format_version == 1);
  for (const char* newer : {"2", "10", "99999999999999999999999999"}) {
    CAPTURE(newer);
    CHECK(code_of([&] { check_metacog_metadata(metacog_file(newer), 1); }) == ErrorCode::ModelVersion);
    const std::string msg = message_of([&] { check_metacog_metadata(metacog_file(newer), 1); });
    CHECK(msg.find("format_version " + std::string(newer)) != std::string::npos);
    CHECK(msg.find("upgrade metacog") != std::string::npos);
  }
  CHECK(check_metacog_metadata(metacog_file("10"), 12).format_version == 10);
}

TEST_CASE("safetensors require_tensor and get_f32 name the problem") {
  SafetensorsFile f;
  f.set_f32("encoder.0.weight", Tensor::zeros({32, 1, 3, 3}));
  f.tensors["encoder.1.num_batches_tracked"] = raw(DType::I64, {}, std::vector<uint8_t>(8, 0));
  CHECK(f.require_tensor("encoder.0.weight", {32, 1, 3, 3}).dtype == DType::F32);

  CHECK(code_of([&] { f.require_tensor("encoder.0.bias", {32}); }) == ErrorCode::ModelFormat);
  CHECK(message_of([&] { f.require_tensor("encoder.0.bias", {32}); }) ==
        "model file has no tensor \"encoder.0.bias\" (expected shape [32])");
  CHECK(code_of([&] { f.require_tensor("encoder.0.weight", {64, 1, 3, 3}); }) == ErrorCode::ModelFormat);
  CHECK(message_of([&] { f.require_tensor("encoder.0.weight", {64, 1, 3, 3}); }) ==
        "model tensor \"encoder.0.weight\" has shape [32, 1, 3, 3], expected [64, 1, 3, 3]");

  CHECK(code_of([&] { f.get_f32("missing"); }) == ErrorCode::ModelFormat);
  CHECK(message_of([&] { f.get_f32("missing"); }).find("no tensor \"missing\"") != std::string::npos);
  CHECK(code_of([&] { f.get_f32("encoder.1.num_batches_tracked"); }) == ErrorCode::ModelFormat);
  CHECK(message_of([&] { f.get_f32("encoder.1.num_batches_tracked"); }).find("has dtype I64") != std::string::npos);
  f.tensors["short"] = raw(DType::F32, {2}, {0, 0, 0, 0});
  CHECK(message_of([&] { f.get_f32("short"); }).find("holds 4 bytes") != std::string::npos);
}

TEST_CASE("safetensors F16 and BF16 conversion is exact") {
  using metacog::bf16_to_f32;
  using metacog::f16_to_f32;
  CHECK(f16_to_f32(0x0000) == 0.f);
  CHECK(bits_of(f16_to_f32(0x8000)) == 0x80000000u);  // -0
  CHECK(f16_to_f32(0x3c00) == 1.f);
  CHECK(f16_to_f32(0xc000) == -2.f);
  CHECK(f16_to_f32(0x3555) == 0.333251953125f);
  CHECK(f16_to_f32(0x7bff) == 65504.f);                // largest finite
  CHECK(f16_to_f32(0x0400) == std::ldexp(1.f, -14));   // smallest normal
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.f, -24));   // smallest subnormal
  CHECK(f16_to_f32(0x03ff) == std::ldexp(1023.f, -24));  // largest subnormal
  CHECK(f16_to_f32(0x8001) == -std::ldexp(1.f, -24));
  CHECK(f16_to_f32(0x7c00) == std::numeric_limits<float>::infinity());
  CHECK(f16_to_f32(0xfc00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(f16_to_f32(0x7e00)));
  CHECK(std::isnan(f16_to_f32(0x7c01)));

  // Every one of the 65536 binary16 values against (−1)^s · 2^(e−25) · (1024 + m), m · 2^−24 for e = 0.
  int mismatches = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const uint32_t e = (h >> 10) & 31, m = h & 1023;
    const float got = f16_to_f32(static_cast<uint16_t>(h));
    if (e == 31) {
      mismatches += m == 0 ? !(std::isinf(got) && std::signbit(got) == bool(h & 0x8000)) : !std::isnan(got);
      continue;
    }
    const double mag = e == 0 ? std::ldexp(double(m), -24) : std::ldexp(double(1024 + m), int(e) - 25);
    const float want = static_cast<float>((h & 0x8000) ? -mag : mag);
    mismatches += bits_of(got) != bits_of(want);
  }
  CHECK(mismatches == 0);

  CHECK(bf16_to_f32(0x3f80) == 1.f);
  CHECK(bf16_to_f32(0xc000) == -2.f);
  CHECK(bf16_to_f32(0x4049) == 3.140625f);
  CHECK(bf16_to_f32(0x7f7f) == 3.3895313892515355e38f);  // largest finite
  CHECK(bf16_to_f32(0x0001) == std::ldexp(1.f, -133));   // smallest subnormal
  CHECK(bits_of(bf16_to_f32(0x8000)) == 0x80000000u);
  CHECK(bf16_to_f32(0xff80) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(bf16_to_f32(0x7fc0)));

  // F64 tensors narrow with round-to-nearest.
  SafetensorsFile f;
  std::vector<uint8_t> b(16);
  const double d[2] = {0.1, -1e300};
  std::memcpy(b.data(), d, 16);  // little-endian hosts (x86-64, wasm)
  f.tensors["d"] = raw(DType::F64, {2}, b);
  const Tensor t = f.get_f32("d");
  CHECK(t[0] == 0.1f);
  CHECK(t[1] == -std::numeric_limits<float>::infinity());
}

TEST_CASE("safetensors PyTorch-style fixture matches what PyTorch wrote") {
  const std::string dir = metacog::test::source_dir() + "/tests/fixtures/";
  const SafetensorsFile f = metacog::read_safetensors_file(dir + "pytorch_style.safetensors");
  const std::vector<uint8_t> text = metacog::read_binary_file(dir + "pytorch_style.expected.json");
  const nlohmann::json expected = nlohmann::json::parse(text.begin(), text.end());

  CHECK(f.metadata == expected["metadata"].get<std::map<std::string, std::string>>());
  const metacog::ModelHeader h = metacog::check_metacog_metadata(f, metacog::kMetacogFormatVersion);
  CHECK(h.algo == "protonet");
  CHECK(nlohmann::json::parse(h.arch_json)["hidden"] == 4);

  REQUIRE(f.tensors.size() == expected["tensors"].size());
  for (const auto& kv : expected["tensors"].items()) {
    const std::string& name = kv.key();
    const nlohmann::json& want = kv.value();
    CAPTURE(name);
    REQUIRE(f.has(name));
    const RawTensor& r = f.tensors.at(name);
    CHECK(metacog::dtype_name(r.dtype) == want["dtype"].get<std::string>());
    CHECK(r.shape == want["shape"].get<Shape>());
    const nlohmann::json& values = want["values"];
    REQUIRE(static_cast<int64_t>(values.size()) == r.numel());
    if (metacog::dtype_is_float(r.dtype)) {
      const Tensor t = f.get_f32(name);
      CHECK(t.shape() == r.shape);
      for (size_t i = 0; i < values.size(); ++i) {
        const float v = values[i].is_string() ? (values[i] == "inf" ? 1.f : -1.f) * std::numeric_limits<float>::infinity()
                                              : static_cast<float>(values[i].get<double>());
        CHECK(bits_of(t[static_cast<int64_t>(i)]) == bits_of(v));
      }
    } else {
      const size_t size = metacog::dtype_size(r.dtype);
      for (size_t i = 0; i < values.size(); ++i) {
        uint64_t u = 0;
        for (size_t k = size; k-- > 0;) u = (u << 8) | r.bytes[i * size + k];
        const int shift = static_cast<int>(64 - 8 * size);
        const bool is_signed = r.dtype == DType::I64 || r.dtype == DType::I32 || r.dtype == DType::I16 || r.dtype == DType::I8;
        const int64_t got = is_signed ? static_cast<int64_t>(u << shift) >> shift : static_cast<int64_t>(u);
        const int64_t want_v = values[i].is_boolean() ? int64_t(values[i].get<bool>()) : values[i].get<int64_t>();
        CHECK(got == want_v);
      }
    }
  }
  // PyTorch-style names and the int64 batch-norm counter.
  CHECK(f.require_tensor("encoder.1.num_batches_tracked", {}).dtype == DType::I64);
  CHECK(f.tensors.at("encoder.1.num_batches_tracked").bytes == std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0});
  CHECK(f.require_tensor("encoder.0.weight", {4, 1, 3, 3}).dtype == DType::F32);
  CHECK(f.get_f32("extra.f16_special")[4] == 65504.f);
  // Re-serialising keeps everything (bytes differ from PyTorch's order, contents do not).
  const SafetensorsFile g = parse(metacog::serialize_safetensors(f));
  CHECK(g.metadata == f.metadata);
  for (const auto& kv : f.tensors) CHECK(g.tensors.at(kv.first).bytes == kv.second.bytes);
}

TEST_CASE("safetensors files on disk") {
  namespace fs = std::filesystem;
  const std::string path = metacog::test::scratch_path("st.safetensors");
  SafetensorsFile f = metacog_file("1");
  f.set_f32("w", Tensor::from({2}, {1.5f, -3.f}));
  metacog::write_safetensors_file(path, f);
  const SafetensorsFile g = metacog::read_safetensors_file(path);
  CHECK(g.get_f32("w").to_vector() == std::vector<float>{1.5f, -3.f});
  CHECK(g.metadata == f.metadata);

  // A truncated copy: the error names the file.
  std::vector<uint8_t> bytes = metacog::read_binary_file(path);
  bytes.resize(bytes.size() - 1);
  metacog::write_binary_file(path, bytes);
  CHECK(code_of([&] { metacog::read_safetensors_file(path); }) == ErrorCode::ModelFormat);
  const std::string msg = message_of([&] { metacog::read_safetensors_file(path); });
  CHECK(msg.rfind(path + ": ", 0) == 0);
  CHECK(msg.find("run past the end of the data section") != std::string::npos);
  std::remove(path.c_str());

  CHECK(code_of([&] { metacog::read_binary_file(path); }) == ErrorCode::Io);
  CHECK(message_of([&] { metacog::read_binary_file(path); }).find(path) != std::string::npos);
  CHECK(code_of([&] { metacog::write_binary_file("/nonexistent-dir/x.safetensors", bytes); }) == ErrorCode::Io);
  // the temporary file is gone after a write, and a rewrite replaces the file whole
  const fs::path dir = fs::path(path).parent_path();
  const std::string stem = fs::path(path).filename().string();
  metacog::write_binary_file(path, {1, 2, 3});
  metacog::write_binary_file(path, {4, 5});
  CHECK(metacog::read_binary_file(path) == std::vector<uint8_t>{4, 5});
  for (const auto& entry : fs::directory_iterator(dir)) {
    CHECK_MESSAGE(entry.path().filename().string().rfind(stem + ".tmp", 0) != 0, entry.path().string());
  }
  std::remove(path.c_str());
}
