package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code borealis quota get|set}: human units in and out, JSON as the scheduler answers. */
class QuotaCommandsTest {

  private static final String QUOTA =
      """
      {"role": "www-data", "quota": {"cpu": 10.0, "ram_mb": 20480, "disk_mb": 102400},
       "consumption": {"cpu": 1.5, "ram_mb": 512, "disk_mb": 1024},
       "consumption_by_category": {
         "prod_shared": {"cpu": 1.5, "ram_mb": 512, "disk_mb": 1024},
         "prod_dedicated": {"cpu": 0.0, "ram_mb": 0, "disk_mb": 0},
         "non_prod_shared": {"cpu": 2.0, "ram_mb": 2048, "disk_mb": 0},
         "non_prod_dedicated": {"cpu": 0.0, "ram_mb": 0, "disk_mb": 0}}}
      """;

  private static final String TABLE =
      """
      Production quota of role www-data:
      RESOURCE  QUOTA      IN USE   FREE      PROD DEDICATED  NON-PROD
      cpu       10         1.5      8.5       0               2
      ram       20.0 GiB   512 MiB  19.5 GiB  0 MiB           2.0 GiB
      disk      100.0 GiB  1.0 GiB  99.0 GiB  0 MiB           0 MiB
      """;

  @TempDir Path temp;
  FakeCluster cluster;
  FakeScheduler fake;

  @BeforeEach
  void setUp() throws IOException {
    cluster = new FakeCluster(temp);
    fake = cluster.scheduler;
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private FakeCluster.Result run(String... args) {
    return cluster.run(args);
  }

  @Test
  void getPrintsTheQuotaAndConsumptionInHumanUnits() {
    fake.json("GET /api/v1/quotas/www-data", 200, QUOTA);
    FakeCluster.Result r = run("quota", "get", "fake/www-data");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo(TABLE);
  }

  @Test
  void getWithJsonOutputPrintsTheSchedulersAnswer() throws IOException {
    fake.json("GET /api/v1/quotas/www-data", 200, QUOTA);
    FakeCluster.Result r = run("quota", "get", "fake/www-data", "-o", "json");
    assertThat(r.code()).isZero();
    assertThat(new ObjectMapper().readTree(r.out())).isEqualTo(new ObjectMapper().readTree(QUOTA));
  }

  @Test
  void setSendsHumanSizesAsMebibytesWithPut() throws IOException {
    fake.json("PUT /api/v1/quotas/www-data", 200, QUOTA);
    FakeCluster.Result r =
        run("quota", "set", "fake/www-data", "--cpu", "10", "--ram", "20GB", "--disk", "100GiB");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(TABLE);
    JsonNode sent = new ObjectMapper().readTree(fake.requests.get(0).body());
    assertThat(sent.get("cpu").asDouble()).isEqualTo(10.0);
    assertThat(sent.get("ram_mb").asLong()).isEqualTo(20_480);
    assertThat(sent.get("disk_mb").asLong()).isEqualTo(102_400);
  }

  @Test
  void aRefusalForWantOfRoomExitsOneWithTheSchedulersWords() {
    fake.json(
        "PUT /api/v1/quotas/www-data",
        409,
        "{\"title\": \"Conflict\", \"status\": 409, \"detail\": \"Quota of role www-data may not be"
            + " set below its production consumption: ram: quota 256 MiB, in use 512 MiB\"}");
    FakeCluster.Result r =
        run("quota", "set", "fake/www-data", "--cpu", "1", "--ram", "256MB", "--disk", "1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("ram: quota 256 MiB, in use 512 MiB");
  }

  @Test
  void badSizesAndRolesAreUsageErrorsAndSendNothing() {
    assertThat(
            run("quota", "set", "fake/www-data", "--cpu", "1", "--ram", "lots", "--disk", "1GB")
                .code())
        .isEqualTo(2);
    assertThat(
            run("quota", "set", "fake/www-data", "--cpu", "-1", "--ram", "1GB", "--disk", "1GB")
                .code())
        .isEqualTo(2);
    FakeCluster.Result both =
        run("quota", "set", "fake/www-data", "--cpu", "-1", "--ram", "lots", "--disk", "1GB");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err())
        .isEqualTo(
            "borealis: 2 options are wrong:\n"
                + "  --cpu must be a number of cores >= 0 (got '-1')\n"
                + "  --ram must be a size such as 512MB, 20GB or 1TB (got 'lots')\n");
    assertThat(run("quota", "get", "www-data").code()).isEqualTo(2);
    assertThat(run("quota", "set", "fake/www-data", "--cpu", "1").code()).isEqualTo(2);
    assertThat(fake.requests).isEmpty();
  }

  @Test
  void sizesReadAsTheJobFilesDo() {
    assertThat(QuotaCommands.mebibytes("--ram", "512")).isEqualTo(512);
    assertThat(QuotaCommands.mebibytes("--ram", "512MB")).isEqualTo(512);
    assertThat(QuotaCommands.mebibytes("--ram", "1.5GiB")).isEqualTo(1536);
    assertThat(QuotaCommands.mebibytes("--ram", "2 TB")).isEqualTo(2L * 1024 * 1024);
    assertThat(QuotaCommands.mebibytes("--ram", "1K")).isEqualTo(1);
  }
}
