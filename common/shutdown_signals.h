// SIGINT/SIGTERM handled by one thread that waits for them, instead of an async signal handler.
//
//   int main(int argc, char** argv) {
//     syncd::BlockShutdownSignals();  // first: threads started later inherit the mask
//     ...
//     int sig = syncd::WaitForShutdownSignal();
#pragma once

namespace syncd {

// Blocks SIGINT and SIGTERM in the calling thread and so in every thread it starts afterwards. Call it
// before anything starts a thread (logging, gRPC): a thread without the mask would take the signal and
// die by it, e.g. on a second SIGTERM during a drain.
void BlockShutdownSignals();

// Waits until SIGINT or SIGTERM arrives; returns which.
int WaitForShutdownSignal();

}  // namespace syncd
