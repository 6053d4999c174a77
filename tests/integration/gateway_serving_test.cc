// What the gateway serves besides the API: /healthz, /readyz, the web UI's files (content types, caching,
// the single-page-app fallback, no path traversal) and CORS.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/gateway_fixture.h"

namespace syncd::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kIndex[] = "<!doctype html><title>syncd</title>";
constexpr char kScript[] = "console.log('syncd');";
constexpr char kSecret[] = "TOP-SECRET-OUTSIDE-THE-WEB-ROOT";

// A plain TCP connection to the gateway, for what the HTTP client hides (many open connections at once).
class RawConnection {
 public:
  explicit RawConnection(const std::string& address) {
    const size_t colon = address.rfind(':');
    int port = 0;
    if (!absl::SimpleAtoi(address.substr(colon + 1), &port)) return;
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{10, 0};  // a gateway that never answers fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& request) {
    return ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
  }
  // One response (headers and a Content-Length body), or "" when the connection ends first.
  std::string ReadResponse() {
    std::string data;
    char buffer[4096];
    while (true) {
      const size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        const size_t at = data.find("Content-Length: ");
        if (at != std::string::npos && at < end) {
          const size_t eol = data.find("\r\n", at);
          if (!absl::SimpleAtoi(data.substr(at + 16, eol - at - 16), &length)) return "";
        }
        if (data.size() >= end + 4 + length) return data.substr(0, end + 4 + length);
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return "";
      data.append(buffer, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

// A script large enough to be compressed (the gateway leaves responses under 1 KiB as they are).
std::string LargeScript() {
  std::string script;
  for (int i = 0; i < 400; ++i) absl::StrAppend(&script, "export const value", i, " = ", i * 7, ";\n");
  return script;
}

class GatewayStaticTest : public GatewayTest {
 protected:
  void ConfigureGateway(GatewayProcessOptions& options) override {
    absl::StatusOr<std::string> dir = MakeTempDir("syncd-gateway-web-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    // The folder holds the UI under dist/ and a secret next to it, which no request may reach.
    std::filesystem::create_directories(dir_ + "/dist/assets");
    std::ofstream(dir_ + "/dist/index.html") << kIndex;
    std::ofstream(dir_ + "/dist/assets/index-3f2a9c.js") << kScript;
    std::ofstream(dir_ + "/dist/favicon.svg") << "<svg/>";
    std::ofstream(dir_ + "/dist/assets/vendor-9b1e0d.js") << LargeScript();
    std::ofstream(dir_ + "/secret.txt") << kSecret;
    std::filesystem::create_symlink(dir_ + "/secret.txt", dir_ + "/dist/link.txt");
    options.extra_args.push_back("--web_root=" + dir_ + "/dist");
  }
  void TearDown() override {
    GatewayTest::TearDown();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
};

TEST_F(GatewayStaticTest, ServesIndexAndAssetsWithTypesAndCaching) {
  ApiResponse index = Send("GET", "/");
  ASSERT_EQ(index.status, 200) << index;
  EXPECT_EQ(index.raw.body, kIndex);
  EXPECT_EQ(index.raw.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.raw.Header("Cache-Control"), "no-cache");

  ApiResponse script = Send("GET", "/assets/index-3f2a9c.js");
  ASSERT_EQ(script.status, 200) << script;
  EXPECT_EQ(script.raw.body, kScript);
  EXPECT_EQ(script.raw.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.raw.Header("Cache-Control"), "public, max-age=31536000, immutable");

  // index.html is revalidated: its ETag answers 304 until the file changes.
  const std::string etag = index.raw.Header("ETag");
  ASSERT_FALSE(etag.empty());
  ApiResponse unchanged = Send("GET", "/", "", {{"If-None-Match", etag}});
  EXPECT_EQ(unchanged.status, 304) << unchanged;
  EXPECT_EQ(unchanged.raw.body, "");
  std::ofstream(dir_ + "/dist/index.html") << kIndex << "<!-- rebuilt -->";
  ApiResponse changed = Send("GET", "/", "", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200) << changed;
  EXPECT_NE(changed.raw.Header("ETag"), etag);

  ApiResponse icon = Send("GET", "/favicon.svg");
  ASSERT_EQ(icon.status, 200) << icon;
  EXPECT_EQ(icon.raw.Header("Content-Type"), "image/svg+xml");
}

TEST_F(GatewayStaticTest, LargeFilesAreGzippedForClientsThatAcceptIt) {
  ApiResponse gzipped = Send("GET", "/assets/vendor-9b1e0d.js", "", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gzipped.status, 200) << gzipped;
  EXPECT_EQ(gzipped.raw.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gzipped.raw.body, LargeScript());  // as the client decompressed it
  EXPECT_EQ(gzipped.raw.Header("Vary"), "Accept-Encoding");

  ApiResponse plain = Send("GET", "/assets/vendor-9b1e0d.js", "", {{"Accept-Encoding", "identity"}});
  EXPECT_EQ(plain.status, 200) << plain;
  EXPECT_EQ(plain.raw.Header("Content-Encoding"), "");
  EXPECT_EQ(plain.raw.body, LargeScript());
}

TEST_F(GatewayStaticTest, UiRoutesFallBackToIndexButMissingFilesAndApiPathsDoNot) {
  ApiResponse route = Send("GET", "/integrations/3f1c/history");
  ASSERT_EQ(route.status, 200) << route;
  EXPECT_EQ(route.raw.body, kIndex);
  EXPECT_EQ(route.raw.Header("Cache-Control"), "no-cache");

  ApiResponse missing = Send("GET", "/assets/missing-1234.js");
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_EQ(missing.json["code"], 5);

  ApiResponse api = Send("GET", "/api/unknown");
  EXPECT_EQ(api.status, 404) << api;
  EXPECT_EQ(api.json["code"], 5);
  EXPECT_EQ(Send("GET", "/api/integrations").json["integrations"], json::array());
}

TEST_F(GatewayStaticTest, RefusesPathTraversal) {
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/assets%2f..%2f..%2fsecret.txt",
                             "/..%5csecret.txt", "/..\\secret.txt", "/.%2e/.%2e/secret.txt", "/link.txt"}) {
    ApiResponse r = Send("GET", target);
    EXPECT_THAT(r.status, ::testing::AnyOf(400, 404)) << target << ": " << r;
    EXPECT_THAT(r.raw.body, Not(HasSubstr(kSecret))) << target;
    EXPECT_EQ(r.raw.Header("Content-Type"), "application/json") << target;
  }
  EXPECT_EQ(Send("GET", "/%2e%2e/secret.txt").status, 400);
}

TEST_F(GatewayStaticTest, HealthAndReadiness) {
  ApiResponse health = Send("GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health;
  ApiResponse ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready;
  EXPECT_EQ(ready.json["status"], "SERVING");
}

class GatewayCorsTest : public GatewayTest {
 protected:
  void ConfigureGateway(GatewayProcessOptions& options) override {
    options.extra_args.push_back("--cors_origins=http://ui.example:5173");
  }
};

TEST_F(GatewayCorsTest, PreflightAndResponsesForAllowedOriginsOnly) {
  ApiResponse preflight = Send("OPTIONS", "/api/integrations", "",
                               {{"Origin", "http://ui.example:5173"},
                                {"Access-Control-Request-Method", "POST"},
                                {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(preflight.status, 204) << preflight;
  EXPECT_EQ(preflight.raw.Header("Access-Control-Allow-Origin"), "http://ui.example:5173");
  EXPECT_THAT(preflight.raw.Header("Access-Control-Allow-Methods"), HasSubstr("PATCH"));
  EXPECT_THAT(preflight.raw.Header("Access-Control-Allow-Headers"), HasSubstr("Content-Type"));

  ApiResponse get = Send("GET", "/api/integrations", "", {{"Origin", "http://ui.example:5173"}});
  EXPECT_EQ(get.status, 200) << get;
  EXPECT_EQ(get.raw.Header("Access-Control-Allow-Origin"), "http://ui.example:5173");

  // Errors found before routing (413 over the body limit) carry the CORS headers too, so that the page sees
  // the status rather than a CORS failure.
  ApiResponse big =
      Send("POST", "/api/integrations", std::string(2 << 20, 'x'), {{"Origin", "http://ui.example:5173"}});
  EXPECT_EQ(big.status, 413) << big.status;
  EXPECT_EQ(big.raw.Header("Access-Control-Allow-Origin"), "http://ui.example:5173");

  ApiResponse other = Send("OPTIONS", "/api/integrations", "",
                           {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(other.status, 403) << other;
  EXPECT_EQ(other.raw.Header("Access-Control-Allow-Origin"), "");
  ApiResponse refused = Send("GET", "/api/integrations", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(refused.raw.Header("Access-Control-Allow-Origin"), "");
  // Responses to refused origins vary by Origin too: a shared cache must not hand one to an allowed origin.
  for (const ApiResponse* r : {&other, &refused, &get}) {
    std::vector<std::string> vary;
    for (auto [it, end] = r->raw.headers.equal_range("vary"); it != end; ++it) vary.push_back(it->second);
    EXPECT_THAT(vary, Contains(HasSubstr("Origin"))) << *r;
  }
}

TEST_F(GatewayTest, CorsIsOffByDefault) {
  ApiResponse get = Send("GET", "/api/integrations", "", {{"Origin", "http://ui.example:5173"}});
  EXPECT_EQ(get.status, 200) << get;
  EXPECT_EQ(get.raw.Header("Access-Control-Allow-Origin"), "");
  ApiResponse preflight =
      Send("OPTIONS", "/api/integrations", "",
           {{"Origin", "http://ui.example:5173"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(preflight.status, 403) << preflight;
}

TEST_F(GatewayTest, WithoutWebRootNoFilesAreServed) {
  ApiResponse r = Send("GET", "/");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.json["code"], 5);
}

// Open connections cost the gateway no thread each: 300 keep-alive connections (more than any thread
// pool it ever had) are all answered while all stay open, and each can be used again.
TEST_F(GatewayTest, ServesManyOpenConnectionsAtOnce) {
  constexpr int kConnections = 300;
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n";
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < kConnections; ++i) {
    connections.push_back(std::make_unique<RawConnection>(gateway().address()));
    ASSERT_TRUE(connections.back()->connected()) << "connection " << i;
    ASSERT_TRUE(connections.back()->Send(request)) << "connection " << i;
  }
  for (int i = 0; i < kConnections; ++i) {
    const std::string response = connections[i]->ReadResponse();
    ASSERT_THAT(response, ::testing::StartsWith("HTTP/1.1 200 ")) << "connection " << i;
    EXPECT_THAT(response, HasSubstr(R"({"status":"SERVING"})")) << "connection " << i;
  }
  // Still open (keep-alive): a second request on every connection is answered on it.
  for (int i = 0; i < kConnections; ++i) ASSERT_TRUE(connections[i]->Send(request)) << "connection " << i;
  for (int i = 0; i < kConnections; ++i) {
    EXPECT_THAT(connections[i]->ReadResponse(), ::testing::StartsWith("HTTP/1.1 200 ")) << "connection " << i;
  }
}

}  // namespace
}  // namespace syncd::testing
