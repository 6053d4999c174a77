#include "common/http_json_config.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace syncd {
namespace {

// The authority of an http(s) URL (between "://" and the path), or nullopt when the URL is not http(s).
std::optional<std::string> Authority(const std::string& url) {
  const bool http = absl::StartsWithIgnoreCase(url, "http://") || absl::StartsWithIgnoreCase(url, "https://");
  if (!http) return std::nullopt;
  const size_t start = url.find("://") + 3;
  const size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// RFC 7230 token characters: what a header name may contain.
bool IsHeaderName(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (absl::ascii_isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  }
  return true;
}

bool HasLineBreak(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

// A required non-empty string at config[key] (reported as `field`).
std::string RequiredString(const nlohmann::json& object, const char* key, const std::string& field,
                           const std::string& what, FieldViolations& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    out.push_back({field, absl::StrCat("is required: ", what)});
    return "";
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    out.push_back({field, absl::StrCat("must be a non-empty string: ", what)});
    return "";
  }
  return it->get<std::string>();
}

// An optional whole number in [min, max] at config[key]; `fallback` when absent or null.
int WholeNumber(const nlohmann::json& config, const char* key, int min, int max, int fallback,
                FieldViolations& out) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_number() || !std::isfinite(it->get<double>()) ||
      std::floor(it->get<double>()) != it->get<double>() || it->get<double>() < min ||
      it->get<double>() > max) {
    out.push_back(
        {absl::StrCat("config.", key), absl::StrCat("must be a whole number from ", min, " to ", max)});
    return fallback;
  }
  return static_cast<int>(it->get<double>());
}

// A JSON pointer at object[key]: required, or optional ("" when absent).
std::string Pointer(const nlohmann::json& object, const char* key, const std::string& field, bool required,
                    const std::string& example, FieldViolations& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      out.push_back({field, absl::StrCat("is required: a JSON pointer such as \"", example, "\"")});
    return "";
  }
  if (!it->is_string() || !IsJsonPointer(it->get<std::string>())) {
    out.push_back({field, absl::StrCat("must be a JSON pointer such as \"", example,
                                       "\" (\"/\" before each key; \"\" for the whole document)")});
    return "";
  }
  return it->get<std::string>();
}

using CurlUrl = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

// `url` as libcurl's URL parser reads it (no flags, as the worker's requests do); *code says why it does not.
CurlUrl ParseCurlUrl(const std::string& url, CURLUcode* code) {
  CurlUrl parsed(curl_url(), &curl_url_cleanup);
  *code =
      parsed == nullptr ? CURLUE_OUT_OF_MEMORY : curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
  if (*code != CURLUE_OK) parsed.reset();
  return parsed;
}

// Why libcurl's URL parser refuses `url`, or nullopt when it reads it. The worker's requests go through the
// same parser, so a url it refuses would fail every sync.
std::optional<std::string> CurlUrlProblem(const std::string& url) {
  CURLUcode code = CURLUE_OK;
  if (ParseCurlUrl(url, &code) != nullptr) return std::nullopt;
  return curl_url_strerror(code);
}

void ParseUrl(const nlohmann::json& config, HttpJsonConfig& out, FieldViolations& violations) {
  auto url = config.find("url");
  if (url == config.end() || url->is_null()) {
    violations.push_back({"config.url", "is required for HTTP_JSON integrations"});
    return;
  }
  if (!url->is_string()) {
    violations.push_back({"config.url", "must be a string"});
    return;
  }
  out.url = url->get<std::string>();
  std::optional<std::string> authority = Authority(out.url);
  const bool has_space =
      std::any_of(out.url.begin(), out.url.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
  if (!authority.has_value() || has_space || UrlHost(out.url).empty()) {
    violations.push_back({"config.url", "must be an absolute http:// or https:// URL with a host"});
    return;
  }
  // The most common url libcurl refuses, with its fix: libcurl ends the user name and password at the first
  // "@", so a second one lands in the host name.
  if (std::count(authority->begin(), authority->end(), '@') > 1) {
    violations.push_back({"config.url",
                          "has more than one \"@\" before the host: write an \"@\" in the user name or "
                          "password as %40"});
    return;
  }
  // A port, when given, is a number from 1 to 65535. (Looked for after the user name and password, whose
  // ":" is no port.)
  const size_t at = authority->find('@');
  const std::string host_port = at == std::string::npos ? *authority : authority->substr(at + 1);
  const size_t bracket = host_port.rfind(']');
  const size_t colon = host_port.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    int port = 0;
    if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port < 1 || port > 65535) {
      violations.push_back({"config.url", "has a port that is not a number from 1 to 65535"});
      return;
    }
  }
  if (std::optional<std::string> problem = CurlUrlProblem(out.url)) {
    violations.push_back(
        {"config.url", absl::StrCat("libcurl cannot read it as a URL (", *problem,
                                    "): percent-encode characters that are not allowed where they stand")});
  }
}

