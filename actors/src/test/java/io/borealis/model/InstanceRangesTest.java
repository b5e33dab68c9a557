package io.borealis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Aurora's instance-set syntax ({@code 0-3,7,9-10}) in both directions. */
class InstanceRangesTest {

  @Test
  void parsesSinglesAndClosedRanges() {
    assertThat(InstanceRanges.parse("0-3,7,9-10", 4000)).containsExactly(0, 1, 2, 3, 7, 9, 10);
  }

  @Test
  void parsesWithSpacesAndInAnyOrder() {
    assertThat(InstanceRanges.parse(" 9 - 10 , 7, 0-3 ", 4000))
        .containsExactly(0, 1, 2, 3, 7, 9, 10);
  }

  @Test
  void parsesOverlappingRangesIntoOneSet() {
    assertThat(InstanceRanges.parse("0-3,2-5,4", 4000)).containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void parsesASingleInstanceAndADegenerateRange() {
    assertThat(InstanceRanges.parse("5", 4000)).containsExactly(5);
    assertThat(InstanceRanges.parse("5-5", 4000)).containsExactly(5);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "3-1", "-1", "", "  ", "1,,2", "1-", "1-2-3", "0-a", "1.5"})
  void rejectsMalformedInput(String text) {
    assertThatThrownBy(() -> InstanceRanges.parse(text, 4000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("For input string");
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> InstanceRanges.parse(null, 4000))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void namesTheBadPartInTheMessage() {
    assertThatThrownBy(() -> InstanceRanges.parse("0-3,3-1", 4000)).hasMessageContaining("'3-1'");
    assertThatThrownBy(() -> InstanceRanges.parse("0,x", 4000)).hasMessageContaining("'x'");
  }

  @Test
  void acceptsASetOfExactlyTheMaximumSize() {
    assertThat(InstanceRanges.parse("0-9", 10)).hasSize(10);
    assertThat(InstanceRanges.parse("0-4,10-14", 10)).hasSize(10);
  }

  @Test
  void rejectsASetLargerThanTheMaximum() {
    assertThatThrownBy(() -> InstanceRanges.parse("0-10", 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10");
    assertThatThrownBy(() -> InstanceRanges.parse("0-4,10-15", 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsAHugeRangeWithoutBuildingIt() {
    assertThatThrownBy(() -> InstanceRanges.parse("0-2147483647", 4000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4000");
  }

  @Test
  void countsRepeatedInstancesOnceAgainstTheMaximum() {
    // The limit is on the size of the resulting set, not on how it was written.
    assertThat(InstanceRanges.parse("0-4,0-4", 5)).containsExactly(0, 1, 2, 3, 4);
    assertThat(InstanceRanges.parse("5,5,5", 1)).containsExactly(5);
  }

  @Test
  void formatsTheShortestExpression() {
    assertThat(InstanceRanges.format(Set.of(0, 1, 2, 3, 7, 9, 10))).isEqualTo("0-3,7,9-10");
  }

  @Test
  void formatsUnsortedInputAndSingles() {
    assertThat(InstanceRanges.format(List.of(10, 9, 7, 3, 2, 1, 0))).isEqualTo("0-3,7,9-10");
    assertThat(InstanceRanges.format(List.of(4))).isEqualTo("4");
    assertThat(InstanceRanges.format(List.of(1, 3, 5))).isEqualTo("1,3,5");
    assertThat(InstanceRanges.format(List.of())).isEmpty();
  }

  @Test
  void roundTripsThroughFormatAndParse() {
    SortedSet<Integer> ids = new TreeSet<>(Set.of(0, 1, 2, 3, 7, 9, 10));

    String text = InstanceRanges.format(ids);

    assertThat(text).isEqualTo("0-3,7,9-10");
    assertThat(InstanceRanges.parse(text, 4000)).isEqualTo(ids);
  }
}
