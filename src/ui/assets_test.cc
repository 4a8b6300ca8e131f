#include "ui/assets.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <fstream>
#include <iterator>
#include <string>

namespace ui {
namespace {

std::string read_source(const std::string& name) {
  std::ifstream in(std::string(REGMIRROR_SOURCE_DIR) + "/src/ui/assets/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(UiAssets, EmbedsEveryFileByteExact) {
  for (const char* name : {"index.html", "app.js", "api.js", "ui.css", "favicon.svg"}) {
    const Asset* asset = find_asset(name);
    ASSERT_NE(asset, nullptr) << name;
    EXPECT_EQ(asset->name, name);
    EXPECT_EQ(asset->body, read_source(name)) << name;
  }
}

TEST(UiAssets, ContentTypesByExtension) {
  EXPECT_EQ(find_asset("index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(find_asset("app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_asset("ui.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(find_asset("favicon.svg")->content_type, "image/svg+xml; charset=utf-8");
}

TEST(UiAssets, EtagIsTheQuotedSha256OfTheBytes) {
  const Asset* asset = find_asset("index.html");
  ASSERT_NE(asset, nullptr);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(asset->body.data()), asset->body.size(), digest);
  std::string hex = "\"";
  for (unsigned char byte : digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xf];
  }
  hex += '"';
  EXPECT_EQ(asset->etag, hex);
}

TEST(UiAssets, UnknownNamesAreNotFound) {
  for (const char* name : {"", "missing.js", "../index.html", "INDEX.HTML", "index.html/"}) {
    EXPECT_EQ(find_asset(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace ui
