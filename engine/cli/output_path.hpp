// engine/cli/output_path.hpp — refusing an output path that cannot be written, before any work;
// keeping an earlier run's checkpoint when a new run starts over.
#pragma once

#include <string>

namespace metacog::cli {

/**
 * Throws Error(Io) naming `option` when `path` could not be written: its folder is missing, is not a
 * folder, or refuses a new file (permissions, read-only file system), or `path` itself is a folder.
 * The check creates and removes a uniquely named empty file in that folder, so it answers exactly
 * what the final write (write_binary_file: temporary file + rename) will need. An empty `path` is
 * not checked (the option was not given).
 */
void require_writable_output(const std::string& option, const std::string& path);

/**
 * A run started without --resume where an earlier run left its checkpoint `ckpt`: the checkpoint
 * (perhaps hours of training) is moved to `ckpt`.previous (replacing an older one) and a line on
 * stderr says so, instead of being overwritten without a word. Nothing happens when `ckpt` does
 * not exist.
 */
void set_aside_checkpoint(const std::string& ckpt);

}  // namespace metacog::cli
