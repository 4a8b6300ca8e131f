#include "client/url.h"

#include <gtest/gtest.h>

namespace client {
namespace {

TEST(ResolveUrl, LocationForms) {
  const std::string base = "https://reg.example:5000/v2/ns/app/blobs/uploads/";
  struct Case {
    const char* location;
    const char* expected;
  } cases[] = {
      {"https://storage.example/upload?x=1", "https://storage.example/upload?x=1"},
      {"/v2/ns/app/blobs/uploads/abc?_state=s",
       "https://reg.example:5000/v2/ns/app/blobs/uploads/abc?_state=s"},
      {"//other.example/u", "https://other.example/u"},
      {"abc", "https://reg.example:5000/v2/ns/app/blobs/uploads/abc"},
      {"../x", "https://reg.example:5000/v2/ns/app/blobs/x"},
      {"./y?q", "https://reg.example:5000/v2/ns/app/blobs/uploads/y?q"},
      {"?q=2", "https://reg.example:5000/v2/ns/app/blobs/uploads/?q=2"},
      {"/a/../../b", "https://reg.example:5000/b"},
      {"http://plain.example:80/u", "http://plain.example:80/u"},
  };
  for (const auto& c : cases) EXPECT_EQ(resolve_url(base, c.location), c.expected) << c.location;
}

TEST(ResolveUrl, BaseWithQueryAndNoPath) {
  EXPECT_EQ(resolve_url("http://h:1/v2/a/blobs/uploads/u1?_state=x", "u2"),
            "http://h:1/v2/a/blobs/uploads/u2");
  EXPECT_EQ(resolve_url("http://h", "v2/"), "http://h/v2/");
}

TEST(UrlOrigin, ComparesSchemeHostAndPort) {
  EXPECT_EQ(url_origin("HTTPS://Reg.Example:5000/v2/?a"), "https://reg.example:5000");
  EXPECT_NE(url_origin("https://reg.example/v2/"), url_origin("https://reg.example:444/v2/"));
  EXPECT_NE(url_origin("https://reg.example/v2/"), url_origin("http://reg.example/v2/"));
  EXPECT_EQ(url_origin("/relative"), "");
}

TEST(AddQuery, AppendsWithTheRightSeparator) {
  EXPECT_EQ(add_query("http://h/u", "digest", "sha256:ab"), "http://h/u?digest=sha256%3Aab");
  EXPECT_EQ(add_query("http://h/u?_state=s", "digest", "x"), "http://h/u?_state=s&digest=x");
  EXPECT_EQ(add_query("http://h/u?", "n", "2"), "http://h/u?n=2");
  EXPECT_EQ(add_query("http://h/u?a=1&", "n", "2"), "http://h/u?a=1&n=2");
}

TEST(QueryParam, DecodesValues) {
  const std::string url = "/v2/x/tags/list?n=2&last=v1%2B2&empty=&flag";
  EXPECT_EQ(query_param(url, "last"), "v1+2");
  EXPECT_EQ(query_param(url, "n"), "2");
  EXPECT_EQ(query_param(url, "empty"), "");
  EXPECT_EQ(query_param(url, "flag"), "");
  EXPECT_EQ(query_param(url, "missing"), std::nullopt);
  EXPECT_EQ(query_param("/v2/x/tags/list", "last"), std::nullopt);
}

}  // namespace
}  // namespace client
