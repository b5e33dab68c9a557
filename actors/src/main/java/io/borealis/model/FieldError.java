package io.borealis.model;

/** One problem with one field of a request or job file, named by its dotted path. */
public record FieldError(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
