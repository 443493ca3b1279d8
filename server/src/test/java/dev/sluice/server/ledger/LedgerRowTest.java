package dev.sluice.server.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.Usage;
import org.junit.jupiter.api.Test;

/** A ledger row is storable as built: caller-chosen text is cleaned and cut to its column. */
class LedgerRowTest {

  @Test
  void cutsAModelNameLongerThanItsColumnToFitMarkingTheCut() {
    String model = "m".repeat(300);
    LedgerRow row = row(model);
    assertThat(row.model()).hasSize(LedgerRow.MODEL_WIDTH).startsWith("m".repeat(255)).endsWith("\u2026");
  }

  @Test
  void replacesNulAndOtherControlCharacters() {
    assertThat(row("gpt\u0000-4o\n\u007f").model()).isEqualTo("gpt\uFFFD-4o\uFFFD\uFFFD");
  }

  @Test
  void neverCutsASurrogatePairInHalfNorKeepsAHalfOne() {
    String model = "a".repeat(254) + "\uD83D\uDE00" + "tail";
    assertThat(row(model).model()).isEqualTo("a".repeat(254) + "\u2026");
    assertThat(row("x\uD83Dy").model()).isEqualTo("x\uFFFDy");
    assertThat(row("ok \uD83D\uDE00").model()).isEqualTo("ok \uD83D\uDE00");
  }

  @Test
  void leavesStorableTextAndNullsAsTheyAre() {
    LedgerRow row = row("openai/gpt-4o-mini");
    assertThat(row.model()).isSameAs(row("openai/gpt-4o-mini").model());
    assertThat(row.keyId()).isNull();
    assertThat(row.errorType()).isNull();
  }

  private static LedgerRow row(String model) {
    return new LedgerRow("req_1", null, "openai", model, 1_700_000_000_000L, 1_700_000_001_000L, 120, Usage.of(10, 5),
        null, 0, "stop", null, "completed");
  }
}
