#include "sync/repository_mapping.h"

#include <gtest/gtest.h>

namespace imagesync {
namespace {

oci::Reference repo(const char* text) { return *oci::Reference::parse_normalized(text); }

std::string mapped(const char* source, const char* destination,
                   const std::vector<RewriteRule>& rules = {}) {
  auto d = Destination::parse(destination);
  EXPECT_TRUE(d.has_value()) << destination;
  auto r = destination_repository(repo(source), *d, rules);
  return r ? r->name() : "error: " + r.error().message;
}

TEST(Destination, ParsesHostAndPrefix) {
  auto d = Destination::parse("eu.mirror.example.com/mirror/x");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->host, "eu.mirror.example.com");
  EXPECT_EQ(d->prefix, "mirror/x");
  EXPECT_EQ(d->str(), "eu.mirror.example.com/mirror/x");
  auto port = Destination::parse("localhost:5000");
  ASSERT_TRUE(port.has_value());
  EXPECT_EQ(port->host, "localhost:5000");
  EXPECT_EQ(port->prefix, "");
}

TEST(Destination, RejectsWhatIsNotARegistry) {
  for (const char* text : {"", "mirror", "mirror/x", "example.com/", "example.com/UPPER",
                           "example.com//x", "example.com/x:tag", "exa mple.com"}) {
    EXPECT_FALSE(Destination::parse(text).has_value()) << text;
  }
}

TEST(RepositoryMapping, KeepsThePathUnderThePrefix) {
  EXPECT_EQ(mapped("quay.io/app/api", "eu.mirror.example.com/mirror"),
            "eu.mirror.example.com/mirror/app/api");
  EXPECT_EQ(mapped("quay.io/app/api", "us.mirror.example.com:5000"),
            "us.mirror.example.com:5000/app/api");
  EXPECT_EQ(mapped("busybox", "m.example.com"), "m.example.com/library/busybox");
}

TEST(RepositoryMapping, TheLongestRuleOnPathBoundariesWins) {
  const std::vector<RewriteRule> rules = {{"quay.io/app", "apps"},
                                          {"quay.io/app/api", "special/api"},
                                          {"quay.io", "q"},
                                          {"docker.io/library", ""}};
  EXPECT_EQ(mapped("quay.io/app/api", "m.example.com/mirror", rules),
            "m.example.com/mirror/special/api");
  EXPECT_EQ(mapped("quay.io/app/web", "m.example.com/mirror", rules),
            "m.example.com/mirror/apps/web");
  // "quay.io/app" is not a prefix of "quay.io/application" on a path boundary.
  EXPECT_EQ(mapped("quay.io/application/x", "m.example.com/mirror", rules),
            "m.example.com/mirror/q/application/x");
  EXPECT_EQ(mapped("busybox", "m.example.com", rules), "m.example.com/busybox");
}

TEST(RepositoryMapping, ARuleCanNameTheWholeRepository) {
  EXPECT_EQ(mapped("quay.io/app/api", "m.example.com", {{"quay.io/app/api", "api"}}),
            "m.example.com/api");
  EXPECT_EQ(mapped("quay.io/app/api", "m.example.com/pre", {{"quay.io/app/api", ""}}),
            "m.example.com/pre");
  EXPECT_NE(mapped("quay.io/app/api", "m.example.com", {{"quay.io/app/api", ""}}).find("error"),
            std::string::npos);
}

TEST(RepositoryMapping, ValidatesRules) {
  EXPECT_TRUE(validate_rewrite({"quay.io", "q"}).has_value());
  EXPECT_TRUE(validate_rewrite({"localhost:5000/a", ""}).has_value());
  for (const RewriteRule& bad : std::vector<RewriteRule>{{"", "x"},
                                                         {"busybox", "x"},
                                                         {"quay.io/app:v1", "x"},
                                                         {"quay.io/app/", "x"},
                                                         {"quay.io/App", "x"},
                                                         {"quay.io/app", "Up"},
                                                         {"quay.io/app", "/x"}}) {
    EXPECT_FALSE(validate_rewrite(bad).has_value()) << bad.from << " -> " << bad.to;
  }
}

TEST(RepositoryMapping, TwoSourcesOnOneRepositoryAreAnError) {
  const auto d = *Destination::parse("m.example.com");
  auto collision = map_repositories({repo("quay.io/a/x"), repo("docker.io/a/x")}, d, {});
  ASSERT_FALSE(collision.has_value());
  EXPECT_NE(collision.error().message.find("both"), std::string::npos);
  auto fine = map_repositories({repo("quay.io/a/x"), repo("quay.io/a/x")}, d, {});
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(fine->at("quay.io/a/x"), "m.example.com/a/x");
}

}  // namespace
}  // namespace imagesync
