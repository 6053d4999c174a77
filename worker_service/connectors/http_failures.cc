#include "worker_service/connectors/http_failures.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace syncd::worker {
namespace {

// At most `max` bytes of `text` on one line, for quoting a server's answer in a message.
std::string Excerpt(const std::string& text, size_t max = 200) {
  size_t cut = std::min(max, text.size());
  // Do not cut inside a UTF-8 sequence: back up to the start of the character the cut would split.
  while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out = text.substr(0, cut);
  absl::StrReplaceAll({{"\r", " "}, {"\n", " "}, {"\t", " "}}, &out);
  return text.size() > max ? out + "..." : out;
}

// A header value a host sent, for quoting between double quotes: at most 64 bytes, on one line, with `"`
// and `\` escaped and other control characters shown as "?". (The session makes the text valid UTF-8.)
std::string QuotedHeaderValue(const std::string& value) {
  std::string out;
  for (char c : Excerpt(value, 64)) {
    if (c == '"' || c == '\\') {
      out += {'\\', c};
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Detail(const std::string& detail) {
  return detail.empty() ? "" : absl::StrCat(" (", detail, ")");
}

}  // namespace

SyncFailure TransportFailure(CURLcode code, const std::string& host, const std::string& detail,
                             int timeout_seconds) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return {"DNS", absl::StrCat("The host name ", host, " could not be resolved", Detail(detail), "."),
              absl::StrCat("Check the host name in the integration's url for typos, and that the workers can "
                           "resolve it (DNS, /etc/hosts, a proxy)."),
              std::nullopt};
    case CURLE_URL_MALFORMAT:
      // The config's check refuses such urls, and next links and redirects are resolved with libcurl before
      // they are requested: what is left is config.url, stored before the check existed. Retrying cannot
      // fix it.
      return {"CONFIG_INVALID",
              absl::StrCat("libcurl cannot read the url of the request", Detail(detail), "."),
              "Fix config.url in the integration's config (percent-encode characters such as an \"@\" in a "
              "user name or password as %40), then resume the schedule.",
              std::nullopt};
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {"DNS", absl::StrCat("The proxy's host name could not be resolved", Detail(detail), "."),
              "Check the proxy settings (https_proxy/http_proxy) of the workers.", std::nullopt};
    case CURLE_COULDNT_CONNECT:
      return {"CONNECTION_REFUSED",
              absl::StrCat("Could not connect to ", host, Detail(detail),
                           ": nothing accepted the connection at that address and port."),
              absl::StrCat("Check the port in the integration's url and that the API at ", host,
                           " is running and reachable from the workers (firewall, VPN)."),
              std::nullopt};
    case CURLE_OPERATION_TIMEDOUT:
      return {"TIMEOUT",
              absl::StrCat(host, " did not answer within ", timeout_seconds, " s (timeoutSeconds)",
                           Detail(detail), "."),
              absl::StrCat("If ", host,
                           " is just slow, raise timeoutSeconds in the integration's config; otherwise check "
                           "its status and whether the workers can reach it."),
              std::nullopt};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return {
          "TLS", absl::StrCat("The secure (TLS) connection to ", host, " failed", Detail(detail), "."),
          absl::StrCat("Check that ", host,
                       " serves HTTPS on that port with a valid certificate for this host name (not expired, "
                       "not self-signed, issued by a CA the workers trust); if it only speaks plain HTTP, "
                       "use an http:// url."),
          std::nullopt};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return {
          "SERVER_ERROR",
          absl::StrCat("The connection to ", host, " broke before a complete answer arrived", Detail(detail),
                       "."),
          absl::StrCat("Usually temporary: the sync is retried. If it keeps happening, check the status of ",
                       host, " and any proxy or load balancer in front of it."),
          std::nullopt};
    default:
      return {
          "INTERNAL",
          absl::StrCat("The request to ", host, " failed: ", curl_easy_strerror(code), Detail(detail), "."),
          "The sync is retried. If it keeps failing, report it with the worker log lines of this run.",
          std::nullopt};
  }
}

SyncFailure HttpStatusFailure(int status, const std::string& host, const std::string& path,
                              const std::string& body_excerpt, std::optional<absl::Time> retry_after) {
  const std::string said =
      body_excerpt.empty() ? "" : absl::StrCat(" It said: \"", Excerpt(body_excerpt), "\"");
  if (status == 401 || status == 403) {
    return {
        "AUTH_FAILED",
        absl::StrCat(host, " rejected the request to ", path, " (HTTP ", status,
                     status == 401 ? ": the credentials are missing, wrong or expired" : ": not allowed",
                     ").", said),
        status == 401
            ? absl::StrCat("The API rejected the credentials (HTTP 401). Create a new token or key in ", host,
                           " and update this integration's auth settings, then resume the schedule.")
            : absl::StrCat("The credentials work but lack permission (HTTP 403). Grant them read "
                           "access to this resource in ",
                           host, " (or use other credentials), then resume the schedule."),
        std::nullopt};
  }
  if (status == 404 || status == 410) {
    return {"NOT_FOUND", absl::StrCat(host, " has no resource at ", path, " (HTTP ", status, ").", said),
            absl::StrCat("Check the path in the integration's url against the API documentation of ", host,
                         ", then resume the schedule."),
            std::nullopt};
  }
  if (status == 429) {
    return RateLimitedFailure(host, path, std::nullopt, retry_after);
  }
  if (status >= 500) {
    return {
        "SERVER_ERROR", absl::StrCat(host, " failed with HTTP ", status, " on ", path, ".", said),
        absl::StrCat("A problem on the side of ", host,
                     "; the sync is retried. If it persists, check its status page or contact its operator."),
        std::nullopt};
  }
  if (status >= 300 && status < 400) {
    return {"BAD_RESPONSE",
            absl::StrCat(host, " answered HTTP ", status, " (a redirect) on ", path,
                         " that syncd did not follow (redirects are followed only to the same host, port and "
                         "scheme, or from http to https, 5 at most).",
                         said),
            "Set the integration's url to the final address the API redirects to.", std::nullopt};
  }
  return {"BAD_RESPONSE", absl::StrCat(host, " answered HTTP ", status, " on ", path, ".", said),
          absl::StrCat("HTTP ", status,
                       " usually means the request does not match what the API expects: check the method, "
                       "headers, body and query of the integration's config against the API documentation."),
          std::nullopt};
}

SyncFailure RateLimitedFailure(const std::string& host, const std::string& path,
                               const std::optional<std::string>& retry_after_header,
                               std::optional<absl::Time> retry_at) {
  const std::string limited = absl::StrCat(host, " is limiting requests (HTTP 429 on ", path, ").");
  const std::string less_often =
      " If this repeats, lower maxRequestsPerMinute in the integration's config or sync it less often.";
  if (retry_at.has_value()) {
    return {"RATE_LIMITED",
            absl::StrCat(limited, " It asked to wait until ",
                         absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", *retry_at, absl::UTCTimeZone()),
                         " (Retry-After): the next attempt waits until then."),
            absl::StrCat("The next attempt waits as ", host, " asked.", less_often), retry_at};
  }
  const std::string why =
      retry_after_header.has_value()
          ? absl::StrCat(" Its Retry-After header \"", QuotedHeaderValue(*retry_after_header),
                         "\" could not be used (neither a number of seconds nor an HTTP date),")
          : " It sent no Retry-After header,";
  return {"RATE_LIMITED",
          absl::StrCat(limited, why, " so the next attempt follows the normal retry backoff."),
          absl::StrCat("The sync is retried with the normal backoff.", less_often), std::nullopt};
}

SyncFailure NotJsonFailure(const std::string& host, const std::string& path, size_t offset,
                           const std::string& parser_message, const std::string& content_type) {
  return {"BAD_RESPONSE",
          absl::StrCat("The answer from ", host, " on ", path, " is not valid JSON: error at byte offset ",
                       offset, " (", parser_message, ")",
                       content_type.empty() ? "" : absl::StrCat("; its Content-Type is ", content_type), "."),
          absl::StrCat("Check that the url points at the JSON API of ", host,
                       " and not at a web page or login page; open it with the same headers to see what it "
                       "returns."),
          std::nullopt};
}

SyncFailure RecordsPathFailure(const std::string& host, const std::string& records_path, bool missing,
                               const std::string& found_type, const std::string& top_level_keys) {
  const std::string keys =
      top_level_keys.empty() ? "" : absl::StrCat(" The response's top-level keys are: ", top_level_keys, ".");
  return {
      "BAD_RESPONSE",
      missing ? absl::StrCat("The response from ", host, " has nothing at recordsPath \"", records_path,
                             "\".", keys)
              : absl::StrCat("recordsPath \"", records_path, "\" in the response from ", host, " is ",
                             found_type, ", not an array of records.", keys),
      "Set recordsPath in the integration's config to the JSON pointer of the array of records in the API's "
      "response (e.g. \"/data/items\"; \"\" when the response itself is the array).",
      std::nullopt};
}

SyncFailure RecordIdFailure(const std::string& records_path, const std::string& id_field, int page,
                            size_t index, const std::string& problem) {
  return {
      "BAD_RESPONSE",
      absl::StrCat("Record ", index + 1, " at recordsPath \"", records_path, "\" on page ", page,
                   " has no usable id at idField \"", id_field, "\": ", problem, "."),
      "Set idField in the integration's config to the JSON pointer (within a record) of a field every record "
      "has, holding a string or a number that identifies it (e.g. \"/id\").",
      std::nullopt};
}

SyncFailure RecordNotObjectFailure(const std::string& records_path, int page, size_t index,
                                   const std::string& found_type) {
  return {"BAD_RESPONSE",
          absl::StrCat("Record ", index + 1, " at recordsPath \"", records_path, "\" on page ", page, " is ",
                       found_type, ", not a JSON object."),
          "Point recordsPath at an array of objects (one per record) in the API's response.", std::nullopt};
}

SyncFailure RecordTooDeepFailure(const std::string& records_path, int page, size_t index, int max_depth) {
  return {"BAD_RESPONSE",
          absl::StrCat("Record ", index + 1, " at recordsPath \"", records_path, "\" on page ", page,
                       " nests objects and arrays more than ", max_depth, " levels deep."),
          absl::StrCat(
              "syncd's API carries records nested at most ", max_depth,
              " levels deep (protobuf's limit). Point recordsPath at records that nest less, or have the "
              "source send them flatter."),
          std::nullopt};
}

SyncFailure ResponseTooLargeFailure(const std::string& host, size_t limit_bytes) {
  return {"BAD_RESPONSE",
          absl::StrCat("A response from ", host, " was larger than ", limit_bytes / (1024 * 1024),
                       " MiB; syncd stopped reading it."),
          "Ask the API for smaller pages (a page size or limit query parameter in the url).", std::nullopt};
}

SyncFailure ConfigFailure(const std::string& field, const std::string& description) {
  return {"CONFIG_INVALID", absl::StrCat("The integration's ", field, " ", description, "."),
          absl::StrCat("Fix ", field, " in the integration's config, then resume the schedule."),
          std::nullopt};
}

SyncFailure StoppedFailure(bool deadline_passed, int pages, int records) {
  const std::string progress =
      absl::StrCat(pages, " pages and ", records, " records were read and stored before.");
  if (deadline_passed) {
    return {"TIMEOUT", absl::StrCat("The sync did not finish before its deadline; ", progress),
            "Raise syncTimeoutSeconds in the integration's config, or lower maxPages/maxRecords or raise "
            "maxRequestsPerMinute if the source allows it.",
            std::nullopt};
  }
  return {"CANCELLED", absl::StrCat("The sync was cancelled; ", progress),
          "Nothing to fix: the sync was stopped on purpose. Trigger it again if needed.", std::nullopt};
}

}  // namespace syncd::worker
