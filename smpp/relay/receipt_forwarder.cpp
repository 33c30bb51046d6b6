#include "smpp/relay/receipt_forwarder.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/delivery_receipt.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/session/session_error.hpp"

namespace smpp::relay {

using protocol::command_status;
using store::MessageId;
using store::MessageStatus;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::uint8_t rd_receipt_mask = 0x03;
constexpr std::uint8_t rd_final = 0x01;
constexpr std::uint8_t rd_failure_only = 0x02;
constexpr std::uint8_t rd_intermediate = 0x10;

protocol::message_state message_state_of(MessageStatus s) noexcept {
    switch (s) {
        case MessageStatus::delivered: return protocol::message_state::delivered;
        case MessageStatus::undeliverable: return protocol::message_state::undeliverable;
        case MessageStatus::expired: return protocol::message_state::expired;
        case MessageStatus::rejected: return protocol::message_state::rejected;
        // We gave up: to the upstream the handset never got it.
        case MessageStatus::failed: return protocol::message_state::undeliverable;
        case MessageStatus::cancelled: return protocol::message_state::deleted;
        case MessageStatus::accepted:
        case MessageStatus::queued: return protocol::message_state::accepted;
        case MessageStatus::sending:
        case MessageStatus::sent: return protocol::message_state::enroute;
        case MessageStatus::in_doubt: return protocol::message_state::unknown;
    }
    return protocol::message_state::unknown;
}

bool is_text_coding(std::uint8_t data_coding) noexcept {
    return data_coding == 0 || data_coding == 1 || data_coding == 3;
}

protocol::Address to_pdu(const store::Address& a) { return {a.ton, a.npi, a.address}; }

// What the upstream deliver_sm takes from the message: the fields of its
// record, or of the envelope the receipt was parked with, by reference
// (no MessageRecord is built per receipt for an envelope).
struct Origin {
    const store::Address& source;
    const store::Address& destination;
    std::uint8_t data_coding;
    store::Timestamp accepted_at;
    store::Timestamp updated_at;
    std::string_view text;
    bool synthetic_receipt;
    MessageId upstream_id;
};

Origin origin_of(const store::MessageRecord& m) {
    return {m.source,     m.destination,   m.data_coding,       m.accepted_at,
            m.updated_at, store::text_of(m), m.synthetic_receipt, m.upstream_id};
}

Origin origin_of(const store::ReceiptEnvelope& e) {
    return {e.source,     e.destination, e.data_coding,       e.accepted_at,
            e.updated_at, e.text,        e.synthetic_receipt, e.upstream_id};
}

protocol::DeliverSm upstream_receipt(const Origin& o, const store::PendingReceipt& r, bool intermediate) {
    protocol::DeliveryReceipt d;
    d.kind = intermediate ? protocol::deliver_kind::intermediate_notification : protocol::deliver_kind::delivery_receipt;
    // A submit_multi's destinations: the id its submit_multi_resp gave.
    d.id = (o.upstream_id.valid() ? o.upstream_id : r.id).to_string();
    d.sub = "001";
    d.dlvrd = r.status == MessageStatus::delivered ? "001" : "000";
    d.submit_date = protocol::format_receipt_date(o.accepted_at);
    d.done_date = protocol::format_receipt_date(r.done_at.time_since_epoch().count() != 0 ? r.done_at : o.updated_at);
    d.stat = message_state_of(r.status);
    // What the carrier wrote, where the record's state does not say it
    // (UNKNOWN, DELETED, ACCEPTD), if it still reports that state.
    if (r.reported_state >= 1 && r.reported_state <= 8) {
        const auto stat = static_cast<protocol::message_state>(r.reported_state);
        if (reported_status(stat) == r.status) d.stat = stat;
    }
    // Our own timeout said "no receipt came": UNKNOWN is the honest stat
    // (an account asking for EXPIRED gets the record marked expired).
    if (o.synthetic_receipt && r.status == MessageStatus::undeliverable) d.stat = protocol::message_state::unknown;
    d.err = protocol::format_receipt_number(r.error_code);
    if (r.error_code != 0) d.network_error_code = protocol::NetworkErrorCode{3, static_cast<std::uint16_t>(r.error_code)};
    if (is_text_coding(o.data_coding)) d.text = o.text.substr(0, 20);
    // One receipt for every part of a concatenated message
    // (store/multipart_receipts.hpp): sub and dlvrd count the parts, the
    // text says how each fared.
    if (r.parts != 0) {
        d.sub = protocol::format_receipt_number(r.parts);
        d.dlvrd = protocol::format_receipt_number(r.parts_delivered);
        d.text = r.detail;
    }
    // The receipt travels back: from the handset to the upstream's sender.
    return protocol::make_receipt_deliver_sm(d, to_pdu(o.destination), to_pdu(o.source));
}

}  // namespace

