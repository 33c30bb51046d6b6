#include "smpp/relay/prefix_router.hpp"

#include <algorithm>

namespace smpp::relay {

PrefixRouter::PrefixRouter(const std::vector<Route>& routes) {
    for (const auto& r : routes) {
        routes_[r.prefix] = r.carriers;
        longest_ = std::max(longest_, r.prefix.size());
    }
}

std::optional<RouteMatch> PrefixRouter::select(std::string_view digits) const {
    // At most longest_+1 map lookups: prefix lengths are few and short.
    for (std::size_t n = std::min(digits.size(), longest_) + 1; n-- > 0;) {
        auto it = routes_.find(digits.substr(0, n));
        if (it != routes_.end() && !it->second.empty()) return RouteMatch{it->first, &it->second};
    }
    return std::nullopt;
}

bool PrefixRouter::valid_prefix(std::string_view prefix) noexcept {
    return std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::string> PrefixRouter::normalise(std::string_view destination_addr) {
    if (!destination_addr.empty() && destination_addr.front() == '+') destination_addr.remove_prefix(1);
    if (destination_addr.empty() || !valid_prefix(destination_addr)) return std::nullopt;
    return std::string(destination_addr);
}

}  // namespace smpp::relay
