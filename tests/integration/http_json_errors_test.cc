// Every error code of an HTTP_JSON sync produced for real — a closed port, a host that does not resolve,
// a slow endpoint, TLS to a plain-HTTP port and to a self-signed certificate, 401, 403, 404, 429 (with a
// usable, an unusable and no Retry-After), 500, a body
// that is not JSON, a missing records path, records without ids, a stored config the worker cannot use — each
// with the message and suggestion an admin reads in GetSyncHistory, and the schedule's answer: permanent
// errors pause at once, the others retry, and a 429 retries when the source said. Credentials a source quotes
// back (as sent, base64 for basic auth, JSON-escaped, past the cut of a long body) are masked everywhere.
#include <string>

#include "absl/strings/str_replace.h"
#include "tests/integration/http_json_fixture.h"

namespace syncd::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

struct ErrorCase {
  std::string name;
  json config;
  std::string code;
  std::vector<std::string> message_has;
  std::vector<std::string> suggestion_has;
};

class HttpJsonErrorsTest : public HttpJsonTest {
 protected:
  json Config(const std::string& url) {
    return {{"url", url}, {"recordsPath", "/items"}, {"idField", "/id"}};
  }

  // Turns the paused integration's schedule on and waits for its first run to fail; its runs, newest first.
  std::vector<v1::SyncRun> ResumeAndAwaitFailure(const std::string& id) {
    v1::UpdateSyncSettingsRequest resume;
    resume.set_id(id);
    resume.set_sync_enabled(true);
    v1::Integration resumed;
    EXPECT_THAT(UpdateSettings(resume, &resumed), IsOk());
    std::vector<v1::SyncRun> runs;
    EXPECT_TRUE(Eventually(kWait, [&] {
      runs = RunsOf(id);
      return !runs.empty() && runs[0].status() == v1::SyncRun::FAILED;
    })) << Describe(runs);
    return runs;
  }
};