receipt_decision decide(std::uint8_t registered_delivery, MessageStatus status) noexcept {
    if (!store::is_final(status))
        return (registered_delivery & rd_intermediate) ? receipt_decision::send_intermediate : receipt_decision::drop;
    const std::uint8_t want = registered_delivery & rd_receipt_mask;
    if (want == 0) return receipt_decision::drop;
    if (want == rd_failure_only && status == MessageStatus::delivered) return receipt_decision::drop;
    return receipt_decision::send;  // rd_final, and reserved 3 read as final
}

protocol::DeliverSm make_upstream_receipt(const store::MessageRecord& record, const store::PendingReceipt& r,
                                          bool intermediate) {
    return upstream_receipt(origin_of(record), r, intermediate);
}

protocol::DeliverSm make_upstream_receipt(const store::PendingReceipt& r, bool intermediate) {
    return upstream_receipt(origin_of(*r.envelope), r, intermediate);
}

protocol::DeliverSm make_upstream_mo(const store::MobileOriginated& m) {
    protocol::DeliverSm d;
    d.source = to_pdu(m.source);
    d.dest = to_pdu(m.destination);
    d.esm_class = m.esm_class & 0x40;  // UDHI: the payload starts with a user data header
    d.registered_delivery = 0;
    d.data_coding = m.data_coding;
    if (m.payload.size() <= 254) d.short_message = m.payload;
    else d.tlvs.set_bytes(protocol::tlv_tag::message_payload, m.payload);
    return d;
}

struct ItemHash {
    std::size_t operator()(const ReceiptForwarder::Item& i) const noexcept {
        return std::hash<std::uint64_t>{}(i.id.value()) ^ static_cast<std::size_t>(i.mo);
    }
};

struct ReceiptForwarder::Account {
    struct Link {
        std::shared_ptr<session::Session> session;
        std::uint32_t in_flight = 0;
    };
    struct Waiting {
        std::uint32_t failures = 0;
        steady::time_point not_before{};
    };
    std::vector<Link> links;
    std::size_t next = 0;         // round-robin cursor among equally roomy links
    // A deliver_sm or a removal outstanding. Hashed: every drain asks it
    // about each item it reads, the busy ones at the head included.
    std::unordered_set<Item, ItemHash> busy;
    std::map<Item, Waiting> waiting;
    bool drain_posted = false;
    // Receipt removals gathered on the strand and written as one
    // (Ledger::remove_receipts): the ESME_ROKs of one read burst cost one
    // ledger write, not one each. Each with the counter it bumps once durable.
    // Each receipt's stamp as it was read (Ledger::remove_forwarded_receipts
    // removes it only if no later one for the message replaced it meanwhile).
    std::vector<std::pair<store::ReceiptStamp, std::atomic<std::uint64_t>*>> removals;
    bool removals_posted = false;
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::optional<steady::time_point> timer_at;
    // Without a receiver bind, max_age is still applied, at most this often.
    steady::time_point next_age_check{};
    // Not in the configuration: said once, not per receipt or per look.
    bool unconfigured_warned = false;
};

std::shared_ptr<ReceiptForwarder> ReceiptForwarder::create(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                                           ReceiptForwarderSettings settings) {
    return std::shared_ptr<ReceiptForwarder>(new ReceiptForwarder(std::move(ex), ledger, std::move(settings)));
}

ReceiptForwarder::ReceiptForwarder(boost::asio::any_io_executor ex, store::Ledger& ledger,
                                   ReceiptForwarderSettings settings)
    : strand_(boost::asio::make_strand(std::move(ex))), ledger_(ledger), settings_(std::move(settings)) {}

