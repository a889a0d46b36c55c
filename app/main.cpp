// crm: the one executable. main only parses the command line and wires the modules together.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/api.h"
#include "api/server.h"
#include "application/command_handler.h"
#include "application/passwords.h"
#include "demo/generator.h"
#include "eventstore/event_store.h"
#include "projections/runner.h"
#include "projections/views.h"

namespace {

using crm::eventstore::EventStore;

constexpr const char* kUsage =
    "usage: crm <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve    open the data directory (first start: admin operator and demo data) and run\n"
    "  demo     generate a demo dataset: --scale small|medium|large [--seed N]\n"
    "  status   print the store's head and verify its hash chain\n"
    "  projections status|rebuild [NAME]   read models: their lag; rebuild offline from the log\n"
    "  admin-password   give the operator 'admin' a new password (the server stopped)\n"
    "\n"
    "Every command takes --data DIR (default ./data: DIR/events holds the log, DIR/views the\n"
    "read models). Run 'crm <command> --help' for more.\n";

struct Args {
  std::string data = "./data";
  std::string listen = "127.0.0.1:8080";
  std::string scale = "small";
  uint64_t seed = 1;
  unsigned threads = 0;
  double rate_limit = 500;
  bool help = false;
  bool no_demo = false;
  std::vector<std::string> positional;
  std::string bad;  // the first option not understood
};

Args parse(std::string_view command, const std::vector<std::string_view>& argv) {
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const auto arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argv.size()) {
        if (a.bad.empty()) a.bad = std::string(arg) + " needs a value";
        return;
      }
      out = argv[++i];
    };
    std::string seed;
    if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg == "--data") {
      value(a.data);
    } else if (command == "serve" && arg == "--listen") {
      value(a.listen);
    } else if (command == "serve" && arg == "--threads") {
      std::string n;
      value(n);
      char* end = nullptr;
      a.threads = static_cast<unsigned>(std::strtoul(n.c_str(), &end, 10));
      if (n.empty() || *end != '\0' || a.threads > 256) a.bad = "--threads needs a number (0-256)";
    } else if (command == "serve" && arg == "--rate-limit") {
      std::string n;
      value(n);
      char* end = nullptr;
      a.rate_limit = std::strtod(n.c_str(), &end);
      if (n.empty() || *end != '\0' || a.rate_limit < 0) a.bad = "--rate-limit needs a number";
    } else if (command == "serve" && arg == "--no-demo") {
      a.no_demo = true;
    } else if (command == "demo" && arg == "--scale") {
      value(a.scale);
    } else if (command == "demo" && arg == "--seed") {
      value(seed);
      char* end = nullptr;
      a.seed = std::strtoull(seed.c_str(), &end, 10);
      if (seed.empty() || *end != '\0') a.bad = "--seed needs a number";
    } else if (command == "projections" && !arg.starts_with("-")) {
      a.positional.emplace_back(arg);
    } else if (a.bad.empty()) {
      a.bad = "unknown option " + std::string(arg);
    }
  }
  return a;
}

std::string events_dir(const std::string& data) {
  return data + "/events";
}
std::string views_dir(const std::string& data) {
  return data + "/views";
}

std::unique_ptr<EventStore> open_store(const std::string& data, bool sync = true) {
  const std::string dir = events_dir(data);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  crm::eventstore::Options options;
  options.sync = sync;
  auto store = EventStore::open(dir, options);
  if (!store) {
    std::fprintf(stderr, "crm: cannot open %s: %s\n", dir.c_str(), store.error().message.c_str());
    return nullptr;
  }
  return std::move(store).value();
}

// "ok", or where the chain breaks.
std::string chain_state(const crm::eventstore::VerifyReport& report) {
  return report.ok
             ? "ok"
             : "BROKEN at " + std::to_string(report.first_bad_position) + ": " + report.problem;
}

