#include "smpp/relay/receipt_matcher.hpp"

#include <charconv>
#include <variant>

#include <spdlog/spdlog.h>

namespace smpp::relay {

using protocol::command_status;
using protocol::message_state;
using store::MessageStatus;

namespace {

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string raw_text_of(const protocol::Pdu& pdu) {
    auto from = [](const auto& body) -> std::string {
        if constexpr (requires { body.short_message; }) {
            if (!body.short_message.empty()) return body.short_message;
        }
        if (auto p = body.tlvs.message_payload()) return std::string(*p);
        return {};
    };
    if (auto* d = pdu.as<protocol::DeliverSm>()) return from(*d);
    if (auto* d = pdu.as<protocol::DataSm>()) return from(*d);
    return {};
}

std::uint8_t esm_class_of(const protocol::Pdu& pdu) {
    if (auto* d = pdu.as<protocol::DeliverSm>()) return d->esm_class;
    if (auto* d = pdu.as<protocol::DataSm>()) return d->esm_class;
    return 0;
}

}  // namespace

MessageStatus reported_status(std::optional<message_state> stat) noexcept {
    if (!stat) return MessageStatus::sent;
    switch (*stat) {
        case message_state::delivered: return MessageStatus::delivered;
        case message_state::expired: return MessageStatus::expired;
        case message_state::deleted:
        case message_state::undeliverable:
        case message_state::unknown: return MessageStatus::undeliverable;
        case message_state::rejected: return MessageStatus::rejected;
        default: return MessageStatus::sent;  // enroute, accepted
    }
}

std::uint8_t reported_state(std::optional<message_state> stat) noexcept {
    if (!stat) return 0;
    switch (*stat) {
        case message_state::deleted:
        case message_state::unknown:
        case message_state::accepted: return static_cast<std::uint8_t>(*stat);
        default: return 0;
    }
}

std::uint32_t receipt_error_code(const protocol::DeliveryReceipt& r) noexcept {
    if (r.network_error_code) return r.network_error_code->error_code;
    std::string_view err = r.err;
    int base = 10;
    if (err.starts_with("0x") || err.starts_with("0X")) {
        err.remove_prefix(2);
        base = 16;
    }
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(err.data(), err.data() + err.size(), value, base);
    if (ec != std::errc{} || end != err.data() + err.size()) return 0;
    return value;
}

std::shared_ptr<ReceiptMatcher> ReceiptMatcher::create(store::Ledger& ledger, CarrierIdBook ids, Owed owed,
                                                       MoPath mo) {
    auto m = std::shared_ptr<ReceiptMatcher>(
        new ReceiptMatcher(ledger, std::move(ids), std::move(owed), std::move(mo)));
    // The ledger outlives nothing it calls: it holds a weak reference.
    ledger.set_receipt_listener([weak = std::weak_ptr<ReceiptMatcher>(m)](const store::ReceiptMatch& match) {
        auto self = weak.lock();
        if (!self) return;
        self->counters_.late_matched.fetch_add(1, std::memory_order_relaxed);
        if (self->on_matched_) self->on_matched_(match);
        if (match.owes_upstream && self->owed_) self->owed_(match.account);
    });
    return m;
}

ReceiptMatcher::ReceiptMatcher(store::Ledger& ledger, CarrierIdBook ids, Owed owed, MoPath mo)
    : ledger_(ledger), ids_(std::move(ids)), owed_(std::move(owed)), mo_(std::move(mo)) {}

const CarrierIdSettings& ReceiptMatcher::settings_of(std::string_view carrier_id) const {
    auto it = ids_.find(carrier_id);
    return it == ids_.end() ? automatic_ : it->second;
}

carrier::DeliverHandler ReceiptMatcher::handler_for(std::string carrier_id) {
    return [self = shared_from_this(), carrier_id = std::move(carrier_id)](
               protocol::Pdu&& pdu, std::function<void(command_status)> respond) {
        self->on_deliver(carrier_id, std::move(pdu), std::move(respond));
    };
}

void ReceiptMatcher::on_deliver(const std::string& carrier_id, protocol::Pdu&& pdu,
                                std::function<void(command_status)> respond) {
    const auto kind = protocol::classify_esm_class(esm_class_of(pdu));
    if (kind == protocol::deliver_kind::mobile_originated) {
        const bool first = counters_.mobile_originated.fetch_add(1, std::memory_order_relaxed) == 0;
        if (mo_.next_id) return on_mobile_originated(carrier_id, std::move(pdu), std::move(respond));
        if (first)
            spdlog::warn("carrier {}: mobile-originated message answered ESME_RX_T_APPN (the carrier keeps it): "
                         "no MO path configured",
                         carrier_id);
        return respond(command_status::ESME_RX_T_APPN);
    }
    const auto now = now_ms();
    store::CarrierReceipt c;
    c.carrier = carrier_id;
    c.received_at = now;
    auto parsed = protocol::extract_receipt(pdu);
    if (auto* r = std::get_if<protocol::DeliveryReceipt>(&parsed)) {
        c.keys = receipt_lookup_keys(r->id, settings_of(carrier_id));
        c.status = reported_status(r->stat);
        c.reported_state = reported_state(r->stat);
        c.error_code = receipt_error_code(*r);
        if (auto done = protocol::parse_receipt_date(r->done_date))
            c.done_at = std::chrono::time_point_cast<std::chrono::milliseconds>(*done);
        // The parsed receipt is done with: its strings move, not copy.
        c.carrier_message_id = std::move(r->id);
        c.raw = r->raw.empty() ? raw_text_of(pdu) : std::move(r->raw);
    } else {
        c.raw = raw_text_of(pdu);
    }
    if (c.keys.empty()) {
        // No id we can match on: kept (raw_receipts) for a replay once the
        // parser learns this carrier's dialect; parked under a key no
        // carrier id can have (ids hold no control characters).
        counters_.unparsed.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("carrier {}: receipt without a usable id kept raw for replay: '{}'", carrier_id, c.raw);
        c.status = MessageStatus::sent;
        c.keys = {std::string("\x01unparsed\x01") + c.raw.substr(0, 200)};
    }
    ledger_.apply_receipt(std::move(c), [self = shared_from_this(), carrier_id,
                                         respond = std::move(respond)](store::StatusOr<store::ReceiptMatch> m) {
        // Possibly on the ledger's writer thread: respond() and owed_ may be
        // called from any thread.
        if (!m.ok()) {
            self->counters_.refused.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("carrier {}: receipt not stored ({}): ESME_RX_T_APPN, the carrier offers it again",
                         carrier_id, m.status().to_string());
            return respond(command_status::ESME_RX_T_APPN);
        }
        switch (m->outcome) {
            case store::receipt_outcome::matched:
                self->counters_.matched.fetch_add(1, std::memory_order_relaxed);
                if (self->on_matched_) self->on_matched_(*m);
                break;
            case store::receipt_outcome::duplicate:
                self->counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
                break;
            case store::receipt_outcome::parked: self->counters_.parked.fetch_add(1, std::memory_order_relaxed); break;
        }
        // The forwarder first: whoever waits for our deliver_sm_resp then
        // finds the receipt already on its way upstream.
        if (m->owes_upstream && self->owed_) self->owed_(m->account);
        respond(command_status::ESME_ROK);
    });
}

void ReceiptMatcher::on_mobile_originated(const std::string& carrier_id, protocol::Pdu&& pdu,
                                          std::function<void(command_status)> respond) {
    store::MobileOriginated mo;
    auto take = [&](const auto& body) {
        mo.source = {body.source.ton, body.source.npi, body.source.addr};
        mo.destination = {body.dest.ton, body.dest.npi, body.dest.addr};
        mo.esm_class = body.esm_class;
        mo.data_coding = body.data_coding;
        mo.payload = raw_text_of(pdu);
    };
    if (auto* d = pdu.as<protocol::DeliverSm>()) take(*d);
    else if (auto* d = pdu.as<protocol::DataSm>()) take(*d);
    take_mo_identity(pdu, mo);
    mo.carrier = carrier_id;
    const auto dest = mo_digits(mo.destination.address);
    const std::string* owner = dest ? mo_.directory.owner(*dest) : nullptr;
    if (!owner) {
        counters_.mo_unowned.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("carrier {}: mobile-originated message from {} to {}: no account owns that number, "
                     "ESME_RX_P_APPN",
                     carrier_id, mo.source.address, mo.destination.address);
        return respond(command_status::ESME_RX_P_APPN);
    }
    // A carrier's copy (our deliver_sm_resp lost, or its own retry) of an
    // MO already stored goes upstream once only.
    std::string key;
    if (mo_.dedupe) {
        key = mo_dedupe_key(mo);
        switch (mo_.dedupe->see(key)) {
            case MoDedupe::sighting::fresh: break;
            case MoDedupe::sighting::duplicate:
                counters_.mo_duplicates.fetch_add(1, std::memory_order_relaxed);
                spdlog::info("carrier {}: mobile-originated message from {} to {} again: a copy, dropped",
                             carrier_id, mo.source.address, mo.destination.address);
                return respond(command_status::ESME_ROK);
            case MoDedupe::sighting::in_flight: return respond(command_status::ESME_RX_T_APPN);
        }
    }
    mo.account = *owner;
    mo.received_at = now_ms();
    mo.id = mo_.next_id();

    // Parks the MO; ESME_ROK only once it is durable.
    auto park = [self = shared_from_this(), carrier_id, respond, key](store::MobileOriginated m) {
        const auto account = m.account;
        self->ledger_.park_mo(std::move(m), [self, carrier_id, account, respond, key](store::Status s) {
            if (self->mo_.dedupe) {
                if (s.ok()) self->mo_.dedupe->stored(key);
                else self->mo_.dedupe->forget(key);
            }
            if (!s.ok()) {
                self->counters_.mo_refused.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("carrier {}: mobile-originated message for {} not stored ({}): ESME_RX_T_APPN, the "
                             "carrier offers it again",
                             carrier_id, account, s.to_string());
                return respond(command_status::ESME_RX_T_APPN);
            }
            self->counters_.mo_parked.fetch_add(1, std::memory_order_relaxed);
            if (self->owed_) self->owed_(account);
            respond(command_status::ESME_ROK);
        });
    };
    const auto sender = mo_digits(mo.source.address);
    if (!sender || !is_opt_out(mo.payload, mo.data_coding, mo_.settings.opt_out_keywords)) return park(std::move(mo));
    // The opt-out first: once the carrier has our ESME_ROK the sender must
    // already be off the account's list, even if we crash right after.
    ledger_.add_opt_out(mo.account, *sender, [self = shared_from_this(), carrier_id, respond, park, mo,
                                               sender = *sender, key](store::Status s) mutable {
        if (!s.ok()) {
            if (self->mo_.dedupe) self->mo_.dedupe->forget(key);
            self->counters_.mo_refused.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("carrier {}: opt-out of {} for {} not stored ({}): ESME_RX_T_APPN", carrier_id, sender,
                         mo.account, s.to_string());
            return respond(command_status::ESME_RX_T_APPN);
        }
        self->counters_.mo_opt_outs.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("account {}: {} opted out (mobile-originated keyword)", mo.account, sender);
        park(std::move(mo));
    });
}

void ReceiptMatcher::replay(const store::CarrierReceipt& kept, ReplayDone done) {
    store::CarrierReceipt c = kept;  // the carrier, when it came, its text, and what was read then
    c.keep_raw = false;
    c.parked_under = std::move(c.keys);  // if it finds its record, that parking goes
    c.keys.clear();
    auto parsed = protocol::parse_receipt_text(kept.raw);
    if (auto* r = std::get_if<protocol::DeliveryReceipt>(&parsed)) {
        if (c.carrier_message_id.empty()) c.carrier_message_id = r->id;
        if (c.status == store::MessageStatus::sent && c.reported_state == 0) {
            c.status = reported_status(r->stat);
            c.reported_state = reported_state(r->stat);
        }
        if (c.error_code == 0) c.error_code = receipt_error_code(*r);
        if (c.done_at == store::Timestamp{})
            if (auto d = protocol::parse_receipt_date(r->done_date))
                c.done_at = std::chrono::time_point_cast<std::chrono::milliseconds>(*d);
    }
    if (!c.carrier_message_id.empty()) c.keys = receipt_lookup_keys(c.carrier_message_id, settings_of(c.carrier));
    counters_.replayed.fetch_add(1, std::memory_order_relaxed);
    // Still no id: it stays kept raw, parked as it was; nothing to write.
    if (c.keys.empty()) return done(std::optional<store::ReceiptMatch>{});
    ledger_.apply_receipt(std::move(c), [self = shared_from_this(),
                                         done = std::move(done)](store::StatusOr<store::ReceiptMatch> m) {
        if (!m.ok()) return done(m.status());
        if (m->outcome == store::receipt_outcome::matched)
            self->counters_.replay_matched.fetch_add(1, std::memory_order_relaxed);
        // Not told to on_matched_: the health windows follow what carriers
        // do now, and a replayed receipt may be days old.
        if (m->owes_upstream && self->owed_) self->owed_(m->account);
        done(std::optional<store::ReceiptMatch>(std::move(*m)));
    });
}

ReceiptMatcherCounters ReceiptMatcher::counters() const {
    auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(counters_.matched),  get(counters_.duplicates),        get(counters_.parked),
            get(counters_.late_matched), get(counters_.unparsed), get(counters_.mobile_originated),
            get(counters_.refused), get(counters_.mo_parked), get(counters_.mo_unowned),
            get(counters_.mo_opt_outs), get(counters_.mo_refused), get(counters_.mo_duplicates),
            get(counters_.replayed), get(counters_.replay_matched)};
}

}  // namespace smpp::relay