store::Timestamp ReceiptForwarder::now() const {
    if (settings_.clock) return settings_.clock();
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

ReceiptForwarderCounters ReceiptForwarder::counters() const {
    return {counters_.forwarded.load(),
            counters_.retried.load(),
            counters_.expired.load(),
            counters_.refused.load(),
            counters_.dropped_by_registered_delivery.load(),
            counters_.orphaned.load(),
            counters_.ledger_errors.load(),
            counters_.mo_forwarded.load(),
            counters_.mo_retried.load(),
            counters_.mo_expired.load(),
            counters_.mo_refused.load()};
}

void ReceiptForwarder::start() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (self->stopped_) return;
        auto owed = self->ledger_.owed_accounts();
        if (!owed.ok()) {
            ++self->counters_.ledger_errors;
            spdlog::error("receipts: listing the accounts owed receipts/MOs failed: {}", owed.status().message());
            return;
        }
        for (const auto& account : *owed) self->schedule_drain(account);
    });
}

void ReceiptForwarder::notify(std::string account) {
    {
        std::lock_guard lock(notified_mutex_);
        notified_.insert(std::move(account));
        if (notify_posted_) return;
        notify_posted_ = true;
    }
    boost::asio::post(strand_, [self = shared_from_this()] {
        std::set<std::string, std::less<>> accounts;
        {
            std::lock_guard lock(self->notified_mutex_);
            accounts.swap(self->notified_);
            self->notify_posted_ = false;
        }
        for (const auto& account : accounts) self->schedule_drain(account);
    });
}

void ReceiptForwarder::on_upstream_bound(std::shared_ptr<session::Session> s, const std::string& account,
                                         session::bind_type type) {
    if (type == session::bind_type::transmitter) return;
    boost::asio::post(strand_, [self = shared_from_this(), s = std::move(s), account] {
        if (self->stopped_) return;
        auto& slot = self->accounts_[account];
        if (!slot) slot = std::make_unique<Account>();
        slot->links.push_back({s, 0});
        self->schedule_drain(account);
    });
}

void ReceiptForwarder::on_upstream_closed(const session::Session& s, const std::string& account) {
    boost::asio::post(strand_, [self = shared_from_this(), ptr = &s, account] {
        auto it = self->accounts_.find(account);
        if (it == self->accounts_.end()) return;
        auto& links = it->second->links;
        links.erase(std::remove_if(links.begin(), links.end(), [&](const auto& l) { return l.session.get() == ptr; }),
                    links.end());
        // Its unanswered deliver_sm complete with session_closed and come back.
    });
}

void ReceiptForwarder::stop() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        for (auto& [name, a] : self->accounts_) {
            a->links.clear();
            if (a->timer) a->timer->cancel();
        }
    });
}

void ReceiptForwarder::schedule_drain(const std::string& account) {
    auto& slot = accounts_[account];
    if (!slot) slot = std::make_unique<Account>();
    if (slot->drain_posted || stopped_) return;
    slot->drain_posted = true;
    boost::asio::post(strand_, [self = shared_from_this(), account] { self->drain(account); });
}

