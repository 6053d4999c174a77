// worker_service: runs connector syncs assigned by sync_service over WorkerService.Connect.
// The stream, the connectors and the flags arrive with the sync loop (issue 3); this binary only exists so
// the build and deployment are whole.
#include <cstdio>

int main() {
  std::fprintf(stderr, "worker_service: not implemented yet (see issue 3)\n");
  return 1;
}
