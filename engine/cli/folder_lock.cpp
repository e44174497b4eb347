// engine/cli/folder_lock.cpp — see folder_lock.hpp.
#include "folder_lock.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace metacog::cli {

namespace {

/** flock, retried when a signal interrupts it. */
int flock_retrying(int fd, int operation) {
  int r = 0;
  while ((r = ::flock(fd, operation)) != 0 && errno == EINTR) {
  }
  return r;
}

}  // namespace

FolderLock::FolderLock(const std::string& file) {
  const std::filesystem::path p(file);
  const std::string folder = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int r = fd < 0 ? -1 : flock_retrying(fd, LOCK_EX | LOCK_NB);
  if (r != 0 && fd >= 0 && errno == EWOULDBLOCK) {
    std::fprintf(stderr, "waiting for another metacog command writing into %s to finish\n", folder.c_str());
    r = flock_retrying(fd, LOCK_EX);
  }
  if (r != 0) {
    std::fprintf(stderr, "warning: cannot lock the folder %s (%s); writing %s without the lock\n", folder.c_str(),
                 std::strerror(errno), file.c_str());
    if (fd >= 0) ::close(fd);
    return;
  }
  fd_ = fd;
}

FolderLock::~FolderLock() {
  if (fd_ < 0) return;
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace metacog::cli
