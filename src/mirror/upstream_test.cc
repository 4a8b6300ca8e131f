#include "mirror/upstream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace mirror {
namespace {

using oci::ErrorCode;

Upstream upstream(std::string prefix, std::string url) {
  Upstream result;
  result.prefix = std::move(prefix);
  result.url = std::move(url);
  return result;
}

std::vector<auth::RepositoryPattern> patterns(std::initializer_list<std::string_view> texts) {
  std::vector<auth::RepositoryPattern> result;
  for (std::string_view text : texts)
    result.push_back(auth::RepositoryPattern::parse(text).value());
  return result;
}

UpstreamTable table(std::vector<Upstream> upstreams) {
  auto created = UpstreamTable::create(std::move(upstreams));
  EXPECT_TRUE(created.has_value()) << created.error().message;
  return std::move(created.value());
}

// The error's message carries no control character and stays short whatever the input.
void expect_printable(const oci::Error& error) {
  EXPECT_LT(error.message.size(), 300u) << error.message;
  EXPECT_TRUE(std::ranges::none_of(error.message, [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f;
  })) << error.message;
}

TEST(ParseUpstreamUrl, NormalisesSchemeHostAndTrailingSlash) {
  EXPECT_EQ(parse_upstream_url("https://quay.io").value(), "https://quay.io");
  EXPECT_EQ(parse_upstream_url("https://quay.io/").value(), "https://quay.io");
  EXPECT_EQ(parse_upstream_url("HTTPS://Quay.IO").value(), "https://quay.io");
  EXPECT_EQ(parse_upstream_url("http://127.0.0.1:5000").value(), "http://127.0.0.1:5000");
  EXPECT_EQ(parse_upstream_url("http://127.0.0.1:05000").value(), "http://127.0.0.1:5000");
  EXPECT_EQ(parse_upstream_url("https://[::1]:8443").value(), "https://[::1]:8443");
  EXPECT_EQ(parse_upstream_url("https://[fe80::1]").value(), "https://[fe80::1]");
  EXPECT_EQ(parse_upstream_url("https://my-registry.example.com:65535").value(),
            "https://my-registry.example.com:65535");
}

TEST(ParseUpstreamUrl, AcceptsTheLongestHost) {
  const std::string label(63, 'a');
  const std::string host = label + "." + label + "." + label + "." + std::string(61, 'a');
  ASSERT_EQ(host.size(), 253u);
  EXPECT_EQ(parse_upstream_url("https://" + host).value(), "https://" + host);
}

TEST(ParseUpstreamUrl, RefusesAMissingOrForeignScheme) {
  for (std::string_view text : {"quay.io", "quay.io:443", "", "://quay.io", "ftp://quay.io",
                                "oci://quay.io", "docker://quay.io", "httpss://quay.io"}) {
    auto parsed = parse_upstream_url(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported);
  }
  EXPECT_NE(parse_upstream_url("quay.io").error().message.find("no scheme"), std::string::npos);
}

TEST(ParseUpstreamUrl, RefusesPathQueryFragmentAndUserinfo) {
  for (std::string_view text :
       {"https://quay.io/v2", "https://quay.io/v2/", "https://quay.io//", "https://quay.io?x=1",
        "https://quay.io#top", "https://quay.io:443/path", "https://user:pw@quay.io",
        "https://user@quay.io", "https://quay.io/../etc"}) {
    auto parsed = parse_upstream_url(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported);
  }
  EXPECT_NE(parse_upstream_url("https://u:p@quay.io").error().message.find("credentials"),
            std::string::npos);
  EXPECT_NE(parse_upstream_url("https://quay.io/v2").error().message.find("path"),
            std::string::npos);
}

TEST(ParseUpstreamUrl, RefusesAMissingOrMalformedHost) {
  for (std::string_view text :
       {"https://", "https:///", "https://:5000", "http://quay..io", "http://.quay.io",
        "http://quay.io.", "http://-quay.io", "http://quay-.io", "http://qu ay.io",
        "http://quay_io", "http://[::1", "http://[]", "http://[zz::1]", "http://::1"}) {
    auto parsed = parse_upstream_url(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported);
  }
  EXPECT_NE(parse_upstream_url("https://").error().message.find("no host"), std::string::npos);
}

TEST(ParseUpstreamUrl, RefusesABadPort) {
  for (std::string_view text :
       {"http://quay.io:", "http://quay.io:0", "http://quay.io:65536", "http://quay.io:99999999999",
        "http://quay.io:+80", "http://quay.io:8a", "http://quay.io:80:80",
        "http://[::1]:", "http://[::1]x"}) {
    auto parsed = parse_upstream_url(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported);
  }
}

TEST(ParseUpstreamUrl, HostileInputGetsAPrintableBoundedError) {
  const std::string long_label = "https://" + std::string(64, 'a') + ".io";
  // 255 characters: over the 253 a host may have.
  const std::string long_host =
      "https://" + std::string(60, 'a') + "." + std::string(189, 'a') + ".io.x";
  const std::string huge = "https://" + std::string(100000, 'a');
  for (const std::string& text :
       {long_label, long_host, huge, std::string("https://quay.io\n"),
        std::string("https://quay.io\r\nX-Evil: 1"), std::string("https://quay\0.io", 15),
        std::string("https://qu\x1b[31may.io"), std::string("https://qu\xc3\xa4y.io")}) {
    auto parsed = parse_upstream_url(text);
    ASSERT_FALSE(parsed.has_value()) << text.substr(0, 80);
    expect_printable(parsed.error());
  }
}

TEST(CheckUpstreamPrefix, AcceptsRepositoryNamePrefixes) {
  for (std::string_view prefix :
       {"quay.io", "registry.redhat.io", "mirrors/quay", "a", "a__b", "ghcr.io/my-org"}) {
    EXPECT_TRUE(check_upstream_prefix(prefix).has_value()) << prefix;
  }
  EXPECT_TRUE(check_upstream_prefix(std::string(253, 'a')).has_value());
}

TEST(CheckUpstreamPrefix, RefusesWhatIsNoRepositoryName) {
  for (std::string_view prefix :
       {"", "Quay.io", "quay.io/", "/quay.io", "quay.io//x", "..", "quay.io/../x", "a/./b",
        "localhost:5000", "quay io", "quay.io\n", "-quay", "quay.io/*"}) {
    auto checked = check_upstream_prefix(prefix);
    ASSERT_FALSE(checked.has_value()) << prefix;
    EXPECT_EQ(checked.error().code, ErrorCode::kNameInvalid);
    expect_printable(checked.error());
  }
  // No room left for "/x" under it.
  EXPECT_FALSE(check_upstream_prefix(std::string(254, 'a')).has_value());
  EXPECT_FALSE(check_upstream_prefix(std::string(100000, 'a')).has_value());
}

TEST(ParseUpstreamFlag, NamespacedAndWholeRegistry) {
  const Upstream quay = parse_upstream_flag("quay.io=https://quay.io").value();
  EXPECT_EQ(quay.prefix, "quay.io");
  EXPECT_EQ(quay.url, "https://quay.io");
  EXPECT_EQ(quay.tag_ttl, kDefaultTagTtl);
  EXPECT_TRUE(quay.include.empty());
  EXPECT_TRUE(quay.exclude.empty());
  EXPECT_FALSE(quay.allow_push);

  const Upstream hub = parse_upstream_flag("https://registry-1.docker.io").value();
  EXPECT_EQ(hub.prefix, "");
  EXPECT_EQ(hub.url, "https://registry-1.docker.io");

  const Upstream local = parse_upstream_flag("up/stream=http://127.0.0.1:5000/").value();
  EXPECT_EQ(local.prefix, "up/stream");
  EXPECT_EQ(local.url, "http://127.0.0.1:5000");
}

TEST(ParseUpstreamFlag, RefusesAnEmptyOrInvalidPrefix) {
  auto empty = parse_upstream_flag("=https://quay.io");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kNameInvalid);
  EXPECT_NE(empty.error().message.find("empty prefix"), std::string::npos);

