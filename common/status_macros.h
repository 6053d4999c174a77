// Early-return helpers for absl::Status and absl::StatusOr (Debian's abseil 20220623 has none).
//
//   RETURN_IF_ERROR(store.Ping());
//   ASSIGN_OR_RETURN(Integration integration, store.GetIntegration(id));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SYNCD_CONCAT_INNER(a, b) a##b
#define SYNCD_CONCAT(a, b) SYNCD_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status syncd_status_ = (expr);         \
    if (!syncd_status_.ok()) return syncd_status_; \
  } while (false)

#define SYNCD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  SYNCD_ASSIGN_OR_RETURN_IMPL(SYNCD_CONCAT(syncd_statusor_, __LINE__), lhs, expr)
