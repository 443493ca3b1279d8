package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the Node tests of the web modules ({@code src/test/js}: sluice.js, markdown.js,
 * prometheus.js) with Node's built-in runner, so that {@code mvn verify} covers them. Skipped, with
 * a message saying so, only where no {@code node} is installed ({@code .ci/run} installs it).
 */
class NodeClientTest {

  @Test
  void webModulesPassTheirNodeTests() throws Exception {
    String node = onPath("node");
    assumeTrue(node != null, "node is not installed: the Node tests of sluice.js were NOT run");
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Path tests = module.resolve("src/test/js");
    assertThat(tests).isDirectory();
    // Files, not the folder: newer Node versions read --test arguments as glob patterns.
    var command = new java.util.ArrayList<>(List.of(node, "--test", "--test-reporter=tap"));
    try (var files = Files.list(tests)) {
      files.map(Path::toString).filter(f -> f.endsWith(".test.js")).sorted().forEach(command::add);
    }
    assertThat(command).hasSizeGreaterThan(3);
    Process process = new ProcessBuilder(command).directory(module.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    // Read all output before waiting, so a full pipe cannot block the runner.
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    if (!exited) process.destroyForcibly();
    System.out.println(output);
    assertThat(exited).as("node --test finished").isTrue();
    assertThat(process.exitValue()).as("node --test exit code; its output:%n%s", output).isZero();
    assertThat(output).contains("# fail 0").doesNotContain("# pass 0");
  }

  /** {@code program}'s path on {@code PATH}, or null. */
  static String onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) return null;
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) return candidate.toString();
    }
    return null;
  }
}