  for (std::string_view value :
       {"Quay.io=https://quay.io", "quay.io/=https://quay.io", "../x=https://quay.io",
        "localhost:5000=http://localhost:5000", "https://x=https://quay.io"}) {
    auto parsed = parse_upstream_flag(value);
    ASSERT_FALSE(parsed.has_value()) << value;
    EXPECT_EQ(parsed.error().code, ErrorCode::kNameInvalid) << value;
  }
}

TEST(ParseUpstreamFlag, RefusesABadUrlAfterAValidPrefix) {
  for (std::string_view value : {"quay.io=", "quay.io=quay.io", "quay.io=https://quay.io/v2",
                                 "quay.io=https://a=b", "quay.io==https://quay.io"}) {
    auto parsed = parse_upstream_flag(value);
    ASSERT_FALSE(parsed.has_value()) << value;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported) << value;
  }
}

TEST(UpstreamTable, RefusesTwoUpstreamsWithOnePrefix) {
  auto twins = UpstreamTable::create({upstream("quay.io", "https://quay.io"),
                                      upstream("ghcr.io", "https://ghcr.io"),
                                      upstream("quay.io", "https://quay.example.com")});
  ASSERT_FALSE(twins.has_value());
  EXPECT_EQ(twins.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(twins.error().message.find("quay.io"), std::string::npos);

  auto wholes = UpstreamTable::create(
      {upstream("", "https://registry-1.docker.io"), upstream("", "https://mirror.gcr.io")});
  ASSERT_FALSE(wholes.has_value());
  EXPECT_NE(wholes.error().message.find("more than one whole-registry"), std::string::npos);
}

TEST(UpstreamTable, RefusesAnInvalidPrefix) {
  auto created = UpstreamTable::create({upstream("Quay.io", "https://quay.io")});
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kNameInvalid);
}

