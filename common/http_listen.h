// Starting a cpp-httplib server on a background thread, shared by the small HTTP endpoints of the
// services (/metrics, the worker's /healthz and /readyz).
//
//   absl::StatusOr<int> port = syncd::ListenInBackground(*server, "127.0.0.1", 0, thread);
#pragma once

#include <httplib.h>

#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace syncd {

// Binds `server` to host:port (port 0: a free one) and serves it on `thread` until server.stop().
// Returns the bound port, or UNAVAILABLE when the address cannot be bound.
inline absl::StatusOr<int> ListenInBackground(httplib::Server& server, const std::string& host, int port,
                                              std::thread& thread) {
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", port));
  thread = std::thread([&server] { server.listen_after_bind(); });
  return bound;
}

}  // namespace syncd
