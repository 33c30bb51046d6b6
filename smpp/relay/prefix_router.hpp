#pragma once
// Until routing/ lands (prefix trie in shared memory, health, policies):
// the longest configured prefix of the destination's digits picks an ordered
// list of carrier ids, tried in that order (the first is the choice, the
// rest are failover). An empty prefix is the default route.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smpp::relay {

// One `routes:` entry of the connector config.
struct Route {
    std::string prefix;                 // digits only; "" = every destination
    std::vector<std::string> carriers;  // carrier ids, in the order to try them
};

struct RouteMatch {
    std::string prefix;  // the prefix that matched ("" for the default route)
    const std::vector<std::string>* carriers = nullptr;
};

class PrefixRouter {
public:
    PrefixRouter() = default;
    // Later entries with a prefix already seen replace the earlier one (conf/
    // rejects duplicates before it gets here).
    explicit PrefixRouter(const std::vector<Route>& routes);

    // The destination as digits (see normalise()); nullopt when no route covers it.
    std::optional<RouteMatch> select(std::string_view digits) const;
    bool empty() const noexcept { return routes_.empty(); }
    std::size_t size() const noexcept { return routes_.size(); }

    // An SMPP destination_addr as routing digits: one leading '+' dropped;
    // nullopt when anything else but 0-9 remains or nothing does.
    static std::optional<std::string> normalise(std::string_view destination_addr);
    // True for "" and strings of 0-9 only: what a route prefix may be.
    static bool valid_prefix(std::string_view prefix) noexcept;

private:
    std::map<std::string, std::vector<std::string>, std::less<>> routes_;
    std::size_t longest_ = 0;
};

}  // namespace smpp::relay
