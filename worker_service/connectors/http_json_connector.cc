#include "worker_service/connectors/http_json_connector.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/http_json_config.h"
#include "spdlog/spdlog.h"
#include "worker_service/connectors/credential_mask.h"
#include "worker_service/connectors/http_failures.h"
#include "worker_service/connectors/http_page.h"
#include "worker_service/connectors/request_pacer.h"
#include "worker_service/connectors/url_origin.h"

namespace syncd::worker {
namespace {

constexpr int kMaxRedirects = 5;
// Consecutive 429s on one page that are waited out before the sync gives up (RATE_LIMITED).
constexpr int kMaxRateLimitWaits = 10;
// How much of an error body is searched for credentials: far more than a failure message quotes.
constexpr size_t kMaskedBodyBytes = 64 * 1024;

// What one request brought back.
struct HttpAnswer {
  CURLcode code = CURLE_OK;
  std::string error_detail;
  long status = 0;
  std::string body;
  std::string content_type;
  // The Retry-After header as sent (whitespace trimmed); nullopt when the answer had none.
  std::optional<std::string> retry_after;
  // A redirect's target, resolved against the request URL.
  std::string redirect_url;
  bool too_large = false;
  // The request's time limit was the sync's deadline (shorter than timeoutSeconds): a timeout then means
  // the sync ran out of time, not that the host is slow.
  bool deadline_limited = false;
};

struct Transfer {
  SyncContext* context;
  HttpAnswer* answer;
  size_t max_bytes;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->answer->body.size() + n > t->max_bytes) {
    t->answer->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  t->answer->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const absl::string_view line(data, n);
  // A new response (after a 100 Continue, say) starts over.
  if (absl::StartsWith(line, "HTTP/")) t->answer->retry_after.reset();
  if (absl::StartsWithIgnoreCase(line, "retry-after:")) {
    t->answer->retry_after = std::string(absl::StripAsciiWhitespace(line.substr(12)));
  }
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  // libcurl calls this at least once a second, also while waiting for an answer.
  return static_cast<Transfer*>(user)->context->Stopped() ? 1 : 0;
}

struct CurlHandle {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }
  void AddHeader(const std::string& header) { headers = curl_slist_append(headers, header.c_str()); }
};

// "https://host:443" for messages; the URL's host when it has no origin.
std::string OriginTextOf(const std::string& url) {
  const std::optional<UrlOrigin> origin = OriginOf(url);
  return origin.has_value() ? OriginText(*origin) : UrlHost(url);
}

// `link` (absolute or relative) resolved against `base`; "" when it is not a usable http(s) URL.
std::string ResolveUrl(const std::string& base, const std::string& link) {
  CURLU* u = curl_url();
  std::string out;
  char* resolved = nullptr;
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_URL, link.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &resolved, 0) == CURLUE_OK) {
    out = resolved;
  }
  curl_free(resolved);
  curl_url_cleanup(u);
  if (!absl::StartsWithIgnoreCase(out, "http://") && !absl::StartsWithIgnoreCase(out, "https://")) return "";
  return out;
}

class HttpJsonConnector final : public Connector {
 public:
  explicit HttpJsonConnector(HttpJsonOptions options) : options_(std::move(options)) {}

  SyncOutcome Run(const SyncJob& job, SyncContext& context) override {
    FieldViolations violations;
    const HttpJsonConfig config = ParseHttpJsonConfig(job.config, violations);
    if (!violations.empty()) {
      return SyncOutcome::Failure(ConfigFailure(violations[0].field, violations[0].description));
    }
    Sync sync{job, config, context, RequestPacer(config.max_requests_per_minute),
              CredentialMask::ForAuth(config.auth)};
    SyncOutcome outcome = Pages(sync);
    if (!outcome.success) {
      // What landed stays landed (one transaction per batch): a failed run reports how many records it
      // stored.
      outcome.records_count = sync.stored;
      // A server may quote the credentials it rejected; the message is shown by the API and must not.
      outcome.failure.message = sync.mask.Apply(outcome.failure.message);
      outcome.failure.suggestion = sync.mask.Apply(outcome.failure.suggestion);
    }
    return outcome;
  }

 private:
  struct Sync {
    const SyncJob& job;
    const HttpJsonConfig& config;
    SyncContext& context;
    RequestPacer pacer;
    const CredentialMask mask;
    int pages = 0;
    int stored = 0;
  };

