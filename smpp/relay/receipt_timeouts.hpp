#pragma once
// Receipts that never come: a message still `sent` after its account's
// receipt timeout gets a synthetic final state (store/carrier_receipt.hpp
// apply_timeout) and, when registered_delivery asks, a receipt upstream:
// stat UNKNOWN (recorded as undeliverable) or EXPIRED, per account. The
// record is marked synthetic_receipt; a carrier receipt that turns up later
// is absorbed as a duplicate, never sent upstream a second time. A message
// still in doubt then (a carrier's timeout, no late answer, not resent)
// ends the same way, always as stat UNKNOWN: whether it reached the
// handset is exactly what nobody knows.
//
// Per traffic class an overdue message may instead be re-sent once
// (`resend_classes`, conf receipt_timeouts: {otp: resend}): through the next
// carrier of its route, not the one that has it (ForwardPath::resend), with
// duplicate_risk on its record. Whichever carrier's final receipt comes
// first completes it; the other is absorbed as a duplicate. A message
// already re-sent, one whose route has no other carrier, or one part of a
// concatenated message (alone at another carrier it would not join its
// siblings on the handset), is reported.
//
// A sweep every `interval` walks the ledger's `sent` records oldest first
// in batches (each batch resumes after the last id seen), so one slow
// account cannot hide another's overdue messages.
//
// Concatenated messages whose account wants one aggregate receipt
// (store/multipart_receipts.hpp) that never complete (the upstream sent 2
// of 3 parts, or one was refused at intake) are given up on after the
// timeouts, at most every `part_groups_every`: a group quiet for its
// account's receipt timeout plus `part_group_grace` is reported with the
// parts it has (the missing ones as not delivered) and kept as a
// tombstone as long again, then deleted (Ledger::expire_part_groups). A
// part still on its way when its group was given up on (sent late, after
// an outage) finds the tombstone when it becomes final and owes nothing:
// the upstream gets one receipt per message.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "store/ledger.hpp"

namespace smpp::relay {

struct ReceiptTimeoutPolicy {
    std::chrono::milliseconds timeout{std::chrono::hours{72}};
    // undeliverable (stat UNKNOWN upstream) or expired (stat EXPIRED).
    store::MessageStatus reported = store::MessageStatus::undeliverable;
};

struct ReceiptTimeoutSettings {
    std::chrono::milliseconds interval{std::chrono::seconds{60}};
    std::size_t batch = 1'000;
    // The account's policy; empty: the default policy for every account.
    std::function<ReceiptTimeoutPolicy(const std::string& account)> policy{};
    // The shortest timeout any account has: records younger are not read.
    std::chrono::milliseconds shortest{std::chrono::hours{72}};
    std::function<store::Timestamp()> clock{};  // empty: the system clock
    // MessageRecord::traffic_class values ("otp") whose overdue messages are
    // re-sent instead of reported.
    std::set<std::string, std::less<>> resend_classes{};
    // Re-sends `record` through a carrier other than `not_via`
    // (ForwardPath::resend); false when there is none (it is reported).
    std::function<bool(store::MessageRecord record, std::string not_via)> resend{};
    // Beyond the receipt timeout before an incomplete part group is given
    // up on: covers the sweep's own lag and a part sent a little after its
    // siblings (an in-doubt resend after 6 min, a few retry rounds), whose
    // timeout comes that much later.
    std::chrono::milliseconds part_group_grace{std::chrono::hours{1}};
    // Each look scans every open part group: not at every sweep.
    std::chrono::milliseconds part_groups_every{std::chrono::minutes{10}};
};

class ReceiptTimeouts : public std::enable_shared_from_this<ReceiptTimeouts> {
public:
    using Owed = std::function<void(const std::string& account)>;

    // `ledger` must outlive every callback; call stop() before destroying it.
    static std::shared_ptr<ReceiptTimeouts> create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                                   ReceiptTimeoutSettings settings, Owed owed);
    void start();
    void stop();
    // One whole sweep now (tests, and start()); `done` runs on the strand.
    void sweep(std::function<void()> done = {});

    std::uint64_t timed_out() const noexcept { return timed_out_.load(std::memory_order_relaxed); }
    std::uint64_t resent() const noexcept { return resent_.load(std::memory_order_relaxed); }
    // Incomplete part groups given up on (reported with what they had).
    std::uint64_t part_groups_given_up() const noexcept { return given_up_.load(std::memory_order_relaxed); }

private:
    ReceiptTimeouts(boost::asio::any_io_executor ex, store::Ledger& ledger, ReceiptTimeoutSettings settings,
                    Owed owed);
    void batch(store::MessageId after, store::Timestamp now, std::function<void()> done);
    // After the timeouts: part groups quiet for too long, `limit` at a time.
    void give_up_part_groups(store::Timestamp now, std::function<void()> done);
    void arm();
    // Hands `r` to settings_.resend when its class says so; true when it took it.
    bool try_resend(const store::MessageRecord& r);
    store::Timestamp now() const;

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::steady_timer timer_;
    store::Ledger& ledger_;
    const ReceiptTimeoutSettings settings_;
    const Owed owed_;
    bool stopped_ = false;  // strand only
    std::optional<store::Timestamp> part_groups_at_;  // strand only: the last look at them
    std::atomic<std::uint64_t> timed_out_{0};
    std::atomic<std::uint64_t> resent_{0};
    std::atomic<std::uint64_t> given_up_{0};
};

}  // namespace smpp::relay