void ReceiptForwarder::drain(const std::string& account) {
    auto& a = *accounts_[account];
    a.drain_posted = false;
    if (stopped_) return;
    const bool unconfigured = settings_.accounts && !settings_.accounts->contains(account);
    if (unconfigured && !a.unconfigured_warned) {
        a.unconfigured_warned = true;
        if (settings_.max_age.count() > 0)
            spdlog::warn("receipts account={}: not in the accounts configuration; its parked receipts and MOs can "
                         "never be delivered and are dropped once older than max_age ({} ms)",
                         account, settings_.max_age.count());
        else
            spdlog::warn("receipts account={}: not in the accounts configuration; its parked receipts and MOs can "
                         "never be delivered, and max_age 0 keeps them",
                         account);
    }
    if (a.links.empty()) return expire_unbound(a, account, unconfigured);

    const std::uint32_t cap_setting = settings_.max_in_flight_per_session;
    auto room = [&](const Account::Link& l) -> std::uint32_t {
        if (!session::is_bound(l.session->state())) return 0;
        const std::uint32_t cap = cap_setting ? cap_setting : l.session->settings().window;
        const std::uint32_t ours = cap > l.in_flight ? cap - l.in_flight : 0;
        return std::min(ours, l.session->window_room());
    };
    std::uint32_t total_room = 0;
    for (const auto& l : a.links) total_room += room(l);
    if (total_room == 0) return;  // a response frees room and drains again

    // Busy items (in flight, or acknowledged and awaiting removal) sit at
    // the head of the FIFO: the ledger passes over them before copying
    // anything (copying them cost more than the deliver_sm at 4 binds).
    // Backing-off ones are read past (receipts and MOs share that set, so
    // this over-reads a little).
    const std::size_t limit = a.waiting.size() + total_room;
    auto pending = ledger_.pending_receipts(account, limit, [&a](store::MessageId id) {
        return a.busy.count(Item{false, id}) > 0;
    });
    auto mos = ledger_.pending_mo(account, limit, [&a](store::MessageId id) { return a.busy.count(Item{true, id}) > 0; });
    if (!pending.ok() || !mos.ok()) {
        ++counters_.ledger_errors;
        spdlog::error("receipts account={}: reading parked receipts/MOs failed: {}", account,
                      (!pending.ok() ? pending.status() : mos.status()).message());
        arm_timer(a, account, steady::now() + settings_.retry_base);
        return;
    }
    const auto wall = now();
    const auto mono = steady::now();
    std::optional<steady::time_point> earliest_wait;
    // Skips an item that is busy or backing off (noting when it may go again).
    auto held = [&](const Item& item) {
        if (a.busy.count(item)) return true;
        if (auto w = a.waiting.find(item); w != a.waiting.end() && w->second.not_before > mono) {
            if (!earliest_wait || w->second.not_before < *earliest_wait) earliest_wait = w->second.not_before;
            return true;
        }
        return false;
    };
    // The roomiest link; among equals the first at or after the cursor.
    auto pick = [&]() -> std::size_t {
        std::size_t best = a.links.size();
        std::uint32_t best_room = 0;
        for (std::size_t k = 0; k < a.links.size(); ++k) {
            const std::size_t i = (a.next + k) % a.links.size();
            const auto rm = room(a.links[i]);
            if (rm > best_room) best = i, best_room = rm;
        }
        if (best != a.links.size()) a.next = (best + 1) % a.links.size();
        return best;
    };
    const bool ages = settings_.max_age.count() > 0;
    // Receipts and MOs in one FIFO: both lists are in id (time) order.
    auto r = pending->begin();
    auto m = mos->begin();
    while (r != pending->end() || m != mos->end()) {
        if (m != mos->end() && (r == pending->end() || m->id < r->id)) {
            const auto& mo = *m++;
            const Item item{true, mo.id};
            if (held(item)) continue;
            const auto born = mo.received_at.time_since_epoch().count() != 0 ? mo.received_at : mo.id.time();
            if (ages && wall - born > settings_.max_age) {
                spdlog::warn("mo account={} id={}: older than max_age ({} ms), dropped unsent", account,
                             mo.id.to_string(), settings_.max_age.count());
                remove(account, item, &counters_.mo_expired, std::nullopt);
                continue;
            }
            const auto link = pick();
            if (link == a.links.size()) break;
            send(a, account, link, item, std::nullopt, make_upstream_mo(mo));
            continue;
        }
        const auto& rc = *r++;
        const Item item{false, rc.id};
        if (held(item)) continue;
        const auto born = rc.done_at.time_since_epoch().count() != 0 ? rc.done_at : rc.id.time();
        if (ages && wall - born > settings_.max_age) {
            spdlog::warn("receipts account={} id={}: older than max_age ({} ms), dropped unsent", account,
                         rc.id.to_string(), settings_.max_age.count());
            remove(account, item, &counters_.expired, store::stamp_of(rc));
            continue;
        }
        // What the deliver_sm needs travels with the receipt; only one parked
        // before it did is looked up in its record.
        std::optional<store::StatusOr<store::MessageRecord>> record;
        if (!rc.envelope) {
            record = ledger_.find(rc.id);
            if (!record->ok()) {
                if (record->status().code() != store::StatusCode::not_found) {
                    ++counters_.ledger_errors;
                    spdlog::error("receipts account={} id={}: reading the record failed: {}", account,
                                  rc.id.to_string(), record->status().message());
                    arm_timer(a, account, mono + settings_.retry_base);
                    return;
                }
                spdlog::warn("receipts account={} id={}: no record any more, receipt dropped", account,
                             rc.id.to_string());
                remove(account, item, &counters_.orphaned, store::stamp_of(rc));
                continue;
            }
        }
        const auto decision =
            decide(rc.envelope ? rc.envelope->registered_delivery : (*record)->registered_delivery, rc.status);
        if (decision == receipt_decision::drop) {
            remove(account, item, &counters_.dropped_by_registered_delivery, store::stamp_of(rc));
            continue;
        }
        const auto link = pick();
        if (link == a.links.size()) break;
        const bool intermediate = decision == receipt_decision::send_intermediate;
        send(a, account, link, item, store::stamp_of(rc),
             rc.envelope ? make_upstream_receipt(rc, intermediate) : make_upstream_receipt(**record, rc, intermediate));
    }
    if (earliest_wait) arm_timer(a, account, *earliest_wait);
}

