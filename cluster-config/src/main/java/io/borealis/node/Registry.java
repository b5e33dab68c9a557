package io.borealis.node;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Choices an operator picks by name (backends, stores): the lookup, the sentence that refuses an
 * unknown name, and the line each contributes to {@code server --help}.
 */
final class Registry<T> {

  private final String kind;
  private final Function<T, String> name;
  private final Function<T, String> summary;
  private final Map<String, T> all = new LinkedHashMap<>();

  /** {@code kind} names what is chosen in messages ("backend", "store"). */
  Registry(String kind, Function<T, String> name, Function<T, String> summary) {
    this.kind = kind;
    this.name = name;
    this.summary = summary;
  }

  Registry<T> register(T item) {
    all.put(name.apply(item), item);
    return this;
  }

  /** The names, sorted. */
  SortedSet<String> names() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(all.keySet()));
  }

  /** The choice called {@code choice}; fails with a sentence an operator can act on. */
  T named(String choice) {
    T item = all.get(choice);
    if (item == null) {
      throw new IllegalArgumentException(unavailable(choice));
    }
    return item;
  }

  String unavailable(String choice) {
    return kind
        + " '"
        + choice
        + "' is not available in this build (available: "
        + String.join(", ", names())
        + ")";
  }

  /** One entry per choice, for {@code server --help}. */
  String help() {
    StringBuilder text = new StringBuilder();
    for (String choice : names()) {
      text.append(text.length() == 0 ? "" : "; ").append(choice).append(": ");
      text.append(summary.apply(all.get(choice)));
    }
    return text.toString();
  }
}
