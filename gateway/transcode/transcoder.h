// HTTP/JSON <-> protobuf for one route: the request message from path bindings, query and JSON body; the
// JSON of a response; the JSON error body; and gRPC code -> HTTP status. Protobuf's own JSON mapping
// (JsonStringToMessage / MessageToJsonString) does the work, so the JSON names are the contract's.
//
//   std::unique_ptr<google::protobuf::Message> request(route.request_prototype->New());
//   if (std::optional<HttpError> error = BuildRequest(route, match.bindings, query, body, *request)) ...
//   std::string json = ResponseJson(route, *response);
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/field_violation.h"
#include "gateway/transcode/route_table.h"

namespace syncd::gateway::transcode {

// gRPC canonical codes used by the gateway itself (numbers as in google/rpc/code.proto).
enum GrpcCode : int {
  kOk = 0,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kResourceExhausted = 8,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
};

// A request the gateway answers itself, without calling the service.
struct HttpError {
  int http_status = 400;
  int grpc_code = kInvalidArgument;
  std::string message;
  FieldViolations violations;
};

// Fills `request` (a fresh message of the route's request type): the body (parsed into the whole request
// for "*", into the named field otherwise; an empty body counts as "{}"), then the path bindings, then the
// query parameters (not allowed with body "*"). Unknown JSON fields and unknown query parameters are
// errors that name them.
std::optional<HttpError> BuildRequest(const Route& route, const PathBindings& bindings,
                                      absl::string_view raw_query, absl::string_view body,
                                      google::protobuf::Message& request);

// A response body and its HTTP status: 200 with the response's JSON, or 500 with an error body (code
// INTERNAL) when the response cannot be written as JSON.
struct ResponseBody {
  int http_status = 200;
  std::string json;

  bool ok() const { return http_status == 200; }
};

// The response as JSON (the response_body field alone when the rule names one). Fields without presence
// are printed with their defaults (0, false, "", []), as grpcurl shows them; unset optional fields and
// messages are left out.
ResponseBody ResponseJson(const Route& route, const google::protobuf::Message& response);

// The same from the serialized response as it came over gRPC, without building the message (the fast
// path of every unary call). A 500 error body when the bytes do not parse.
ResponseBody ResponseJsonFromBinary(const Route& route, const std::string& binary);

// The HTTP status for a gRPC code, by the standard table (grpc-gateway, Envoy).
int HttpStatusFromGrpcCode(int grpc_code);

// {"code": <grpc code>, "message": "...", "details": [...]} from a serialized google.rpc.Status (the
// grpc-status-details-bin trailer; may be empty) plus the code and message the call ended with.
std::string ErrorJson(int grpc_code, absl::string_view message, absl::string_view status_details);
// The same for an error the gateway found; violations become a google.rpc.BadRequest detail.
std::string ErrorJson(const HttpError& error);

}  // namespace syncd::gateway::transcode
