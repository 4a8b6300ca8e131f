#include "cli/copy_command.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "cli/access_flags.h"
#include "cli/copy_options_flags.h"
#include "cli/policy_verification_flags.h"
#include "cli/progress_choice.h"
#include "cli/signing_flags.h"
#include "cli/transfer_summary.h"
#include "nodeconf/policy.h"
#include "nodeconf/registries_d.h"
#include "oci/digest.h"
#include "oci/reference.h"
#include "transfer/copied_images.h"
#include "transfer/copy_image.h"
#include "transfer/open_store.h"
#include "transfer/policy_verification.h"
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
  bool verify_policy = false;
  std::string policy;  // default_policy_path() when not given
  std::string registries_d;
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

// The source's reference as policy.json sees it: docker:// only (regmirror evaluates the
// docker transport's scopes), normalized, ":latest" for a bare name, the tag dropped when a
// digest is given (as Policy::evaluate_docker takes it).
oci::Result<oci::Reference> policy_reference(const std::string& source) {
  auto parsed = transfer::parse_transport_reference(source);
  if (!parsed) return std::unexpected(parsed.error());
  if (parsed->transport != transfer::Transport::kDocker || !parsed->repository) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "--verify-policy checks docker:// sources only, not " + source);
  }
  if (oci::Digest::is_valid(parsed->reference)) {
    return parsed->repository->with_digest(parsed->reference);
  }
  return parsed->repository->with_tag(parsed->reference.empty() ? "latest" : parsed->reference);
}

// What --verify-policy reads.
struct PolicyFiles {
  nodeconf::Policy policy;
  nodeconf::RegistriesD registries_d;
};

oci::Result<PolicyFiles> load_policy_files(const CopyFlags& flags) {
  auto policy = nodeconf::load_policy(flags.policy);
  if (!policy) return std::unexpected(policy.error());
  auto registries_d = nodeconf::RegistriesD::load(flags.registries_d);
  if (!registries_d) return std::unexpected(registries_d.error());
  return PolicyFiles{std::move(*policy), std::move(*registries_d)};
}

// --verify-policy: the source image checked against the policy for its reference before
// anything is written. Returns the digest to copy (what was checked), or why not.
oci::Result<std::string> verified_source(const CopyFlags& flags, const PolicyFiles& files,
                                         const transfer::CopyOptions& options,
                                         transfer::ImageStore& source,
                                         const std::string& source_reference,
                                         const transfer::AccessOptions& access) {
  auto reference = policy_reference(flags.source);
  if (!reference) return std::unexpected(reference.error());
  const nodeconf::PolicyDecision decision = files.policy.evaluate_docker(reference->str());
  auto manifest = source.get_manifest(source_reference.empty() ? "latest" : source_reference);
  if (!manifest) return std::unexpected(manifest.error());
  // Each image the copy writes, not an index: containers/image checks them so.
  auto images = transfer::copied_images(source, *manifest, options);
  if (!images) return std::unexpected(images.error());
  for (const client::FetchedManifest& checked_image : *images) {
    // The source is read directly: its reference is the physical one registries.d is asked
    // about, for each image as for the top one (containers/image reads them all from one source).
    const transfer::ImageUnderCheck image{source, reference->str(), checked_image,
                                          reference->str()};
    auto checked = transfer::check_image_policy(decision, image, files.registries_d, access);
    if (!checked) {
      return oci::fail(checked.error().code, "cannot check the signatures of " + reference->str() +
                                                 ": " + checked.error().message);
    }
    if (!checked->allowed) {
      return oci::fail(
          oci::ErrorCode::kDenied,
          "refused by policy.json (" + checked_image.digest.str() + "): " + checked->reason);
    }
  }
  return manifest->digest.str();
}

