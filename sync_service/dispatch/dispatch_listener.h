// Wakes the dispatcher when any replica announces a change (PostgreSQL LISTEN syncd_dispatch): a new or
// changed integration, a manual trigger, a finished run. Reconnects when the connection drops; the
// dispatcher's safety poll covers what is missed meanwhile.
//
//   DispatchListener listener(database_url, [&] { dispatcher.Wake(); });
//   listener.Start();  ...  listener.Stop();
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace syncd::dispatch {

class DispatchListener {
 public:
  DispatchListener(std::string database_url, std::function<void()> on_notify)
      : database_url_(std::move(database_url)), on_notify_(std::move(on_notify)) {}
  ~DispatchListener() { Stop(); }

  void Start();
  void Stop();

 private:
  void Run();

  const std::string database_url_;
  const std::function<void()> on_notify_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace syncd::dispatch
