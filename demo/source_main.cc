// demo_source: a small local HTTP JSON API for scripts/run's demo integrations, so a newcomer sees real
// HTTP_JSON syncs without any account anywhere. It serves a product catalogue that changes over time:
//
//   GET /products?page=N   {"data": {"items": [{"id": "p-001", "name": ..., "price": ..., "stock": ...}]},
//                           "next": "http://host:port/products?page=N+1"}   ("next" is null on the last page)
//   GET /healthz
//
// 10 products per page; the catalogue starts with 25 products and gains one a minute (up to 60); every 30
// seconds a few prices and stock levels change. So successive syncs insert, then update, then find most
// records unchanged. Any other path answers 404 (the demo's failing HTTP_JSON integration uses one).
#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/env_flags.h"
#include "common/metrics.h"
#include "common/shutdown_signals.h"

ABSL_FLAG(std::string, listen, syncd::EnvOr("DEMO_SOURCE_LISTEN", std::string("127.0.0.1:8090")),
          "HTTP listen address host:port; port 0 picks a free port [env DEMO_SOURCE_LISTEN]");
ABSL_FLAG(
    std::string, port_file, "",
    "When set, write the bound host:port to this file once serving (for tests and scripts) [flag only]");

namespace syncd::demo {
namespace {

constexpr int kPageSize = 10;
constexpr int kInitialProducts = 25;
constexpr int kMaxProducts = 60;

const char* const kNouns[] = {"Kettle",   "Lamp",   "Backpack", "Notebook",  "Headphones",
                              "Mug",      "Chair",  "Desk",     "Umbrella",  "Scarf",
                              "Keyboard", "Bottle", "Clock",    "Plant pot", "Blanket"};
const char* const kAdjectives[] = {"Blue",  "Compact", "Classic", "Bamboo",
                                   "Steel", "Cosy",    "Retro",   "Foldable"};

nlohmann::json Product(int i, int64_t epoch) {
  // A product's price changes in some 30-second epochs (one in four products each time).
  const int64_t changes = (epoch + i) / 4;
  nlohmann::json p;
  p["id"] = absl::StrFormat("p-%03d", i);
  p["name"] = absl::StrCat(kAdjectives[i % 8], " ", kNouns[i % 15]);
  p["price"] = 5 + (i * 7 + changes * 3) % 95 + 0.99;
  p["stock"] = (i * 13 + changes * 5) % 40;
  p["category"] = i % 3 == 0 ? "home" : (i % 3 == 1 ? "office" : "outdoor");
  return p;
}

int Run() {
  const std::string listen = absl::GetFlag(FLAGS_listen);
  absl::StatusOr<std::pair<std::string, int>> address = metrics::SplitHostPort(listen, "listen");
  if (!address.ok()) {
    std::fprintf(stderr, "%s\n", std::string(address.status().message()).c_str());
    return 2;
  }
  const absl::Time started = absl::Now();
  httplib::Server server;
  std::string base;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  server.Get("/products", [&](const httplib::Request& req, httplib::Response& res) {
    int page = 1;
    if (req.has_param("page") && (!absl::SimpleAtoi(req.get_param_value("page"), &page) || page < 1)) {
      res.status = 400;
      res.set_content(R"({"error":"page must be a positive integer"})", "application/json");
      return;
    }
    const absl::Duration up = absl::Now() - started;
    const int total =
        std::min<int>(kMaxProducts, kInitialProducts + static_cast<int>(absl::ToInt64Minutes(up)));
    const int64_t epoch = absl::ToInt64Seconds(up) / 30;
    nlohmann::json body;
    body["data"]["items"] = nlohmann::json::array();
    for (int i = (page - 1) * kPageSize + 1; i <= std::min(total, page * kPageSize); ++i) {
      body["data"]["items"].push_back(Product(i, epoch));
    }
    body["data"]["total"] = total;
    body["next"] = page * kPageSize < total ? nlohmann::json(absl::StrCat(base, "/products?page=", page + 1))
                                            : nlohmann::json(nullptr);
    res.set_content(body.dump(), "application/json");
    std::fprintf(stderr, "GET /products?page=%d -> %zu items\n", page, body["data"]["items"].size());
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404) {
      res.set_content(absl::StrCat(R"({"error":"no such path: )", req.path, R"("})"), "application/json");
    }
  });

  int port = address->second;
  if (port == 0) {
    port = server.bind_to_any_port(address->first);
  } else if (!server.bind_to_port(address->first, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "demo_source: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  const std::string bound = absl::StrCat(address->first, ":", port);
  base = absl::StrCat("http://", bound);
  std::thread thread([&] { server.listen_after_bind(); });
  std::fprintf(stderr, "demo_source serving %s/products\n", base.c_str());
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    std::ofstream(path + ".tmp") << bound << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }
  WaitForShutdownSignal();
  server.stop();
  thread.join();
  return 0;
}

}  // namespace
}  // namespace syncd::demo

int main(int argc, char** argv) {
  syncd::BlockShutdownSignals();
  syncd::ParseFlags(
      argc, argv,
      "syncd demo_source: a small changing product catalogue over HTTP JSON, for scripts/run's demo.\n"
      "Every flag can also be set by the environment variable named in its help.");
  return syncd::demo::Run();
}
