package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's Codex CLI, unchanged (its version pinned in {@code .ci/run}, which installs it), run headless
 * against Sluice's {@code /v1/responses} on {@code sim/echo}: what it sends (reasoning hints, encrypted
 * reasoning asked for, web search and namespaced tools offered, client metadata) is accepted, and it
 * prints the answer. The binary is {@code SLUICE_CODEX}, else the copy {@code .ci/run} caches.
 */
class CodexCliTest {
  static final Path CACHED = Path.of(System.getProperty("user.home"), ".cache", "sluice", "codex-0.169.0",
      "node_modules", ".bin", "codex");
  static TestGateway gateway;
  static Path home;
  static Path work;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
    home = Files.createTempDirectory("sluice-codex-home");
    work = Files.createTempDirectory("sluice-codex-work");
    Files.writeString(home.resolve("config.toml"), """
        model = "sim/echo"
        model_provider = "sluice"

        [model_providers.sluice]
        name = "Sluice"
        base_url = "%s"
        wire_api = "responses"
        env_key = "SLUICE_KEY"
        """.formatted(gateway.uri("/v1")));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    TestGateway.deleteTree(home);
    TestGateway.deleteTree(work);
  }

  static String codex() {
    String configured = System.getenv("SLUICE_CODEX");
    if (configured != null && Files.isExecutable(Path.of(configured))) return configured;
    if (Files.isExecutable(CACHED)) return CACHED.toString();
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("the Codex CLI is not installed; .ci/run installs it with npm into " + CACHED);
    }
    Assumptions.abort("the Codex CLI is not installed (.ci/run installs it); skipped outside CI");
    return null;
  }

  @Test
  void codexExecAnswersOnSimEcho() throws Exception {
    Path last = work.resolve("last-message.txt");
    var builder = new ProcessBuilder(codex(), "exec", "--skip-git-repo-check", "--ephemeral", "-o", last.toString(),
        "say hello through the sluice").directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve("codex.log").toFile());
    Map<String, String> env = builder.environment();
    env.put("CODEX_HOME", home.toString());
    env.put("SLUICE_KEY", "sk-not-used-by-sim");
    Process codex = builder.start();
    codex.getOutputStream().close(); // codex exec reads more of the prompt from stdin until it ends
    boolean ended = codex.waitFor(30, TimeUnit.SECONDS);
    if (!ended) codex.destroyForcibly();
    String log = Files.readString(work.resolve("codex.log"), StandardCharsets.UTF_8);

    assertThat(ended).as("codex ended within 30 s; its output:%n%s", log).isTrue();
    assertThat(codex.exitValue()).as("codex's exit status; its output:%n%s", log).isZero();
    assertThat(Files.readString(last).strip()).isEqualTo("say hello through the sluice");
    List<Map<String, Object>> rows = LedgerRows.await(gateway.ledger(), r -> !r.isEmpty(), 5_000);
    assertThat(rows).extracting(r -> r.get("status")).containsOnly("completed");
    assertThat(rows).extracting(r -> r.get("model")).containsOnly("sim/echo");
  }
}