// The repository a signature of the copy names (its identity is completed by
// transfer::signing_identity once the copy's digest is known): the destination's docker
// repository; none for a layout or archive, which need --sign-identity (skopeo refuses those
// too). Empty when --sign-identity is given.
oci::Result<std::string> signing_repository(const CopyFlags& flags) {
  if (!flags.signing.identity.empty()) return std::string();
  auto destination = transfer::parse_transport_reference(flags.destination);
  if (!destination) return std::unexpected(destination.error());
  if (destination->transport != transfer::Transport::kDocker) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     fmt::format("{} is not a registry: give the identity to sign for with "
                                 "--sign-identity",
                                 flags.destination));
  }
  return destination->repository->name();
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
  std::string signed_repository;
  if (*key) {
    auto named = signing_repository(flags);
    if (!named) return fail_with(named.error(), kBadConfiguration);
    signed_repository = std::move(*named);
  }

  std::optional<PolicyFiles> policy_files;
  if (flags.verify_policy) {
    auto loaded = load_policy_files(flags);
    if (!loaded) return fail_with(loaded.error(), kBadConfiguration);
    policy_files = std::move(*loaded);
  }

  transfer::StoreOpener opener(flags.access.state_dir);
  auto source = opener.open(flags.source, *source_access, /*for_writing=*/false);
  if (!source) return fail_with(source.error(), kFailed);
  if (policy_files) {
    auto digest = verified_source(flags, *policy_files, *options, *source->store, source->reference,
                                  *source_access);
    if (!digest) return fail_with(digest.error(), kFailed);
    source->reference = std::move(*digest);
  }
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
  std::string identity = flags.signing.identity;
  if (copied && *key) {
    // By digest (no tag): host/repo@<digest>, the same for every manifest of an index.
    if (identity.empty())
      identity = transfer::signing_identity(signed_repository, tag, copied->digest);
    auto signed_as = transfer::sign_copied_image(*destination->store, *copied, identity, **key);
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
    if (signature) {
      fmt::print("Signed {} as {} ({}{})\n", copied->digest.str(), identity, signature->str(),
                 copied->manifests.size() > 1
                     ? fmt::format(", and its {} images", copied->manifests.size() - 1)
                     : std::string());
    }
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
      "Exit status: 0 copied, 1 the copy failed or --verify-policy refused the image, 2 usage\n"
      "error or unreadable registries.conf, policy.json or registries.d.\n"
      "Examples:\n"
      "  regmirror copy docker://test.example.com/app:1.4 docker://prod.example.com/app:1.4\n"
      "  regmirror copy --all docker://quay.io/ns/app:v2 oci:./app-layout:v2\n"
      "  regmirror copy --platform linux/arm64 oci-archive:app.tar docker://localhost:5000/app:v2\n"
      "  regmirror copy --verify-policy --policy ./policy.json \\\n"
      "      docker://quay.io/ns/app:v2 docker://registry.example.com/app:v2\n"
      "  regmirror copy --sign-by-sigstore-private-key release.key \\\n"
      "      docker://test.example.com/app:1.4 docker://prod.example.com/app:1.4\n"
      "  regmirror copy --src-tls-verify=false --dest-creds ci:secret \\\n"
      "      docker://127.0.0.1:5000/app@sha256:<digest> docker://registry.example.com/app:v2\n"
      "Guide: docs/copy.md");
  copy->add_option("source", flags->source, "SRC image")->required();
  copy->add_option("destination", flags->destination, "DST image")->required();
  copy->add_flag("--verify-policy", flags->verify_policy,
                 "check the source image against policy.json (signedBy, sigstoreSigned) for "
                 "its reference before copying; a refused image is not copied");
  flags->policy = default_policy_path();
  copy->add_option("--policy", flags->policy,
                   "policy.json for --verify-policy (default $HOME/.config/containers/"
                   "policy.json if it exists, else /etc/containers/policy.json)");
  add_registries_d_flag(*copy, flags->registries_d);
  add_copy_options_flags(*copy, flags->copy);
  add_access_flags(*copy, flags->access, Sides::kSourceAndDestination);
  add_progress_flags(*copy, flags->progress);
  add_signing_flags(*copy, flags->signing, /*with_identity=*/true);
  copy->callback([flags] { throw CLI::RuntimeError(run_copy(*flags)); });
}

}  // namespace cli
