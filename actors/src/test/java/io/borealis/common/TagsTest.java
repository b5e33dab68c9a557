package io.borealis.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tags are a stable function of the persistence id, spread evenly, always among {@code all()}. */
class TagsTest {

  @Test
  void theTagOfAnIdIsFixedForEverAndEverywhere() {
    // CRC-32 of the UTF-8 bytes modulo the count: these values must never change, or a restarted
    // node would look for an entity's events in the wrong tag.
    Tags eight = new Tags(8);
    assertThat(eight.tagOf("instance|www-data/prod/hello/0")).isEqualTo("borealis-4");
    assertThat(eight.tagOf("instance|www-data/prod/hello/1")).isEqualTo("borealis-2");
    assertThat(eight.tagOf("job|www-data/prod/hello")).isEqualTo("borealis-4");
    assertThat(eight.tagsFor("job|www-data/prod/hello")).containsExactly("borealis-4");
  }

  @Test
  void everyTagIsOneOfAll() {
    Tags tags = new Tags(8);
    assertThat(tags.all())
        .containsExactly(
            "borealis-0",
            "borealis-1",
            "borealis-2",
            "borealis-3",
            "borealis-4",
            "borealis-5",
            "borealis-6",
            "borealis-7");
    assertThat(Tags.SINGLE.all()).containsExactly("borealis-0");
    assertThat(Tags.SINGLE.tagOf("anything")).isEqualTo("borealis-0");
  }

  @Test
  void idsSpreadEvenlyOverTheTags() {
    Tags tags = new Tags(8);
    Map<String, Integer> counts = new HashMap<>();
    for (int job = 0; job < 100; job++) {
      for (int i = 0; i < 100; i++) {
        counts.merge(tags.tagOf("instance|www-data/prod/job" + job + "/" + i), 1, Integer::sum);
      }
    }
    assertThat(counts).hasSize(8);
    // 10,000 ids, 1,250 per tag on average: none is far off.
    assertThat(counts.values()).allMatch(n -> n > 1_050 && n < 1_450);
    assertThat(tags.all()).containsAll(counts.keySet());
  }

  @Test
  void theCountIsBounded() {
    assertThatThrownBy(() -> new Tags(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Tags(1025)).isInstanceOf(IllegalArgumentException.class);
  }
}
