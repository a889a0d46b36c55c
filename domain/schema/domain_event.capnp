@0xdcfef43ab699d3c5;
# The payload of every domain event (the event type is in the store's envelope). One shape for
# all event types: field-level changes plus an optional entry (see domain/README.md).
# Evolution rules: add fields only at new ordinals; never renumber or change a field's type.
# tests/domain/codec_test.cpp pins the bytes of a sample event.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("crm::domain::schema");

struct Money {
  units @0 :Int64;      # amount in 0.0001 units
  currency @1 :Text;    # ISO 4217
}

struct Member {
  key @0 :Text;
  value @1 :Value;
}

struct Value {
  union {
    null @0 :Void;
    boolean @1 :Bool;
    integer @2 :Int64;
    decimal @3 :Int64;     # 0.0001 units
    money @4 :Money;
    date @5 :Int32;        # days since 1970-01-01
    dateTime @6 :Int64;    # microseconds since the Unix epoch, UTC
    monthDay @7 :UInt16;   # month * 100 + day
    text @8 :Text;
    list @9 :List(Value);
    object @10 :List(Member);
  }
}

struct FieldChange {
  field @0 :Text;
  custom @1 :Bool;
  before @2 :Value;
  after @3 :Value;
}

struct DomainEvent {
  atUs @0 :Int64;       # when the command was decided
  by @1 :Text;          # operator id
  changes @2 :List(FieldChange);
  entry @3 :List(Member);
}

# The current state of one record, as read models store it.
struct RecordState {
  kind @0 :Text;
  id @1 :Text;
  version @2 :UInt64;
  createdAtUs @3 :Int64;
  createdBy @4 :Text;
  updatedAtUs @5 :Int64;
  updatedBy @6 :Text;
  core @7 :List(Member);
  custom @8 :List(Member);
}