  SyncOutcome Pages(Sync& s) {
    const HttpJsonConfig& config = s.config;
    std::string url = config.url;
    std::set<std::string> requested;
    while (s.pages < config.max_pages && s.stored < config.max_records) {
      requested.insert(url);
      HttpAnswer answer;
      std::optional<SyncFailure> failure = Request(s, url, answer);
      if (failure.has_value()) return SyncOutcome::Failure(*std::move(failure));
      ++s.pages;
      PageRead page =
          ReadPage(answer.body, config, {UrlHost(url), UrlPath(url), s.pages, answer.content_type});
      if (page.failure.has_value()) return SyncOutcome::Failure(*std::move(page.failure));
      const size_t room = static_cast<size_t>(config.max_records - s.stored);
      if (page.records.size() > room) page.records.resize(room);
      spdlog::debug("run_id={} page={} host={} path={} status={} records={}", s.job.run_id, s.pages,
                    UrlHost(url), UrlPath(url), answer.status, page.records_on_page);
      for (size_t first = 0; first < page.records.size(); first += options_.batch_size) {
        const size_t last = std::min(page.records.size(), first + options_.batch_size);
        std::vector<SourceRecord> batch(std::make_move_iterator(page.records.begin() + first),
                                        std::make_move_iterator(page.records.begin() + last));
        const int n = static_cast<int>(batch.size());
        absl::StatusOr<BatchCounts> counts = s.context.EmitRecords(std::move(batch));
        if (!counts.ok()) {
          if (s.context.Stopped()) return Stopped(s);
          return SyncOutcome::Failure(RecordsNotStoredFailure(
              counts.status(), absl::StrCat(" (page ", s.pages, " of ", UrlHost(url), ")")));
        }
        s.stored += n;
      }
      s.context.Progress(s.stored, s.pages);

      std::string next;
      if (page.next_url.has_value()) {
        next = ResolveUrl(url, *page.next_url);
        if (next.empty() || !MaySendCredentials(config.url, next)) {
          return SyncOutcome::Failure(
              {"BAD_RESPONSE",
               absl::StrCat(
                   "The next-page link at nextUrlPath \"", config.next_url_path, "\" on page ", s.pages,
                   next.empty()
                       ? " is not an http(s) URL."
                       : absl::StrCat(" points to another host, port or scheme (", OriginTextOf(next),
                                      "); syncd sends the credentials only to ", OriginTextOf(config.url),
                                      ", never over plain http after https.")),
               "Check pagination.nextUrlPath: it must point at the URL of the next page on the same "
               "host, port and scheme.",
               std::nullopt});
        }
      } else if (page.next_cursor.has_value()) {
        next = WithQueryParam(config.url, config.cursor_param, *page.next_cursor);
      }
      if (next.empty()) break;
      if (requested.count(next) > 0) {
        spdlog::warn("run_id={} page {} links to a page already read; stopping there", s.job.run_id, s.pages);
        break;
      }
      url = std::move(next);
      if (s.pages >= config.max_pages || s.stored >= config.max_records) {
        // Not a failure (the limits are the admin's), but worth a line: the source had more.
        spdlog::info("run_id={} stopped at maxPages={} / maxRecords={} with more pages at the source",
                     s.job.run_id, config.max_pages, config.max_records);
      }
    }
    return SyncOutcome::Success(s.stored);
  }

