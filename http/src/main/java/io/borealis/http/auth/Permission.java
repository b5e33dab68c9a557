package io.borealis.http.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A granted permission in the Shiro style Aurora used: parts separated by {@code :}, each part made
 * of sub-parts separated by {@code /}, each sub-part a {@code ,}-separated list of names or {@code
 * *} (any name). A granted permission implies a required one when each of its parts matches the
 * required part at the same place; a granted permission that stops early implies everything below
 * it ({@code job:write} implies {@code job:write:www-data}), and one that goes on further implies
 * nothing more general unless the rest is {@code *}. The same holds for the sub-parts of one part:
 * {@code update:pulse:www-data} implies {@code update:pulse:www-data/prod/hello}.
 *
 * <p>Names are compared exactly (case matters, as it does in job keys). A required permission is
 * never parsed: it is built from its parts ({@link Required}), so a role name taken from a path
 * that happens to contain {@code :}, {@code /}, {@code ,} or {@code *} stays one literal name and
 * is only implied by a {@code *}.
 */
public final class Permission {

  /** Everything: the permission of role {@code admin}. */
  public static final Permission ALL = parse("*");

  private static final String ANY = "*";

  private final String text;
  // parts, each a list of sub-parts, each a set of names (or {"*"})
  private final List<List<Set<String>>> parts;

  private Permission(String text, List<List<Set<String>>> parts) {
    this.text = text;
    this.parts = parts;
  }

  /**
   * Parses a granted permission; throws {@link IllegalArgumentException} naming what is wrong
   * (empty, an empty part or name, or white space).
   */
  public static Permission parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a permission must not be empty");
    }
    if (!text.equals(text.strip()) || text.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("permission '" + text + "' must not contain spaces");
    }
    List<List<Set<String>>> parts = new ArrayList<>();
    for (String part : text.split(":", -1)) {
      List<Set<String>> subs = new ArrayList<>();
      for (String sub : part.split("/", -1)) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : sub.split(",", -1)) {
          if (name.isEmpty()) {
            throw new IllegalArgumentException(
                "permission '" + text + "' has an empty part (check ':', '/' and ',')");
          }
          names.add(name);
        }
        if (names.contains(ANY) && names.size() > 1) {
          throw new IllegalArgumentException(
              "permission '" + text + "' lists '*' with other names in one place");
        }
        subs.add(Set.copyOf(names));
      }
      parts.add(List.copyOf(subs));
    }
    return new Permission(text, List.copyOf(parts));
  }

  /** Whether holding this permission allows what {@code required} names. */
  public boolean implies(Required required) {
    List<List<String>> want = required.parts();
    for (int i = 0; i < want.size(); i++) {
      if (i >= parts.size()) {
        return true;
      }
      if (!impliesPart(parts.get(i), want.get(i))) {
        return false;
      }
    }
    for (int i = want.size(); i < parts.size(); i++) {
      if (!isAny(parts.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean impliesPart(List<Set<String>> have, List<String> want) {
    for (int j = 0; j < want.size(); j++) {
      if (j >= have.size()) {
        return true;
      }
      Set<String> names = have.get(j);
      if (!names.contains(ANY) && !names.contains(want.get(j))) {
        return false;
      }
    }
    for (int j = want.size(); j < have.size(); j++) {
      if (!have.get(j).contains(ANY)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAny(List<Set<String>> part) {
    return part.stream().allMatch(names -> names.contains(ANY));
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Permission p && p.parts.equals(parts);
  }

  @Override
  public int hashCode() {
    return parts.hashCode();
  }

  /**
   * A permission a request needs: parts of literal sub-parts, never wildcards. Written like a
   * granted one ({@code job:write:www-data}, {@code update:pulse:www-data/prod/hello}).
   */
  public record Required(List<List<String>> parts) {

    public Required {
      parts = parts.stream().map(List::copyOf).toList();
      if (parts.isEmpty() || parts.stream().anyMatch(List::isEmpty)) {
        throw new IllegalArgumentException("a required permission needs at least one part");
      }
    }

    /** {@code first:second:...}, each argument one part of a single name. */
    public static Required of(String... parts) {
      List<List<String>> list = new ArrayList<>();
      for (String p : parts) {
        list.add(List.of(p));
      }
      return new Required(list);
    }

    /** This permission with one more part made of {@code subs}. */
    public Required then(String... subs) {
      List<List<String>> list = new ArrayList<>(parts);
      list.add(List.of(subs));
      return new Required(list);
    }

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder();
      for (List<String> part : parts) {
        if (s.length() > 0) {
          s.append(':');
        }
        s.append(String.join("/", part));
      }
      return s.toString();
    }
  }
}
