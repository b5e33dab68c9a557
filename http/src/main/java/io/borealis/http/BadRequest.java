package io.borealis.http;

import io.borealis.model.FieldError;
import java.util.List;

/** Thrown while reading a request: it becomes a 400 problem body listing every bad field. */
final class BadRequest extends RuntimeException {

  final List<FieldError> errors;

  BadRequest(List<FieldError> errors) {
    super(errors.toString(), null, false, false);
    this.errors = List.copyOf(errors);
  }

  BadRequest(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }
}
