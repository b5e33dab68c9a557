package io.borealis.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.borealis.persistence.cassandra.CassandraLauncher.CommitlogSync;
import io.borealis.persistence.cassandra.CassandraLauncher.LaunchFailure;
import io.borealis.persistence.cassandra.CassandraLauncher.Settings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CassandraLauncherTest {

  static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

  @Test
  void theYamlPutsEveryDirectoryInTheDataDirAndUsesTheChosenPorts(@TempDir Path dir) {
    String yaml = CassandraLauncher.yaml(Settings.of(dir).withPort(19042).withStoragePort(17000));
    assertThat(yaml)
        .contains("native_transport_port: 19042\n")
        .contains("storage_port: 17000\n")
        .contains("- seeds: \"127.0.0.1:17000\"")
        .contains("commitlog_directory: " + dir.resolve("commitlog"))
        .contains("data_file_directories:\n  - " + dir.resolve("data"))
        .contains("hints_directory: " + dir.resolve("hints"))
        .contains("saved_caches_directory: " + dir.resolve("saved_caches"))
        .contains("cdc_raw_directory: " + dir.resolve("cdc_raw"))
        .contains("listen_address: 127.0.0.1\n")
        .contains("endpoint_snitch: SimpleSnitch\n")
        .contains("commitlog_sync: periodic\ncommitlog_sync_period: 10000ms\n");
  }

  @Test
  void batchCommitlogSyncFsyncsBeforeEveryAcknowledgement(@TempDir Path dir) {
    String yaml =
        CassandraLauncher.yaml(Settings.of(dir).withCommitlogSync(CommitlogSync.parse("batch")));
    assertThat(yaml).contains("commitlog_sync: batch\n").doesNotContain("commitlog_sync_period");
    assertThatThrownBy(() -> CommitlogSync.parse("group"))
        .hasMessage("--commitlog-sync must be periodic or batch, not group");
  }

  @Test
  void theCommandRunsTheDaemonWithTheJdk17FlagsAndItsConfiguration(@TempDir Path dir) {
    List<String> command = CassandraLauncher.command(JAVA, "a.jar:b.jar", Settings.of(dir));
    assertThat(command.get(0)).isEqualTo(JAVA.toString());
    assertThat(command)
        .contains("-Xmx1g", "-Dcassandra-foreground=yes", "-cp", "a.jar:b.jar")
        .contains("-Dcassandra.config=" + dir.resolve("cassandra.yaml").toUri())
        .contains("-Dcassandra.storagedir=" + dir)
        .contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
        .contains("--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED")
        .containsAll(CassandraLauncher.JDK17_FLAGS);
    assertThat(command.get(command.size() - 1))
        .isEqualTo("org.apache.cassandra.service.CassandraDaemon");
  }

  @Test
  void portsMustDiffer(@TempDir Path dir) {
    assertThatThrownBy(() -> Settings.of(dir).withPort(7000))
        .hasMessage("the CQL port and the storage port must differ");
  }

  @Test
  void aMissingClasspathFileSaysHowToBuildIt(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                CassandraLauncher.start(
                    Settings.of(dir.resolve("c")).withPort(free()).withStoragePort(free()),
                    JAVA,
                    dir.resolve("nothing.classpath"),
                    Duration.ofSeconds(5)))
        .isInstanceOf(LaunchFailure.class)
        .hasMessageContaining("class path file " + dir.resolve("nothing.classpath") + " is missing")
        .hasMessageContaining("mvn -pl cassandra-runtime generate-resources");
  }

  @Test
  void aMissingJarSaysTheRepositoryWasCleaned(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("c.classpath"), dir.resolve("gone.jar").toString());
    assertThatThrownBy(() -> CassandraLauncher.classpath(file))
        .hasMessageContaining("Cassandra's jar " + dir.resolve("gone.jar") + " is missing");
  }

  @Test
  void aMissingJavaSaysAJdkIsNeeded(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                CassandraLauncher.start(
                    Settings.of(dir), dir.resolve("no-java"), dir, Duration.ofSeconds(5)))
        .hasMessageStartingWith("no Java at " + dir.resolve("no-java"))
        .hasMessageContaining("JDK");
  }

  @Test
  void aTakenPortIsNamedWithTheOptionThatMovesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> CassandraLauncher.checkFree(taken.getLocalPort(), "CQL", "--port"))
          .hasMessage(
              "port "
                  + taken.getLocalPort()
                  + " (Cassandra's CQL port) is taken: stop what listens there or choose another"
                  + " with --port");
    }
  }

  @Test
  void aCassandraThatExitsAtStartIsReportedWithTheEndOfItsLog(@TempDir Path dir) throws Exception {
    // A class path without Cassandra: the JVM starts and exits at once.
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Path file = Files.writeString(dir.resolve("c.classpath"), empty.toString());
    Path data = dir.resolve("data");
    assertThatThrownBy(
            () ->
                CassandraLauncher.start(
                    Settings.of(data).withPort(free()).withStoragePort(free()),
                    JAVA,
                    file,
                    Duration.ofSeconds(60)))
        .hasMessageStartingWith("Cassandra exited with 1 during start; its log")
        .hasMessageContaining("org.apache.cassandra.service.CassandraDaemon");
    assertThat(CassandraLauncher.status(data)).isEmpty();
    assertThat(data.resolve("cassandra.yaml")).exists();
  }

  @Test
  void statusIgnoresAStalePidFile(@TempDir Path dir) throws Exception {
    assertThat(CassandraLauncher.status(dir)).isEmpty();
    // A pid that is not Cassandra (this JVM's), as after a reboot.
    Files.writeString(
        dir.resolve("cassandra.pid"),
        "pid=" + ProcessHandle.current().pid() + "\nport=9042\nstorage-port=7000\n");
    assertThat(CassandraLauncher.status(dir)).isEmpty();
    assertThat(CassandraLauncher.stop(dir, Duration.ofSeconds(1))).isEmpty();
    assertThat(dir.resolve("cassandra.pid")).doesNotExist();
  }

  private static int free() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
