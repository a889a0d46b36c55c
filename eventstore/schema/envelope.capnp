@0x9dfa5d509540e3db;
# The stored form of one event (the value in the `events` column family, followed by a 32-byte
# BLAKE2b hash). Evolution rules: add fields only at new ordinals; never renumber, rename the
# meaning of, or change the type of a field; retire a field by leaving its ordinal unused.
# tests/eventstore/golden_test.cpp pins the bytes so an accidental format change fails a test.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("crm::eventstore::schema");

struct Metadata {
  operatorId @0 :Text;
  correlationId @1 :Text;
  causationId @2 :Text;
  commandId @3 :Text;
}

struct Envelope {
  position @0 :UInt64;        # global log position, dense from 1
  streamId @1 :Text;          # e.g. "client-42"; category = part before the first '-'
  streamVersion @2 :UInt64;   # dense per stream, from 1
  eventType @3 :Text;
  schemaVersion @4 :UInt32;   # version of the payload schema for this event type
  recordedAtUs @5 :Int64;     # microseconds since the Unix epoch, UTC, stamped by the store
  metadata @6 :Metadata;
  payload @7 :Data;           # opaque to the store (the domain's Cap'n Proto payload)
}
