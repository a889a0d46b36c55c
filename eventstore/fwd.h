#pragma once
// Forward declarations for modules that only pass the event store around.

namespace crm::eventstore {
class EventStore;
class Subscription;
struct RecordedEvent;
}  // namespace crm::eventstore
