// engine/cli/folder_lock.hpp — an exclusive advisory lock on the folder that holds a file, for
// read-modify-write updates of that file by several metacog processes (--record).
#pragma once

#include <string>

namespace metacog::cli {

/**
 * Holds flock(LOCK_EX) on the folder of `file` (its parent, or "." for a bare name) from
 * construction to destruction; a second FolderLock on the same folder, in this or another process,
 * waits until the first is released. The folder is locked, not the file, because files are
 * replaced by rename (safetensors.hpp): a lock on the old file would not hold the new one. The lock
 * is advisory: only code that takes it is held back. Io naming the folder if it cannot be opened or
 * locked.
 */
class FolderLock {
 public:
  explicit FolderLock(const std::string& file);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace metacog::cli
