package dev.sluice.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void aChunkBufferLetsGoOfAnArrayGrownForOneLargeValue() {
    var buffer = new Json.Utf8Buffer();
    int small = buffer.array().length;
    String large = "x".repeat(Json.Utf8Buffer.RETAINED_CAPACITY * 4);
    Json.write(buffer, g -> g.writeString(large));
    assertThat(buffer.size()).isEqualTo(large.length() + 2);
    Json.write(buffer, g -> g.writeString("small"));
    assertThat(buffer).hasToString("\"small\"");
    assertThat(buffer.array().length).isEqualTo(small);
  }
}
