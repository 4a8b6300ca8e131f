#include "sync/archive.h"

#include <fmt/format.h>

#include <mutex>

#include "oci/attachment_tag.h"
#include "sync/sync_workers.h"
#include "transfer/layout_index.h"
#include "transfer/layout_store.h"

namespace imagesync {
namespace {

// The archive as the source of a load, with the destination behind it: an archive made
// --since an earlier one lacks what that one held, which the destination then has. Blobs
// the destination has are never read (the copy skips them), so a blob read that fails here
// is in neither place.
//
// A tag is read as the source repository's name in the archive ("quay.io/app/api:TAG"): the
// copy asks for an image's attachment tags that way.
class ArchiveSource final : public transfer::ImageStore {
 public:
  ArchiveSource(transfer::LayoutStore& archive, transfer::ImageStore& destination,
                std::string repository)
      : archive_(archive), destination_(destination), repository_(std::move(repository)) {}

  std::string describe() const override { return archive_.describe(); }

  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override {
    if (!oci::Digest::is_valid(reference)) {
      return archive_.get_manifest(fmt::format("{}:{}", repository_, reference));
    }
    auto fetched = archive_.get_manifest(reference);
    if (fetched) return fetched;
    auto behind = destination_.get_manifest(reference);
    if (behind) return behind;
    // The copy engine names the manifest and the archive before this message.
    return oci::fail(oci::ErrorCode::kManifestUnknown,
                     fmt::format("in neither this archive nor {}: load the archive this one "
                                 "was made --since first",
                                 destination_.describe()));
  }
  oci::Result<std::vector<std::string>> list_tags() override { return archive_.list_tags(); }
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override {
    return archive_.referrers(subject);
  }
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    auto read = archive_.read_blob(blob, offset, sink);
    if (read) return read;
    auto present = archive_.has_blob(blob);
    if (present && !*present) {
      return oci::fail(oci::ErrorCode::kBlobUnknown,
                       fmt::format("in neither this archive nor {}: load the archive this one "
                                   "was made --since first",
                                   destination_.describe()));
    }
    return read;
  }

  // Only read from.
  oci::Result<bool> has_manifest(const oci::Digest& digest) override {
    return archive_.has_manifest(digest);
  }
  oci::Result<void> put_manifest(std::string_view, std::string_view, const oci::Digest&,
                                 std::string_view) override {
    return read_only();
  }
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override {
    return archive_.has_blob(blob);
  }
  oci::Result<bool> mount_blob(const oci::Descriptor&, const transfer::ImageStore&) override {
    return false;
  }
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor&) override { return 0; }
  oci::Result<void> write_blob(const oci::Descriptor&, std::int64_t,
                               const client::ByteSource&) override {
    return read_only();
  }

 private:
  std::unexpected<oci::Error> read_only() const {
    return oci::fail(oci::ErrorCode::kUnsupported, "an archive being loaded is read-only");
  }
  transfer::LayoutStore& archive_;
  transfer::ImageStore& destination_;
  const std::string repository_;
};

// One source repository's part of the archive being written: a tag the copy writes (an
// attachment's: sha256-<hex>.sig) is named "REPOSITORY:TAG" in index.json, as from-dir reads it.
class ArchiveRepository final : public transfer::ImageStore {
 public:
  ArchiveRepository(transfer::LayoutStore& archive, std::string repository)
      : archive_(archive), repository_(std::move(repository)) {}

  std::string describe() const override { return archive_.describe(); }
  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override {
    return archive_.get_manifest(named(reference));
  }
  oci::Result<std::vector<std::string>> list_tags() override { return archive_.list_tags(); }
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override {
    return archive_.referrers(subject);
  }
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    return archive_.read_blob(blob, offset, sink);
  }
  oci::Result<bool> has_manifest(const oci::Digest& digest) override {
    return archive_.has_manifest(digest);
  }
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override {
    return archive_.put_manifest(body, media_type, digest, tag.empty() ? "" : named(tag));
  }
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override {
    return archive_.has_blob(blob);
  }
  oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) override {
    return archive_.mount_blob(blob, from);
  }
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override {
    return archive_.resume_offset(blob);
  }
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override {
    return archive_.write_blob(blob, offset, source);
  }

 private:
  std::string named(std::string_view reference) const {
    if (oci::Digest::is_valid(reference)) return std::string(reference);
    return fmt::format("{}:{}", repository_, reference);
  }
  transfer::LayoutStore& archive_;
  const std::string repository_;
};

SyncSummary failed(std::string what, std::string message) {
  SyncSummary summary;
  summary.problems.push_back(PlanProblem{std::move(what), std::move(message)});
  return summary;
}

