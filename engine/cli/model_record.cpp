#include "model_record.hpp"

#include "folder_lock.hpp"
#include "metacog/error.hpp"

namespace metacog::cli {

namespace {

/** The same tensors (dtype, shape, bytes) and the same metadata apart from "metrics". */
bool same_model(const SafetensorsFile& a, const SafetensorsFile& b) {
  auto without_metrics = [](std::map<std::string, std::string> m) {
    m.erase("metrics");
    return m;
  };
  if (without_metrics(a.metadata) != without_metrics(b.metadata) || a.tensors.size() != b.tensors.size()) return false;
  for (auto ia = a.tensors.begin(), ib = b.tensors.begin(); ia != a.tensors.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.dtype != ib->second.dtype || ia->second.shape != ib->second.shape ||
        ia->second.bytes != ib->second.bytes) {
      return false;
    }
  }
  return true;
}

}  // namespace

void record_metrics(const std::string& path, const SafetensorsFile& evaluated, const std::string& key,
                    const nlohmann::ordered_json& value) {
  const FolderLock lock(path);  // another record's read-modify-write waits until this one is written
  SafetensorsFile f = read_safetensors_file(path);
  require(same_model(f, evaluated), ErrorCode::InvalidState,
          path + ": the file now holds another model than the one evaluated (it was written during the "
                 "evaluation); the result is not recorded: evaluate the new model");
  const auto it = f.metadata.find("metrics");
  nlohmann::ordered_json metrics = it == f.metadata.end() ? nlohmann::ordered_json::object()
                                                          : nlohmann::ordered_json::parse(it->second, nullptr, false);
  require(metrics.is_object(), ErrorCode::ModelFormat,
          path + ": __metadata__.metrics is not a JSON object; the result is not recorded");
  metrics[key] = value;
  f.metadata["metrics"] = metrics.dump();
  write_safetensors_file(path, f);
}

void write_model_file(const std::string& path, const SafetensorsFile& file) {
  const FolderLock lock(path);
  write_safetensors_file(path, file);
}

}  // namespace metacog::cli
