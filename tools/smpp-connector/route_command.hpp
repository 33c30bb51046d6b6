#pragma once
// `route lookup|explain <number> [key=value ...]` on the admin socket: the
// connector's own answer, from the selector that routes its messages (its
// routing_policies, its carriers' message_payload and parts limits, the
// circuits open right now). smppctl reading the table from shared memory
// alone can only assume default policies and every circuit closed, and
// said "chosen" for a carrier the connector was passing over.
//
// Keys: class (otp|transactional|bulk), source, ton, coding, segments,
// payload (0|1), profile. The answer's first line is "ok routed" or
// "ok unrouted" (smppctl's exit status), then the carriers in failover
// order (lookup) or the explanation (explain).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/selector.hpp"

namespace smpp::admin {

using RouteSelect = std::function<routing::Decision(const routing::SelectRequest&)>;

std::string route_command(const RouteSelect& select, const std::vector<std::string_view>& words);

}  // namespace smpp::admin
