// engine/cli/cmd_info.cpp — `metacog info FILE [--json]`: a model file's metadata and tensor list.
//
// Any valid safetensors file is shown (a plain PyTorch export too); "check" says whether it is
// also a loadable metacog model (format / format_version / arch / metrics) and why not.
//     metacog info model.safetensors --json
//     {"file": ..., "bytes": N, "metadata": {..., "arch": {...}, "metrics": {...}},
//      "tensors": [{"name", "dtype", "shape", "bytes"}], "parameters": P, "check": {"ok": true, ...}}
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "metacog/error.hpp"
#include "metacog/safetensors.hpp"

namespace metacog::cli {
namespace {

using ojson = nlohmann::ordered_json;

/** arch and metrics are JSON strings: show them parsed when they parse, as text otherwise. */
ojson metadata_value(const std::string& key, const std::string& value) {
  if (key == "arch" || key == "metrics") {
    ojson parsed = ojson::parse(value, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return parsed;
  }
  return value;
}

ojson model_check(const SafetensorsFile& f) {
  try {
    const ModelHeader h = check_metacog_metadata(f, kMetacogFormatVersion);
    return {{"ok", true}, {"format_version", h.format_version}};
  } catch (const Error& e) {
    return {{"ok", false}, {"code", error_code_name(e.code())}, {"message", e.what()}};
  }
}

ojson info_json(const std::string& path, size_t bytes, const SafetensorsFile& f) {
  ojson metadata = ojson::object();
  for (const auto& kv : f.metadata) metadata[kv.first] = metadata_value(kv.first, kv.second);
  ojson tensors = ojson::array();
  for (const auto& kv : f.tensors) {
    tensors.push_back({{"name", kv.first},
                       {"dtype", dtype_name(kv.second.dtype)},
                       {"shape", kv.second.shape},
                       {"bytes", kv.second.bytes.size()}});
  }
  return {{"file", path},          {"bytes", bytes},
          {"metadata", metadata},  {"tensors", tensors},
          {"parameters", f.parameter_count()}, {"check", model_check(f)}};
}

/** The text with control characters shown as \xNN, so a file cannot drive the terminal. */
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void print_table(const std::string& path, size_t bytes, const SafetensorsFile& f) {
  std::printf("file        %s (%zu bytes)\n", printable(path).c_str(), bytes);
  const ojson check = model_check(f);
  if (check["ok"].get<bool>()) {
    std::printf("check       ok: a metacog model, format_version %d\n", check["format_version"].get<int>());
  } else {
    std::printf("check       %s: %s\n", check["code"].get<std::string>().c_str(),
                printable(check["message"].get<std::string>()).c_str());
  }
  std::printf("metadata    %zu entries\n", f.metadata.size());
  size_t key_width = 0;
  for (const auto& kv : f.metadata) key_width = std::max(key_width, printable(kv.first).size());
  for (const auto& kv : f.metadata) {
    std::printf("  %-*s  %s\n", static_cast<int>(key_width), printable(kv.first).c_str(), printable(kv.second).c_str());
  }
  std::printf("tensors     %zu, %lld parameters\n", f.tensors.size(), static_cast<long long>(f.parameter_count()));
  size_t name_width = 4, shape_width = 5;
  for (const auto& kv : f.tensors) {
    name_width = std::max(name_width, printable(kv.first).size());
    shape_width = std::max(shape_width, shape_str(kv.second.shape).size());
  }
  std::printf("  %-*s  %-5s  %-*s  %12s\n", static_cast<int>(name_width), "name", "dtype", static_cast<int>(shape_width),
              "shape", "bytes");
  for (const auto& kv : f.tensors) {
    std::printf("  %-*s  %-5s  %-*s  %12zu\n", static_cast<int>(name_width), printable(kv.first).c_str(), dtype_name(kv.second.dtype),
                static_cast<int>(shape_width), shape_str(kv.second.shape).c_str(), kv.second.bytes.size());
  }
}

void add_info_command(CLI::App& app) {
  struct Options {
    std::string file;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("info", "Show a model file's metadata and tensor list");
  cmd->add_option("FILE", opt->file, "a .safetensors model file")->required();
  cmd->add_flag("--json", opt->json, "print one JSON object on stdout");
  cmd->callback([opt] {
    run_command([opt] {
      const std::vector<uint8_t> bytes = read_binary_file(opt->file);
      SafetensorsFile f;
      try {
        f = parse_safetensors(bytes);
      } catch (const Error& e) {
        throw Error(e.code(), opt->file + ": " + e.what());
      }
      if (opt->json) {
        std::printf("%s\n", info_json(opt->file, bytes.size(), f).dump().c_str());
      } else {
        print_table(opt->file, bytes.size(), f);
      }
      return 0;
    });
  });
}

}  // namespace

static const bool registered = register_command(&add_info_command);

}  // namespace metacog::cli