void ReceiptForwarder::send(Account& a, const std::string& account, std::size_t link, Item item,
                            std::optional<store::ReceiptStamp> stamp, protocol::DeliverSm pdu) {
    auto& l = a.links[link];
    ++l.in_flight;
    a.busy.insert(item);
    auto session = l.session;
    session->send_request(
        std::move(pdu),
        [self = shared_from_this(), account, item, stamp, ptr = session.get()](std::error_code ec,
                                                                              protocol::Pdu resp) {
            boost::asio::post(self->strand_, [self, account, item, stamp, ptr, ec, status = resp.status] {
                self->on_response(account, item, stamp, ptr, ec, status);
            });
        },
        [self = shared_from_this(), account, item, stamp](std::error_code, protocol::Pdu resp) {
            boost::asio::post(self->strand_, [self, account, item, stamp, status = resp.status] {
                self->on_late_response(account, item, stamp, status);
            });
        });
}

void ReceiptForwarder::on_late_response(const std::string& account, Item item,
                                        std::optional<store::ReceiptStamp> stamp, command_status status) {
    // The upstream took it after all, after its response_timeout. Unless it
    // is on its way again already, it is done: sending it again would be a
    // duplicate the upstream has to weed out.
    if (stopped_ || status != command_status::ESME_ROK) return;
    auto& a = *accounts_[account];
    if (a.busy.count(item) || !a.waiting.count(item)) return;
    a.waiting.erase(item);
    ++(item.mo ? counters_.mo_forwarded : counters_.forwarded);
    spdlog::info("{} account={} id={}: deliver_sm_resp ESME_ROK came after its timeout; not sent again",
                 item.mo ? "mo" : "receipts", account, item.id.to_string());
    remove(account, item, nullptr, stamp);
}

void ReceiptForwarder::on_response(const std::string& account, Item item, std::optional<store::ReceiptStamp> stamp,
                                   const session::Session* s, std::error_code ec, command_status status) {
    auto& a = *accounts_[account];
    for (auto& l : a.links)
        if (l.session.get() == s && l.in_flight > 0) --l.in_flight;
    if (!ec && status == command_status::ESME_ROK) {
        a.waiting.erase(item);
        ++(item.mo ? counters_.mo_forwarded : counters_.forwarded);
        remove(account, item, nullptr, stamp);  // stays busy until the removal is durable
        return;
    }
    a.busy.erase(item);
    const bool closed = ec == session::session_errc::session_closed || ec == session::session_errc::not_bound ||
                        ec == session::session_errc::window_full;
    if (closed) {
        schedule_drain(account);  // another bind, or the next one
        return;
    }
    const char* what = item.mo ? "mo" : "receipts";
    if (!ec && (status == command_status::ESME_RX_P_APPN || status == command_status::ESME_RX_R_APPN)) {
        // The upstream says it will never take this one (SMPP 3.4 5.1.3).
        a.waiting.erase(item);
        spdlog::warn("{} account={} id={}: deliver_sm_resp {}, removed unsent (a final refusal)", what, account,
                     item.id.to_string(), protocol::name(status));
        remove(account, item, item.mo ? &counters_.mo_refused : &counters_.refused, stamp);
        return;
    }
    if (ec) spdlog::info("{} account={} id={}: deliver_sm failed ({}), retrying", what, account, item.id.to_string(),
                         ec.message());
    else spdlog::info("{} account={} id={}: deliver_sm_resp {}, retrying", what, account, item.id.to_string(),
                      protocol::name(status));
    retry_later(a, account, item);
    schedule_drain(account);
}

