package dev.sluice.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.buffer.ScratchArrays;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void aChunkBufferHoldsNoArrayOnceResetNotEvenOneGrownForALargeValue() {
    var buffer = new Json.Utf8Buffer();
    assertThat(buffer.capacity()).isZero();
    String large = "x".repeat(ScratchArrays.SIZE * 4);
    Json.write(buffer, g -> g.writeString(large));
    assertThat(buffer.size()).isEqualTo(large.length() + 2);
    Json.write(buffer, g -> g.writeString("small"));
    assertThat(buffer).hasToString("\"small\"");
    buffer.reset();
    assertThat(buffer.capacity()).isZero();
  }

  @Test
  void documentsWrittenOneAfterAnotherAreEachWrittenAsIfAlone() {
    var buffer = new Json.Utf8Buffer();
    for (int i = 0; i < 3; i++) {
      int n = i;
      Json.write(buffer, g -> {
        g.writeStartObject();
        g.writeNumberField("n", n);
        g.writeStringField("s", "caf\u00e9");
        g.writeEndObject();
      });
      // No root value separator, no bytes of the document before.
      assertThat(buffer).hasToString("{\"n\":" + i + ",\"s\":\"caf\u00e9\"}");
      assertThat(buffer.toString()).isEqualTo(Json.write(g -> {
        g.writeStartObject();
        g.writeNumberField("n", n);
        g.writeStringField("s", "caf\u00e9");
        g.writeEndObject();
      }));
    }
  }

  @Test
  void aDocumentThatFailsHalfWayLeavesNothingBehindForTheNext() {
    var buffer = new Json.Utf8Buffer();
    // More failures than the generator pool holds, so that a poisoned generator would be handed out again.
    for (int i = 0; i < 4 * Runtime.getRuntime().availableProcessors() + 16; i++) {
      assertThatThrownBy(() -> Json.write(buffer, g -> {
        g.writeStartObject();
        g.writeArrayFieldStart("open");
        throw new IllegalStateException("body failed");
      })).hasMessage("body failed");
    }
    Json.write(buffer, g -> g.writeNumber(1));
    assertThat(buffer).hasToString("1");
  }
}
