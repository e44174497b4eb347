// engine/cli/folder_lock.hpp — an exclusive advisory lock on the folder that holds a file, for
// read-modify-write updates of that file by several metacog processes (--record, and the commands
// that write model files it may be recording into).
#pragma once

#include <string>

namespace metacog::cli {

/**
 * Holds flock(LOCK_EX) on the folder of `file` (its parent, or "." for a bare name) from
 * construction to destruction; a second FolderLock on the same folder, in this or another process,
 * waits until the first is released, and says on stderr that it waits. The folder is locked, not
 * the file, because files are replaced by rename (safetensors.hpp): a lock on the old file would
 * not hold the new one; and no lock file is left beside the models. The lock is advisory: only code
 * that takes it is held back. Where it cannot be taken — a folder that may be written but not read,
 * or a file system without flock on folders (some network and FUSE ones) — it says so on stderr and
 * holds nothing, so that the update goes on as it did before the lock existed rather than failing
 * after a long evaluation.
 */
class FolderLock {
 public:
  explicit FolderLock(const std::string& file);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  /** Whether the lock is held (false only in the cases above). */
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace metacog::cli
