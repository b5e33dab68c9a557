package io.borealis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Optional;

/** The container a task runs in on Mesos: the Mesos containerizer or Docker. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Container.Mesos.class, name = "mesos"),
  @JsonSubTypes.Type(value = Container.Docker.class, name = "docker")
})
public sealed interface Container {

  /** The Mesos containerizer, optionally with an image. */
  record Mesos(Optional<String> image) implements Container {}

  /** A Docker image with optional {@code docker run} parameters. */
  record Docker(String image, List<Parameter> parameters) implements Container {
    public Docker {
      parameters = List.copyOf(parameters);
    }
  }

  /** One {@code --name=value} parameter for Docker. */
  record Parameter(String name, String value) {}

  /** The type name used in configuration ({@code MESOS}, {@code DOCKER}). */
  default String typeName() {
    return this instanceof Docker ? "DOCKER" : "MESOS";
  }
}