TEST_F(HttpJsonErrorsTest, EachErrorCodeWithItsMessageAndSuggestion) {
  absl::StatusOr<int> closed_port = PickFreePort();
  ASSERT_TRUE(closed_port.ok());
  const std::string host = "127.0.0.1";
  server().Respond("/slow", {.body = R"({"items": []})", .delay = absl::Seconds(4)});
  server().Respond("/private", {.status = 401, .body = R"({"error": "token expired"})"});
  server().Respond("/forbidden", {.status = 403, .body = R"({"error": "scope items:read required"})"});
  server().Respond("/broken", {.status = 500, .body = "Internal Server Error: database is down"});
  server().Respond("/html", {.body = "<html><body>Please log in</body></html>", .content_type = "text/html"});
  server().Respond("/elsewhere", {.body = R"({"results": [{"id": 1}], "next": null})"});
  server().Respond("/anonymous", {.body = R"({"items": [{"id": 1}, {"name": "no id"}]})"});
  server().Respond("/limited", {.status = 429, .body = R"({"error": "quota"})"});
  server().Respond("/limited-oddly",
                   {.status = 429, .body = R"({"error": "quota"})", .headers = {{"Retry-After", "-5"}}});
  absl::StatusOr<std::unique_ptr<HttpTestServer>> self_signed = HttpTestServer::StartSelfSignedTls();
  ASSERT_TRUE(self_signed.ok()) << self_signed.status();
  (*self_signed)->Respond("/items", {.body = R"({"items": []})"});
  json wrong_path = Config(server().Url("/elsewhere"));
  wrong_path["recordsPath"] = "/data/items";
  json slow = Config(server().Url("/slow"));
  slow["timeoutSeconds"] = 1;

  const std::vector<ErrorCase> cases = {
      {"closed port",
       Config(absl::StrCat("http://127.0.0.1:", *closed_port, "/items")),
       "CONNECTION_REFUSED",
       {"Could not connect to 127.0.0.1"},
       {"Check the port in the integration's url"}},
      {"unresolvable host",
       Config("http://syncd-test-no-such-host.invalid/items"),
       "DNS",
       {"The host name syncd-test-no-such-host.invalid could not be resolved"},
       {"Check the host name in the integration's url"}},
      {"slow endpoint",
       slow,
       "TIMEOUT",
       {host + " did not answer within 1 s (timeoutSeconds)"},
       {"raise timeoutSeconds"}},
      {"https to a plain HTTP port",
       Config(absl::StrCat("https://127.0.0.1:", server().port(), "/items")),
       "TLS",
       {"The secure (TLS) connection to 127.0.0.1 failed"},
       {"valid certificate", "use an http:// url"}},
      {"self-signed certificate",
       Config((*self_signed)->Url("/items")),
       "TLS",
       {"The secure (TLS) connection to 127.0.0.1 failed", "self-signed certificate"},
       {"not self-signed"}},
      {"401",
       Config(server().Url("/private")),
       "AUTH_FAILED",
       {host + " rejected the request to /private (HTTP 401", "token expired"},
       {"The API rejected the credentials (HTTP 401). Create a new token or key in 127.0.0.1 and update this "
        "integration's auth settings"}},
      {"403",
       Config(server().Url("/forbidden")),
       "AUTH_FAILED",
       {"HTTP 403", "scope items:read required"},
       {"lack permission"}},
      {"404",
       Config(server().Url("/missing")),
       "NOT_FOUND",
       {host + " has no resource at /missing (HTTP 404)"},
       {"Check the path in the integration's url"}},
      {"500",
       Config(server().Url("/broken")),
       "SERVER_ERROR",
       {host + " failed with HTTP 500 on /broken", "database is down"},
       {"the sync is retried"}},
      {"not JSON",
       Config(server().Url("/html")),
       "BAD_RESPONSE",
       {"is not valid JSON: error at byte offset 0", "text/html"},
       {"not at a web page or login page"}},
      {"missing records path",
       wrong_path,
       "BAD_RESPONSE",
       {"nothing at recordsPath \"/data/items\"", "top-level keys are: \"next\", \"results\""},
       {"Set recordsPath"}},
      {"record without id",
       Config(server().Url("/anonymous")),
       "BAD_RESPONSE",
       {"Record 2 at recordsPath \"/items\" on page 1 has no usable id at idField \"/id\""},
       {"Set idField"}},
      {"429 without Retry-After",
       Config(server().Url("/limited")),
       "RATE_LIMITED",
       {host + " is limiting requests (HTTP 429 on /limited). It sent no Retry-After header, so the next "
               "attempt follows the normal retry backoff."},
       {"retried with the normal backoff", "lower maxRequestsPerMinute"}},
      {"429 with a Retry-After that cannot be used",
       Config(server().Url("/limited-oddly")),
       "RATE_LIMITED",
       {"Its Retry-After header \"-5\" could not be used (neither a number of seconds nor an HTTP date), so "
        "the next attempt follows the normal retry backoff."},
       {"retried with the normal backoff"}},
  };

  // All at once (the worker runs 16 syncs in parallel); each is due as soon as it is created.
  std::vector<std::string> ids;
  for (const ErrorCase& c : cases) ids.push_back(MustCreate(HttpJson(c.name, c.config, 3600)).id());
  for (size_t i = 0; i < cases.size(); ++i) {
    const ErrorCase& c = cases[i];
    std::vector<v1::SyncRun> runs;
    ASSERT_TRUE(Eventually(kWait,
                           [&] {
                             runs = RunsOf(ids[i]);
                             return !runs.empty() && runs[0].status() != v1::SyncRun::PENDING &&
                                    runs[0].status() != v1::SyncRun::RUNNING;
                           }))
        << c.name << ":" << Describe(runs);
    const v1::SyncRun& run = runs[0];
    EXPECT_EQ(run.status(), v1::SyncRun::FAILED) << c.name;
    EXPECT_EQ(run.error_code(), c.code) << c.name << ": " << run.error_message();
    for (const std::string& part : c.message_has) EXPECT_THAT(run.error_message(), HasSubstr(part)) << c.name;
    for (const std::string& part : c.suggestion_has) EXPECT_THAT(run.suggestion(), HasSubstr(part)) << c.name;
  }

  // What the schedule made of them: credentials and URLs need a person (paused at once, with the fix in
  // the reason); everything else retries.
  for (size_t i = 0; i < cases.size(); ++i) {
    const ErrorCase& c = cases[i];
    if (c.code == "AUTH_FAILED" || c.code == "NOT_FOUND") {
      v1::Integration paused = MustGet(ids[i]);
      EXPECT_FALSE(paused.sync_enabled()) << c.name;
      EXPECT_THAT(paused.paused_reason(), HasSubstr("retrying cannot fix")) << c.name;
      EXPECT_THAT(paused.paused_reason(), HasSubstr(c.suggestion_has[0])) << c.name;
    } else {
      std::vector<v1::SyncRun> runs;
      EXPECT_TRUE(Eventually(kWait,
                             [&] {
                               runs = RunsOf(ids[i]);
                               return runs.size() >= 2;
                             }))
          << c.name << " was not retried:" << Describe(runs);
      if (runs.size() >= 2) {
        EXPECT_EQ(runs[1].trigger(), v1::SyncRun::RETRY) << c.name;
      }
    }
  }
}

