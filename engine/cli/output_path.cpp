// engine/cli/output_path.cpp — see output_path.hpp.
#include "output_path.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <unistd.h>

#include "metacog/error.hpp"

namespace metacog::cli {

void require_writable_output(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw Error(ErrorCode::Io, option + " " + path + " is a folder, not a file name");
  if (!fs::is_directory(folder, ec)) {
    throw Error(ErrorCode::Io, option + " " + path + ": the folder " + folder.string() +
                                   (fs::exists(folder, ec) ? " is not a folder" : " does not exist"));
  }
  std::string name = (folder / ".metacog-write-check-XXXXXX").string();  // mkstemp replaces the X's
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    const int err = errno;
    throw Error(ErrorCode::Io, option + " " + path + ": cannot write in " + folder.string() + ": " + std::strerror(err));
  }
  ::close(fd);
  ::unlink(name.data());
}

void set_aside_checkpoint(const std::string& ckpt) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(ckpt, ec)) return;
  const std::string previous = ckpt + ".previous";
  fs::rename(ckpt, previous, ec);
  if (ec) throw Error(ErrorCode::Io, "an earlier run's checkpoint is at " + ckpt + " and could not be kept as " + previous + " (" +
                                         ec.message() + "); pass --resume to continue it, or move it away to start over");
  std::fprintf(stderr, "starting over (no --resume): the earlier run's checkpoint is kept as %s\n", previous.c_str());
}

}  // namespace metacog::cli
