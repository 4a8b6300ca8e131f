#include "registry/upload_hashes.h"

#include <utility>

#include "registry/stored_bytes.h"

namespace registry {

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

bool UploadHashes::Lease::resume(std::string_view saved, std::uint64_t size) {
  auto hasher = oci::ResumableSha256::resume(saved);
  if (!hasher || hasher->size() != size) return false;
  state_ = std::make_unique<State>(State{std::move(*hasher), size});
  return true;
}

oci::Result<void> UploadHashes::Lease::rebuild(storage::Driver& driver, std::string_view path,
                                               std::uint64_t size) {
  auto state = std::make_unique<State>();
  if (auto hashed =
          hash_stored_bytes(driver, path, size,
                            [&](std::span<const std::byte> bytes) { state->hasher.update(bytes); });
      !hashed) {
    state_.reset();
    return hashed;
  }
  state->size = size;
  state_ = std::move(state);
  return {};
}

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

oci::Result<UploadHashes::Lease> UploadHashes::acquire(std::string_view id) {
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
  return Lease(this, std::string(id), std::move(state));
}

void UploadHashes::forget(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(id);
  if (it != slots_.end() && !it->second.leased) slots_.erase(it);
}

}  // namespace registry