// Copies one job into the archive and names it.
oci::Result<transfer::CopyResult> archive_job(const CopyJob& job, transfer::LayoutStore& archive,
                                              const ArchiveOptions& options,
                                              RepositoryOpener& opener,
                                              transfer::Progress& progress) {
  auto source = opener.open_source(job.repository);
  if (!source) return std::unexpected(source.error());
  transfer::CopyOptions copy;
  copy.all = !job.platform;
  copy.platform = job.platform;
  copy.referrers = options.referrers;
  copy.attachments = options.referrers;
  copy.jobs = options.blob_jobs;
  ArchiveRepository repository(archive, job.repository.name());
  auto copied = transfer::copy_image(**source, job.reference, repository, "", copy, progress);
  if (!copied) return copied;
  // Named after the copy: an image picked for one of several platforms is known by its
  // digest only once it is copied.
  const std::string name = job.destination_tag.empty()
                               ? fmt::format("{}@{}", job.repository.name(), copied->digest.str())
                               : fmt::format("{}:{}", job.repository.name(), job.destination_tag);
  auto manifest = archive.get_manifest(copied->digest.str());
  if (!manifest) return std::unexpected(manifest.error());
  auto named = archive.put_manifest(manifest->body, manifest->media_type, copied->digest, name);
  if (!named) return std::unexpected(named.error());
  return copied;
}

}  // namespace

SyncSummary archive_to_dir(const SyncConfig& config, const std::filesystem::path& directory,
                           const ArchiveOptions& options, RepositoryOpener& opener,
                           transfer::Progress& progress) {
  for (const auto& earlier : options.since) {
    if (auto index = transfer::LayoutStore::read_index(earlier); !index) {
      return failed("--since " + earlier.string(), index.error().message);
    }
  }
  auto archive =
      transfer::LayoutStore::open(directory, transfer::LayoutOptions{true, options.since});
  if (!archive) return failed(directory.string(), archive.error().message);

  const SyncPlan plan = plan_sync(config, opener, options.jobs);
  SyncSummary summary;
  summary.problems = plan.problems;
  summary.destinations.emplace_back().destination = (*archive)->describe();
  DestinationSummary& out = summary.destinations.front();
  std::mutex mutex;
  for_each_parallel(plan.jobs.size(), options.jobs, [&](std::size_t i) {
    auto copied = archive_job(plan.jobs[i], **archive, options, opener, progress);
    std::lock_guard lock(mutex);
    if (copied) {
      ++out.images_ok;
      out.stats += copied->stats;
    } else {
      progress.note(fmt::format("{}: {}", plan.jobs[i].describe(), copied.error().message));
      out.failures.push_back(ImageFailure{plan.jobs[i].describe(), copied.error().message});
    }
  });
  if (auto finished = (*archive)->finish(); !finished) {
    summary.problems.push_back(PlanProblem{directory.string(), finished.error().message});
  }
  return summary;
}

namespace {

// An image index.json names, as from-dir loads it.
struct ArchivedImage {
  std::string name;  // ref.name
  oci::Reference source;
  oci::Descriptor manifest;
};

// An attachment tag (sha256-<hex>.sig...) in an image's repository: it belongs to that image
// and is loaded after it, never listed as an image of its own.
bool is_attachment(const oci::Reference& reference) {
  return reference.has_tag() && oci::parse_attachment_tag(reference.tag()).has_value();
}

struct Loaded {
  std::string label;
  bool skipped = false;  // present already: only its tag set
  oci::Result<transfer::CopyStats> stats = transfer::CopyStats{};
};

// One image (or attachment) of the archive to its destination repository. An attachment is
// loaded only once its image is there.
Loaded load_image(const ArchivedImage& image, transfer::LayoutStore& archive,
                  const Destination& destination, const std::vector<RewriteRule>& rewrite,
                  const ArchiveOptions& options, RepositoryOpener& opener,
                  transfer::Progress& progress) {
  auto target = destination_repository(image.source.name_only(), destination, rewrite);
  Loaded loaded{fmt::format("{} -> {}", image.name, target ? target->name() : destination.str())};
  loaded.stats = [&]() -> oci::Result<transfer::CopyStats> {
    if (!target) return std::unexpected(target.error());
    auto sink = opener.open_destination(*target, destination);
    if (!sink) return std::unexpected(sink.error());
    ArchiveSource source(archive, **sink, image.source.name_only().name());
    const std::string tag = image.source.tag();
    if (const auto attachment = oci::parse_attachment_tag(tag)) {
      auto subject = oci::Digest::parse(attachment->subject);
      if (!subject) return std::unexpected(subject.error());
      auto has_subject = (*sink)->has_manifest(*subject);
      if (!has_subject) return std::unexpected(has_subject.error());
      if (!*has_subject) {
        return oci::fail(
            oci::ErrorCode::kManifestUnknown,
            fmt::format("not loaded: its image {} is not at the destination", attachment->subject));
      }
    } else {
      auto present = (*sink)->has_manifest(image.manifest.digest);
      if (!present) return std::unexpected(present.error());
      if (*present) {
        loaded.skipped = true;
        if (tag.empty()) return transfer::CopyStats{};
        // Present under another name or untagged: only the tag is set.
        auto manifest = source.get_manifest(image.manifest.digest.str());
        if (!manifest) return std::unexpected(manifest.error());
        auto tagged =
            (*sink)->put_manifest(manifest->body, manifest->media_type, manifest->digest, tag);
        if (!tagged) return std::unexpected(tagged.error());
        return transfer::CopyStats{};
      }
    }
    transfer::CopyOptions copy;
    copy.all = true;  // the archive holds what the set chose
    copy.referrers = options.referrers;
    copy.attachments = false;  // loaded after all the images, as index.json names them
    copy.jobs = options.blob_jobs;
    auto copied =
        transfer::copy_image(source, image.manifest.digest.str(), **sink, tag, copy, progress);
    if (!copied) return std::unexpected(copied.error());
    if (auto finished = (*sink)->finish(); !finished) return std::unexpected(finished.error());
    return copied->stats;
  }();
  return loaded;
}

}  // namespace

