package io.borealis.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows aligned in columns for people: a header in capitals, two spaces between columns, no trailing
 * blanks. A missing value shows as {@code -}.
 */
final class Table {

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(Object... values) {
    if (values.length != header.size()) {
      throw new IllegalArgumentException(
          "a row of " + values.length + " values for " + header.size() + " columns");
    }
    List<String> row = new ArrayList<>();
    for (Object v : values) {
      String s = v == null ? "" : v.toString();
      row.add(s.isEmpty() ? "-" : s.replace('\n', ' '));
    }
    rows.add(row);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  String render() {
    int[] widths = new int[header.size()];
    for (List<String> row : all()) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : all()) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private List<List<String>> all() {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    return all;
  }
}