TEST(UpstreamTable, EmptyTableMirrorsNothing) {
  const UpstreamTable none = table({});
  EXPECT_FALSE(none.match("library/redis").has_value());
}

TEST(UpstreamTable, NamespacedUpstreamStripsItsPrefix) {
  const UpstreamTable upstreams = table({upstream("quay.io", "https://quay.io")});
  auto found = upstreams.match("quay.io/openshift-release-dev/ocp-release");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->upstream->url, "https://quay.io");
  EXPECT_EQ(found->remote_repository, "openshift-release-dev/ocp-release");
  EXPECT_EQ(found->coverage, Coverage::kServed);

  // Outside the namespace: local repositories, the prefix compared segment by segment.
  EXPECT_FALSE(upstreams.match("team/app").has_value());
  EXPECT_FALSE(upstreams.match("quay.iox/app").has_value());
  EXPECT_FALSE(upstreams.match("quay/app").has_value());
  EXPECT_FALSE(upstreams.match("my/quay.io/app").has_value());
}

TEST(UpstreamTable, TheBarePrefixIsInsideTheNamespaceButNotServed) {
  const UpstreamTable upstreams = table({upstream("quay.io", "https://quay.io")});
  auto bare = upstreams.match("quay.io");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->coverage, Coverage::kNotServed);
  EXPECT_EQ(bare->remote_repository, "");
}

TEST(UpstreamTable, WholeRegistryPassesNamesUnchanged) {
  const UpstreamTable upstreams = table({upstream("", "https://registry-1.docker.io")});
  auto official = upstreams.match("library/redis");
  ASSERT_TRUE(official.has_value());
  EXPECT_EQ(official->remote_repository, "library/redis");
  EXPECT_EQ(official->coverage, Coverage::kServed);
  // Not expanded to library/redis: clients expand short names before they ask a mirror.
  EXPECT_EQ(upstreams.match("redis")->remote_repository, "redis");
  EXPECT_EQ(upstreams.match("bitnami/redis")->remote_repository, "bitnami/redis");
}

TEST(UpstreamTable, LongestPrefixWinsThenWholeRegistry) {
  Upstream openshift = upstream("quay.io/openshift", "https://openshift-mirror.example.com");
  const UpstreamTable upstreams =
      table({upstream("", "https://registry-1.docker.io"), upstream("quay.io", "https://quay.io"),
             std::move(openshift), upstream("quay.io/o", "https://o.example.com")});
  EXPECT_EQ(upstreams.upstreams().back().prefix, "");

  auto nested = upstreams.match("quay.io/openshift/ocp-release");
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->upstream->url, "https://openshift-mirror.example.com");
  EXPECT_EQ(nested->remote_repository, "ocp-release");

  auto outer = upstreams.match("quay.io/openshiftx/app");
  ASSERT_TRUE(outer.has_value());
  EXPECT_EQ(outer->upstream->url, "https://quay.io");
  EXPECT_EQ(outer->remote_repository, "openshiftx/app");

  EXPECT_EQ(upstreams.match("quay.io/o/app")->upstream->url, "https://o.example.com");

  auto hub = upstreams.match("library/redis");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ(hub->upstream->url, "https://registry-1.docker.io");
  EXPECT_EQ(hub->remote_repository, "library/redis");
}

TEST(UpstreamTable, IncludeAndExcludeMatchTheUpstreamName) {
  Upstream quay = upstream("quay.io", "https://quay.io");
  quay.include = patterns({"openshift-release-dev/**", "coreos/*"});
  quay.exclude = patterns({"openshift-release-dev/secret-*"});
  const UpstreamTable upstreams = table({std::move(quay)});

  EXPECT_EQ(upstreams.match("quay.io/openshift-release-dev/ocp-release")->coverage,
            Coverage::kServed);
  EXPECT_EQ(upstreams.match("quay.io/coreos/etcd")->coverage, Coverage::kServed);

  // Excluded, or outside every include: inside the namespace, refused, never local.
  auto excluded = upstreams.match("quay.io/openshift-release-dev/secret-keys");
  ASSERT_TRUE(excluded.has_value());
  EXPECT_EQ(excluded->coverage, Coverage::kNotServed);
  EXPECT_EQ(excluded->remote_repository, "openshift-release-dev/secret-keys");
  auto not_included = upstreams.match("quay.io/someone/app");
  ASSERT_TRUE(not_included.has_value());
  EXPECT_EQ(not_included->coverage, Coverage::kNotServed);
  EXPECT_EQ(upstreams.match("quay.io/coreos/etcd/sub")->coverage, Coverage::kNotServed);
}

