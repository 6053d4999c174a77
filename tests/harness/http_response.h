// An HTTP answer as the harness's clients return it (WorkerProcess::Get, HttpGet, SendHttp): one type, so a
// test may use the worker and the gateway helpers together.
#pragma once

#include <map>
#include <string>

namespace syncd::testing {

struct HttpResponse {
  // 0 when no response came (connection refused, timeout); then `error` says why.
  int status = 0;
  std::string body;
  // Header names in lower case.
  std::multimap<std::string, std::string> headers;
  std::string error;

  // The first value of a header (any case), or "" (defined in gateway_process.cc).
  std::string Header(const std::string& name) const;
};

}  // namespace syncd::testing
