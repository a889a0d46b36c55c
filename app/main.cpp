// crm: the one executable. main only parses the command line and wires the modules together.

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/event_store.h"

namespace {

using crm::eventstore::EventStore;

constexpr const char* kUsage =
    "usage: crm <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve    open the data directory and run until SIGINT/SIGTERM\n"
    "  status   print the store's head and verify its hash chain\n"
    "\n"
    "Run 'crm <command> --help' for a command's options.\n";

struct Args {
  std::string data = "./data";
  std::string listen = "127.0.0.1:8080";
  bool help = false;
  bool no_demo = false;
  std::string bad;  // first option not understood
};

Args parse(const std::vector<std::string_view>& argv, bool serve) {
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const auto arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argv.size()) {
        a.bad = std::string(arg) + " needs a value";
        return;
      }
      out = argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg == "--data") {
      value(a.data);
    } else if (serve && arg == "--listen") {
      value(a.listen);
    } else if (serve && arg == "--no-demo") {
      a.no_demo = true;
    } else if (a.bad.empty()) {
      a.bad = "unknown option " + std::string(arg);
    }
  }
  return a;
}

std::unique_ptr<EventStore> open_store(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto store = EventStore::open(dir);
  if (!store) {
    std::fprintf(stderr, "crm: cannot open %s: %s\n", dir.c_str(), store.error().message.c_str());
    return nullptr;
  }
  return std::move(store).value();
}

int print_status(const EventStore& store) {
  auto report = store.verify();
  if (!report) {
    std::fprintf(stderr, "crm: verify failed: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("data: %s\nhead: %llu\nhash chain: %s (%llu events checked)\n", store.path().c_str(),
              static_cast<unsigned long long>(store.head()),
              report->ok ? "ok" : ("BROKEN at " + std::to_string(report->first_bad_position) +
                                   ": " + report->problem)
                                      .c_str(),
              static_cast<unsigned long long>(report->checked));
  return report->ok ? 0 : 1;
}

int cmd_status(const Args& a) {
  if (a.help) {
    std::puts("usage: crm status [--data DIR]\n  Prints the head position and verifies the log.");
    return 0;
  }
  auto store = open_store(a.data);
  return store ? print_status(*store) : 1;
}

int cmd_serve(const Args& a) {
  if (a.help) {
    std::puts(
        "usage: crm serve [--data DIR] [--listen HOST:PORT] [--no-demo]\n"
        "  Opens the data directory (default ./data) and runs until SIGINT or SIGTERM.\n"
        "  The HTTP API is not part of this build yet; see README.md.");
    return 0;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  auto store = open_store(a.data);
  if (!store) return 1;
  if (int rc = print_status(*store); rc != 0) return rc;
  std::printf("serving (event store only; HTTP on %s arrives with the API). Ctrl-C stops.\n",
              a.listen.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("crm: %s received, closing the store\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  store.reset();  // drains the sequencer and closes RocksDB cleanly
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string_view command = argv[1];
  std::vector<std::string_view> rest(argv + 2, argv + argc);
  const bool serve = command == "serve";
  if (!serve && command != "status") {
    std::fprintf(stderr, "crm: unknown command '%s'\n%s", argv[1], kUsage);
    return 2;
  }
  Args a = parse(rest, serve);
  if (!a.bad.empty() && !a.help) {
    std::fprintf(stderr, "crm %s: %s (see --help)\n", argv[1], a.bad.c_str());
    return 2;
  }
  return serve ? cmd_serve(a) : cmd_status(a);
}
