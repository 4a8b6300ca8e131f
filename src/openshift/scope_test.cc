#include "openshift/scope.h"

#include <gtest/gtest.h>

namespace openshift {
namespace {

TEST(Scope, ValidScopes) {
  for (const char* scope : {"quay.io", "quay.io/ns/repo", "host:5000/ns", "*.example.com"}) {
    EXPECT_EQ(scope_problem(scope), "") << scope;
  }
}

TEST(Scope, InvalidScopes) {
  for (const char* scope : {"", "*", "*.", "quay.*", "a.*.com", "*.example.com/ns",
                            "*.example.com:5000", "*.ex@mple.com", "*.*.com"}) {
    EXPECT_NE(scope_problem(scope), "") << scope;
  }
}

TEST(Scope, Nesting) {
  struct Case {
    const char* inner;
    const char* outer;
    bool nested;
  };
  for (const Case& c :
       {Case{"quay.io", "quay.io", true}, Case{"quay.io/ns/repo", "quay.io", true},
        Case{"quay.io/ns/repo", "quay.io/ns", true}, Case{"quay.io/nsx", "quay.io/ns", false},
        Case{"quay.io.evil", "quay.io", false}, Case{"a.example.com/ns", "*.example.com", true},
        Case{"*.a.example.com", "*.example.com", true}, Case{"example.com", "*.example.com", false},
        Case{"quay.io", "quay.io/ns", false},
        // runtime-utils' ScopeIsNestedInsideScope (registries_test.go): a port is not part of
        // the host, and a ':' after a '/' is not a port.
        Case{"a.example.com:5000/ns", "*.example.com", true},
        Case{"quay/bar.example.com:400", "*.example.com", false},
        Case{"quay.io/bar.example.com", "*.example.com", false}}) {
    EXPECT_EQ(scope_is_nested(c.inner, c.outer), c.nested) << c.inner << " in " << c.outer;
  }
}

}  // namespace
}  // namespace openshift
