// api.get, api.list, api.history, api.post: the real server in this process on a loopback port,
// loaded by wrk (Debian's) with 64 connections. Baselines in the same run: nginx serving the same
// payload as a static file (api.get) and EventStore appends at 64 writers (api.post). ws.fanout
// lives in ws_bench.cpp.
//
// Dataset: the small demo, generated into a temporary directory (a few seconds).
//
// usage: api_bench [--quick] [--json FILE] [NAME-PREFIX ...]

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "benchmarks/api_fixture.h"
#include "benchmarks/harness.h"

namespace crm::bench {
namespace {

struct WrkResult {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  double cpu_us = 0;  // CPU time of this process (the server) per request
  uint64_t non_2xx = 0;
  bool ok = false;
};

double process_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

double to_ms(const std::string& number, const std::string& unit) {
  const double v = std::stod(number);
  if (unit == "us") return v / 1000;
  if (unit == "s") return v * 1000;
  return v;
}

// Runs wrk and parses its summary (requests/s, the 50% and 99% latencies, non-2xx responses).
WrkResult wrk(const std::string& url, int connections, int seconds, const std::string& script) {
  const std::string cmd = "wrk --latency -t2 -c" + std::to_string(connections) + " -d" +
                          std::to_string(seconds) + "s" + (script.empty() ? "" : " -s " + script) +
                          " '" + url + "' 2>&1";
  WrkResult r;
  const double cpu_before = process_cpu_us();
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  const double cpu = process_cpu_us() - cpu_before;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(([0-9]+) requests in)")) && std::stod(m[1]) > 0)
    r.cpu_us = cpu / std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    r.rps = std::stod(m[1]);
    r.ok = true;
  }
  if (std::regex_search(out, m, std::regex(R"(\s50%\s+([0-9.]+)(us|ms|s))")))
    r.p50_ms = to_ms(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(\s99%\s+([0-9.]+)(us|ms|s))")))
    r.p99_ms = to_ms(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))")))
    r.non_2xx = std::stoull(m[1]);
  if (!r.ok) std::fprintf(stderr, "wrk failed:\n%s\n", out.c_str());
  return r;
}

std::string write_script(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// nginx serving `body` as a static file on a free port, for as long as this object lives.
class Nginx {
 public:
  Nginx(const std::string& dir, const std::string& body) {
    std::filesystem::create_directories(dir + "/www");
    std::ofstream(dir + "/www/record.json") << body;
    port_ = 18000 + static_cast<int>(getpid() % 1000);
    std::ofstream(dir + "/nginx.conf")
        << "daemon off; user root; worker_processes 2; pid " << dir << "/nginx.pid;\n"
        << "error_log " << dir << "/error.log;\n"
        << "events { worker_connections 4096; }\n"
        << "http { access_log off; keepalive_requests 1000000;\n"
        << "  server { listen 127.0.0.1:" << port_ << "; root " << dir << "/www;\n"
        << "    location / { default_type application/json; } } }\n";
    pid_ = fork();
    if (pid_ == 0) {
      execlp("nginx", "nginx", "-q", "-p", dir.c_str(), "-c", (dir + "/nginx.conf").c_str(),
             nullptr);
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ~Nginx() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/record.json"; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Durable single-event appends by 64 threads straight into an EventStore (api.post's baseline).
double store_appends(const std::string& dir, double seconds) {
  auto store = std::move(eventstore::EventStore::open(dir)).value();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  const std::string payload(256, 'x');
  std::vector<std::thread> threads;
  for (int w = 0; w < 64; ++w)
    threads.emplace_back([&, w] {
      for (uint64_t i = 0; !stop; ++i) {
        auto r =
            store->append("bench-" + std::to_string(w) + "x" + std::to_string(i),
                          eventstore::ExpectedVersion::no_stream(), {{"Benchmarked", payload}});
        if (r) ++done;
      }
    });
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return static_cast<double>(done) / seconds_since(t0);
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  using namespace crm::bench;
  const Settings s = parse_settings(argc, argv);
  if (!s.wants("api.get") && !s.wants("api.list") && !s.wants("api.history") &&
      !s.wants("api.post"))
    return 0;
  const int seconds = s.quick ? 2 : 10;
  ApiFixture server;
  const std::string base = server.url();
  const std::string auth = "wrk.headers[\"Authorization\"] = \"Bearer " + server.token() + "\"\n";
  const std::string dir = server.dir().path();

  if (s.wants("api.get")) {
    const std::string one = base + "/api/v1/clients/c1";
    const auto body = server.get("/api/v1/clients/c1");
    Nginx nginx(dir + "/nginx", body);
    const auto script = write_script(dir, "get.lua", auth);
    const auto ours = wrk(one, 64, seconds, script);
    const auto theirs = wrk(nginx.url(), 64, seconds, "");
    report(s, {"api.get",
               "GET /api/v1/clients/c1, 64 connections, " + std::to_string(seconds) + "s, " +
                   std::to_string(body.size()) + " B, p99 " + number(ours.p99_ms) + " ms (nginx " +
                   number(theirs.p99_ms) + " ms), server CPU " + number(ours.cpu_us) + " us/req" +
                   (ours.non_2xx ? ", NON-2XX: " + std::to_string(ours.non_2xx) : ""),
               ours.rps, "req/s", "nginx static file, same payload", theirs.rps,
               theirs.rps > 0 ? ours.rps / theirs.rps : 0});
  }
  // A page's GET against nginx serving the same body.
  auto page_row = [&](const std::string& name, const std::string& path, const std::string& note) {
    const auto body = server.get(path);
    Nginx nginx(dir + "/nginx-" + name, body);
    const auto script = write_script(dir, name + ".lua", auth);
    const auto ours = wrk(base + path, 64, seconds, script);
    const auto theirs = wrk(nginx.url(), 64, seconds, "");
    report(s, {name,
               "GET " + path + " (small), 64 connections, " + std::to_string(body.size()) +
                   " B, p50/p99 " + number(ours.p50_ms) + "/" + number(ours.p99_ms) +
                   " ms, server CPU " + number(ours.cpu_us) + " us/req" + note +
                   (ours.non_2xx ? ", NON-2XX: " + std::to_string(ours.non_2xx) : ""),
               ours.rps, "req/s", "nginx static file, same payload", theirs.rps,
               theirs.rps > 0 ? ours.rps / theirs.rps : 0});
  };
  if (s.wants("api.list"))
    page_row("api.list", "/api/v1/clients?status=active&sort=name&limit=50", "; target 20k req/s");
  // An auditor's page of a client's history, each entry with its field-level changes: an old
  // event read from the log each.
  if (s.wants("api.history")) page_row("api.history", "/api/v1/clients/c1/history?limit=50", "");
  if (s.wants("api.post")) {
    const std::string post =
        auth +
        "wrk.method = \"POST\"\n"
        "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        "wrk.body = '{\"kind\":\"phone_call\",\"direction\":\"inbound\",\"subject\":\"Zapytanie\","
        "\"occurred_at\":\"2026-11-20T10:00:00Z\",\"client_id\":\"c1\"}'\n";
    const auto peak =
        wrk(base + "/api/v1/contacts", 64, seconds, write_script(dir, "post.lua", post));
    // Half of the peak rate: each connection waits between its requests so that 64 of them send
    // peak/2 per second. A connection's cycle is its wait plus the response time, so a first run
    // tells the response time, and the second waits that much less (before, the wait alone was
    // the cycle, and "half of peak" was about 40% of it).
    auto paced = [&](double wait_ms) {
      const long ms = std::max(1L, std::lround(wait_ms));
      return wrk(base + "/api/v1/contacts", 64, seconds,
                 write_script(dir, "post-half.lua",
                              post + "function delay() return " + std::to_string(ms) + " end\n"));
    };
    const double cycle_ms = peak.rps > 0 ? 64000 / (peak.rps / 2) : 10;
    auto half = paced(cycle_ms);
    if (half.rps > 0) {
      const double response_ms = 64000 / half.rps - std::max(1L, std::lround(cycle_ms));
      half = paced(cycle_ms - response_ms);
    }
    const double baseline = store_appends(dir + "/append-baseline", s.quick ? 2 : 5);
    report(s, {"api.post",
               "POST /api/v1/contacts (durable), 64 connections; peak p99 " + number(peak.p99_ms) +
                   " ms, server CPU " + number(peak.cpu_us) + " us/req; at " + number(half.rps) +
                   " req/s (" + number(peak.rps > 0 ? 100 * half.rps / peak.rps : 0) +
                   "% of peak): p50/p99 " + number(half.p50_ms) + "/" + number(half.p99_ms) +
                   " ms" + (peak.non_2xx ? ", NON-2XX: " + std::to_string(peak.non_2xx) : ""),
               peak.rps, "req/s", "eventstore.append w64/b1/sync", baseline,
               baseline > 0 ? peak.rps / baseline : 0});
  }
  return 0;
}
