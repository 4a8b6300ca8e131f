#include "auth/htpasswd_edit.h"

#include <gtest/gtest.h>

#include <string>

namespace auth {
namespace {

// Made with Python's crypt module: crypt.crypt('correct horse', '$2y$04$abcdefghijklmnopqrstuu')
// and crypt.crypt('x', '$2y$04$abcdefghijklmnopqrstuu').
const std::string kHorse = "$2y$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";
const std::string kX = "$2y$04$abcdefghijklmnopqrstuuPp7HPfoAs8I2dCQCQ/fW7zEJv8I8C8e";

TEST(HtpasswdEdit, AddsToAnEmptyFile) {
  const oci::Result<HtpasswdEdit> edit = set_htpasswd_user("", "alice", kHorse);
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->text, "alice:" + kHorse + "\n");
  EXPECT_EQ(edit->change, HtpasswdChange::kAdded);
}

TEST(HtpasswdEdit, AppendsAfterALastLineWithoutNewline) {
  const std::string text = "# users\nbob:" + kX;
  const oci::Result<HtpasswdEdit> edit = set_htpasswd_user(text, "alice", kHorse);
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->text, text + "\nalice:" + kHorse + "\n");
  EXPECT_EQ(edit->change, HtpasswdChange::kAdded);
}

TEST(HtpasswdEdit, ChangeReplacesTheLineInPlaceAndKeepsEverythingElse) {
  // CRLF on the other lines stays as it was; the rewritten line ends in "\n" alone.
  const std::string text =
      "# team\r\nbob:" + kX + "\r\n\n  # alice below\nalice:" + kX + "\r\ncarol:" + kHorse + "\n";
  const oci::Result<HtpasswdEdit> edit = set_htpasswd_user(text, "alice", kHorse);
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->change, HtpasswdChange::kChanged);
  EXPECT_EQ(edit->text, "# team\r\nbob:" + kX + "\r\n\n  # alice below\nalice:" + kHorse +
                            "\ncarol:" + kHorse + "\n");
}

TEST(HtpasswdEdit, ANameInACommentOrAPrefixIsNotTheUser) {
  const std::string text = "#alice:" + kX + "\nalicia:" + kX + "\n";
  const oci::Result<HtpasswdEdit> edit = set_htpasswd_user(text, "alice", kHorse);
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->change, HtpasswdChange::kAdded);
  EXPECT_EQ(edit->text, text + "alice:" + kHorse + "\n");
}

TEST(HtpasswdEdit, DeleteRemovesOnlyTheUsersLine) {
  const std::string text = "# team\nbob:" + kX + "\r\nalice:" + kHorse + "\r\n# end\ncarol:" + kX;
  const oci::Result<HtpasswdEdit> edit = delete_htpasswd_user(text, "alice");
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->change, HtpasswdChange::kDeleted);
  EXPECT_EQ(edit->text, "# team\nbob:" + kX + "\r\n# end\ncarol:" + kX);
  const oci::Result<HtpasswdEdit> last = delete_htpasswd_user(edit->text, "carol");
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(last->text, "# team\nbob:" + kX + "\r\n# end\n");
}

TEST(HtpasswdEdit, DeletingAMissingUserIsNotFound) {
  const oci::Result<HtpasswdEdit> edit = delete_htpasswd_user("bob:" + kX + "\n", "alice");
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.error().code, oci::ErrorCode::kNotFound);
  EXPECT_NE(edit.error().message.find("alice"), std::string::npos);
}

TEST(HtpasswdEdit, RefusesNamesTheParserWouldRefuse) {
  for (const std::string& user :
       {std::string(), std::string("a:b"), std::string("a b"), std::string("a\tb"),
        std::string("a\nb"), std::string("a\x7f"), std::string("#alice"), std::string("a\0b", 3)}) {
    EXPECT_FALSE(invalid_user_reason(user).empty()) << user;
    const oci::Result<HtpasswdEdit> set = set_htpasswd_user("", user, kHorse);
    ASSERT_FALSE(set) << user;
    EXPECT_EQ(set.error().code, oci::ErrorCode::kUnsupported);
    EXPECT_FALSE(delete_htpasswd_user("", user));
  }
  EXPECT_EQ(invalid_user_reason("alice.smith@example.com"), "");
}

TEST(HtpasswdEdit, RefusesAFileTheParserRefusesNamingTheLine) {
  const std::string text = "alice:" + kHorse + "\n# ok\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n";
  for (const oci::Result<HtpasswdEdit>& edit :
       {set_htpasswd_user(text, "alice", kX), delete_htpasswd_user(text, "alice")}) {
    ASSERT_FALSE(edit);
    EXPECT_EQ(edit.error().code, oci::ErrorCode::kUnsupported);
    EXPECT_TRUE(edit.error().message.starts_with("line 3: ")) << edit.error().message;
  }
}

TEST(HtpasswdEdit, RefusesAHashThatIsNotBcrypt) {
  const oci::Result<HtpasswdEdit> edit = set_htpasswd_user("", "alice", "plain");
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.error().code, oci::ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace auth