TEST(UpstreamTable, ExcludeAloneServesTheRest) {
  Upstream hub = upstream("", "https://registry-1.docker.io");
  hub.exclude = patterns({"private/**"});
  const UpstreamTable upstreams = table({std::move(hub)});
  EXPECT_EQ(upstreams.match("library/redis")->coverage, Coverage::kServed);
  EXPECT_EQ(upstreams.match("private/app")->coverage, Coverage::kNotServed);
}

TEST(UpstreamTable, ARefusalDoesNotFallBackToAShorterPrefix) {
  Upstream openshift = upstream("quay.io/openshift", "https://openshift-mirror.example.com");
  openshift.exclude = patterns({"**"});
  const UpstreamTable upstreams =
      table({upstream("quay.io", "https://quay.io"), std::move(openshift)});
  auto refused = upstreams.match("quay.io/openshift/ocp-release");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->upstream->url, "https://openshift-mirror.example.com");
  EXPECT_EQ(refused->coverage, Coverage::kNotServed);
}

TEST(UpstreamTable, HostileRepositoryNamesDoNotConfuseTheMatch) {
  const UpstreamTable upstreams = table({upstream("quay.io", "https://quay.io")});
  EXPECT_FALSE(upstreams.match("").has_value());
  EXPECT_FALSE(upstreams.match("/quay.io/app").has_value());
  EXPECT_FALSE(upstreams.match("quay.i").has_value());
  EXPECT_FALSE(upstreams.match(std::string("quay.io\0/app", 12)).has_value());
  for (std::string_view name : {"quay.io/../app", "quay.io//app", "quay.io/", "quay.io/App",
                                "quay.io/a\nb", "quay.io/app/"}) {
    auto found = upstreams.match(name);
    ASSERT_TRUE(found.has_value()) << name;
    EXPECT_EQ(found->coverage, Coverage::kNotServed) << name;
  }
  EXPECT_EQ(upstreams.match("quay.io/../app")->remote_repository, "../app");
  const std::string huge = "quay.io/" + std::string(100000, 'a');
  EXPECT_EQ(upstreams.match(huge)->coverage, Coverage::kNotServed);
  const std::string longest = "quay.io/" + std::string(255 - 8, 'a');
  EXPECT_EQ(upstreams.match(longest)->coverage, Coverage::kServed);
}

}  // namespace
}  // namespace mirror

namespace mirror {
namespace {

const Upstream& with_prefix(const UpstreamTable& table, std::string_view prefix) {
  return *std::ranges::find(table.upstreams(), prefix, &Upstream::prefix);
}

TEST(UpstreamTable, PrefixesWithinAnUpstreamAreTheNestedOnes) {
  const UpstreamTable both =
      table({upstream("", "https://registry-1.docker.io"), upstream("quay.io", "https://quay.io"),
             upstream("quay.io/special", "https://special.example"),
             upstream("quay.iox", "https://x.example")});
  using Names = std::vector<std::string>;
  auto sorted = [](Names names) {
    std::ranges::sort(names);
    return names;
  };
  EXPECT_EQ(sorted(both.prefixes_within(with_prefix(both, ""))),
            (Names{"quay.io", "quay.io/special", "quay.iox"}));
  EXPECT_EQ(both.prefixes_within(with_prefix(both, "quay.io")), Names{"quay.io/special"});
  EXPECT_EQ(both.prefixes_within(with_prefix(both, "quay.io/special")), Names{});
  EXPECT_EQ(both.prefixes_within(with_prefix(both, "quay.iox")), Names{});
}

TEST(TagRules, ExcludeWinsAndNoIncludeMeansEveryTag) {
  TagRules rules;
  EXPECT_TRUE(rules.allows("latest"));
  rules.include.emplace_back("v[0-9]+");
  EXPECT_TRUE(rules.allows("v12"));
  EXPECT_FALSE(rules.allows("v12-debug"));  // the whole tag must match
  EXPECT_FALSE(rules.allows("latest"));
  rules.exclude.emplace_back("v1");
  EXPECT_FALSE(rules.allows("v1"));
  EXPECT_TRUE(rules.allows("v2"));
}

TEST(Upstream, HostAndScheme) {
  EXPECT_EQ(upstream("", "https://quay.io").host(), "quay.io");
  EXPECT_FALSE(upstream("", "https://quay.io").plain_http());
  EXPECT_EQ(upstream("", "http://127.0.0.1:5000").host(), "127.0.0.1:5000");
  EXPECT_TRUE(upstream("", "http://127.0.0.1:5000").plain_http());
}

}  // namespace
}  // namespace mirror
