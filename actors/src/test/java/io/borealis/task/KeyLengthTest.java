package io.borealis.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.job.JobEntity;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobKey;
import java.util.UUID;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.Test;

/**
 * The longest job key a user may create fits every store: the journal's {@code VARCHAR(255)}
 * persistence ids and a sandbox directory named by the task id (255 bytes on common file systems).
 */
class KeyLengthTest {

  private static final int STORE_LIMIT = 255;
  private static final String LONGEST = "x".repeat(JobKey.MAX_PART_LENGTH);
  private static final JobKey KEY = new JobKey(LONGEST, LONGEST, LONGEST);
  private static final InstanceKey LAST_INSTANCE = KEY.instance(Integer.MAX_VALUE);

  @Test
  void theLongestKeyIsAValidNewKey() {
    assertThat(JobKey.validate(LONGEST, LONGEST, LONGEST, "")).isEmpty();
  }

  @Test
  void everyPersistenceIdOfTheLongestKeyFitsTheJournal() {
    String job = PersistenceId.of(JobEntity.ENTITY_KEY.name(), KEY.toString()).id();
    String instance =
        PersistenceId.of(TaskInstanceEntity.ENTITY_KEY.name(), LAST_INSTANCE.toString()).id();

    assertThat(job).hasSizeLessThanOrEqualTo(STORE_LIMIT);
    assertThat(instance).hasSizeLessThanOrEqualTo(STORE_LIMIT).startsWith("instance|");
  }

  @Test
  void theTaskIdOfTheLongestKeyFitsAFileName() {
    assertThat(TaskIds.of(LAST_INSTANCE, new UUID(-1, -1))).hasSizeLessThanOrEqualTo(STORE_LIMIT);
  }
}
