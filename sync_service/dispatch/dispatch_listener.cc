#include "sync_service/dispatch/dispatch_listener.h"

#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace syncd::dispatch {
namespace {

constexpr char kChannel[] = "syncd_dispatch";

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::function<void()>& on_notify)
      : pqxx::notification_receiver(conn, kChannel), on_notify_(on_notify) {}
  void operator()(const std::string&, int) override { on_notify_(); }

 private:
  const std::function<void()>& on_notify_;
};

}  // namespace

void DispatchListener::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DispatchListener::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void DispatchListener::Run() {
  absl::Duration backoff = absl::Milliseconds(200);
  while (!stopping_) {
    try {
      pqxx::connection conn(database_url_);
      Receiver receiver(conn, on_notify_);
      backoff = absl::Milliseconds(200);
      // Something may have changed while not listening.
      on_notify_();
      while (!stopping_) conn.await_notification(0, 250'000);
    } catch (const std::exception& e) {
      if (stopping_) break;
      spdlog::warn("listening for dispatch notifications: {}; retrying in {}ms", e.what(),
                   absl::ToInt64Milliseconds(backoff));
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
    }
  }
}

}  // namespace syncd::dispatch
