// engine/cli/folder_lock.cpp — see folder_lock.hpp.
#include "folder_lock.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "metacog/error.hpp"

namespace metacog::cli {

FolderLock::FolderLock(const std::string& file) {
  const std::filesystem::path p(file);
  const std::string folder = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw Error(ErrorCode::Io, "cannot open the folder " + folder + " to lock it: " + std::strerror(errno));
  int r = 0;
  while ((r = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
  }
  if (r != 0) {
    const int err = errno;
    ::close(fd_);
    throw Error(ErrorCode::Io, "cannot lock the folder " + folder + ": " + std::strerror(err));
  }
}

FolderLock::~FolderLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace metacog::cli
