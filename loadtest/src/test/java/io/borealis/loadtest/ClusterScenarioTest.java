package io.borealis.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The options the cluster scenarios share: parsed alike, each report named after its scenario. */
class ClusterScenarioTest {

  @Test
  void failoverAndRollingTakeTheSameClusterOptions() {
    Failover failover = new Failover();
    Rolling rolling = new Rolling();
    String[] args = {"--nodes", "5", "--cassandra", "db:9042", "--data-dir", "/tmp/d"};

    new CommandLine(failover).parseArgs(args);
    new CommandLine(rolling).parseArgs(args);

    for (ClusterScenario s : new ClusterScenario[] {failover.scenario, rolling.scenario}) {
      assertThat(s.size).isEqualTo(5);
      assertThat(s.cassandra).isEqualTo("db:9042");
      assertThat(s.dataDir).isEqualTo(Path.of("/tmp/d"));
      assertThat(s.report).isNull();
    }
    assertThat(rolling.workers).isEqualTo(2);
    assertThat(failover.trials).isEqualTo(5);
  }

  @Test
  void theHelpNamesEachScenariosOwnReport() {
    assertThat(new CommandLine(new Failover()).getUsageMessage())
        .contains("DATE-failover.json")
        .contains("--nodes");
    assertThat(new CommandLine(new Rolling()).getUsageMessage())
        .contains("DATE-rolling.json")
        .contains("--workers");
  }
}
