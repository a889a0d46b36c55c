// Helper process for crash_test: appends under load until it is killed.
// usage: eventstore_crash_child DIR ROUND WRITERS
// Each writer appends, again and again, one atomic batch of 3 events to two streams (its own
// stream and a shared one) under the command id "r<ROUND>-w<W>-<I>", and after each acknowledged
// append writes "ACK <command id> <first> <last>\n" to stdout with one write(2). It writes
// "OPEN\n" once the store is open, before the first append.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_store.h"

using namespace crm::eventstore;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DIR ROUND WRITERS\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string round = argv[2];
  const int writers = std::atoi(argv[3]);
  auto opened = EventStore::open(dir);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  if (::write(1, "OPEN\n", 5) != 5) return 1;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const std::string own = "own-" + std::to_string(w);
      for (uint64_t i = 0;; ++i) {
        const std::string id = "r" + round + "-w" + std::to_string(w) + "-" + std::to_string(i);
        Metadata md;
        md.command_id = id;
        std::vector<StreamAppend> req = {
            {own, ExpectedVersion::any(), {{"A", id + "/0"}, {"B", id + "/1"}}},
            {"shared-" + std::to_string(i % 4), ExpectedVersion::any(), {{"C", id + "/2"}}}};
        auto r = store.append(std::move(req), md);
        if (!r) {
          std::fprintf(stderr, "append: %s\n", r.error().message.c_str());
          std::_Exit(1);
        }
        const std::string line = "ACK " + id + " " + std::to_string(r->first_position) + " " +
                                 std::to_string(r->last_position) + "\n";
        if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
          std::_Exit(1);
      }
    });
  }
  for (auto& t : threads) t.join();
}