void ParseHeaders(const nlohmann::json& config, HttpJsonConfig& out, FieldViolations& violations) {
  auto headers = config.find("headers");
  if (headers == config.end() || headers->is_null()) return;
  if (!headers->is_object()) {
    violations.push_back({"config.headers", "must be an object of header names to string values"});
    return;
  }
  for (const auto& [name, value] : headers->items()) {
    const std::string field = absl::StrCat("config.headers.", name);
    if (!IsHeaderName(name)) {
      violations.push_back({field, "is not a valid HTTP header name"});
    } else if (!value.is_string() || HasLineBreak(value.get<std::string>())) {
      violations.push_back({field, "must be a string without line breaks"});
    } else {
      out.headers[name] = value.get<std::string>();
    }
  }
}

void ParseAuth(const nlohmann::json& config, HttpJsonConfig& out, FieldViolations& violations) {
  auto auth = config.find("auth");
  if (auth == config.end() || auth->is_null()) return;
  if (!auth->is_object()) {
    violations.push_back({"config.auth", R"(must be an object such as {"kind": "bearer", "token": "..."})"});
    return;
  }
  auto kind = auth->find("kind");
  const std::string kinds = "none, bearer, basic or apiKey";
  if (kind == auth->end() || kind->is_null()) {
    violations.push_back({"config.auth.kind", "is required: " + kinds});
    return;
  }
  const std::string k = kind->is_string() ? kind->get<std::string>() : "";
  auto secret = [&](const char* key, const std::string& what) {
    std::string value = RequiredString(*auth, key, absl::StrCat("config.auth.", key), what, violations);
    if (HasLineBreak(value)) {
      violations.push_back({absl::StrCat("config.auth.", key), "must not contain line breaks"});
    }
    return value;
  };
  if (k == "none") {
    out.auth.kind = HttpJsonAuth::Kind::kNone;
  } else if (k == "bearer") {
    out.auth.kind = HttpJsonAuth::Kind::kBearer;
    out.auth.token = secret("token", "the API token sent as \"Authorization: Bearer <token>\"");
  } else if (k == "basic") {
    out.auth.kind = HttpJsonAuth::Kind::kBasic;
    out.auth.username =
        RequiredString(*auth, "username", "config.auth.username", "the user name", violations);
    if (out.auth.username.find(':') != std::string::npos) {
      violations.push_back({"config.auth.username", "must not contain \":\" (HTTP basic auth)"});
    }
    out.auth.password = secret("password", "the password");
  } else if (k == "apiKey") {
    out.auth.kind = HttpJsonAuth::Kind::kApiKey;
    out.auth.header =
        RequiredString(*auth, "header", "config.auth.header", "the header that carries the key", violations);
    if (!out.auth.header.empty() && !IsHeaderName(out.auth.header)) {
      violations.push_back({"config.auth.header", "is not a valid HTTP header name"});
    }
    out.auth.key = secret("key", "the API key");
  } else {
    violations.push_back({"config.auth.kind", "must be " + kinds});
  }
}

