#pragma once
// A SessionHandler that passes every callback on to the application's
// handler and then tells its owner (Client, Listener) that the session
// closed, so the owner tracks its sessions without the application's
// handler having to know about it.
#include <functional>
#include <memory>
#include <utility>

#include "smpp/session/session_handler.hpp"

namespace smpp::session {

class ForwardingHandler final : public SessionHandler {
public:
    using AfterClose = std::function<void(Session&, close_reason)>;

    ForwardingHandler(std::shared_ptr<SessionHandler> user, AfterClose after_close)
        : user_(std::move(user)), after_close_(std::move(after_close)) {}

    void on_bind_request(Session& s, const BindRequest& r, BindVerdict v) override {
        user_->on_bind_request(s, r, std::move(v));
    }
    void on_bound(Session& s) override { user_->on_bound(s); }
    void on_request(Session& s, protocol::Pdu&& p) override { user_->on_request(s, std::move(p)); }
    void on_alert_notification(Session& s, const protocol::AlertNotification& a) override {
        user_->on_alert_notification(s, a);
    }
    void on_unexpected_response(Session& s, const protocol::Pdu& p) override { user_->on_unexpected_response(s, p); }
    std::optional<BindRequest> on_outbind(Session& s, const protocol::Outbind& o) override {
        return user_->on_outbind(s, o);
    }
    void on_closed(Session& s, close_reason r) override {
        user_->on_closed(s, r);
        if (after_close_) after_close_(s, r);
    }

private:
    std::shared_ptr<SessionHandler> user_;
    AfterClose after_close_;
};

}  // namespace smpp::session
