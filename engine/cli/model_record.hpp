// engine/cli/model_record.hpp — --record: an evaluation's result stored in the evaluated model's
// file, under __metadata__.metrics[key] (`metacog eval`, `kt-eval`, `kt-coldstart`).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "metacog/safetensors.hpp"

namespace metacog::cli {

/**
 * Rewrites the model file at `path` with metrics[key] = value. The file is read again, so results
 * other commands recorded meanwhile under other keys are kept; but it must still hold the model
 * that was evaluated (`evaluated`: its tensors and its metadata apart from metrics), else nothing
 * is written and the error (InvalidState) says the file was replaced during the evaluation. The
 * read, the check and the write hold the lock of the file's folder (folder_lock.hpp), so commands
 * recording into one file at the same moment keep each other's results, and a command writing a new
 * model there (write_model_file) writes before the read or after the write (since session 55).
 */
void record_metrics(const std::string& path, const SafetensorsFile& evaluated, const std::string& key,
                    const nlohmann::ordered_json& value);

/** write_safetensors_file under the lock record_metrics takes: for the commands that write model
 *  files (train, kt-train, kt-calibrate), so that a record never lands between its check and its write. */
void write_model_file(const std::string& path, const SafetensorsFile& file);

}  // namespace metacog::cli