void ReceiptForwarder::retry_later(Account& a, const std::string& account, Item item) {
    ++(item.mo ? counters_.mo_retried : counters_.retried);
    auto& w = a.waiting[item];
    ++w.failures;
    auto delay = settings_.retry_base;
    for (std::uint32_t k = 1; k < w.failures && delay < settings_.retry_max; ++k) delay *= 2;
    delay = std::min(delay, settings_.retry_max);
    w.not_before = steady::now() + delay;
    arm_timer(a, account, w.not_before);
}

void ReceiptForwarder::expire_unbound(Account& a, const std::string& account, bool unconfigured) {
    // An account with no receiver bind (a transmitter-only client that asks
    // for receipts, one gone for days, or one removed from the
    // configuration) kept every receipt forever, in the ledger and in its
    // memory. max_age applies to them as to the rest.
    if (settings_.max_age.count() <= 0) return;
    const auto mono = steady::now();
    if (mono < a.next_age_check) return arm_timer(a, account, a.next_age_check);
    constexpr std::size_t batch = 1'000;
    auto busy = [&a](bool mo) {
        return [&a, mo](store::MessageId id) { return a.busy.count(Item{mo, id}) > 0; };
    };
    auto pending = ledger_.pending_receipts(account, batch, busy(false));
    auto mos = ledger_.pending_mo(account, batch, busy(true));
    if (!pending.ok() || !mos.ok()) {
        ++counters_.ledger_errors;
        a.next_age_check = mono + settings_.retry_max;
        return arm_timer(a, account, a.next_age_check);
    }
    const auto wall = now();
    std::size_t dropped = 0;
    std::optional<store::Timestamp> oldest_kept;
    auto consider = [&](store::Timestamp born, Item item, std::atomic<std::uint64_t>* counter,
                        std::optional<store::ReceiptStamp> stamp) {
        if (wall - born > settings_.max_age) {
            remove(account, item, counter, stamp);
            ++dropped;
        } else if (!oldest_kept || born < *oldest_kept) {
            oldest_kept = born;
        }
    };
    for (const auto& rc : *pending)
        consider(rc.done_at.time_since_epoch().count() != 0 ? rc.done_at : rc.id.time(), Item{false, rc.id},
                 &counters_.expired, store::stamp_of(rc));
    for (const auto& mo : *mos)
        consider(mo.received_at.time_since_epoch().count() != 0 ? mo.received_at : mo.id.time(), Item{true, mo.id},
                 &counters_.mo_expired, std::nullopt);
    if (dropped)
        spdlog::warn("receipts account={}: {} receipt(s)/MO(s) older than max_age ({} ms) dropped unsent: the "
                     "account {}",
                     account, dropped, settings_.max_age.count(),
                     unconfigured ? "is not configured any more" : "has no receiver or transceiver bind");
    // A full batch may have more behind it: look again soon. Otherwise when
    // the oldest kept one comes of age (at most hourly, at least a minute
    // apart: notify() from a busy account must not re-read its backlog
    // each time).
    std::chrono::milliseconds wait = std::chrono::hours(1);
    if (dropped == pending->size() + mos->size() && dropped >= batch) wait = settings_.retry_base;
    else if (oldest_kept) wait = std::clamp<std::chrono::milliseconds>(*oldest_kept + settings_.max_age - wall,
                                                                          std::chrono::minutes(1), std::chrono::hours(1));
    a.next_age_check = mono + wait;
    arm_timer(a, account, a.next_age_check);
}

