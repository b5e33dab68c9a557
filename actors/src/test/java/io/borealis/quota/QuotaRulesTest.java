package io.borealis.quota;

import static io.borealis.quota.Fixtures.agg;
import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.FieldError;
import org.junit.jupiter.api.Test;

/** The quota's decisions and the words they are given in. */
class QuotaRulesTest {

  @Test
  void aRequestThatFitsIsAllowedUpToTheQuotaExactly() {
    assertThat(QuotaRules.insufficient(agg(4, 4096, 4096), agg(1, 1024, 0), agg(4, 4096, 4096)))
        .isEmpty();
  }

  @Test
  void cpuSummedWithRoundingErrorsStillFitsAnEqualQuota() {
    ResourceAggregate sum = agg(0.1, 0, 0).plus(agg(0.2, 0, 0));
    assertThat(sum.cpu()).isNotEqualTo(0.3);
    assertThat(QuotaRules.insufficient(agg(0.3, 0, 0), agg(0, 0, 0), sum)).isEmpty();
  }

  @Test
  void aRefusalNamesEachLackingResourceWithWhatIsNeededTheQuotaAndWhatIsInUse() {
    // In use 1.5 GiB of a 2 GiB quota; the request adds 3 GiB and 2 CPU (of 4, 3 in use).
    ResourceAggregate inUse = agg(3, 1536, 100);
    ResourceAggregate after = inUse.plus(agg(2, 3072, 100));
    assertThat(QuotaRules.insufficient(agg(4, 2048, 10_240), inUse, after))
        .hasValue(
            "Insufficient resource quota: cpu: needs 2 CPU more, quota 4 CPU, in use 3 CPU;"
                + " ram: needs 3.0 GiB more, quota 2.0 GiB, in use 1.5 GiB");
  }

  @Test
  void aRoleWithoutQuotaIsRefusedAnyProductionResource() {
    assertThat(QuotaRules.insufficient(ResourceAggregate.ZERO, agg(0, 0, 0), agg(0.25, 128, 512)))
        .hasValue(
            "Insufficient resource quota: cpu: needs 0.25 CPU more, quota 0 CPU, in use 0 CPU;"
                + " ram: needs 128 MiB more, quota 0 MiB, in use 0 MiB;"
                + " disk: needs 512 MiB more, quota 0 MiB, in use 0 MiB");
  }

  @Test
  void largeAmountsAreWrittenInTebibytes() {
    assertThat(ResourceAggregate.Kind.DISK.human(3 * 1024 * 1024)).isEqualTo("3.0 TiB");
    assertThat(ResourceAggregate.Kind.RAM.human(1023)).isEqualTo("1023 MiB");
    assertThat(ResourceAggregate.Kind.CPU.human(10)).isEqualTo("10 CPU");
  }

  @Test
  void negativeQuotaFieldsAreNamedEachAsInTheApi() {
    assertThat(QuotaRules.invalid(agg(-1, 0, -5)))
        .containsExactly(
            new FieldError("cpu", "must be >= 0"), new FieldError("disk_mb", "must be >= 0"));
    assertThat(QuotaRules.invalid(agg(0, 0, 0))).isEmpty();
  }

  @Test
  void aQuotaBelowTheProductionConsumptionIsRefusedNamingTheResource() {
    assertThat(QuotaRules.belowConsumption("www-data", agg(10, 1024, 0), agg(2, 2048, 0)))
        .hasValue(
            "Quota of role www-data may not be set below its production consumption:"
                + " ram: quota 1.0 GiB, in use 2.0 GiB");
    assertThat(QuotaRules.belowConsumption("www-data", agg(2, 2048, 0), agg(2, 2048, 0))).isEmpty();
  }
}
