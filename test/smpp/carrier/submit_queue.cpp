#include "smpp/carrier/submit_queue.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace smpp::carrier;

namespace {

std::vector<std::string> drain(SubmitQueue<std::string>& q) {
    std::vector<std::string> out;
    while (auto e = q.pop()) out.push_back(e->item);
    return out;
}

}  // namespace

TEST_CASE("submit queue: otp, then transactional, then bulk; FIFO within a class") {
    SubmitQueue<std::string> q(100);
    q.push(message_class::bulk, "b1");
    q.push(message_class::transactional, "t1");
    q.push(message_class::bulk, "b2");
    q.push(message_class::otp, "o1");
    q.push(message_class::transactional, "t2");
    q.push(message_class::otp, "o2");
    CHECK(q.size() == 6);
    CHECK(q.size(message_class::bulk) == 2);
    CHECK(drain(q) == std::vector<std::string>{"o1", "o2", "t1", "t2", "b1", "b2"});
    CHECK(q.empty());
}

TEST_CASE("submit queue refuses when full, across classes") {
    SubmitQueue<std::string> q(2);
    CHECK(q.push(message_class::bulk, "b1") == push_result::queued);
    CHECK(q.push(message_class::otp, "o1") == push_result::queued);
    CHECK(q.push(message_class::otp, "o2") == push_result::full);
    CHECK(q.size() == 2);
    q.pop();
    CHECK(q.push(message_class::otp, "o2") == push_result::queued);
}

TEST_CASE("submit queue requeue puts a message back at its place in its class") {
    SubmitQueue<std::string> q(10);
    q.push(message_class::bulk, "b1");
    q.push(message_class::bulk, "b2");
    q.push(message_class::bulk, "b3");
    q.push(message_class::bulk, "b4");
    auto e1 = q.pop();
    auto e2 = q.pop();
    auto e3 = q.pop();
    // Throttling answers come back in any order.
    q.requeue(std::move(*e3));
    q.requeue(std::move(*e1));
    q.push(message_class::bulk, "b5");
    CHECK(drain(q) == std::vector<std::string>{"b1", "b3", "b4", "b5"});
    (void)e2;
}

TEST_CASE("submit queue requeue ignores the capacity: the entry held a slot") {
    SubmitQueue<std::string> q(1);
    q.push(message_class::bulk, "b1");
    auto e = q.pop();
    CHECK(q.push(message_class::otp, "o1") == push_result::queued);
    q.requeue(std::move(*e));
    CHECK(q.size() == 2);
    CHECK(drain(q) == std::vector<std::string>{"o1", "b1"});
}

TEST_CASE("submit queue take_all hands back everything, highest class first") {
    SubmitQueue<std::string> q(10);
    q.push(message_class::bulk, "b1");
    q.push(message_class::otp, "o1");
    auto all = q.take_all();
    REQUIRE(all.size() == 2);
    CHECK(all[0].item == "o1");
    CHECK(all[0].cls == message_class::otp);
    CHECK(all[1].item == "b1");
    CHECK(q.empty());
}
