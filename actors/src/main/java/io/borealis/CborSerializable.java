package io.borealis;

/**
 * Marker for every message, event and state that Pekko serializes. It is bound once to the {@code
 * jackson-cbor} serializer in {@code serialization.conf}; nothing else is serialized, so a class
 * that forgets the marker fails loudly in the serialization round-trip tests.
 */
public interface CborSerializable {}