SyncSummary archive_from_dir(const std::filesystem::path& directory, const Destination& destination,
                             const std::vector<RewriteRule>& rewrite, const ArchiveOptions& options,
                             RepositoryOpener& opener, transfer::Progress& progress) {
  auto index = transfer::LayoutStore::read_index(directory);
  if (!index) return failed(directory.string(), index.error().message);
  auto archive = transfer::LayoutStore::open(directory);
  if (!archive) return failed(directory.string(), archive.error().message);

  std::vector<ArchivedImage> images;
  std::vector<ArchivedImage> attachments;
  std::vector<oci::Reference> repositories;
  for (const auto& entry : index->entries()) {
    const std::string name = transfer::ref_name(entry);
    if (name.empty()) continue;  // referrers: copied with their subjects
    auto source = oci::Reference::parse_normalized(name);
    if (!source || source->is_name_only()) {
      return failed(directory.string(),
                    fmt::format("index.json names an image \"{}\", which is not a full "
                                "reference (was the layout written by regmirror sync --to-dir?)",
                                name));
    }
    repositories.push_back(source->name_only());
    if (!is_attachment(*source)) {
      images.push_back(ArchivedImage{name, *source, entry});
    } else if (options.referrers) {
      attachments.push_back(ArchivedImage{name, *source, entry});
    }
  }
  if (auto mapped = map_repositories(repositories, destination, rewrite); !mapped) {
    return failed(destination.str(), mapped.error().message);
  }

  SyncSummary summary;
  summary.destinations.emplace_back().destination = destination.str();
  DestinationSummary& out = summary.destinations.front();
  std::mutex mutex;
  const auto record = [&](Loaded loaded, bool counted) {
    std::lock_guard lock(mutex);
    if (!loaded.stats) {
      progress.note(fmt::format("{}: {}", loaded.label, loaded.stats.error().message));
      out.failures.push_back(ImageFailure{loaded.label, loaded.stats.error().message});
      return;
    }
    out.stats += *loaded.stats;
    if (!counted) return;
    ++(loaded.skipped ? out.images_skipped : out.images_ok);
  };
  for_each_parallel(images.size(), options.jobs, [&](std::size_t i) {
    record(load_image(images[i], **archive, destination, rewrite, options, opener, progress), true);
  });
  // Attachments (signatures...) once every image is in: never one of an image not there.
  for_each_parallel(attachments.size(), options.jobs, [&](std::size_t i) {
    record(load_image(attachments[i], **archive, destination, rewrite, options, opener, progress),
           false);
  });
  return summary;
}

oci::Result<DestinationMirrors> archive_mirrors(const std::filesystem::path& directory,
                                                const Destination& destination,
                                                const std::vector<RewriteRule>& rewrite) {
  auto index = transfer::LayoutStore::read_index(directory);
  if (!index) return std::unexpected(index.error());
  DestinationMirrors mirrors{destination.str(), {}};
  for (const auto& entry : index->entries()) {
    const std::string name = transfer::ref_name(entry);
    if (name.empty()) continue;
    auto source = oci::Reference::parse_normalized(name);
    if (!source) continue;                 // archive_from_dir reports it
    if (is_attachment(*source)) continue;  // belongs to an image listed on its own
    auto target = destination_repository(source->name_only(), destination, rewrite);
    if (!target) return std::unexpected(target.error());
    mirrors.pairs.push_back(MirrorPair{source->name(), target->name(), source->has_tag()});
  }
  return mirrors;
}

}  // namespace imagesync