  // Requests `url` (following same-host redirects, waiting out 429s that end before the deadline) until
  // a 2xx answer arrives in `answer`; otherwise the failure.
  std::optional<SyncFailure> Request(Sync& s, std::string url, HttpAnswer& answer) {
    int redirects = 0;
    int rate_limit_waits = 0;
    while (true) {
      if (absl::Duration wait = s.pacer.WaitBeforeNext(absl::Now());
          wait > absl::ZeroDuration() && !s.context.Sleep(wait)) {
        return StoppedFailure(s);
      }
      if (s.context.Stopped()) return StoppedFailure(s);
      s.pacer.Sent(absl::Now());
      answer = Fetch(s, url);
      const std::string host = UrlHost(url);
      if (answer.code == CURLE_OPERATION_TIMEDOUT && answer.deadline_limited) {
        return StoppedFailure(s, /*deadline_hit=*/true);
      }
      if (answer.code == CURLE_ABORTED_BY_CALLBACK || (answer.code != CURLE_OK && s.context.Stopped())) {
        return StoppedFailure(s);
      }
      if (answer.too_large) return ResponseTooLargeFailure(host, options_.max_response_bytes);
      if (answer.code != CURLE_OK) {
        return TransportFailure(answer.code, host, answer.error_detail, s.config.timeout_seconds);
      }
      if (answer.status >= 200 && answer.status < 300) return std::nullopt;
      if (answer.status >= 300 && answer.status < 400 && !answer.redirect_url.empty() &&
          redirects < kMaxRedirects && MaySendCredentials(url, answer.redirect_url)) {
        ++redirects;
        url = answer.redirect_url;
        continue;
      }
      if (answer.status == 429) {
        std::optional<absl::Time> retry_at = ParseRetryAfter(answer.retry_after.value_or(""), absl::Now());
        if (retry_at.has_value() && *retry_at < s.context.Deadline() &&
            rate_limit_waits < kMaxRateLimitWaits) {
          ++rate_limit_waits;
          spdlog::info("run_id={} host={} answered 429; waiting {}ms as its Retry-After asks", s.job.run_id,
                       host, absl::ToInt64Milliseconds(*retry_at - absl::Now()));
          if (!s.context.Sleep(*retry_at - absl::Now())) return StoppedFailure(s);
          continue;
        }
        return RateLimitedFailure(host, UrlPath(url), answer.retry_after, retry_at);
      }
      // Masked before the failure quotes its start: cut first, a credential across the cut would keep
      // its first half. The window bounds the work on a huge error body.
      return HttpStatusFailure(static_cast<int>(answer.status), host, UrlPath(url),
                               s.mask.Apply(std::string_view(answer.body).substr(0, kMaskedBodyBytes)),
                               std::nullopt);
    }
  }

  HttpAnswer Fetch(Sync& s, const std::string& url) {
    const HttpJsonConfig& config = s.config;
    HttpAnswer answer;
    CurlHandle h;
    if (h.curl == nullptr) {
      answer.code = CURLE_OUT_OF_MEMORY;
      return answer;
    }
    Transfer transfer{&s.context, &answer, options_.max_response_bytes};
    char error[CURL_ERROR_SIZE] = {0};
    // The request may take timeoutSeconds, but never past the sync's deadline.
    const absl::Duration left = s.context.Deadline() - absl::Now();
    const int64_t left_ms = absl::ToInt64Milliseconds(left);
    answer.deadline_limited = left_ms < int64_t{config.timeout_seconds} * 1000;
    const long timeout_ms =
        static_cast<long>(std::max<int64_t>(1, std::min(left_ms, int64_t{config.timeout_seconds} * 1000)));
    CURL* c = h.curl;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    // Redirects are followed by Request(), only within the same host: headers may carry credentials.
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
    // Never CURLOPT_VERBOSE: it would print the Authorization header.

    bool has_accept = false;
    bool has_content_type = false;
    for (const auto& [name, value] : config.headers) {
      has_accept |= absl::EqualsIgnoreCase(name, "Accept");
      has_content_type |= absl::EqualsIgnoreCase(name, "Content-Type");
      h.AddHeader(absl::StrCat(name, ": ", value));
    }
    if (!has_accept) h.AddHeader("Accept: application/json");
    switch (config.auth.kind) {
      case HttpJsonAuth::Kind::kNone:
        break;
      case HttpJsonAuth::Kind::kBearer:
        h.AddHeader(absl::StrCat("Authorization: Bearer ", config.auth.token));
        break;
      case HttpJsonAuth::Kind::kBasic:
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, config.auth.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, config.auth.password.c_str());
        break;
      case HttpJsonAuth::Kind::kApiKey:
        h.AddHeader(absl::StrCat(config.auth.header, ": ", config.auth.key));
        break;
    }
    std::string body;
    if (config.method == "POST") {
      if (!has_content_type) h.AddHeader("Content-Type: application/json");
      body = config.body.has_value() ? config.body->dump() : "{}";
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h.headers);

    answer.code = curl_easy_perform(c);
    answer.error_detail = error;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
    if (char* type = nullptr;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
      answer.content_type = type;
    }
    if (char* location = nullptr;
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location != nullptr) {
      answer.redirect_url = location;
    }
    if (answer.too_large) answer.code = CURLE_OK;
    return answer;
  }

  static SyncFailure StoppedFailure(const Sync& s, bool deadline_hit = false) {
    return syncd::worker::StoppedFailure(deadline_hit || absl::Now() >= s.context.Deadline(), s.pages,
                                         s.stored);
  }
  static SyncOutcome Stopped(const Sync& s) { return SyncOutcome::Failure(StoppedFailure(s)); }

  const HttpJsonOptions options_;
};

}  // namespace

std::unique_ptr<Connector> MakeHttpJsonConnector(HttpJsonOptions options) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<HttpJsonConnector>(std::move(options));
}

}  // namespace syncd::worker
