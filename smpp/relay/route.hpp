#pragma once
// One entry of the connector config's inline `routes:` section: a
// destination prefix and the carriers to try for it, in order.
// MessageRouter::table_of turns a list of them into a routing/ table (the
// order becomes the candidates' priority); larger tables come from a
// routes_file in routing/'s own YAML or CSV format.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace smpp::relay {

struct Route {
    std::string prefix;                 // digits only; "" = every destination
    std::vector<std::string> carriers;  // carrier ids, in the order to try them
};

// True for "" and strings of 0-9 only: what a route prefix may be.
inline bool valid_prefix(std::string_view prefix) noexcept {
    return std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace smpp::relay