void ParsePagination(const nlohmann::json& config, HttpJsonConfig& out, FieldViolations& violations) {
  auto pagination = config.find("pagination");
  if (pagination == config.end() || pagination->is_null()) return;
  const std::string shapes =
      R"(must be {"nextUrlPath": "/next"} or {"cursorPath": "/meta/next_cursor", "cursorParam": "cursor"})";
  if (!pagination->is_object()) {
    violations.push_back({"config.pagination", shapes});
    return;
  }
  const bool next = pagination->contains("nextUrlPath");
  const bool cursor = pagination->contains("cursorPath") || pagination->contains("cursorParam");
  if (next && cursor) {
    violations.push_back({"config.pagination", "must use either nextUrlPath or cursorPath, not both"});
    return;
  }
  for (const auto& [key, _] : pagination->items()) {
    if (key != "nextUrlPath" && key != "cursorPath" && key != "cursorParam") {
      violations.push_back({absl::StrCat("config.pagination.", key),
                            "is not a pagination setting (nextUrlPath, or cursorPath with cursorParam)"});
    }
  }
  if (!next && !cursor && pagination->empty()) {
    violations.push_back({"config.pagination", shapes});
    return;
  }
  if (next) {
    out.next_url_path =
        Pointer(*pagination, "nextUrlPath", "config.pagination.nextUrlPath", true, "/next", violations);
    if ((*pagination)["nextUrlPath"] == "") {
      violations.push_back(
          {"config.pagination.nextUrlPath", "must point inside the response, e.g. \"/next\""});
    }
  } else if (cursor) {
    out.cursor_path = Pointer(*pagination, "cursorPath", "config.pagination.cursorPath", true,
                              "/meta/next_cursor", violations);
    if (pagination->contains("cursorPath") && (*pagination)["cursorPath"] == "") {
      violations.push_back(
          {"config.pagination.cursorPath", "must point inside the response, e.g. \"/meta/next_cursor\""});
    }
    out.cursor_param =
        RequiredString(*pagination, "cursorParam", "config.pagination.cursorParam",
                       "the query parameter that carries the cursor, e.g. \"cursor\"", violations);
    if (out.cursor_param.find_first_of("&=#? \r\n") != std::string::npos) {
      violations.push_back({"config.pagination.cursorParam", "must be a plain query parameter name"});
    }
  }
}

}  // namespace

bool IsJsonPointer(const std::string& pointer) {
  if (pointer.empty()) return true;
  if (pointer[0] != '/') return false;
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '~' && (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
      return false;
    }
  }
  return true;
}

bool UrlHasPassword(const std::string& url) {
  CURLUcode code = CURLUE_OK;
  const CurlUrl parsed = ParseCurlUrl(url, &code);
  if (parsed == nullptr) return false;
  char* password = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_PASSWORD, &password, 0) != CURLUE_OK || password == nullptr)
    return false;
  curl_free(password);
  return true;
}

std::string UrlHost(const std::string& url) {
  std::optional<std::string> authority = Authority(url);
  if (!authority.has_value()) return "";
  std::string host = *authority;
  if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    return close == std::string::npos ? "" : host.substr(0, close + 1);
  }
  if (const size_t colon = host.find(':'); colon != std::string::npos) host = host.substr(0, colon);
  return host;
}

HttpJsonConfig ParseHttpJsonConfig(const nlohmann::json& config, FieldViolations& violations) {
  HttpJsonConfig out;
  if (!config.is_object()) {
    violations.push_back({"config", "must be a JSON object"});
    return out;
  }
  ParseUrl(config, out, violations);
  auto method = config.find("method");
  if (method != config.end() && !method->is_null()) {
    const std::string m = method->is_string() ? absl::AsciiStrToUpper(method->get<std::string>()) : "";
    if (m != "GET" && m != "POST") {
      violations.push_back({"config.method", "must be GET or POST"});
    } else {
      out.method = m;
    }
  }
  auto body = config.find("body");
  if (body != config.end() && !body->is_null()) {
    if (out.method != "POST") {
      violations.push_back(
          {"config.body", "is sent only with method POST: set method to POST or remove body"});
    } else {
      out.body = *body;
    }
  }
  ParseHeaders(config, out, violations);
  ParseAuth(config, out, violations);
  out.records_path = Pointer(config, "recordsPath", "config.recordsPath", true, "/data/items", violations);
  out.id_field = Pointer(config, "idField", "config.idField", true, "/id", violations);
  if (config.contains("idField") && config["idField"] == "") {
    violations.push_back({"config.idField", "must point inside a record, e.g. \"/id\""});
  }
  ParsePagination(config, out, violations);
  out.timeout_seconds = WholeNumber(config, "timeoutSeconds", 1, kMaxHttpTimeoutSeconds,
                                    kDefaultHttpTimeoutSeconds, violations);
  out.max_pages = WholeNumber(config, "maxPages", 1, kMaxMaxPages, kDefaultMaxPages, violations);
  out.max_records = WholeNumber(config, "maxRecords", 1, kMaxMaxRecords, kDefaultMaxRecords, violations);
  out.max_requests_per_minute = WholeNumber(config, "maxRequestsPerMinute", 1, kMaxMaxRequestsPerMinute,
                                            kDefaultMaxRequestsPerMinute, violations);
  return out;
}

}  // namespace syncd
