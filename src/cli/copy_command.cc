#include "cli/copy_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/access_flags.h"
#include "cli/copy_options_flags.h"
#include "cli/progress_choice.h"
#include "cli/signing_flags.h"
#include "cli/transfer_summary.h"
#include "oci/digest.h"
#include "transfer/copy_image.h"
#include "transfer/open_store.h"
#include "transfer/sign_image.h"
#include "transfer/transport_reference.h"

namespace cli {
namespace {

constexpr int kCopied = 0;
constexpr int kFailed = 1;
// Shares 2 with usage errors (cli/usage_error.h): nothing was tried, fix the input.
constexpr int kBadConfiguration = 2;

struct CopyFlags {
  std::string source;
  std::string destination;
  AccessFlags access;
  CopyOptionsFlags copy;
  ProgressFlags progress;
  SigningFlags signing;
};

int fail_with(const oci::Error& error, int status) {
  fmt::print(stderr, "regmirror copy: {}\n", error.message);
  return status;
}

// A digest in the destination is a check, not a tag: the copied manifest must have it. Not a
// search for ':': an oci: layout's names may be full references ("quay.io/ns/app:v1").
std::string destination_tag(const std::string& reference) {
  return oci::Digest::is_valid(reference) ? std::string() : reference;
}

// The identity a signature of the copy names: --sign-identity, else the destination's docker
// reference (none for a layout or archive: skopeo refuses those too).
oci::Result<std::string> identity_for(const CopyFlags& flags) {
  if (!flags.signing.identity.empty()) return flags.signing.identity;
  auto destination = transfer::parse_transport_reference(flags.destination);
  if (!destination) return std::unexpected(destination.error());
  if (destination->transport != transfer::Transport::kDocker) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     fmt::format("{} is not a registry: give the identity to sign for with "
                                 "--sign-identity",
                                 flags.destination));
  }
  return transfer::signing_identity(destination->repository->name(),
                                    destination_tag(destination->reference));
}

int run_copy(CopyFlags& flags) {
  if (auto loaded = load_registries_conf(flags.access); !loaded) {
    return fail_with(loaded.error(), kBadConfiguration);
  }
  auto source_access = access_options(flags.access, &flags.access.source);
  if (!source_access) return fail_with(source_access.error(), kBadConfiguration);
  auto destination_access = access_options(flags.access, &flags.access.destination);
  if (!destination_access) return fail_with(destination_access.error(), kBadConfiguration);
  auto options = copy_options(flags.copy);
  if (!options) return fail_with(options.error(), kBadConfiguration);
  // The key is read (and its passphrase asked for) before anything is copied.
  auto key = signing_key(flags.signing);
  if (!key) return fail_with(key.error(), kBadConfiguration);
  std::string identity;
  if (*key) {
    auto named = identity_for(flags);
    if (!named) return fail_with(named.error(), kBadConfiguration);
    identity = std::move(*named);
  }

  transfer::StoreOpener opener(flags.access.state_dir);
  auto source = opener.open(flags.source, *source_access, /*for_writing=*/false);
  if (!source) return fail_with(source.error(), kFailed);
  auto destination = opener.open(flags.destination, *destination_access, /*for_writing=*/true);
  if (!destination) return fail_with(destination.error(), kFailed);

  const std::unique_ptr<transfer::Progress> progress = make_progress(flags.progress);
  const std::string tag = destination_tag(destination->reference);
  auto copied = transfer::copy_image(*source->store, source->reference, *destination->store, tag,
                                     *options, *progress);
  if (copied && !destination->reference.empty() && tag.empty() &&
      copied->digest.str() != destination->reference) {
    copied = oci::fail(oci::ErrorCode::kDigestInvalid,
                       fmt::format("the destination names {} but the copied manifest is {}",
                                   destination->reference, copied->digest.str()));
  }
  // Signed before finish(): an archive destination is written out there.
  std::optional<oci::Digest> signature;
  if (copied && *key) {
    auto signed_as = transfer::sign_sigstore(*destination->store, copied->digest, identity, **key);
    if (signed_as) {
      signature = *signed_as;
    } else {
      copied = std::unexpected(signed_as.error());
    }
  }
  if (copied) {
    if (auto finished = destination->store->finish(); !finished) {
      copied = std::unexpected(finished.error());
    }
  }
  progress->done();
  if (!copied) return fail_with(copied.error(), kFailed);
  if (!flags.progress.quiet) {
    fmt::print("Copied {} to {} ({})\n", copied->digest.str(), flags.destination,
               stats_text(copied->stats));
    if (signature)
      fmt::print("Signed {} as {} ({})\n", copied->digest.str(), identity, signature->str());
  }
  return kCopied;
}

}  // namespace

void add_copy_command(CLI::App& app) {
  auto flags = std::make_shared<CopyFlags>();
  auto* copy = app.add_subcommand(
      "copy", "Copy an image (with its platforms and referrers) between registries and layouts");
  copy->footer(
      "Transports: docker://HOST/REPO[:TAG|@DIGEST]  oci:DIR[:REF]  oci-archive:FILE[:REF]\n"
      "Exit status: 0 copied, 1 the copy failed, 2 usage error or unreadable registries.conf.\n"
      "Examples:\n"
      "  regmirror copy docker://test.example.com/app:1.4 docker://prod.example.com/app:1.4\n"
      "  regmirror copy --all docker://quay.io/ns/app:v2 oci:./app-layout:v2\n"
      "  regmirror copy --platform linux/arm64 oci-archive:app.tar docker://localhost:5000/app:v2\n"
      "  regmirror copy --sign-by-sigstore-private-key release.key \\\n"
      "      docker://test.example.com/app:1.4 docker://prod.example.com/app:1.4\n"
      "  regmirror copy --src-tls-verify=false --dest-creds ci:secret \\\n"
      "      docker://127.0.0.1:5000/app@sha256:<digest> docker://registry.example.com/app:v2\n"
      "Guide: docs/copy.md");
  copy->add_option("source", flags->source, "SRC image")->required();
  copy->add_option("destination", flags->destination, "DST image")->required();
  add_copy_options_flags(*copy, flags->copy);
  add_access_flags(*copy, flags->access, Sides::kSourceAndDestination);
  add_progress_flags(*copy, flags->progress);
  add_signing_flags(*copy, flags->signing, /*with_identity=*/true);
  copy->callback([flags] { throw CLI::RuntimeError(run_copy(*flags)); });
}

}  // namespace cli
