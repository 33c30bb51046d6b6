#include "smpp/upstream/upstream_session_handler.hpp"

#include <catch2/catch.hpp>

using smpp::protocol::command_id;
using smpp::protocol::command_status;
using smpp::upstream::UpstreamSessionHandler;

// Invariant 1 while no ledger exists: every message request gets an error
// status of its own kind, never ESME_ROK.
TEST_CASE("message requests are refused with their own failure status", "[upstream][handler]") {
    CHECK(UpstreamSessionHandler::refusal(command_id::submit_sm) == command_status::ESME_RSUBMITFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::submit_multi) == command_status::ESME_RSUBMITFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::data_sm) == command_status::ESME_RSUBMITFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::query_sm) == command_status::ESME_RQUERYFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::cancel_sm) == command_status::ESME_RCANCELFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::replace_sm) == command_status::ESME_RREPLACEFAIL);
    CHECK(UpstreamSessionHandler::refusal(command_id::deliver_sm) == command_status::ESME_RSYSERR);
}
