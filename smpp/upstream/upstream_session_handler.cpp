#include "smpp/upstream/upstream_session_handler.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "smpp/upstream/upstream_bind_label.hpp"

namespace smpp::upstream {

using protocol::command_id;
using protocol::command_status;

namespace {
std::string peer_label(const session::Session& s) { return endpoint_label(s.remote_endpoint()); }
}  // namespace

UpstreamSessionHandler::UpstreamSessionHandler(Authenticator& authenticator, MessageSink* sink,
                                               BindObserver* observer)
    : authenticator_(authenticator), sink_(sink), observer_(observer) {}

void UpstreamSessionHandler::on_bind_request(session::Session& s, const session::BindRequest& request,
                                             session::BindVerdict verdict) {
    auto self = shared_from_this();
    auto session = s.shared_from_this();
    authenticator_.authenticate(
        request, s.remote_endpoint().address(),
        [self, session, verdict, system_id = request.system_id, type = request.type](
                     command_status status, BindLease lease) mutable {
            // Back from the authenticator's worker onto the session's strand,
            // where this handler's state lives.
            boost::asio::post(session->get_executor(), [self, session, verdict, system_id, type, status,
                                                        lease = std::move(lease)]() mutable {
                spdlog::info("bind {} system_id={} type={} verdict={}", peer_label(*session), system_id,
                             session::name(type), protocol::name(status));
                if (status == command_status::ESME_ROK && !self->closed_) {
                    self->lease_ = std::move(lease);
                    self->tps_ = self->authenticator_.tps_bucket(system_id);
                    self->query_tps_ = self->authenticator_.query_bucket(system_id);
                    self->system_id_ = system_id;
                    self->bind_type_ = type;
                }
                verdict(status);
            });
        });
}

void UpstreamSessionHandler::on_bound(session::Session& s) {
    if (!observer_ || system_id_.empty() || closed_) return;
    reported_bound_ = true;
    observer_->on_upstream_bound(s.shared_from_this(), system_id_, bind_type_);
}

command_status UpstreamSessionHandler::refusal(command_id request) noexcept {
    switch (request) {
        case command_id::submit_sm:
        case command_id::submit_multi:
        case command_id::data_sm: return command_status::ESME_RSUBMITFAIL;
        case command_id::query_sm: return command_status::ESME_RQUERYFAIL;
        case command_id::cancel_sm: return command_status::ESME_RCANCELFAIL;
        case command_id::replace_sm: return command_status::ESME_RREPLACEFAIL;
        default: return command_status::ESME_RSYSERR;
    }
}

bool UpstreamSessionHandler::is_submission(command_id request) noexcept {
    return request == command_id::submit_sm || request == command_id::data_sm || request == command_id::submit_multi;
}

bool UpstreamSessionHandler::is_message_query(command_id request) noexcept {
    return request == command_id::query_sm || request == command_id::cancel_sm || request == command_id::replace_sm;
}

std::uint32_t UpstreamSessionHandler::tokens_for(const protocol::Pdu& request) noexcept {
    const auto* multi = request.as<protocol::SubmitMulti>();
    if (!multi) return 1;
    std::uint32_t smes = 0;
    for (const auto& d : multi->dests)
        if (d.dest_flag == protocol::MultiDest::sme_address) ++smes;
    return smes == 0 ? 1 : smes;
}

void UpstreamSessionHandler::on_request(session::Session& s, protocol::Pdu&& request) {
    const command_id id = request.id();
    std::size_t admitted = MessageSink::no_tps_limit;
    if (tps_ && is_submission(id)) {
        const auto taken = tps_->take_up_to(tokens_for(request), authenticator_.now());
        if (taken == 0)
            return s.respond(protocol::make_response(id, request.sequence_number, command_status::ESME_RTHROTTLED));
        admitted = taken;
    }
    if (query_tps_ && is_message_query(id) && !query_tps_->try_take(authenticator_.now()))
        return s.respond(protocol::make_response(id, request.sequence_number, command_status::ESME_RTHROTTLED));
    if (sink_ && !system_id_.empty()) {
        if (id == command_id::submit_sm) return sink_->submit_sm(s.shared_from_this(), system_id_, std::move(request));
        if (id == command_id::query_sm) return sink_->query_sm(s.shared_from_this(), system_id_, std::move(request));
        if (id == command_id::data_sm) return sink_->data_sm(s.shared_from_this(), system_id_, std::move(request));
        if (id == command_id::cancel_sm)
            return sink_->cancel_sm(s.shared_from_this(), system_id_, std::move(request));
        if (id == command_id::submit_multi)
            return sink_->submit_multi(s.shared_from_this(), system_id_, std::move(request), admitted);
        if (id == command_id::replace_sm)
            return sink_->replace_sm(s.shared_from_this(), system_id_, std::move(request));
    }
    if (!warned_no_forward_path_) {
        warned_no_forward_path_ = true;
        if (sink_)
            spdlog::warn("session {} system_id={}: no path for {}; refusing it and every later such request",
                         peer_label(s), system_id_, protocol::name(request.id()));
        else
            spdlog::warn("session {} system_id={}: the forward path (ledger, routing, carriers) is not built yet "
                         "in this server (no carriers_file configured); refusing {} and every later message "
                         "request",
                         peer_label(s), system_id_, protocol::name(request.id()));
    }
    s.respond(protocol::make_response(request.id(), request.sequence_number, refusal(request.id())));
}

void UpstreamSessionHandler::on_closed(session::Session& s, session::close_reason reason) {
    closed_ = true;
    lease_.release();
    if (reported_bound_ && observer_) observer_->on_upstream_closed(s, system_id_);
    spdlog::info("close {} system_id={} reason={}", peer_label(s), system_id_.empty() ? "-" : system_id_,
                 session::name(reason));
}

}  // namespace smpp::upstream
