#pragma once
// An upstream account: who may bind to us, from where, how, how often at
// once and how fast it may submit, plus the defaults its messages carry.
// Plain data; conf/ fills it from YAML and validate() rejects nonsense
// before the listener opens.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/session/session_state.hpp"
#include "smpp/upstream/bind_lockout.hpp"
#include "smpp/upstream/cidr.hpp"
#include "smpp/upstream/field_error.hpp"

namespace smpp::upstream {

// The class an account's messages travel in unless a submit says otherwise:
// otp and transactional never wait behind bulk.
enum class traffic_class : std::uint8_t { otp, transactional, bulk };

// Which delivery receipts of a concatenated message go upstream.
enum class multipart_receipts : std::uint8_t { all, first, last, aggregate };
// The state a synthesised receipt reports when the carrier's never came.
enum class receipt_timeout_state : std::uint8_t { unknown, expired };
// A message in doubt (we may or may not have handed it to a carrier):
// report it upstream, or send it again and risk a duplicate.
enum class in_doubt_policy : std::uint8_t { report, resend };

struct ReceiptOptions {
    multipart_receipts multipart = multipart_receipts::all;
    receipt_timeout_state on_timeout = receipt_timeout_state::unknown;
    std::chrono::seconds timeout{72 * 3600};
    friend bool operator==(const ReceiptOptions&, const ReceiptOptions&) = default;
};

// How far schedule_delivery_time may reach (submit_validation.hpp).
struct ScheduleLimits {
    static constexpr std::chrono::seconds max_ahead_limit{std::chrono::hours(24 * 365)};
    static constexpr std::chrono::seconds past_tolerance_limit{std::chrono::hours(24)};
    // A schedule further ahead is refused rather than held for weeks.
    std::chrono::seconds max_ahead{std::chrono::hours(24 * 30)};
    // An absolute schedule this far in the past (clock skew, an upstream's
    // own queue) means "now"; further back it is a mistake.
    std::chrono::seconds past_tolerance{std::chrono::hours(1)};
    friend bool operator==(const ScheduleLimits&, const ScheduleLimits&) = default;
};

struct Account {
    static constexpr std::uint32_t max_binds_limit = 64;
    static constexpr std::uint32_t max_tps = 1'000'000;

    std::string system_id;
    // libsodium crypto_pwhash_str format ("$argon2id$v=19$m=...").
    std::string password_hash;
    std::vector<session::bind_type> bind_types;
    // Concurrent binds of this system_id, of any type.
    std::uint32_t max_binds = 1;
    // submit_sm, data_sm and submit_multi per second over all binds of the
    // account; 0 = no limit. Over it: ESME_RTHROTTLED.
    std::uint32_t tps = 0;
    // query_sm, cancel_sm and replace_sm per second over all binds of the
    // account, in a bucket apart from tps; unset = the same rate as tps,
    // 0 = no limit. Over it: ESME_RTHROTTLED. Each reads (and cancel and
    // replace rewrite) a ledger record, so unlimited they would let one
    // account keep the ledger from everyone's submits. A bucket of their
    // own, not tps's: a client that queries each message once after
    // submitting it must not get half its contracted submit rate, and a
    // burst of queries must not throttle the submits.
    std::optional<std::uint32_t> query_tps{};
    std::uint32_t query_rate() const noexcept { return query_tps.value_or(tps); }
    // Messages accepted for this account and not yet handed to a carrier
    // (waiting for a window, a retry or a route); over it a submit gets
    // ESME_RMSGQFUL, so one account's pile-up while carriers are down cannot
    // take the whole ledger. 0 = no limit.
    std::uint32_t max_backlog = 100'000;
    // Source networks a bind may come from; empty = any.
    std::vector<Cidr> allowed_addresses{};
    // Plain settings the forward and receipt paths read.
    traffic_class default_class = traffic_class::transactional;
    std::string routing_profile{};  // "" = the default routing
    ReceiptOptions receipts{};
    in_doubt_policy in_doubt = in_doubt_policy::report;
    // Numbers and short codes whose mobile-originated messages this account
    // takes: digits, a trailing '*' makes a prefix ("4477009001*"). conf/
    // checks no number has two owners (smpp/relay/mo_directory.hpp).
    std::vector<std::string> mo_numbers{};
    // Where national numbers (TON 2, or TON 0 without '+'/'00') belong: an
    // ISO 3166-1 alpha-2 region libphonenumber knows ("GB"). "" = none:
    // TON 0 digits are taken as international, TON 2 is refused
    // (number_normaliser.hpp).
    std::string default_region{};
    // Refuse numbers outside libphonenumber's allocated ranges, not only
    // impossible ones. Off by default: its ranges trail the regulators'.
    bool require_valid_numbers = false;
    // Between 1m and max_ahead_limit ahead; 0s and past_tolerance_limit back.
    ScheduleLimits schedule{};

    bool allows(session::bind_type t) const noexcept;
    bool admits(const boost::asio::ip::address& peer) const noexcept;
    std::optional<FieldError> validate() const;
};

// The inverse of session::name(bind_type): "transceiver" -> transceiver.
std::optional<session::bind_type> bind_type_from_config(std::string_view name) noexcept;

// Config names ("otp", "aggregate", "expired", "resend") and back.
std::string_view name(traffic_class c) noexcept;
std::string_view name(multipart_receipts m) noexcept;
std::string_view name(receipt_timeout_state s) noexcept;
std::string_view name(in_doubt_policy p) noexcept;
std::optional<traffic_class> traffic_class_from_config(std::string_view name) noexcept;
std::optional<multipart_receipts> multipart_receipts_from_config(std::string_view name) noexcept;
std::optional<receipt_timeout_state> receipt_timeout_state_from_config(std::string_view name) noexcept;
std::optional<in_doubt_policy> in_doubt_policy_from_config(std::string_view name) noexcept;

struct AccountError {
    std::size_t index = 0;  // position in AccountSettings::accounts
    FieldError error;
    friend bool operator==(const AccountError&, const AccountError&) = default;
};

struct AccountSettings {
    std::vector<Account> accounts;
    BindLockoutSettings lockout{};

    // Each account's own errors, then duplicate system_ids (which the SMPP
    // bind could not tell apart). The first problem found, or nullopt. The
    // lockout settings validate on their own (they are not an account's).
    std::optional<AccountError> validate() const;
    const Account* find(std::string_view system_id) const noexcept;
};

}  // namespace smpp::upstream
