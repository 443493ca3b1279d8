package dev.sluice.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dialect.anthropic.AnthropicRequestDecoder;
import dev.sluice.dialect.browser.BrowserRequestDecoder;
import dev.sluice.dialect.openai.OpenAiRequestDecoder;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.ModelName;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every dialect bounds the caller's model name before it can become a key, a label or a row. */
class ModelNameAtTheEdgeTest {
  private static final String TOO_LONG = "openai/" + "x".repeat(300);
  private static final String WITH_NUL = "openai/gpt\u0000-4o";

  interface Decoder {
    ChatRequest decode(String model) throws GatewayException;
  }

  private static final List<Decoder> DIALECTS = List.of(
      model -> OpenAiRequestDecoder.decode(json("{\"model\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", model)),
      model -> AnthropicRequestDecoder.decode(
          json("{\"model\":%s,\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", model)),
      model -> BrowserRequestDecoder.fromJson(json("{\"model\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", model)),
      model -> BrowserRequestDecoder.fromQuery(Map.of("prompt", "hi", "model", model)));

  @Test
  void refusesAModelNameLongerThanTheLedgerHoldsInEveryDialect() {
    for (Decoder d : DIALECTS) {
      assertThatThrownBy(() -> d.decode(TOO_LONG)).isInstanceOfSatisfying(GatewayException.class, e -> {
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().param()).isEqualTo("model");
        assertThat(e.error().message()).doesNotContain("xxxxxxxx");
      });
    }
  }

  @Test
  void refusesAControlCharacterInAModelNameInEveryDialect() {
    for (Decoder d : DIALECTS) {
      assertThatThrownBy(() -> d.decode(WITH_NUL)).isInstanceOfSatisfying(GatewayException.class,
          e -> assertThat(e.error().param()).isEqualTo("model"));
    }
  }

  @Test
  void acceptsANameOfExactlyTheLimit() throws Exception {
    String longest = "m".repeat(ModelName.MAX_CHARS);
    for (Decoder d : DIALECTS) assertThat(d.decode(longest).model()).isEqualTo(longest);
  }

  private static byte[] json(String template, String model) {
    String quoted = "\"" + model.replace("\u0000", "\\u0000") + "\"";
    return template.formatted(quoted).getBytes(StandardCharsets.UTF_8);
  }
}
