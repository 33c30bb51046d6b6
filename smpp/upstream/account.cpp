#include "smpp/upstream/account.hpp"

#include <algorithm>
#include <array>

#include "smpp/protocol/pdu.hpp"
#include "smpp/upstream/number_normaliser.hpp"
#include "smpp/upstream/password_hash.hpp"

namespace smpp::upstream {

bool Account::allows(session::bind_type t) const noexcept {
    return std::find(bind_types.begin(), bind_types.end(), t) != bind_types.end();
}

bool Account::admits(const boost::asio::ip::address& peer) const noexcept {
    if (allowed_addresses.empty()) return true;
    return std::any_of(allowed_addresses.begin(), allowed_addresses.end(),
                       [&](const Cidr& c) { return c.contains(peer); });
}

std::optional<FieldError> Account::validate() const {
    // system_id is a C-octet string of at most 16 octets with its NUL.
    if (system_id.empty()) return FieldError{"system_id", "must not be empty"};
    if (system_id.size() > protocol::limits::system_id - 1)
        return FieldError{"system_id", "must be at most 15 characters"};
    if (auto problem = password_hash_problem(password_hash); !problem.empty())
        return FieldError{"password_hash", std::move(problem)};
    if (bind_types.empty()) return FieldError{"bind_types", "must list at least one bind type"};
    for (std::size_t i = 0; i < bind_types.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (bind_types[i] == bind_types[j])
                return FieldError{"bind_types", "lists " + std::string(session::name(bind_types[i])) + " twice"};
    if (max_binds < 1 || max_binds > max_binds_limit)
        return FieldError{"max_binds", "must be between 1 and " + std::to_string(max_binds_limit)};
    if (tps > max_tps) return FieldError{"tps", "must be between 0 (no limit) and " + std::to_string(max_tps)};
    if (query_tps && *query_tps > max_tps)
        return FieldError{"query_tps", "must be between 0 (no limit) and " + std::to_string(max_tps)};
    if (receipts.timeout < std::chrono::minutes(1) || receipts.timeout > std::chrono::hours(24 * 30))
        return FieldError{"receipts", "timeout must be between 1m and 30d"};
    if (schedule.max_ahead < std::chrono::minutes(1) || schedule.max_ahead > ScheduleLimits::max_ahead_limit)
        return FieldError{"schedule", "max_ahead must be between 1m and 365d"};
    if (schedule.past_tolerance < std::chrono::seconds(0) ||
        schedule.past_tolerance > ScheduleLimits::past_tolerance_limit)
        return FieldError{"schedule", "past_tolerance must be between 0s and 1d"};
    if (!default_region.empty() && !NumberNormaliser::supported_region(default_region))
        return FieldError{"default_region", "must be an ISO 3166-1 alpha-2 region with a numbering plan, like GB or US"};
    return std::nullopt;
}

std::optional<session::bind_type> bind_type_from_config(std::string_view name) noexcept {
    for (auto t : {session::bind_type::transmitter, session::bind_type::receiver, session::bind_type::transceiver})
        if (session::name(t) == name) return t;
    return std::nullopt;
}

namespace {
template <class E, std::size_t N>
std::optional<E> from_config(std::string_view name, const std::array<E, N>& all) noexcept {
    for (E e : all)
        if (upstream::name(e) == name) return e;
    return std::nullopt;
}
constexpr std::array all_classes{traffic_class::otp, traffic_class::transactional, traffic_class::bulk};
constexpr std::array all_multipart{multipart_receipts::all, multipart_receipts::first, multipart_receipts::last,
                                   multipart_receipts::aggregate};
constexpr std::array all_timeout_states{receipt_timeout_state::unknown, receipt_timeout_state::expired};
constexpr std::array all_in_doubt{in_doubt_policy::report, in_doubt_policy::resend};
}  // namespace

std::string_view name(traffic_class c) noexcept {
    switch (c) {
        case traffic_class::otp: return "otp";
        case traffic_class::transactional: return "transactional";
        case traffic_class::bulk: return "bulk";
    }
    return "?";
}
std::string_view name(multipart_receipts m) noexcept {
    switch (m) {
        case multipart_receipts::all: return "all";
        case multipart_receipts::first: return "first";
        case multipart_receipts::last: return "last";
        case multipart_receipts::aggregate: return "aggregate";
    }
    return "?";
}
std::string_view name(receipt_timeout_state s) noexcept {
    switch (s) {
        case receipt_timeout_state::unknown: return "unknown";
        case receipt_timeout_state::expired: return "expired";
    }
    return "?";
}
std::string_view name(in_doubt_policy p) noexcept {
    switch (p) {
        case in_doubt_policy::report: return "report";
        case in_doubt_policy::resend: return "resend";
    }
    return "?";
}
std::optional<traffic_class> traffic_class_from_config(std::string_view n) noexcept {
    return from_config(n, all_classes);
}
std::optional<multipart_receipts> multipart_receipts_from_config(std::string_view n) noexcept {
    return from_config(n, all_multipart);
}
std::optional<receipt_timeout_state> receipt_timeout_state_from_config(std::string_view n) noexcept {
    return from_config(n, all_timeout_states);
}
std::optional<in_doubt_policy> in_doubt_policy_from_config(std::string_view n) noexcept {
    return from_config(n, all_in_doubt);
}

std::optional<AccountError> AccountSettings::validate() const {
    for (std::size_t i = 0; i < accounts.size(); ++i)
        if (auto e = accounts[i].validate()) return AccountError{i, *e};
    for (std::size_t i = 0; i < accounts.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (accounts[i].system_id == accounts[j].system_id)
                return AccountError{i, {"system_id", "duplicate of accounts[" + std::to_string(j) + "]"}};
    return std::nullopt;
}

const Account* AccountSettings::find(std::string_view system_id) const noexcept {
    for (const auto& a : accounts)
        if (a.system_id == system_id) return &a;
    return nullptr;
}

}  // namespace smpp::upstream
