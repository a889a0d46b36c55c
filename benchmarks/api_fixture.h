#pragma once
// The whole server in the benchmark's process: the small demo dataset in a temporary directory,
// durable appends, read models caught up, an operator "bench" logged in, no rate limit.

#include <chrono>
#include <memory>
#include <string>

#include "api/api.h"
#include "api/server.h"
#include "application/command_handler.h"
#include "benchmarks/dataset.h"
#include "demo/generator.h"
#include "eventstore/event_store.h"
#include "eventstore/table_store.h"
#include "projections/runner.h"
#include "projections/views.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace crm::bench {

class ApiFixture {
 public:
  ApiFixture() {
    {
      eventstore::Options o;
      o.sync = false;
      auto log = std::move(eventstore::EventStore::open(dir_.sub("events"), o)).value();
      demo::Options d;
      d.scale = demo::kSmall;
      d.seed = 1;
      if (demo::generate(*log, d).refused != 0 || !log->flush()) std::abort();
    }
    store_ = std::move(eventstore::EventStore::open(dir_.sub("events"))).value();
    views_ = std::move(eventstore::TableStore::open(dir_.sub("views"))).value();
    handler_ = std::make_unique<application::CommandHandler>(
        *store_, application::Options{crm::testing::wall_clock_us});
    if (!handler_->handle(bench_operator())) std::abort();
    runner_ =
        std::make_unique<projections::Runner>(*store_, *views_, projections::builtin_projections());
    if (!runner_->catch_up() || !runner_->start()) std::abort();
    api::ApiOptions options;
    options.clock = crm::testing::wall_clock_us;
    options.rate_limit = 0;
    api_ = std::make_unique<api::Api>(*store_, *handler_, *views_, *runner_, options);
    if (!api_->open()) std::abort();
    api::ServerOptions server;
    server.port = 0;
    server_ = std::move(api::Server::start(*api_, server)).value();
    auto login = testing::request(server_->port(), "POST", "/api/v1/sessions",
                                  R"({"login":"bench","password":"bench-password"})");
    token_ = login.json("token");
    if (token_.empty()) std::abort();
  }
  ~ApiFixture() {
    server_->stop();
    runner_->stop();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  uint16_t port() const { return server_->port(); }
  const std::string& token() const { return token_; }
  const crm::testing::TempDir& dir() const { return dir_; }
  eventstore::EventStore& store() { return *store_; }
  application::CommandHandler& handler() { return *handler_; }
  std::string get(const std::string& target) const {
    return testing::request(server_->port(), "GET", target, {},
                            {{"Authorization", "Bearer " + token_}})
        .body;
  }

 private:
  crm::testing::TempDir dir_{"crm-api-bench"};
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<eventstore::TableStore> views_;
  std::unique_ptr<application::CommandHandler> handler_;
  std::unique_ptr<projections::Runner> runner_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<api::Server> server_;
  std::string token_;
};

}  // namespace crm::bench
