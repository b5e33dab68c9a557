package io.borealis.persistence.cassandra;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.junit.jupiter.api.Test;

class PrintPluginSchema {
  @Test
  void print() {
    var config =
        ConfigFactory.parseString("borealis.store.cassandra.contact-point-list=[\"127.0.0.1:1\"]")
            .withFallback(ConfigFactory.parseResources("borealis/cassandra-store.conf"))
            .withFallback(ConfigFactory.load());
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), "x", ConfigFactory.load(config));
    try {
      var s =
          new KeyspaceAndTableStatements(
              system, "pekko.persistence.cassandra", PluginSettings.apply(system.classicSystem()));
      System.out.println("@@" + s.createJournalKeyspaceStatement() + ";");
      s.getCreateJournalTablesStatements().forEach(t -> System.out.println("@@" + t + ";"));
      System.out.println("@@" + s.createSnapshotKeyspaceStatement() + ";");
      s.getCreateSnapshotTablesStatements().forEach(t -> System.out.println("@@" + t + ";"));
    } finally {
      system.terminate();
    }
  }
}
