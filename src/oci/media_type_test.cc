#include "oci/media_type.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace oci::media_type {
namespace {

struct EssenceCase {
  std::string name;
  std::string media_type;
  std::string expected;
};

class EssenceTest : public testing::TestWithParam<EssenceCase> {};

TEST_P(EssenceTest, DropsParametersAndWhitespace) {
  EXPECT_EQ(essence(GetParam().media_type), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, EssenceTest,
    testing::Values(
        EssenceCase{"Plain", "application/json", "application/json"},
        EssenceCase{"Parameter", "application/json; charset=utf-8", "application/json"},
        EssenceCase{"ParameterNoSpace", "application/json;charset=utf-8", "application/json"},
        EssenceCase{"SurroundingSpaces", "  application/json \t", "application/json"},
        EssenceCase{"SpaceBeforeParameter", "application/json ;q=1", "application/json"},
        EssenceCase{"Empty", "", ""}, EssenceCase{"OnlySpaces", "   ", ""},
        EssenceCase{"OnlyParameter", ";charset=utf-8", ""}),
    [](const auto& info) { return info.param.name; });

struct KindCase {
  std::string name;
  std::string media_type;
  std::optional<ManifestKind> expected;
};

class ManifestKindTest : public testing::TestWithParam<KindCase> {};

TEST_P(ManifestKindTest, RecognisesStoredManifestTypes) {
  EXPECT_EQ(manifest_kind(GetParam().media_type), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ManifestKindTest,
    testing::Values(
        KindCase{"OciManifest", std::string(kOciManifest), ManifestKind::kImage},
        KindCase{"DockerManifest", std::string(kDockerManifest), ManifestKind::kImage},
        KindCase{"OciIndex", std::string(kOciIndex), ManifestKind::kIndex},
        KindCase{"DockerManifestList", std::string(kDockerManifestList), ManifestKind::kIndex},
        KindCase{"WithParameter", std::string(kOciManifest) + "; charset=utf-8",
                 ManifestKind::kImage},
        // std::string(n, c) + ...: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
        KindCase{"WithSpaces", std::string(1, ' ') + std::string(kOciIndex) + " ",
                 ManifestKind::kIndex},
        KindCase{"OciEmpty", std::string(kOciEmpty), std::nullopt},
        KindCase{"DockerSchema1", "application/vnd.docker.distribution.manifest.v1+prettyjws",
                 std::nullopt},
        KindCase{"Json", "application/json", std::nullopt}, KindCase{"Empty", "", std::nullopt},
        KindCase{"Prefix", std::string(kOciManifest).substr(1), std::nullopt},
        KindCase{"TrailingGarbage", std::string(kOciManifest) + "x", std::nullopt}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace oci::media_type
