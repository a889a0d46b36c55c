#pragma once
// A whole server on a loopback port in a temporary directory (real RocksDB, real projections,
// real Beast server), and a tiny blocking HTTP/1.1 client over a plain socket, so each request
// in a test is exactly the bytes it says.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/json.h"
#include "api/server.h"
#include "application/command_handler.h"
#include "application/passwords.h"
#include "eventstore/event_store.h"
#include "eventstore/table_store.h"
#include "projections/runner.h"
#include "projections/views.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace crm::api::test {

using crm::testing::connect_to;
using crm::testing::Headers;
using crm::testing::raw_request;
using crm::testing::request;
using crm::testing::Response;

/// The server with one operator per role ("op-<role>", login = role, password "password-<role>").
class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiOptions options;
    options.rate_limit = 0;  // tests send bursts; the limit has its own test
    start(options, {});
  }
  void TearDown() override { stop(); }

  void start(ApiOptions api_options, ServerOptions server_options) {
    auto s = eventstore::EventStore::open(dir_.sub("events"));
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    auto v = eventstore::TableStore::open(dir_.sub("views"));
    ASSERT_TRUE(v) << v.error().message;
    views_ = std::move(*v);
    handler_ = std::make_unique<application::CommandHandler>(
        *store_, application::Options{crm::testing::wall_clock_us});
    for (const char* role : {"operator", "manager", "auditor", "admin"}) {
      if (handler_->exists(domain::EntityKind::operator_, std::string("op-") + role)) continue;
      domain::Command c{domain::EntityKind::operator_,
                        domain::Action::create,
                        std::string("op-") + role,
                        {{"login", role}, {"name", std::string("Test ") + role}, {"role", role}},
                        "op-admin",
                        {},
                        application::hash_password(std::string("password-") + role)};
      ASSERT_TRUE(handler_->handle(c));
    }
    runner_ = std::make_unique<projections::Runner>(*store_, *views_, projections_());
    ASSERT_TRUE(runner_->start());
    if (!api_options.clock) api_options.clock = crm::testing::wall_clock_us;
    api_ = std::make_unique<Api>(*store_, *handler_, *views_, *runner_, api_options);
    ASSERT_TRUE(api_->open());
    server_options.port = 0;
    server_options.workers = 8;
    auto server = Server::start(*api_, server_options);
    ASSERT_TRUE(server) << server.error();
    server_ = std::move(*server);
    port_ = server_->port();
  }

  void stop() {
    if (server_) server_->stop();
    server_.reset();
    api_.reset();
    if (runner_) runner_->stop();
    runner_.reset();
    handler_.reset();
    views_.reset();
    store_.reset();
  }

  /// A session token for a role's operator.
  std::string token(const std::string& role) {
    auto r = request(port_, "POST", "/api/v1/sessions",
                     "{\"login\":\"" + role + "\",\"password\":\"password-" + role + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json("token");
  }
  Headers auth(const std::string& role) {
    if (!tokens_.count(role)) tokens_[role] = token(role);
    return {{"Authorization", "Bearer " + tokens_[role]}};
  }
  Response get(const std::string& target, const std::string& role = "admin") {
    return request(port_, "GET", target, {}, auth(role));
  }
  Response post(const std::string& target, const std::string& body,
                const std::string& role = "admin", Headers extra = {}) {
    Headers h = auth(role);
    h.insert(h.end(), extra.begin(), extra.end());
    return request(port_, "POST", target, body, h);
  }
  Response patch(const std::string& target, const std::string& body,
                 const std::string& role = "admin", Headers extra = {}) {
    Headers h = auth(role);
    h.insert(h.end(), extra.begin(), extra.end());
    return request(port_, "PATCH", target, body, h);
  }

  /// The read models the server runs (a test may give another version of one).
  std::function<std::vector<std::unique_ptr<projections::Projection>>()> projections_ =
      projections::builtin_projections;
  crm::testing::TempDir dir_{"crm-api"};
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<eventstore::TableStore> views_;
  std::unique_ptr<application::CommandHandler> handler_;
  std::unique_ptr<projections::Runner> runner_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::map<std::string, std::string> tokens_;
};

}  // namespace crm::api::test
