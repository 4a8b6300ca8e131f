#include "registry/upload_hashes.h"

#include <utility>

#include "registry/stored_bytes.h"

namespace registry {
namespace {

// Hashes what storage holds for an upload; used only when no running state exists.
oci::Result<std::unique_ptr<UploadHashes::State>> rebuild(storage::Driver& driver,
                                                          std::string_view path) {
  auto state = std::make_unique<UploadHashes::State>();
  auto size = hash_stored_bytes(driver, path, state->hasher);
  if (!size) return std::unexpected(size.error());
  state->size = *size;
  return state;
}

}  // namespace

UploadHashes::Lease::Lease(UploadHashes* owner, std::string id, std::unique_ptr<State> state)
    : owner_(owner), id_(std::move(id)), state_(std::move(state)) {}

UploadHashes::Lease& UploadHashes::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    give_back();
    owner_ = std::exchange(other.owner_, nullptr);
    id_ = std::move(other.id_);
    state_ = std::move(other.state_);
  }
  return *this;
}

UploadHashes::Lease::~Lease() { give_back(); }

void UploadHashes::Lease::give_back() {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mutex_);
  auto it = owner_->slots_.find(id_);
  if (it != owner_->slots_.end()) {
    it->second.leased = false;
    it->second.state = std::move(state_);
    if (!it->second.state) owner_->slots_.erase(it);
  }
  owner_ = nullptr;
}

oci::Result<UploadHashes::Lease> UploadHashes::acquire(std::string_view id, storage::Driver& driver,
                                                       std::string_view path) {
  std::unique_ptr<State> state;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = slots_.try_emplace(std::string(id));
    if (it->second.leased) {
      return oci::fail(oci::ErrorCode::kBlobUploadInvalid,
                       "upload is being written by another request");
    }
    it->second.leased = true;
    state = std::move(it->second.state);
  }
  if (!state) {
    auto rebuilt = rebuild(driver, path);
    if (!rebuilt) {
      std::lock_guard lock(mutex_);
      slots_.erase(std::string(id));
      return std::unexpected(rebuilt.error());
    }
    state = std::move(*rebuilt);
  }
  return Lease(this, std::string(id), std::move(state));
}

void UploadHashes::forget(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(id);
  if (it != slots_.end() && !it->second.leased) slots_.erase(it);
}

}  // namespace registry
