// DEMO: a connector that needs no external system, for demos, tests and benchmarks. Config:
//   {"records": 10, "latencyMs": 0, "failureRate": 0.0, "errorCode": "SERVER_ERROR", "version": 1}
// It "reads" `records` records (ids 1..records) in `latencyMs` and stores them; their content depends on
// `version`, so a sync after a version change updates them and one without leaves them unchanged. It fails
// with `errorCode` in `failureRate` of its syncs.
#pragma once

#include <functional>
#include <memory>

#include "worker_service/connectors/connector.h"

namespace syncd::worker {

// `uniform01` returns a random number in [0, 1): whether a sync fails.
std::unique_ptr<Connector> MakeDemoConnector(std::function<double()> uniform01);

// The suggested fix that goes with an error code, in an admin's words.
std::string SuggestionFor(const std::string& error_code);

}  // namespace syncd::worker
