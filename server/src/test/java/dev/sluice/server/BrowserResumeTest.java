package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dialect.Json;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.ResumeSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The chat page in a real (headless) Chromium: its connection is cut mid-answer by a proxy between
 * browser and gateway; {@code EventSource} reconnects by itself with {@code Last-Event-ID}, and the
 * page shows the whole answer, once, from one upstream request.
 */
class BrowserResumeTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void theChatPageResumesItsStreamAfterTheConnectionIsCut() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("chromium is not installed");
      Assumptions.abort("chromium is not installed; skipped outside CI");
    }
    RecordingProvider provider = new RecordingProvider(new SimProvider(new SimConfig(40, Duration.ZERO)));
    try (TestGateway gateway = TestGateway.start(
            b -> b.resume(new ResumeSettings(Duration.ofSeconds(20), Duration.ofSeconds(30), 1 << 20)), provider);
        var proxy = new CuttingProxy(gateway.port());
        var browser = Chromium.open(URI.create("http://127.0.0.1:" + proxy.port() + "/?prompt=a%20long%20story&model=sim/chat"))) {
      String answerJs = "document.getElementById('answer').textContent";
      browser.await(answerJs + ".length > 20", Duration.ofSeconds(15));
      proxy.cutAll();
      browser.await("document.getElementById('meta').textContent.includes('tokens')"
          + " || document.getElementById('meta').textContent.includes('rror')"
          + " || document.getElementById('meta').textContent.includes('lost')", Duration.ofSeconds(30));
      String meta = browser.evaluate("document.getElementById('meta').textContent");
      assertThat(meta).as("the page finished normally").contains("tokens");
      String shown = browser.evaluate(answerJs);

      assertThat(provider.openedCount()).as("one generation for both connections").isEqualTo(1);
      assertThat(proxy.requestHeads()).anyMatch(h -> h.startsWith("GET /api/chat/stream") && h.contains("Last-Event-ID: st_"));
      // The sim's answer is deterministic: the same request again gives the whole text to compare with.
      var text = new StringBuilder();
      BrowserEndpointTest.events(gateway.get("/api/chat/stream?prompt=a%20long%20story&model=sim/chat").body())
          .forEach(e -> text.append(e.data().path("content").asText("")));
      assertThat(shown).isEqualTo(text.toString());
    }
  }

  /** A TCP proxy to the gateway that can cut every connection through it at once. */
  static final class CuttingProxy implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    CuttingProxy(int target) throws IOException {
      acceptor = Thread.ofVirtual().start(() -> {
        while (!server.isClosed()) {
          try {
            Socket client = server.accept();
            Socket upstream = new Socket("127.0.0.1", target);
            open.add(client);
            open.add(upstream);
            pump(client, upstream, true);
            pump(upstream, client, false);
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return server.getLocalPort();
    }

    /** The head of every request that went through (requests on one connection are seen as one chunk each). */
    List<String> requestHeads() {
      return List.copyOf(heads);
    }

    private void pump(Socket from, Socket to, boolean requests) {
      Thread.ofVirtual().start(() -> {
        byte[] buffer = new byte[16 * 1024];
        try (from; to) {
          InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream();
          for (int n; (n = in.read(buffer)) > 0; ) {
            if (requests) heads.add(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException closed) {
          // cut, or the other side closed: both sockets close here
        }
      });
    }

    void cutAll() throws IOException {
      for (Socket s : open) s.close();
      open.clear();
    }

    @Override
    public void close() throws Exception {
      server.close();
      cutAll();
      acceptor.join(5_000);
    }
  }

  /** Headless Chromium driven over the DevTools protocol (JSON over a WebSocket). */
  static final class Chromium implements AutoCloseable {
    private final Process process;
    private final Path profile;
    private final HttpClient http = HttpClient.newHttpClient();
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final ConcurrentHashMap<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, Path profile, WebSocket socket) {
      this.process = process;
      this.profile = profile;
      this.socket = socket;
    }

    static Chromium open(URI page) throws Exception {
      Path profile = Files.createTempDirectory("sluice-chromium");
      Process process = new ProcessBuilder(CHROMIUM.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
          "--no-first-run", "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile, page.toString())
          .redirectErrorStream(true).start();
      try {
        int port = devToolsPort(process);
        HttpClient http = HttpClient.newHttpClient();
        String wsUrl = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (wsUrl == null) {
          String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          for (var target : Json.MAPPER.readTree(list)) {
            if (target.path("type").asText().equals("page")) wsUrl = target.path("webSocketDebuggerUrl").asText();
          }
          if (wsUrl == null) {
            if (System.nanoTime() > deadline) throw new AssertionError("no page target in Chromium");
            Thread.sleep(50);
          }
        }
        var holder = new CompletableFuture<Chromium>();
        var listener = new WebSocket.Listener() {
          private final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              String message = partial.toString();
              partial.setLength(0);
              holder.thenAccept(c -> c.onMessage(message));
            }
            ws.request(1);
            return null;
          }
        };
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), listener).get(10, TimeUnit.SECONDS);
        var chromium = new Chromium(process, profile, ws);
        holder.complete(chromium);
        return chromium;
      } catch (Exception | Error e) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        throw e;
      }
    }

    /** Reads "DevTools listening on ws://127.0.0.1:PORT/..." from Chromium's output. */
    private static int devToolsPort(Process process) throws Exception {
      var port = new CompletableFuture<Integer>();
      var output = new StringBuilder();
      Thread.ofVirtual().start(() -> {
        try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = reader.readLine()) != null; ) {
            if (!port.isDone()) output.append(line).append('\n');
            int at = line.indexOf("ws://127.0.0.1:");
            if (at >= 0) {
              String rest = line.substring(at + "ws://127.0.0.1:".length());
              port.complete(Integer.parseInt(rest.substring(0, rest.indexOf('/'))));
            }
          }
        } catch (IOException e) {
          port.completeExceptionally(e);
        }
        port.completeExceptionally(new AssertionError("Chromium exited: " + output));
      });
      return port.get(20, TimeUnit.SECONDS);
    }

    private void onMessage(String message) {
      try {
        var node = Json.MAPPER.readTree(message);
        if (!node.has("id")) return;
        CompletableFuture<String> f = pending.remove(node.get("id").asInt());
        if (f != null) f.complete(node.path("result").path("result").path("value").asText(""));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** Evaluates a JavaScript expression in the page; its value as a string. */
    String evaluate(String expression) throws Exception {
      int id = ids.incrementAndGet();
      var result = new CompletableFuture<String>();
      pending.put(id, result);
      String command = Json.write(g -> {
        g.writeStartObject();
        g.writeNumberField("id", id);
        g.writeStringField("method", "Runtime.evaluate");
        g.writeObjectFieldStart("params");
        g.writeStringField("expression", "String(" + expression + ")");
        g.writeBooleanField("returnByValue", true);
        g.writeEndObject();
        g.writeEndObject();
      });
      socket.sendText(command, true).get(5, TimeUnit.SECONDS);
      return result.get(5, TimeUnit.SECONDS);
    }

    /** Polls until {@code condition} is true in the page. */
    void await(String condition, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!evaluate(condition).equals("true")) {
        if (System.nanoTime() > deadline) throw new AssertionError("page never satisfied: " + condition);
        Thread.sleep(50);
      }
    }

    @Override
    public void close() throws Exception {
      socket.abort();
      http.close();
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
      try (var files = Files.walk(profile)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      } catch (IOException e) {
        // Chromium may still be writing its profile as it exits; a temp dir left behind is harmless.
      }
    }
  }
}
