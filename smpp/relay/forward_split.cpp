// A long message_payload for carriers that take none: split into
// concatenated parts, stored together (ForwardPath::submit_split).
#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/concatenation.hpp"
#include "smpp/protocol/segments.hpp"
#include "smpp/relay/forward_flight.hpp"
#include "smpp/upstream/data_sm_intake.hpp"
#include "smpp/upstream/upstream_bind_label.hpp"

namespace smpp::relay {

using protocol::command_id;
using protocol::command_status;
using namespace forward;

namespace {

// Every carrier of `d` is one skipped for its open circuit, taken back so
// that the message waits for them (ForwardPath::wait_for_cut_carriers).
bool waits_for_cut(const routing::Decision& d) {
    return std::all_of(d.carriers.begin(), d.carriers.end(), [&d](const std::string& c) {
        return std::any_of(d.skipped.begin(), d.skipped.end(), [&c](const routing::Skipped& s) {
            return s.kind == routing::SkipKind::circuit && s.carrier == c;
        });
    });
}

}  // namespace

bool ForwardPath::needs_split(const protocol::SubmitSm& sm, std::string_view account) const {
    if (!settings_.split_payload || stopping_.load()) return false;
    const auto payload = sm.tlvs.message_payload();
    if (!payload || payload->size() < protocol::limits::short_message) return false;
    // Its own UDH or sar_*: it is a part already, or carries headers we
    // would have to repeat in ours. Validation refuses such a long one
    // anyway (a part must fit one SMS); this keeps a change there from
    // making us split one.
    if ((sm.esm_class & protocol::esm_class::udhi) || sm.tlvs.has(protocol::tlv_tag::sar_msg_ref_num) ||
        sm.tlvs.has(protocol::tlv_tag::sar_total_segments) || sm.tlvs.has(protocol::tlv_tag::sar_segment_seqnum))
        return false;
    // A payload that does not cut into 2..255 parts in its data_coding
    // (bytes outside GSM 03.38 under data_coding 0, an odd UCS-2 length)
    // goes whole or is refused whole: refusing it ESME_RINVMSGLEN for a
    // split the upstream never asked for would be wrong twice.
    const auto cut = protocol::split(sm.data_coding, *payload);
    const auto* segments = std::get_if<protocol::Segments>(&cut);
    if (!segments || segments->count() < 2 || segments->count() > 255) return false;
    auto whole = validate(sm, account, route_use::probe);
    // Refused whole: in parts, if they route. Not only when no carrier
    // takes message_payload (ESME_ROPTPARNOTALLWD): the one that does may
    // be down or excluded for another reason (its circuit, the traffic
    // class, the parts), and the parts still have a carrier.
    // (No carrier takes message_payload: split, and the parts' own
    // refusal, too many of them say, is the precise one.)
    if (const auto* bad = std::get_if<command_status>(&whole))
        return *bad == command_status::ESME_ROPTPARNOTALLWD ||
               std::holds_alternative<Checked>(validate(sm, account, route_use::probe_as_parts));
    // Routed as it is. But if carriers were passed over for not taking
    // message_payload, and the parts would go by a more specific route (a
    // 44 route's carriers rather than the default route's), the message
    // belongs there: the route says where it should go, the payload only
    // how. Passed over on the same route: it goes to that route's carrier
    // that takes message_payload, as before.
    const auto& as_is = std::get<Checked>(whole).decision;
    if (std::none_of(as_is.skipped.begin(), as_is.skipped.end(),
                     [](const routing::Skipped& s) { return s.kind == routing::SkipKind::message_payload; }))
        return false;
    auto parts = validate(sm, account, route_use::probe_as_parts);
    const auto* split = std::get_if<Checked>(&parts);
    if (!split) return false;
    // Whole, it would wait for carriers that are cut (their circuits open,
    // their binds down): in parts, if a carrier that is not cut takes them.
    if (waits_for_cut(as_is)) return !waits_for_cut(split->decision);
    return split->decision.prefix.size() > as_is.prefix.size();
}

std::variant<command_status, std::vector<ForwardPath::Prepared>> ForwardPath::split_parts(const std::string& account,
                                                                                       std::uint32_t seq,
                                                                                       const protocol::SubmitSm& sm) {
    const auto cut = protocol::split(sm.data_coding, *sm.tlvs.message_payload());
    const auto* segments = std::get_if<protocol::Segments>(&cut);
    // validate() took the payload: it splits, into 2 to 255 parts.
    if (!segments || segments->count() < 2 || segments->count() > 255) return command_status::ESME_RINVMSGLEN;
    const auto total = static_cast<std::uint8_t>(segments->count());
    const auto reference = static_cast<std::uint8_t>(split_reference_.fetch_add(1, std::memory_order_relaxed));

    // Ids that follow one another: part 1's finds the others (query_sm).
    const auto first_id = ids_.next_block(total);
    std::vector<Prepared> parts;
    for (std::size_t i = 0; i < segments->count(); ++i) {
        protocol::SubmitSm part = sm;
        part.tlvs.erase(protocol::tlv_tag::message_payload);
        part.esm_class |= protocol::esm_class::udhi;
        part.short_message = protocol::make_udh(reference, total, static_cast<std::uint8_t>(i + 1)) + segments->parts[i];
        auto p = prepare(account, seq, std::move(part), store::MessageId(first_id.value() + i));
        if (auto* status = std::get_if<command_status>(&p)) {
            for (auto& done : parts) abandon(*done.flight);
            return *status;
        }
        parts.push_back(std::move(std::get<Prepared>(p)));
    }
    // Part 1's id names the message upstream: its one receipt, query_sm
    // (the whole message), cancel_sm (every part or none); replace_sm is
    // refused.
    for (auto& p : parts) {
        p.record.split_by_us = true;
        p.record.upstream_id = first_id;
    }
    spdlog::debug("message {} from {}: message_payload split into {} parts (reference {}) for carriers that take none",
                  first_id.to_string(), account, total, reference);
    return parts;
}

void ForwardPath::submit_split(std::shared_ptr<session::Session> s, std::string account, std::uint32_t seq,
                               protocol::SubmitSm&& sm, bool as_data_sm) {
    auto answer = [as_data_sm](protocol::Pdu resp) {
        return as_data_sm ? upstream::data_sm_resp_from(std::move(resp)) : resp;
    };
    auto split = split_parts(account, seq, sm);
    if (auto* status = std::get_if<command_status>(&split)) {
        counters_.refused.fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("submit_sm from {} (to be split) refused: {}", account, protocol::name(*status));
        return s->respond(answer(submit_sm_resp(seq, *status)));
    }
    auto& parts = std::get<std::vector<Prepared>>(split);
    const auto upstream_id = parts.front().record.id;
    const auto upstream_bind = upstream::upstream_bind_label(*s);
    std::vector<store::MessageRecord> records;
    auto flights = std::make_shared<std::vector<std::shared_ptr<Flight>>>();
    for (auto& p : parts) {
        p.record.upstream_bind = upstream_bind;
        records.push_back(std::move(p.record));
        flights->push_back(std::move(p.flight));
    }
    ledger_.accept_all(std::move(records), [self = shared_from_this(), s = std::move(s), seq, flights, upstream_id,
                                            answer](store::Status st) mutable {
        // Possibly on the ledger's writer thread: only post from here.
        auto& ex = s->get_executor();
        boost::asio::post(ex, [self = std::move(self), s = std::move(s), seq, flights = std::move(flights), upstream_id,
                               st = std::move(st), answer]() mutable {
            if (!st.ok()) {
                for (auto& f : *flights) self->abandon(*f);
                self->counters_.refused.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("message {} ({} parts) not stored: {}", upstream_id.to_string(), flights->size(),
                             st.to_string());
                return s->respond(answer(submit_sm_resp(seq, status_for(st))));
            }
            self->counters_.accepted.fetch_add(flights->size(), std::memory_order_relaxed);
            self->counters_.split.fetch_add(1, std::memory_order_relaxed);
            s->respond(answer(submit_sm_resp(seq, command_status::ESME_ROK, upstream_id.to_string())));
            self->start_behind(s->get_executor(), std::move(*flights), upstream_id);
        });
    });
}

std::vector<std::vector<store::MessageId>> ForwardPath::cancel_units(const std::vector<store::MessageId>& targets,
                                                                     std::size_t& left_alone) const {
    std::vector<std::vector<store::MessageId>> units;
    // The held parts of each split message and how many it has, by its
    // first part's id (they take consecutive ids: next_block).
    std::map<std::uint64_t, std::pair<std::vector<store::MessageId>, std::size_t>> split;
    for (const auto id : targets) {
        auto r = ledger_.find(id);
        if (!r.ok() || !r->split_by_us || !r->concatenation || r->concatenation->number == 0) {
            units.push_back({id});
            continue;
        }
        auto& [parts, total] = split[id.value() - (r->concatenation->number - 1u)];
        parts.push_back(id);
        total = r->concatenation->total;
    }
    for (auto& [first, group] : split) {
        auto& [parts, total] = group;
        if (parts.size() != total) {
            left_alone += parts.size();
            continue;
        }
        std::sort(parts.begin(), parts.end());
        units.push_back(std::move(parts));
    }
    return units;
}

}  // namespace smpp::relay
