// Running digests of the uploads in progress, so an append never re-reads what was already
// received. After a restart (or an error that may have left hash and file apart) the state is
// rebuilt by hashing the recorded bytes in storage once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "oci/resumable_sha256.h"
#include "storage/driver.h"

namespace registry {

class UploadHashes {
 public:
  struct State {
    oci::ResumableSha256 hasher;
    std::uint64_t size = 0;
  };

  // Exclusive use of one upload's state; a second concurrent append is refused.
  class Lease {
   public:
    Lease() = default;
    Lease(UploadHashes* owner, std::string id, std::unique_ptr<State> state);
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept;
    ~Lease();

    // Whether a running state is kept for `size` bytes; when not, rebuild() makes one.
    bool covers(std::uint64_t size) const { return state_ && state_->size == size; }
    // The state saved (by this or another process) for the first `size` bytes; false when
    // `saved` is not one (empty, another version, or for another size).
    bool resume(std::string_view saved, std::uint64_t size);
    // A new state from the first `size` bytes of `path` in storage. Blocks on storage.
    oci::Result<void> rebuild(storage::Driver& driver, std::string_view path, std::uint64_t size);
    State& state() { return *state_; }
    // The state no longer matches the stored bytes: rebuild it next time.
    void invalidate() { state_.reset(); }
    // Hands the state over for good (the upload completes or is cancelled).
    std::unique_ptr<State> take() { return std::move(state_); }

   private:
    void give_back();
    UploadHashes* owner_ = nullptr;
    std::string id_;
    std::unique_ptr<State> state_;
  };

  // Exclusive use of upload `id`'s state (none yet after a restart); kBlobUploadInvalid while
  // another request holds it.
  oci::Result<Lease> acquire(std::string_view id);
  void forget(std::string_view id);

 private:
  struct Slot {
    std::unique_ptr<State> state;  // null while leased or not yet built
    bool leased = false;
  };
  std::mutex mutex_;
  std::map<std::string, Slot, std::less<>> slots_;
};

}  // namespace registry
