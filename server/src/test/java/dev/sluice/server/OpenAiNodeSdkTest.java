package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm SDK (pinned in {@code .ci/run}, which installs it into
 * {@code ~/.cache/sluice/}) against {@code /v1/responses} on sim: {@code responses.stream} with its
 * delta events and final response, {@code responses.create}, and a refusal as the SDK's own error.
 * The script is {@code src/test/node-sdk/responses-stream.cjs}.
 */
class OpenAiNodeSdkTest {
  static final Path CACHED = Path.of(System.getProperty("user.home"), ".cache", "sluice", "openai-node-7.59.0");

  @Test
  void theNodeSdkStreamsAndReadsWholeResponses() throws Exception {
    String node = NodeClientTest.onPath("node");
    boolean ready = node != null && Files.isDirectory(CACHED.resolve("node_modules/openai"));
    if (!ready && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("node or the openai npm SDK is missing; .ci/run installs it into " + CACHED);
    }
    Assumptions.assumeTrue(ready, "node or the openai npm SDK (.ci/run installs it) is missing; skipped outside CI");
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    try (TestGateway gateway = TestGateway.start()) {
      Process process = new ProcessBuilder(node, module.resolve("src/test/node-sdk/responses-stream.cjs").toString(),
          gateway.uri("/v1").toString(), CACHED.toString()).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      boolean exited = process.waitFor(30, TimeUnit.SECONDS);
      if (!exited) process.destroyForcibly();

      assertThat(exited).as("node finished; its output:%n%s", output).isTrue();
      assertThat(process.exitValue()).as("node's exit status; its output:%n%s", output).isZero();
      JsonNode read = Json.MAPPER.readTree(output.strip().lines().reduce((a, b) -> b).orElseThrow());
      assertThat(read.get("deltas").asText()).isEqualTo("streamed by the node sdk");
      assertThat(read.get("streamedText").asText()).isEqualTo("streamed by the node sdk");
      assertThat(read.get("streamedStatus").asText()).isEqualTo("completed");
      assertThat(read.get("wholeText").asText()).isEqualTo("one whole answer");
      assertThat(read.at("/refusal/status").asInt()).isEqualTo(400);
      assertThat(read.at("/refusal/param").asText()).isEqualTo("previous_response_id");
    }
  }
}
