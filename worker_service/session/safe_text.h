#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace syncd::worker {

// Longest text, in bytes, put into one field of a RunResult.
inline constexpr std::size_t kMaxResultTextBytes = 2048;

// Makes text from a source (error bodies, headers, read errors) safe to send in a proto3 `string`
// field, which must be valid UTF-8: every invalid byte sequence and every NUL becomes U+FFFD, and text
// longer than max_bytes is cut on a character boundary and ends with "…". Without this the sync
// service cannot parse the result and the run never finishes.
std::string SafeResultText(std::string_view text, std::size_t max_bytes = kMaxResultTextBytes);

}  // namespace syncd::worker
