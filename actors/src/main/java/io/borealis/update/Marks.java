package io.borealis.update;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * One byte per instance of an update, by position in its visiting order: an immutable value whose
 * copy-on-write costs one array copy, so a 10,000-instance update stays cheap to evolve event by
 * event (a map would copy every entry). Equality is by content, so states compare and round-trip.
 */
public final class Marks {

  private final byte[] bytes;

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  Marks(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  private Marks(byte[] owned, boolean shared) {
    this.bytes = owned;
  }

  static Marks of(int size) {
    return new Marks(new byte[size], true);
  }

  int size() {
    return bytes.length;
  }

  byte get(int position) {
    return bytes[position];
  }

  Marks with(int position, byte value) {
    if (bytes[position] == value) {
      return this;
    }
    byte[] copy = bytes.clone();
    copy[position] = value;
    return new Marks(copy, true);
  }

  @JsonValue
  byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Marks m && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return Arrays.toString(bytes);
  }
}
