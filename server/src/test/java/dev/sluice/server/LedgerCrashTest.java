package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A gateway killed with SIGKILL right after streams' final events loses none of their rows: each
 * row was committed before its final event left. The gateway is a real child JVM started with the
 * test's own classpath, exactly as {@code java -jar} would run it.
 */
class LedgerCrashTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");

  @Test
  void aKilledGatewayLosesNoRowWhoseFinalEventWasSent() throws Exception {
    Path dir = Files.createTempDirectory("sluice-crash-");
    Path db = dir.resolve("ledger.db");
    try (FakeUpstream upstream = FakeUpstream.start()) {
      upstream.setDefault(Script.openAiText("alpha", " beta", " gamma"));
      String java = ProcessHandle.current().info().command().orElseThrow();
      var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.sluice.server.cli.Main", "serve",
          "--port", "0");
      pb.environment().put("SLUICE_DB_URL", "jdbc:sqlite:" + db);
      pb.environment().put("OPENAI_API_KEY", "sk-upstream");
      pb.environment().put("OPENAI_BASE_URL", upstream.baseUrl().toString());
      pb.environment().remove("SLUICE_CONFIG");
      pb.directory(dir.toFile()).redirectErrorStream(true);
      Process gateway = pb.start();
      var ids = new ArrayList<String>();
      try {
        int port = portOf(gateway);
        for (int i = 0; i < 3; i++) {
          try (Socket s = RawHttp.post(port, "/v1/chat/completions",
              "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            String head = RawHttp.readHead(s.getInputStream());
            Matcher id = Pattern.compile("(?i)x-request-id: (\\S+)").matcher(head);
            assertThat(id.find()).isTrue();
            ids.add(id.group(1));
            RawHttp.readUntil(s.getInputStream(), "data: [DONE]");
          }
        }
        // The last client has just seen its final event: kill at once, no shutdown hook runs.
        gateway.destroyForcibly();
        assertThat(gateway.waitFor(10, TimeUnit.SECONDS)).isTrue();
      } finally {
        gateway.destroyForcibly();
      }
      try (var c = DriverManager.getConnection("jdbc:sqlite:" + db);
          var st = c.prepareStatement("SELECT status, completion_tokens FROM usage_ledger WHERE request_id = ?")) {
        assertThat(ids).hasSize(3);
        for (String id : ids) {
          st.setString(1, id);
          try (ResultSet rs = st.executeQuery()) {
            assertThat(rs.next()).as("row of %s", id).isTrue();
            assertThat(rs.getString(1)).isEqualTo("completed");
            assertThat(rs.getLong(2)).isEqualTo(3);
          }
        }
      }
    } finally {
      TestGateway.deleteTree(dir);
    }
  }

  private static int portOf(Process gateway) throws Exception {
    var out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    var seen = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      seen.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        // Keep draining its output so the child never blocks on a full pipe.
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the gateway exited before listening:\n" + seen);
  }
}
