#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace server {
namespace {

class ConfigFile : public testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("regmirror-config-" + std::to_string(::getpid()) + "-" +
             testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml");
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(ConfigFile, EmptyFileKeepsDefaults) {
  auto config = load_server_config(write(""));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->listen, ":5000");
  EXPECT_EQ(config->storage_root, "./regmirror-data");
  EXPECT_EQ(config->registry.max_manifest_bytes, 4u * 1024 * 1024);
  EXPECT_TRUE(config->registry.delete_enabled);
  EXPECT_TRUE(config->ui_enabled);
}

TEST_F(ConfigFile, ReadsEveryKind) {
  auto config = load_server_config(write(R"(
listen: 127.0.0.1:6000
storage:
  root: /srv/regmirror
log: {level: warn, access: false}
http:
  threads: 3
  idle_timeout: 2m
  max_connections: 10
limits:
  max_manifest_bytes: 1024
uploads:
  expire_after: 2d
read_only: true
delete:
  enabled: false
ui:
  enabled: false
cache:
  metadata_staleness: 250ms
  metadata_bytes: 1048576
)"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->listen, "127.0.0.1:6000");
  EXPECT_EQ(config->storage_root, "/srv/regmirror");
  EXPECT_EQ(config->log_level, "warn");
  EXPECT_FALSE(config->access_log);
  EXPECT_EQ(config->http.threads, 3u);
  EXPECT_EQ(config->http.idle_timeout, std::chrono::seconds(120));
  EXPECT_EQ(config->http.max_connections, 10u);
  EXPECT_EQ(config->registry.max_manifest_bytes, 1024u);
  EXPECT_EQ(config->registry.upload_expiry, std::chrono::hours(48));
  EXPECT_TRUE(config->registry.read_only);
  EXPECT_FALSE(config->registry.delete_enabled);
  EXPECT_FALSE(config->ui_enabled);
  EXPECT_EQ(config->metadata_cache.max_staleness, std::chrono::milliseconds(250));
  EXPECT_EQ(config->metadata_cache.max_bytes, 1048576u);
}

TEST_F(ConfigFile, FetchLeaseLastsAtLeastASecond) {
  for (const char* lease : {"0s", "500ms"}) {
    auto config = load_server_config(write(std::string("mirror:\n  fetch_lease: ") + lease + "\n"));
    ASSERT_FALSE(config) << lease;
    EXPECT_NE(config.error().message.find("mirror.fetch_lease must be at least 1s"),
              std::string::npos)
        << config.error().message;
  }
  auto config = load_server_config(write("mirror:\n  fetch_lease: 1s\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->mirror.fetch_lease, std::chrono::seconds(1));
}

TEST_F(ConfigFile, SecondsKeysTakeWholeSeconds) {
  auto config = load_server_config(write("http:\n  idle_timeout: 1500ms\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("http.idle_timeout takes whole seconds"), std::string::npos)
      << config.error().message;
  config = load_server_config(write("http:\n  idle_timeout: 2000ms\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->http.idle_timeout, std::chrono::seconds(2));
}

TEST_F(ConfigFile, RejectsUnknownKeysByName) {
  auto config = load_server_config(write("http:\n  thread: 3\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("unknown key http.thread"), std::string::npos);
}

TEST_F(ConfigFile, RejectsWrongTypes) {
  auto config = load_server_config(write("http:\n  threads: many\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("http.threads"), std::string::npos);
}

TEST_F(ConfigFile, ReadsLimits) {
  auto defaults = load_server_config(write(""));
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->limits.rate.requests_per_second, 0);  // off
  EXPECT_EQ(defaults->limits.uploads.per_client, 16u);
  auto config = load_server_config(write(R"(
limits:
  rate: {requests_per_second: 0.5, burst: 20}
  uploads: {per_client: 0, total: 1000000}
)"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->limits.rate.requests_per_second, 0.5);
  EXPECT_EQ(config->limits.rate.burst, 20);
  EXPECT_EQ(config->limits.uploads.per_client, 0u);
  EXPECT_EQ(config->limits.uploads.total, 1000000u);
}

TEST_F(ConfigFile, RejectsHostileLimitsNamingTheKey) {
  const std::string keys[][2] = {{"rate", "requests_per_second"},
                                 {"rate", "burst"},
                                 {"uploads", "per_client"},
                                 {"uploads", "total"}};
  for (const auto& [section, key] : keys) {
    for (const char* bad : {"-1", "1000001", "1e30", "99999999999999999999999", "many", ".nan",
                            ".inf", "[1]", "{a: 1}", "''", "0x10"}) {
      auto config =
          load_server_config(write("limits:\n  " + section + ":\n    " + key + ": " + bad + "\n"));
      ASSERT_FALSE(config) << section << "." << key << ": " << bad;
      EXPECT_NE(config.error().message.find("limits." + section + "." + key + " must be a"),
                std::string::npos)
          << config.error().message;
    }
  }
  EXPECT_FALSE(load_server_config(write("limits:\n  rate:\n    burst: 0\n")));
  EXPECT_FALSE(load_server_config(write("limits:\n  uploads:\n    total: 1.5\n")));
}

TEST_F(ConfigFile, RejectsScalarWhereSectionExpected) {
  EXPECT_FALSE(load_server_config(write("storage: /x\n")));
  EXPECT_FALSE(load_server_config(write("- a\n- b\n")));
}

TEST_F(ConfigFile, ReportsSyntaxErrorsWithLine) {
  auto config = load_server_config(write("listen: [\n"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(":2:"), std::string::npos) << config.error().message;
}

TEST_F(ConfigFile, ReadsTls) {
  auto config = load_server_config(write(R"(
tls:
  cert: /etc/regmirror/server.crt
  key: /etc/regmirror/server.key
  client_ca: /etc/regmirror/clients.crt
  client_auth: optional
  handshake_timeout: 1500ms
  reload_interval: 0s
)"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->tls.enabled());
  EXPECT_EQ(config->tls.cert, "/etc/regmirror/server.crt");
  EXPECT_EQ(config->tls.key, "/etc/regmirror/server.key");
  EXPECT_EQ(config->tls.client_ca, "/etc/regmirror/clients.crt");
  EXPECT_EQ(config->tls.effective_client_auth(), ClientAuth::kOptional);
  EXPECT_EQ(config->tls.handshake_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(config->tls.reload_interval, std::chrono::milliseconds(0));
  EXPECT_TRUE(check_tls_config(config->tls));

  auto bad = load_server_config(write("tls:\n  client_auth: maybe\n"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("tls.client_auth must be none, optional or require"),
            std::string::npos)
      << bad.error().message;
}

TEST(TlsConfig, ClientAuthDefaultsToRequireWithAClientCa) {
  TlsConfig tls;
  EXPECT_FALSE(tls.enabled());
  EXPECT_EQ(tls.effective_client_auth(), ClientAuth::kNone);
  tls.client_ca = "/clients.crt";
  EXPECT_EQ(tls.effective_client_auth(), ClientAuth::kRequire);
  tls.client_auth = ClientAuth::kNone;
  EXPECT_EQ(tls.effective_client_auth(), ClientAuth::kNone);
}

TEST(TlsConfig, SettingsThatCannotWorkTogether) {
  const auto message = [](const TlsConfig& tls) {
    auto checked = check_tls_config(tls);
    return checked ? std::string() : checked.error().message;
  };
  EXPECT_EQ(message(TlsConfig{}), "");
  EXPECT_NE(message(TlsConfig{.cert = "/s.crt"}).find("needs its key"), std::string::npos);
  EXPECT_NE(message(TlsConfig{.key = "/s.key"}).find("needs its certificate"), std::string::npos);
  EXPECT_NE(message(TlsConfig{.client_ca = "/c.crt"}).find("client certificates need TLS"),
            std::string::npos);
  EXPECT_NE(
      message(TlsConfig{.cert = "/s.crt", .key = "/s.key", .client_auth = ClientAuth::kRequire})
          .find("tls.client_auth require needs"),
      std::string::npos);
  EXPECT_EQ(message(TlsConfig{.cert = "/s.crt", .key = "/s.key", .client_ca = "/c.crt"}), "");
}

TEST(ConfigLoad, MissingFile) { EXPECT_FALSE(load_server_config("/nonexistent/regmirror.yaml")); }

TEST(Duration, Units) {
  EXPECT_EQ(*parse_duration("90"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("15m"), std::chrono::seconds(900));
  EXPECT_EQ(*parse_duration("24h"), std::chrono::seconds(86400));
  EXPECT_EQ(*parse_duration("2d"), std::chrono::seconds(172800));
  EXPECT_EQ(*parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parse_duration("0ms"), std::chrono::milliseconds(0));
  for (const char* bad : {"", "s", "ms", "-1s", "1x", "1.5h", "99999999999999999999d", "1 h"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(ListenAddress, Forms) {
  auto all = parse_listen_address(":5000");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->host, "");
  EXPECT_EQ(all->port, 5000);
  auto v4 = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  auto v6 = parse_listen_address("[::1]:5001");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5001);
  for (const char* bad : {"5000", "host:", "host:65536", "host:x", ":-1"}) {
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  }
}

TEST_F(ConfigFile, ReadsTheAuthSection) {
  auto config = load_server_config(write(R"(
auth:
  mode: basic
  htpasswd: /etc/regmirror/htpasswd
  anonymous_pull: true
  groups:
    builders: [ci, jenkins]
    nodes: robot
  access:
    - repositories: team-a/**
      actions: [pull, push]
      subjects: [group:builders, alice]
    - repositories: "**"
      actions: pull
      subjects: authenticated
  token:
    realm: https://mirror.example.com:8443/token
    service: mirror.example.com
    key: /etc/regmirror/token.pem
    expiry: 10m
    trusted_keys: [/etc/sso/jwks.json, /etc/sso/old.pem]
    trusted_issuer: sso
)"));
  ASSERT_TRUE(config) << config.error().message;
  const AuthConfig& auth = config->auth;
  EXPECT_TRUE(auth.enabled());
  EXPECT_EQ(auth.mode, AuthMode::kBasic);
  EXPECT_EQ(auth.htpasswd, "/etc/regmirror/htpasswd");
  EXPECT_TRUE(auth.anonymous_pull);
  EXPECT_EQ(auth.groups.at("builders"), (std::vector<std::string>{"ci", "jenkins"}));
  EXPECT_EQ(auth.groups.at("nodes"), (std::vector<std::string>{"robot"}));
  ASSERT_EQ(auth.access.size(), 2u);
  EXPECT_EQ(auth.access[0].repositories, "team-a/**");
  EXPECT_EQ(auth.access[0].actions, (std::vector<std::string>{"pull", "push"}));
  EXPECT_EQ(auth.access[0].subjects, (std::vector<std::string>{"group:builders", "alice"}));
  EXPECT_EQ(auth.access[1].subjects, (std::vector<std::string>{"authenticated"}));
  EXPECT_EQ(auth.token.realm, "https://mirror.example.com:8443/token");
  EXPECT_EQ(auth.token.service, "mirror.example.com");
  EXPECT_EQ(auth.token.expiry, std::chrono::minutes(10));
  EXPECT_EQ(auth.token.trusted_keys.size(), 2u);
  EXPECT_EQ(auth.token.trusted_issuer, "sso");
  EXPECT_TRUE(effective_rules(auth));
}

TEST_F(ConfigFile, AuthIsOffWithoutUsersRulesOrKeys) {
  auto config = load_server_config(write("auth:\n  anonymous_pull: false\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->auth.enabled());
}

TEST_F(ConfigFile, RefusesMalformedAuth) {
  for (const char* text : {
           "auth:\n  mode: kerberos\n",
           "auth:\n  groups: [a, b]\n",
           "auth:\n  groups:\n    g: {a: b}\n",
           "auth:\n  access: {repositories: x}\n",
           "auth:\n  access:\n    - repositories: x\n      actions: pull\n",
           "auth:\n  access:\n    - repositories: x\n      actions: pull\n      subjects: a\n"
           "      deny: true\n",
           "auth:\n  access:\n    - [x, pull, a]\n",
           "auth:\n  access:\n    - repositories: [x]\n      actions: pull\n      subjects: a\n",
           "auth:\n  token:\n    expiry: soon\n",
           "auth:\n  token:\n    trusted_keys: {a: b}\n",
           "auth:\n  htpasswd: [a]\n",
           "auth:\n  tokens: {}\n",
           "{[a]: b}\n",
       }) {
    auto config = load_server_config(write(text));
    EXPECT_FALSE(config) << text;
  }
}

TEST_F(ConfigFile, ReadsTheMirrorSection) {
  auto config = load_server_config(write(R"(
mirror:
  registries_conf: /etc/containers/registries.conf
  blob_workers: 8
  upstreams:
    - prefix: quay.io
      url: https://Quay.io/
      tag_ttl: 2m
      include: ["openshift-release-dev/**"]
      exclude: openshift-release-dev/private
      tags: {include: ["4\\.1[0-9]\\..*"], exclude: [".*-rc.*"]}
      allow_push: true
      credentials: {username: robot, password: s3cret}
      tls: {ca: /etc/regmirror/quay-ca.crt, certs_dir: /etc/containers/certs.d, insecure: false}
    - url: http://127.0.0.1:5001
      auth_file: /run/secrets/auth.json
)"));
  ASSERT_TRUE(config) << config.error().message;
  const MirrorConfig& mirror = config->mirror;
  EXPECT_TRUE(mirror.enabled());
  EXPECT_EQ(mirror.registries_conf, "/etc/containers/registries.conf");
  EXPECT_EQ(mirror.blob_workers, 8u);
  ASSERT_EQ(mirror.upstreams.size(), 2u);
  const mirror::Upstream& quay = mirror.upstreams[0];
  EXPECT_EQ(quay.prefix, "quay.io");
  EXPECT_EQ(quay.url, "https://quay.io");
  EXPECT_EQ(quay.tag_ttl, std::chrono::minutes(2));
  EXPECT_EQ(quay.include.size(), 1u);
  EXPECT_EQ(quay.exclude.size(), 1u);
  EXPECT_TRUE(quay.tags.allows("4.14.3"));
  EXPECT_FALSE(quay.tags.allows("4.15.0-rc.1"));
  EXPECT_FALSE(quay.tags.allows("latest"));
  EXPECT_TRUE(quay.allow_push);
  EXPECT_EQ(quay.access.username, "robot");
  EXPECT_EQ(quay.access.password, "s3cret");
  EXPECT_EQ(quay.access.ca_files,
            (std::vector<std::filesystem::path>{"/etc/regmirror/quay-ca.crt"}));
  EXPECT_EQ(quay.access.certs_dir, "/etc/containers/certs.d");
  const mirror::Upstream& whole = mirror.upstreams[1];
  EXPECT_EQ(whole.prefix, "");
  EXPECT_TRUE(whole.plain_http());
  EXPECT_EQ(whole.host(), "127.0.0.1:5001");
  EXPECT_EQ(whole.access.auth_file, "/run/secrets/auth.json");
  EXPECT_EQ(whole.tag_ttl, mirror::kDefaultTagTtl);
  EXPECT_TRUE(whole.tags.allows("anything"));
}

TEST_F(ConfigFile, RefusesMalformedMirrorUpstreams) {
  for (const char* text : {
           "mirror:\n  upstreams: {url: http://a}\n",
           "mirror:\n  upstreams:\n    - prefix: quay.io\n",
           "mirror:\n  upstreams:\n    - url: ftp://a\n",
           "mirror:\n  upstreams:\n    - url: http://a/path\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      prefix: Bad_Prefix\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      tag_ttl: soon\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      include: [\"a/***/b\"]\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      tags: {include: [\"(\"]}\n",
           // a back-reference's long number was undefined behaviour in libstdc++ (found by fuzzing)
           "mirror:\n  upstreams:\n    - url: http://a\n      tags: {include: "
           "['0\\4444444444444444444444']}\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      tags: {exclude: "
           "['a{99999999999}']}\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      tags: {only: [a]}\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      allow_push: yes-please\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      credentials: {user: a}\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      tls: {verify: false}\n",
           "mirror:\n  upstreams:\n    - url: http://a\n      proxy: true\n",
           "mirror:\n  upstreams:\n    - [http://a]\n",
           "mirror:\n  blob_workers: 0\n",
           "mirror:\n  mirrors: []\n",
       }) {
    auto config = load_server_config(write(text));
    EXPECT_FALSE(config) << text;
  }
}

TEST(EffectiveRules, DefaultsAndShortcuts) {
  AuthConfig auth;
  auth.htpasswd = "users";
  auto rules = effective_rules(auth);
  ASSERT_TRUE(rules);
  EXPECT_TRUE(rules->may({"alice"}, auth::Action::kDelete, "any/thing"));
  EXPECT_FALSE(rules->may({}, auth::Action::kPull, "any/thing"));
  auth.anonymous_pull = true;
  rules = effective_rules(auth);
  ASSERT_TRUE(rules);
  EXPECT_TRUE(rules->may({}, auth::Action::kPull, "any/thing"));
  EXPECT_FALSE(rules->may({}, auth::Action::kPush, "any/thing"));
  auth.access = {{"team/**", {"pull"}, {"group:missing"}}};
  EXPECT_FALSE(effective_rules(auth));
}

}  // namespace
}  // namespace server

namespace server {
namespace {

TEST(SyncSetsConfig, ReadsEachSetWithItsScheduleNameAndPrefix) {
  auto config = parse_server_config(R"(
mirror:
  sync:
    - config: /etc/regmirror/ocp.yaml
      interval: 6h
    - name: nightly
      config: sets/tools.yaml
      schedule: "30 2 * * *"
      prefix: mirror/tools
)",
                                    "config.yaml");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->sync_sets.size(), 2u);
  const auto& ocp = config->sync_sets[0];
  EXPECT_EQ(ocp.name, "ocp");  // the file's stem
  EXPECT_EQ(ocp.config, "/etc/regmirror/ocp.yaml");
  EXPECT_TRUE(ocp.schedule.is_interval());
  EXPECT_EQ(ocp.schedule.describe(), "6h");
  EXPECT_EQ(ocp.prefix, "");
  const auto& nightly = config->sync_sets[1];
  EXPECT_EQ(nightly.name, "nightly");
  EXPECT_FALSE(nightly.schedule.is_interval());
  EXPECT_EQ(nightly.schedule.describe(), "30 2 * * *");
  EXPECT_EQ(nightly.prefix, "mirror/tools");
  EXPECT_TRUE(parse_server_config("mirror: {sync: []}", "c.yaml")->sync_sets.empty());
  EXPECT_TRUE(parse_server_config("", "c.yaml")->sync_sets.empty());
}

TEST(SyncSetsConfig, RefusesMalformedSetsNamingTheKey) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"mirror: {sync: {config: a.yaml}}", "mirror.sync: must be a list"},
           {"mirror: {sync: [a.yaml]}", "mirror.sync[0]: must be a mapping"},
           {"mirror: {sync: [{interval: 1h}]}", "mirror.sync[0]: needs config"},
           {"mirror: {sync: [{config: a.yaml}]}", "mirror.sync[0]: needs interval or schedule"},
           {"mirror: {sync: [{config: a.yaml, interval: 1h, schedule: '* * * * *'}]}",
            "give either interval or schedule, not both"},
           {"mirror: {sync: [{config: a.yaml, interval: soon}]}",
            "mirror.sync[0].interval: invalid duration"},
           {"mirror: {sync: [{config: a.yaml, interval: 500ms}]}", "must be at least 1s"},
           {"mirror: {sync: [{config: a.yaml, schedule: '61 * * * *'}]}",
            "mirror.sync[0].schedule: schedule \"61 * * * *\": minute field"},
           {"mirror: {sync: [{config: a.yaml, interval: 1h, every: 2h}]}", "unknown key every"},
           {"mirror: {sync: [{config: a.yaml, interval: 1h, prefix: 'No Path'}]}",
            "mirror.sync[0].prefix: \"No Path\" is not a repository path"},
           {"mirror: {sync: [{config: [a.yaml], interval: 1h}]}",
            "mirror.sync[0].config: must be a non-empty string"},
           {"mirror: {sync: [{config: a.yaml, interval: 1h}, {config: b/a.yaml, interval: 2h}]}",
            "mirror.sync[1]: a second set named \"a\""},
           {"mirror: {other: 1}", "unknown key mirror.other"},
       }) {
    auto config = parse_server_config(c.yaml, "c.yaml");
    ASSERT_FALSE(config) << c.yaml;
    EXPECT_NE(config.error().message.find(c.message), std::string::npos)
        << c.yaml << ": " << config.error().message;
  }
}

}  // namespace
}  // namespace server
