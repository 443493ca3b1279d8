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
import java.util.List;
import java.util.Map;
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
      Process gateway = startGateway(dir, upstream, Map.of("SLUICE_DB_URL", "jdbc:sqlite:" + db));
      var ids = new ArrayList<String>();
      try {
        int port = portOf(gateway);
        for (int i = 0; i < 3; i++) ids.add(streamToItsEnd(port, null));
        // The last client has just seen its final event: kill at once, no shutdown hook runs.
        kill(gateway);
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

  @Test
  void theJournalOfAGatewayKilledWhileItsDatabaseWasAwayIsReplayedByTheNextGatewayAtItsStart() throws Exception {
    Path dir = Files.createTempDirectory("sluice-crash-");
    String admin = "admin-ledger-crash-test";
    try (PgCluster pg = PgCluster.start(); FakeUpstream upstream = FakeUpstream.start()) {
      upstream.setDefault(Script.openAiText("alpha", " beta", " gamma"));
      String url = pg.newDatabase();
      // The admin key is known without the database, so requests are served while it is away.
      Map<String, String> env = Map.of("SLUICE_DB_URL", url, "SLUICE_DB_USER", PgCluster.USER,
          "SLUICE_ADMIN_KEY", admin, "SLUICE_LEDGER_JOURNAL", dir.resolve("ledger.journal").toString());
      var ids = new ArrayList<String>();
      Process first = startGateway(dir, upstream, env);
      try {
        int port = portOf(first);
        pg.stopServer();
        for (int i = 0; i < 3; i++) ids.add(streamToItsEnd(port, admin));
        kill(first);
      } finally {
        first.destroyForcibly();
        pg.startServer();
      }
      assertThat(Files.size(dir.resolve("ledger.journal"))).isPositive();
      assertThat(requestIds(url)).isEmpty();
      Process next = startGateway(dir, upstream, env);
      try {
        portOf(next);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!requestIds(url).containsAll(ids)) {
          assertThat(System.nanoTime()).as("the journal replayed within 30 s").isLessThan(end);
          Thread.sleep(20);
        }
        assertThat(requestIds(url)).containsExactlyInAnyOrderElementsOf(ids);
      } finally {
        next.destroyForcibly();
        next.waitFor(10, TimeUnit.SECONDS);
      }
    } finally {
      TestGateway.deleteTree(dir);
    }
  }

  /** A gateway in a child JVM, started as {@code java -jar} would start it, with {@code env} on top. */
  private static Process startGateway(Path dir, FakeUpstream upstream, Map<String, String> env) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.sluice.server.cli.Main", "serve",
        "--port", "0");
    pb.environment().put("OPENAI_API_KEY", "sk-upstream");
    pb.environment().put("OPENAI_BASE_URL", upstream.baseUrl().toString());
    pb.environment().remove("SLUICE_CONFIG");
    pb.environment().putAll(env);
    pb.directory(dir.toFile()).redirectErrorStream(true);
    return pb.start();
  }

  /** Streams one answer to its final event; returns its request id. */
  private static String streamToItsEnd(int port, String key) throws Exception {
    String body = "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    try (Socket s = key == null ? RawHttp.post(port, "/v1/chat/completions", body)
        : RawHttp.post(port, "/v1/chat/completions", body, "Authorization: Bearer " + key)) {
      String head = RawHttp.readHead(s.getInputStream());
      Matcher id = Pattern.compile("(?i)x-request-id: (\\S+)").matcher(head);
      assertThat(id.find()).isTrue();
      RawHttp.readUntil(s.getInputStream(), "data: [DONE]");
      return id.group(1);
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  private static void kill(Process gateway) throws InterruptedException {
    gateway.destroyForcibly();
    assertThat(gateway.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  private static List<String> requestIds(String url) throws Exception {
    try (var c = DriverManager.getConnection(url, PgCluster.USER, "");
        var rs = c.createStatement().executeQuery("SELECT request_id FROM usage_ledger")) {
      var ids = new ArrayList<String>();
      while (rs.next()) ids.add(rs.getString(1));
      return ids;
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
