// startup, memory and storage: the `crm` executable itself, on a copy of a demo dataset's log.
//
// - startup/<scale>: from starting `crm serve` on a data directory whose read models are built
//   (a restart) to its first answer on /healthz. Baseline in the same run: `crm status` on the
//   same directory, i.e. reading and checking the whole log, which a start must not do.
// - memory/<scale>: the server's peak RSS (VmHWM) after that restart and 10 s of list pages from
//   64 connections (wrk); the settings also give the peak of the first start, which builds every
//   read model from the log.
// - storage/<scale>: then, the server stopped and both stores fully compacted, the log's bytes on
//   disk per event. Baseline: the events' payload bytes (Cap'n Proto, as appended) per event. The
//   settings give the read models' bytes per event too.
//
// Medium by default, small with --quick, large when named (startup/large, memory/large,
// storage/large).
//
// usage: server_bench [--quick] [--json FILE] [NAME-PREFIX ...]

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "application/command_handler.h"
#include "benchmarks/dataset.h"
#include "benchmarks/harness.h"
#include "eventstore/event_store.h"
#include "eventstore/table_store.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace crm::bench {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A copy of a RocksDB directory that shares its table files (RocksDB never changes one in place).
void copy_store(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    const fs::path target = to / entry.path().filename();
    if (entry.path().extension() == ".sst")
      fs::create_hard_link(entry.path(), target);
    else
      fs::copy_file(entry.path(), target);
  }
}

// The operator the load logs in as.
void add_operator(const std::string& events) {
  auto store = std::move(eventstore::EventStore::open(events)).value();
  application::CommandHandler handler(*store, {crm::testing::wall_clock_us});
  if (!handler.handle(bench_operator())) std::abort();
}

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    std::abort();
  ::close(fd);
  return ntohs(a.sin_port);
}

// `crm serve` on `data` at `port`, its output in `log`, stopped with SIGTERM when done.
class Server {
 public:
  Server(const std::string& data, uint16_t port, const std::string& log) : port_(port) {
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr))
        ::_exit(127);
      ::execl(CRM_EXECUTABLE, CRM_EXECUTABLE, "serve", "--data", data.c_str(), "--listen",
              listen.c_str(), "--no-demo", "--rate-limit", "0", nullptr);
      ::_exit(127);
    }
  }
  ~Server() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }

  // Waits (at most `timeout`) for /healthz to answer 200 and, if `caught_up`, to report no
  // projection lag. False if it did not.
  bool wait_healthy(bool caught_up, std::chrono::seconds timeout) const {
    const auto deadline = clock_type::now() + timeout;
    while (clock_type::now() < deadline) {
      const auto r = crm::testing::request(port_, "GET", "/healthz");
      if (r.status == 200 && (!caught_up || r.json("projection_lag") == "0")) return true;
      std::this_thread::sleep_for(caught_up ? 200ms : 2ms);
    }
    return false;
  }

  // The process's peak resident set (VmHWM) in MiB.
  double peak_rss_mib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;
    return 0;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_;
};

uint64_t bytes_in(const fs::path& dir) {
  uint64_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) n += entry.file_size();
  return n;
}

// Compacts the stopped server's stores and reports the log's bytes per event.
void report_storage(const Settings& s, const std::string& name, const std::string& data) {
  uint64_t events = 0, payload = 0;
  {
    auto log = std::move(eventstore::EventStore::open(data + "/events")).value();
    if (!log->compact()) std::abort();
    auto read = log->read_all(1, UINT64_MAX, [&](const eventstore::RecordedEvent& e) {
      payload += e.payload.size();
      return true;
    });
    if (!read || *read != log->head()) std::abort();
    events = *read;
  }
  {
    auto views = std::move(eventstore::TableStore::open(data + "/views")).value();
    if (!views->compact()) std::abort();
  }
  const double log_per_event = static_cast<double>(bytes_in(data + "/events")) / events;
  const double views_per_event = static_cast<double>(bytes_in(data + "/views")) / events;
  const double payload_per_event = static_cast<double>(payload) / events;
  report(s, {name,
             std::to_string(events) +
                 " events after a full compaction: the log (events, hash chain, stream, category, "
                 "type and command indexes); the read models another " +
                 number(views_per_event) + " B/event; target 1.5x the payload",
             log_per_event, "B/event", "payload bytes per event", payload_per_event,
             log_per_event / payload_per_event});
}

