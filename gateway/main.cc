// gateway: HTTP/JSON in front of SyncService, routes from the google.api.http annotations (issue 5).
// Only a placeholder until then, so the build and deployment are whole.
#include <cstdio>

int main() {
  std::fprintf(stderr, "gateway: not implemented yet (see issue 5)\n");
  return 1;
}