void ReceiptForwarder::arm_timer(Account& a, const std::string& account, steady::time_point at) {
    if (stopped_) return;
    if (a.timer_at && *a.timer_at <= at) return;
    if (!a.timer) a.timer = std::make_unique<boost::asio::steady_timer>(strand_);
    a.timer_at = at;
    a.timer->expires_at(at);  // cancels an earlier wait: its handler sees operation_aborted
    a.timer->async_wait([self = shared_from_this(), account](boost::system::error_code ec) {
        if (ec == boost::asio::error::operation_aborted) return;
        self->accounts_[account]->timer_at.reset();
        self->schedule_drain(account);
    });
}

void ReceiptForwarder::remove(const std::string& account, Item item, std::atomic<std::uint64_t>* counter,
                              std::optional<store::ReceiptStamp> stamp) {
    auto& acc = *accounts_[account];
    acc.busy.insert(item);
    if (!item.mo) {
        if (!stamp) {
            // Every receipt sent or dropped carries the stamp it was read with.
            spdlog::error("receipts account={} id={}: no stamp to remove it by (a bug); left parked", account,
                          item.id.to_string());
            acc.busy.erase(item);
            return;
        }
        acc.removals.emplace_back(*stamp, counter);
        if (acc.removals_posted) return;
        acc.removals_posted = true;
        // Runs after the responses already queued on the strand: they join this batch.
        boost::asio::post(strand_, [self = shared_from_this(), account] { self->flush_removals(account); });
        return;
    }
    auto done = [self = shared_from_this(), account, item, counter](store::Status st) {
        boost::asio::post(self->strand_, [self, account, item, counter, st] {
            const auto id = item.id;
            auto& a = *self->accounts_[account];
            if (!st.ok()) {
                ++self->counters_.ledger_errors;
                spdlog::error("{} account={} id={}: removing it failed: {}", item.mo ? "mo" : "receipts", account,
                              id.to_string(), st.message());
                // It stays busy, so no drain sends it again (the upstream
                // has it); only the removal is retried, not at once: a
                // failing ledger would be asked again in a loop.
                auto timer = std::make_shared<boost::asio::steady_timer>(self->strand_, self->settings_.retry_base);
                timer->async_wait([self, account, item, counter, timer](boost::system::error_code ec) {
                    if (ec != boost::asio::error::operation_aborted) self->remove(account, item, counter, std::nullopt);
                });
                return;
            }
            a.busy.erase(item);
            a.waiting.erase(item);
            if (counter) ++*counter;
            self->schedule_drain(account);
        });
    };
    ledger_.remove_mo(account, item.id, std::move(done));
}

void ReceiptForwarder::flush_removals(const std::string& account) {
    auto& acc = *accounts_[account];
    acc.removals_posted = false;
    if (acc.removals.empty()) return;
    auto batch = std::move(acc.removals);
    acc.removals.clear();
    std::vector<store::ReceiptStamp> forwarded;
    forwarded.reserve(batch.size());
    for (const auto& r : batch) forwarded.push_back(r.first);
    ledger_.remove_forwarded_receipts(account, std::move(forwarded), [self = shared_from_this(), account,
                                                                      batch = std::move(batch)](store::Status st) mutable {
        boost::asio::post(self->strand_, [self, account, batch = std::move(batch), st]() mutable {
            auto& a = *self->accounts_[account];
            if (!st.ok()) {
                ++self->counters_.ledger_errors;
                spdlog::error("receipts account={}: removing {} receipts (first id={}) failed: {}", account,
                              batch.size(), batch.front().first.id.to_string(), st.message());
                // They stay busy, so no drain sends them again (the upstream
                // has them); only the removal is retried, not at once: a
                // failing ledger would be asked again in a loop.
                auto timer = std::make_shared<boost::asio::steady_timer>(self->strand_, self->settings_.retry_base);
                timer->async_wait([self, account, batch = std::move(batch), timer](boost::system::error_code ec) {
                    if (ec == boost::asio::error::operation_aborted) return;
                    for (const auto& [stamp, counter] : batch) self->remove(account, Item{false, stamp.id}, counter, stamp);
                });
                return;
            }
            for (const auto& [stamp, counter] : batch) {
                const Item item{false, stamp.id};
                a.busy.erase(item);
                a.waiting.erase(item);
                if (counter) ++*counter;
            }
            self->schedule_drain(account);
        });
    });
}

}  // namespace smpp::relay