// The running server's peak RSS after `seconds` of list pages from 64 connections (wrk).
void report_memory(const Settings& s, const std::string& name, const Server& server, uint16_t port,
                   const std::string& dir, const std::string& output, double first_start_rss) {
  const std::string token =
      crm::testing::request(port, "POST", "/api/v1/sessions",
                            R"({"login":"bench","password":"bench-password"})")
          .json("token");
  if (token.empty()) std::abort();
  const std::string script = dir + "/auth.lua";
  std::ofstream(script) << "wrk.headers[\"Authorization\"] = \"Bearer " << token << "\"\n";
  const int seconds = s.quick ? 3 : 10;
  const std::string wrk = "wrk -t2 -c64 -d" + std::to_string(seconds) + "s -s " + script +
                          " 'http://127.0.0.1:" + std::to_string(port) +
                          "/api/v1/clients?status=active&sort=name&limit=50' >>" + output + " 2>&1";
  if (std::system(wrk.c_str()) != 0) std::abort();
  const double rss = server.peak_rss_mib();
  report(s, {name,
             "peak RSS after the restart and " + std::to_string(seconds) +
                 " s of list pages from 64 connections; the first start peaked at " +
                 number(first_start_rss) + " MiB",
             rss, "MiB", "target 2 GiB", 2048, rss / 2048});
}

void run_scale(const Settings& s, const demo::Scale& scale) {
  const std::string suffix = std::string("/") + scale.name;
  const bool startup = s.wants("startup" + suffix), memory = s.wants("memory" + suffix),
             storage = s.wants("storage" + suffix);
  if (!startup && !memory && !storage) return;
  const std::string log = dataset_log(scale);
  crm::testing::TempDir dir("crm-bench-server");
  const std::string data = dir.sub("data");
  copy_store(log, data + "/events");
  add_operator(data + "/events");
  const std::string output = dir.sub("serve.log");

  // The first start builds every read model from the log.
  double first_start_s = 0, first_start_rss = 0;
  {
    const auto t0 = clock_type::now();
    Server server(data, free_port(), output);
    if (!server.wait_healthy(true, 3600s)) std::abort();
    first_start_s = seconds_since(t0);
    first_start_rss = server.peak_rss_mib();
  }

  // startup's baseline: the whole log read and checked (the store is closed between the starts).
  double verify_s = 0;
  if (startup) {
    const auto t1 = clock_type::now();
    const std::string status =
        std::string(CRM_EXECUTABLE) + " status --data " + data + " >>" + output + " 2>&1";
    if (std::system(status.c_str()) != 0) std::abort();
    verify_s = seconds_since(t1);
  }

  // The restart, measured, then list pages against it. The server stops at the end of the block.
  if (startup || memory) {
    const uint16_t port = free_port();
    const auto t0 = clock_type::now();
    Server server(data, port, output);
    if (!server.wait_healthy(false, 600s)) std::abort();
    const double startup_s = seconds_since(t0);
    if (startup)
      report(s, {"startup" + suffix,
                 "crm serve to its first /healthz answer, read models built; first start (building "
                 "them from the log): " +
                     number(first_start_s) + " s",
                 startup_s, "s", "crm status: the whole log read and its hash chain checked",
                 verify_s, startup_s / verify_s});
    if (memory)
      report_memory(s, "memory" + suffix, server, port, dir.path(), output, first_start_rss);
  }
  if (storage) report_storage(s, "storage" + suffix, data);
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  const auto s = crm::bench::parse_settings(argc, argv);
  crm::bench::run_scales(s, {"startup/large", "memory/large", "storage/large"},
                         [&](const crm::demo::Scale& scale) { crm::bench::run_scale(s, scale); });
}