TEST_F(HttpJsonErrorsTest, ErrorBodyThatIsNotUtf8StillEndsTheRun) {
  // Latin-1 text (0xFC is "ü" there, and never valid in UTF-8): the message quotes it readably instead of
  // breaking the worker's stream, which used to leave the run RUNNING for ever.
  const std::string latin1_ue = "\xFC";
  const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  server().Respond("/latin1", {.status = 500, .body = "Fehler: Datenbank " + latin1_ue + "berlastet"});
  v1::Integration integration = MustCreate(HttpJson("Latin-1", Config(server().Url("/latin1")), 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(Eventually(kWait, [&] {
    runs = RunsOf(integration.id());
    return !runs.empty() && runs[0].status() == v1::SyncRun::FAILED;
  })) << Describe(runs);
  EXPECT_EQ(runs[0].error_code(), "SERVER_ERROR");
  EXPECT_THAT(runs[0].error_message(), HasSubstr("failed with HTTP 500 on /latin1"));
  EXPECT_THAT(runs[0].error_message(), HasSubstr("Fehler: Datenbank " + replacement + "berlastet"));
}

TEST_F(HttpJsonErrorsTest, CredentialsQuotedBackInAnyFormAreMasked) {
  // Sources that quote what they reject: the Authorization header of basic auth as received (the base64 of
  // "username:password"), a token JSON-escaped the way PHP's json_encode does it ("/" as "\/", '"' as \",
  // '\' as \\), and a key so far into a long body that the quoted part of the body ends inside it.
  const std::string password = "Pa55w0rd-BASIC-999";
  const std::string basic = "YWRtaW46UGE1NXcwcmQtQkFTSUMtOTk5";  // base64("admin:Pa55w0rd-BASIC-999")
  const std::string token = R"(eyJhbGciOi/SLASHY+tok"q\==)";
  const std::string escaped_token = R"(eyJhbGciOi\/SLASHY+tok\"q\\==)";
  const std::string key = "key-LONG-BODY-0123456789abcdef";
  server().Route("/basic", [](const RecordedRequest& r) {
    return ScriptedResponse{.status = 401,
                            .body = R"({"error":"bad token )" + r.Header("authorization") + R"("})"};
  });
  server().Route("/php", [](const RecordedRequest& r) {
    const std::string quoted = absl::StrReplaceAll(json(r.Header("authorization")).dump(), {{"/", "\\/"}});
    return ScriptedResponse{.status = 401, .body = R"({"error":"bad token","got":)" + quoted + "}"};
  });
  server().Route("/long", [](const RecordedRequest& r) {
    // The key starts 25 bytes before the end of the 200 that a message quotes.
    return ScriptedResponse{.status = 403,
                            .body = R"({"error":")" + std::string(160, '.') + " key " +
                                    r.Header("x-api-key") + R"( lacks scope"})"};
  });
  json basic_config = Config(server().Url("/basic"));
  basic_config["auth"] = {{"kind", "basic"}, {"username", "admin"}, {"password", password}};
  json bearer_config = Config(server().Url("/php"));
  bearer_config["auth"] = {{"kind", "bearer"}, {"token", token}};
  json key_config = Config(server().Url("/long"));
  key_config["auth"] = {{"kind", "apiKey"}, {"header", "X-Api-Key"}, {"key", key}};
  struct Case {
    json config;
    std::string path;
    std::string message_has;
  };
  const std::vector<Case> cases = {
      {basic_config, "/basic", R"(It said: "{"error":"bad token Basic ********"}")"},
      {bearer_config, "/php", R"(It said: "{"error":"bad token","got":"Bearer ********"}")"},
      {key_config, "/long", R"(. key ******** lacks scope"}")"},
  };
  std::vector<std::string> ids;
  for (const Case& c : cases) ids.push_back(MustCreate(HttpJson(c.path, c.config, 3600)).id());

  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::vector<v1::SyncRun> runs;
    ASSERT_TRUE(Eventually(kWait,
                           [&] {
                             runs = RunsOf(ids[i]);
                             return !runs.empty() && runs[0].status() == v1::SyncRun::FAILED;
                           }))
        << c.path << ":" << Describe(runs);
    // The credentials were sent, and came back.
    ASSERT_EQ(server().Requests(c.path).size(), 1u) << c.path;
    EXPECT_EQ(runs[0].error_code(), "AUTH_FAILED") << c.path;
    EXPECT_THAT(runs[0].error_message(), HasSubstr(c.message_has)) << c.path;
    // Everywhere the message is shown: the run, the integration's last error and why it is paused.
    const v1::Integration paused = MustGet(ids[i]);
    EXPECT_FALSE(paused.sync_enabled()) << c.path;
    EXPECT_THAT(paused.last_sync_error(), HasSubstr(c.message_has)) << c.path;
    EXPECT_THAT(paused.paused_reason(), HasSubstr(c.message_has)) << c.path;
    for (const std::string& shown :
         {runs[0].error_message(), runs[0].suggestion(), paused.last_sync_error(), paused.paused_reason()}) {
      for (const std::string& secret : {password, basic, token, escaped_token, key.substr(0, 8)}) {
        EXPECT_THAT(shown, Not(HasSubstr(secret))) << c.path;
      }
    }
  }
  EXPECT_EQ(server().Requests("/basic")[0].Header("authorization"), "Basic " + basic);
  EXPECT_EQ(server().Requests("/php")[0].Header("authorization"), "Bearer " + token);
}

