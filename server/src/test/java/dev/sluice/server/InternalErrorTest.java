package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.stream.ChatRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A bug inside Sluice is a 500 in the caller's dialect with the request id, never a stack trace. */
class InternalErrorTest {
  /** A provider with a bug: it throws where it should return a stream. */
  record Broken(String name) implements Provider {
    @Override
    public List<String> models() {
      return List.of("x");
    }

    @Override
    public EventStream stream(ChatRequest request) {
      throw new IllegalStateException("secret internal detail");
    }
  }

  @Test
  void answersAnUnexpectedFailureWith500InTheCallersDialect() throws Exception {
    try (TestGateway gateway = TestGateway.start(b -> b, new Broken("broken"))) {
      HttpResponse<String> openAi = gateway.postJson("/v1/chat/completions",
          "{\"model\":\"broken/x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(openAi.statusCode()).isEqualTo(500);
      JsonNode error = Json.MAPPER.readTree(openAi.body()).get("error");
      assertThat(error.get("type").asText()).isEqualTo("internal_error");
      assertThat(error.get("message").asText()).contains(openAi.headers().firstValue("x-request-id").orElseThrow());

      HttpResponse<String> anthropic = gateway.postJson("/v1/messages",
          "{\"model\":\"broken/x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(anthropic.statusCode()).isEqualTo(500);
      JsonNode body = Json.MAPPER.readTree(anthropic.body());
      assertThat(body.get("type").asText()).isEqualTo("error");
      assertThat(body.at("/error/type").asText()).isEqualTo("api_error");
      for (HttpResponse<String> r : List.of(openAi, anthropic)) {
        assertThat(r.body()).doesNotContain("secret internal detail").doesNotContain("IllegalStateException");
      }
    }
  }
}
