package io.borealis.model;

/** One instance of a job: {@code role/environment/name/N}. */
public record InstanceKey(JobKey job, int instanceId) {

  public InstanceKey {
    if (instanceId < 0) {
      throw new IllegalArgumentException("instance ids are >= 0, got " + instanceId);
    }
  }

  /** Parses {@code role/environment/name/N}, the form used as an entity id. */
  public static InstanceKey parse(String text) {
    int slash = text.lastIndexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("an instance key is role/env/name/N, got '" + text + "'");
    }
    return new InstanceKey(
        JobKey.parse(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
  }

  @Override
  public String toString() {
    return job + "/" + instanceId;
  }
}