// Verifies the hash chain from position `from` to the head and prints it with the head.
int print_status(const EventStore& store, uint64_t from = 1) {
  auto report = store.verify(from);
  if (!report) {
    std::fprintf(stderr, "crm: verify failed: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("data: %s\nhead: %llu\nhash chain: %s (%llu events checked%s)\n",
              store.path().c_str(), static_cast<unsigned long long>(store.head()),
              chain_state(*report).c_str(), static_cast<unsigned long long>(report->checked),
              from > 1 ? ", the last ones; all of them in the background" : "");
  return report->ok ? 0 : 1;
}

// `crm serve` checks this many of the newest events before it serves, and the whole chain after:
// reading the whole log first made a start take as long as a scan of it (88 s with the large
// dataset here, against 0.64 s without), and a restart must not read the log (PRODUCT.md).
constexpr uint64_t kTailChecked = 10'000;

// Walks the hash chain before `tail_from` (the events from there to `head` were checked before
// serving) a slice at a time while the server serves, and prints the outcome and reports it to
// /healthz; stops early when asked to.
void check_chain(const EventStore& store, uint64_t tail_from, uint64_t head, crm::api::Api& api,
                 std::stop_token stop) {
  constexpr uint64_t kSlice = 100'000;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t from = 1; from < tail_from; from += kSlice) {
    if (stop.stop_requested()) return;
    auto report = store.verify(from, std::min(tail_from - 1, from + kSlice - 1));
    if (!report) {
      std::fprintf(stderr, "crm: hash chain check failed: %s\n", report.error().message.c_str());
      api.report_hash_chain("not checked: " + report.error().message, false);
      return;
    }
    if (!report->ok) {
      std::fprintf(stderr, "crm: hash chain %s\n", chain_state(*report).c_str());
      api.report_hash_chain(chain_state(*report), true);
      return;
    }
  }
  std::printf("hash chain: ok (all %llu events up to %llu checked in %.1f s)\n",
              static_cast<unsigned long long>(head), static_cast<unsigned long long>(head),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::fflush(stdout);
  api.report_hash_chain("ok", false);
}

bool generate_demo(EventStore& store, const crm::demo::Scale& scale, uint64_t seed) {
  crm::demo::Options options;
  options.scale = scale;
  options.seed = seed;
  options.progress = [](uint64_t done, uint64_t planned) {
    std::fprintf(stderr, "\rdemo: %llu of about %llu commands",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(planned));
  };
  const auto report = crm::demo::generate(store, options);
  std::fprintf(stderr, "\n");
  std::printf(
      "demo %s (seed %llu): %llu commands, %llu events in %.1f s (%.0f events/s), %llu refused\n",
      scale.name, static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(report.commands),
      static_cast<unsigned long long>(report.events), report.seconds,
      static_cast<double>(report.events) / report.seconds,
      static_cast<unsigned long long>(report.refused));
  if (auto f = store.flush(); !f) {
    std::fprintf(stderr, "crm: %s\n", f.error().message.c_str());
    return false;
  }
  return report.refused == 0;
}

std::unique_ptr<crm::eventstore::TableStore> open_views(const std::string& data) {
  auto views = crm::eventstore::TableStore::open(views_dir(data));
  if (!views) {
    std::fprintf(stderr, "crm: cannot open %s: %s\n", views_dir(data).c_str(),
                 views.error().message.c_str());
    return nullptr;
  }
  return std::move(views).value();
}

void print_projections(const crm::projections::Runner& runner) {
  for (const auto& s : runner.status()) {
    std::printf("projection %-17s v%u  checkpoint %llu  lag %llu", s.name.c_str(), s.version,
                static_cast<unsigned long long>(s.checkpoint),
                static_cast<unsigned long long>(s.lag));
    if (s.building_version)
      std::printf("  (building v%u: at %llu)", s.building_version,
                  static_cast<unsigned long long>(s.building_checkpoint));
    if (!s.failure.empty()) std::printf("  FAILING: %s", s.failure.c_str());
    std::printf("\n");
  }
}

int cmd_projections(const Args& a) {
  const std::string what = a.positional.empty() ? "" : a.positional[0];
  if (a.help || (what != "status" && what != "rebuild")) {
    std::puts(
        "usage: crm projections status [--data DIR]\n"
        "       crm projections rebuild [NAME ...] [--data DIR]\n"
        "  status: each read model's version, checkpoint and lag (head - checkpoint).\n"
        "  rebuild: forgets the named read models (all if none) and rebuilds them from the log.\n"
        "  Run it while the server is stopped; a running server rebuilds a changed version "
        "itself.");
    return a.help ? 0 : 2;
  }
  auto store = open_store(a.data);
  auto views = store ? open_views(a.data) : nullptr;
  if (!views) return 1;
  if (what == "rebuild") {
    std::vector<std::string> names(a.positional.begin() + 1, a.positional.end());
    if (names.empty())
      for (const auto& p : crm::projections::builtin_projections()) names.push_back(p->name());
    for (const auto& n : names)
      if (auto r = crm::projections::Runner::reset(*views, n); !r) {
        std::fprintf(stderr, "crm: %s\n", r.error().message.c_str());
        return 1;
      }
  }
  crm::projections::Runner runner(*store, *views, crm::projections::builtin_projections());
  const auto t0 = std::chrono::steady_clock::now();
  if (what == "rebuild") {
    if (auto r = runner.catch_up(); !r) {
      std::fprintf(stderr, "crm: %s\n", r.error().message.c_str());
      return 1;
    }
    if (auto r = views->compact(); !r) {
      std::fprintf(stderr, "crm: %s\n", r.error().message.c_str());
      return 1;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("rebuilt from %llu events in %.1f s (%.0f events/s)\n",
                static_cast<unsigned long long>(store->head()), s,
                static_cast<double>(store->head()) / s);
  } else if (auto r = runner.catch_up(); !r) {  // status of what a start would find
    std::fprintf(stderr, "crm: %s\n", r.error().message.c_str());
    return 1;
  }
  print_projections(runner);
  return 0;
}

int cmd_status(const Args& a) {
  if (a.help) {
    std::puts(
        "usage: crm status [--data DIR]\n  Prints the head position and verifies the hash chain.");
    return 0;
  }
  auto store = open_store(a.data);
  return store ? print_status(*store) : 1;
}

int cmd_demo(const Args& a) {
  if (a.help) {
    std::puts(
        "usage: crm demo --scale small|medium|large [--seed N] [--data DIR]\n"
        "  Generates the demo dataset of BENCHMARKS.md through the command path, "
        "deterministically\n"
        "  for a seed. Appends run without a sync per command; the log is synced at the end.");
    return 0;
  }
  auto scale = crm::demo::scale_from_name(a.scale);
  if (!scale) {
    std::fprintf(stderr, "crm demo: --scale must be small, medium or large\n");
    return 2;
  }
  auto store = open_store(a.data, /*sync=*/false);
  return store && generate_demo(*store, *scale, a.seed) ? 0 : 1;
}

// The admin's password: CRM_ADMIN_PASSWORD, or a generated one, printed once by say().
struct AdminPassword {
  std::string text;
  bool generated = false;

  static AdminPassword choose() {
    const char* env = std::getenv("CRM_ADMIN_PASSWORD");
    if (env && *env) return {env, false};
    return {crm::application::random_password(), true};
  }
  void say(const char* what) const {
    if (generated)
      std::printf("operator 'admin' %s; its password (shown only now): %s\n", what, text.c_str());
    else
      std::printf("operator 'admin' %s with the password from CRM_ADMIN_PASSWORD\n", what);
  }
};

constexpr const char* kAdminId = "op-admin";

// Creates the operator `admin` (role admin) with the password from CRM_ADMIN_PASSWORD or a
// generated one, printed once.
bool create_admin(crm::application::CommandHandler& handler) {
  const auto password = AdminPassword::choose();
  crm::domain::Command create{crm::domain::EntityKind::operator_,
                              crm::domain::Action::create,
                              kAdminId,
                              {{"login", "admin"}, {"name", "Administrator"}, {"role", "admin"}},
                              kAdminId,
                              {},
                              crm::application::hash_password(password.text)};
  if (auto r = handler.handle(std::move(create)); !r) {
    std::fprintf(stderr, "crm: cannot create the admin operator: %s\n", r.error().message.c_str());
    return false;
  }
  password.say("created");
  return true;
}

// Whether some operator can administer the CRM: an active one with the role admin (nullopt: the
// operators could not be read, said on stderr). A store written by `crm demo` has none.
std::optional<bool> has_admin(const EventStore& store, crm::application::CommandHandler& handler) {
  std::set<std::string> ids;
  auto read = store.read_category("operator", 1, std::numeric_limits<uint64_t>::max(),
                                  [&](const crm::eventstore::RecordedEvent& e) {
                                    ids.insert(e.stream.substr(e.category().size() + 1));
                                    return true;
                                  });
  std::string failure = read ? "" : read.error().message;
  for (const auto& id : ids) {
    auto op = handler.load(crm::domain::EntityKind::operator_, id);
    if (!op) {
      failure = op.error().message;
      break;
    }
    const crm::domain::Value* active = op->field("active");
    const bool* is_active = active ? active->get<bool>() : nullptr;
    if (op->text("role") == "admin" && (!is_active || *is_active)) return true;
  }
  if (failure.empty()) return false;
  std::fprintf(stderr, "crm: cannot read the operators: %s\n", failure.c_str());
  return std::nullopt;
}

// First start on an empty store: the admin operator, and the small demo unless --no-demo.
bool bootstrap(const Args& a) {
  auto store = open_store(a.data, /*sync=*/false);
  if (!store) return false;
  crm::application::CommandHandler handler(*store, {});
  if (!create_admin(handler)) return false;
  if (!a.no_demo && !generate_demo(*store, crm::demo::kSmall, 1)) return false;
  return static_cast<bool>(store->flush());
}

int cmd_admin_password(const Args& a) {
  if (a.help) {
    std::puts(
        "usage: crm admin-password [--data DIR]\n"
        "  Gives the operator 'admin' (the one 'crm serve' created) the password from\n"
        "  CRM_ADMIN_PASSWORD, or a generated one printed once: the way back in when it is lost.\n"
        "  Run it while the server is stopped; sessions already open stay open.");
    return 0;
  }
  auto store = open_store(a.data);
  if (!store) return 1;
  crm::application::CommandHandler handler(*store, {});
  auto admin = handler.load(crm::domain::EntityKind::operator_, kAdminId);
  if (admin && !admin->exists()) {
    std::fprintf(stderr, "crm: %s has no operator 'admin' ('crm serve' creates it)\n",
                 a.data.c_str());
    return 1;
  }
  const auto password = AdminPassword::choose();
  crm::domain::Command change{crm::domain::EntityKind::operator_,
                              crm::domain::Action::set_password,
                              kAdminId,
                              {},
                              kAdminId,
                              {},
                              crm::application::hash_password(password.text)};
  if (auto r = handler.handle(std::move(change)); !r) {
    std::fprintf(stderr, "crm: cannot change the admin's password: %s\n",
                 r.error().message.c_str());
    return 1;
  }
  password.say("given a new password");
  return 0;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int cmd_serve(const Args& a) {
  if (a.help) {
    std::puts(
        "usage: crm serve [--data DIR] [--listen HOST:PORT] [--threads N] [--rate-limit R]\n"
        "                 [--no-demo]\n"
        "  Opens the data directory (default ./data) and serves the HTTP/WebSocket API on\n"
        "  HOST:PORT (default 127.0.0.1:8080) until SIGINT or SIGTERM, which drain connections\n"
        "  and close the store cleanly. On an empty store it first creates the operator 'admin'\n"
        "  (password from CRM_ADMIN_PASSWORD, or a generated one printed once) and, unless\n"
        "  --no-demo, the small demo dataset; on a store without an active admin (one written\n"
        "  by 'crm demo'), the operator 'admin' alone.\n"
        "  --threads N      I/O threads (default: one per core)\n"
        "  --rate-limit R   requests per second per session, bursts of 2R (default 500; 0: off)");
    return 0;
  }
  const size_t colon = a.listen.rfind(':');
  const std::string host = colon == std::string::npos ? a.listen : a.listen.substr(0, colon);
  const long port =
      colon == std::string::npos ? -1 : std::strtol(a.listen.c_str() + colon + 1, nullptr, 10);
  if (host.empty() || port < 0 || port > 65535) {
    std::fprintf(stderr, "crm serve: --listen needs HOST:PORT, e.g. 127.0.0.1:8080\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  auto store = open_store(a.data);
  if (!store) return 1;
  if (store->head() == 0) {  // the first start: bootstrap writes unsynced, then the store reopens
    store.reset();
    if (!bootstrap(a)) return 1;
    store = open_store(a.data);
    if (!store) return 1;
  }
  const uint64_t head = store->head();
  const uint64_t tail_from = head > kTailChecked ? head - kTailChecked + 1 : 1;
  if (int rc = print_status(*store, tail_from); rc != 0) return rc;
  auto views = open_views(a.data);
  if (!views) return 1;
  crm::projections::Runner runner(*store, *views, crm::projections::builtin_projections());
  if (auto r = runner.start(); !r) {
    std::fprintf(stderr, "crm: projections: %s\n", r.error().message.c_str());
    return 1;
  }
  runner.wait_for(store->head(), std::chrono::seconds(60));
  print_projections(runner);

  crm::application::CommandHandler handler(*store, {now_us});
  // A store nobody can administer (one `crm demo` wrote) gets its admin as an empty one does.
  // Operators that cannot be read, or a refusal (the login taken by a deactivated admin), are
  // said and do not stop the start.
  if (const auto admin = has_admin(*store, handler); admin && !*admin) (void)create_admin(handler);
  crm::api::ApiOptions api_options;
  api_options.clock = now_us;
  api_options.rate_limit = a.rate_limit;
  api_options.rate_burst = 2 * a.rate_limit;
  crm::api::Api api(*store, handler, *views, runner, api_options);
  if (auto r = api.open(); !r) {
    std::fprintf(stderr, "crm: %s\n", r.error().message.c_str());
    return 1;
  }
  std::jthread chain_check;  // the rest of the chain, checked while serving
  if (tail_from > 1) {
    api.report_hash_chain("checking", false);
    chain_check = std::jthread([&store, &api, tail_from, head](std::stop_token stop) {
      check_chain(*store, tail_from, head, api, stop);
    });
  } else {
    api.report_hash_chain("ok", false);
  }
  crm::api::ServerOptions server_options;
  server_options.host = host;
  server_options.port = static_cast<uint16_t>(port);
  server_options.io_threads = a.threads;
  auto server = crm::api::Server::start(api, server_options);
  if (!server) {
    std::fprintf(stderr, "crm: %s\n", server.error().c_str());
    return 1;
  }
  std::printf(
      "serving http://%s:%u (API under /api/v1, /openapi.json, /healthz, /metrics). "
      "Ctrl-C stops.\n",
      host.c_str(), static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("crm: %s received, draining connections\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  (*server)->stop();
  runner.stop();
  chain_check = {};  // stops and joins the check
  store.reset();     // drains the sequencer and closes RocksDB cleanly
  std::printf("crm: closed cleanly\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string_view command = argv[1];
  if (command != "serve" && command != "status" && command != "demo" && command != "projections" &&
      command != "admin-password") {
    std::fprintf(stderr, "crm: unknown command '%s'\n%s", argv[1], kUsage);
    return 2;
  }
  Args a = parse(command, std::vector<std::string_view>(argv + 2, argv + argc));
  if (!a.bad.empty() && !a.help) {
    std::fprintf(stderr, "crm %s: %s (see --help)\n", argv[1], a.bad.c_str());
    return 2;
  }
  if (command == "serve") return cmd_serve(a);
  if (command == "demo") return cmd_demo(a);
  if (command == "projections") return cmd_projections(a);
  if (command == "admin-password") return cmd_admin_password(a);
  return cmd_status(a);
}
