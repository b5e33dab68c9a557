package io.borealis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * A placement constraint on one host attribute (aurora-semantics §1.4). Written in job files with
 * Aurora's DSL: {@code "limit:2"}, {@code "aaa,bbb"}, {@code "!aaa"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Constraint.Value.class, name = "value"),
  @JsonSubTypes.Type(value = Constraint.Limit.class, name = "limit")
})
public sealed interface Constraint {

  /** The attribute's name. */
  String name();

  /** The host must (or, negated, must not) carry one of these values. */
  record Value(String name, boolean negated, List<String> values) implements Constraint {
    public Value {
      values = List.copyOf(values);
    }
  }

  /** At most {@code limit} of the job's tasks per value of the attribute. */
  record Limit(String name, int limit) implements Constraint {}

  /** The DSL form, as a user wrote it. */
  default String dsl() {
    if (this instanceof Limit l) {
      return "limit:" + l.limit();
    }
    Value v = (Value) this;
    return (v.negated() ? "!" : "") + String.join(",", v.values());
  }
}
