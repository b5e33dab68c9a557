package io.borealis.node;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.ConfigFactory;
import io.borealis.persistence.cassandra.CassandraStore;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code borealis admin cassandra init}: the keyspaces and tables of the Cassandra store, printed
 * (for a DBA or cqlsh) or applied. Production applies them once and runs its nodes with {@code
 * borealis.store.cassandra.create-schema = off}.
 */
@Command(
    name = "cassandra",
    mixinStandardHelpOptions = true,
    description = "The Cassandra store's schema.",
    subcommands = {CassandraAdmin.Init.class})
final class CassandraAdmin implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Print the CQL that creates the Cassandra store's keyspaces and tables, or apply it"
            + " (--apply).",
        "Keyspace names and replication come from borealis.store.cassandra (see reference.conf)."
      })
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--cassandra",
        paramLabel = "HOST:PORT,...",
        description = "The cluster to apply it to (default: 127.0.0.1:9042).")
    String cassandra;

    @Option(names = "--apply", description = "Apply the CQL instead of printing it.")
    boolean apply;

    @Option(
        names = "--replication-factor",
        paramLabel = "N",
        description =
            "Replication factor of the keyspaces (SimpleStrategy; default 1, 3+ in"
                + " production).")
    Integer replicationFactor;

    @Override
    public Integer call() {
      CassandraStore.Settings settings;
      try {
        settings = CassandraStore.Settings.from(ConfigFactory.load());
        if (cassandra != null) {
          settings = settings.withContactPoints(CassandraStore.parseContactPoints(cassandra));
        }
        if (replicationFactor != null) {
          settings = settings.withReplicationFactor(replicationFactor);
        }
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("borealis: " + e.getMessage());
        return 2;
      }
      String cql = CassandraStore.cql(settings, Instant.now());
      if (!apply) {
        spec.commandLine().getOut().print(cql);
        spec.commandLine().getOut().flush();
        return 0;
      }
      try (CqlSession session = CassandraStore.connect(settings)) {
        CassandraStore.apply(session, settings, Instant.now());
      } catch (RuntimeException e) {
        spec.commandLine().getErr().println("borealis: " + e.getMessage());
        return 1;
      }
      spec.commandLine()
          .getOut()
          .println(
              "Applied "
                  + CassandraStore.statements(cql).size()
                  + " statements: keyspaces "
                  + settings.keyspace()
                  + " and "
                  + settings.snapshotKeyspace()
                  + " are ready.");
      return 0;
    }
  }
}