TEST_F(HttpJsonErrorsTest, RateLimitedPastTheDeadlineRetriesWhenTheSourceSaid) {
  // Retry-After as an HTTP date two minutes ahead: longer than the sync may take (5 s).
  const absl::Time retry_at = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 120);
  const std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", retry_at, absl::UTCTimeZone());
  server().Respond("/limited",
                   {.status = 429, .body = R"({"error": "quota"})", .headers = {{"Retry-After", date}}});
  json config = Config(server().Url("/limited"));
  config["syncTimeoutSeconds"] = 5;
  v1::Integration integration = MustCreate(HttpJson("Limited", config, 3600));
  std::vector<v1::SyncRun> runs;
  ASSERT_TRUE(Eventually(kWait, [&] {
    runs = RunsOf(integration.id());
    return !runs.empty() && runs[0].status() == v1::SyncRun::FAILED;
  })) << Describe(runs);
  EXPECT_EQ(runs[0].error_code(), "RATE_LIMITED");
  EXPECT_THAT(runs[0].error_message(), HasSubstr("127.0.0.1 is limiting requests (HTTP 429 on /limited)"));
  EXPECT_THAT(runs[0].error_message(),
              HasSubstr(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", retry_at, absl::UTCTimeZone())));
  EXPECT_THAT(runs[0].suggestion(), HasSubstr("lower maxRequestsPerMinute"));
  // The retry waits for the source (not the 1 s backoff of these tests).
  v1::Integration after = MustGet(integration.id());
  EXPECT_TRUE(after.sync_enabled());
  EXPECT_EQ(after.retry_count(), 1);
  EXPECT_THAT(ToTime(after.next_sync_at()), IsNear(retry_at, absl::Milliseconds(1)));
  EXPECT_EQ(server().Requests("/limited").size(), 1u);
}

TEST_F(HttpJsonErrorsTest, StoredConfigTheWorkerCannotUseIsConfigInvalid) {
  // A config stored before today's rules (written with SQL: the API would refuse it).
  v1::Integration integration = HttpJson("Old", Config(server().Url("/items")), 3600);
  integration.set_sync_enabled(false);
  integration = MustCreate(integration);
  {
    pqxx::work tx(Sql());
    tx.exec_params("UPDATE integrations SET config = config - 'recordsPath' WHERE id = $1", integration.id());
    tx.commit();
  }
  const std::vector<v1::SyncRun> runs = ResumeAndAwaitFailure(integration.id());
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs[0].error_code(), "CONFIG_INVALID");
  EXPECT_THAT(runs[0].error_message(), HasSubstr("config.recordsPath is required"));
  EXPECT_THAT(runs[0].suggestion(), HasSubstr("Fix config.recordsPath"));
  EXPECT_FALSE(MustGet(integration.id()).sync_enabled());  // paused at once
  EXPECT_TRUE(server().Requests().empty());                // nothing was sent
}

TEST_F(HttpJsonErrorsTest, StoredUrlThatLibcurlCannotReadIsConfigInvalid) {
  // Stored before the API checked urls with libcurl's parser (written with SQL: the API refuses it now).
  v1::Integration integration = HttpJson("Old url", Config(server().Url("/items")), 3600);
  integration.set_sync_enabled(false);
  integration = MustCreate(integration);
  {
    pqxx::work tx(Sql());
    tx.exec_params(
        "UPDATE integrations SET config = jsonb_set(config, '{url}', to_jsonb($2::text)) WHERE id = $1",
        integration.id(), absl::StrCat("http://x@h1@127.0.0.1:", server().port(), "/items"));
    tx.commit();
  }
  const std::vector<v1::SyncRun> runs = ResumeAndAwaitFailure(integration.id());
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs[0].error_code(), "CONFIG_INVALID");
  EXPECT_THAT(runs[0].error_message(), HasSubstr("config.url has more than one \"@\" before the host"));
  EXPECT_THAT(runs[0].suggestion(), HasSubstr("Fix config.url"));
  EXPECT_FALSE(MustGet(integration.id()).sync_enabled());  // paused at once
  EXPECT_TRUE(server().Requests().empty());                // nothing was sent
}

}  // namespace
}  // namespace syncd::testing
