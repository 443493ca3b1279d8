package dev.sluice.server.cli;

import dev.sluice.provider.sim.SimConfig;
import dev.sluice.server.SluiceServer;
import dev.sluice.server.config.Accounting;
import dev.sluice.server.config.SluiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice train}, hidden: the training run for the JVM's ahead-of-time cache (JEP 483/515).
 * The launcher runs it once per build under {@code -XX:AOTCacheOutput}: it starts the gateway in
 * this process on a free loopback port with the built-in {@code sim} provider, an OpenAI provider
 * pointed at a {@link TrainingUpstream} in this process, and a throwaway ledger; sends streaming chat
 * completions, Anthropic messages and browser streams over loopback; and stops. The classes it loads and links and the methods it profiles are what {@code serve}
 * then finds ready in the cache, so a new process reaches its steady throughput sooner.
 */
@Command(name = "train", hidden = true, description = "Exercise the gateway on the sim provider (the AOT cache's training run).")
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--requests", paramLabel = "N", description = "Requests of each kind (default: 200).")
  int requests = 200;

  /** Requests in flight at once: enough to exercise the concurrent paths, few enough for a small machine. */
  private static final int CONCURRENCY = 8;

  @Override
  public Integer call() throws Exception {
    Path data = Files.createTempDirectory("sluice-train-");
    try (var upstream = new TrainingUpstream()) {
      // Tokens as fast as the reader takes them: the hot path is what is trained, not the sim's pace.
      SluiceConfig config = SluiceConfig.defaults().toBuilder().port(0)
          .sim(new SimConfig(0, Duration.ZERO))
          .openAi("sk-train", upstream.baseUrl())
          .accounting(Accounting.DEFAULT.withDbUrl("jdbc:sqlite:" + data.resolve("ledger.db")))
          .build();
      int failed = exercise(config);
      if (failed > 0) {
        spec.commandLine().getErr().println("sluice train: " + failed + " requests failed");
        return 1;
      }
    } finally {
      try (var files = Files.walk(data)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    return 0;
  }

  /** Starts the gateway with {@code config}, sends the requests, stops it; returns how many failed. */
  private int exercise(SluiceConfig config) throws Exception {
    try (var server = SluiceServer.start(config);
        var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      URI base = server.baseUri();
      var work = new ArrayList<Future<Integer>>();
      for (int i = 0; i < requests; i++) {
        for (HttpRequest request : requests(base, i)) {
          work.add(threads.submit(() -> drain(http, request)));
          if (work.size() % CONCURRENCY == 0) work.get(work.size() - CONCURRENCY).get();
        }
      }
      int failed = 0;
      for (Future<Integer> f : work) if (f.get() != 200) failed++;
      return failed;
    }
  }

  /**
   * One of each kind the gateway serves on its hot path, streaming: OpenAI chat completions and
   * Anthropic messages, each from the sim provider and relayed from the OpenAI upstream, and the
   * browser's stream.
   */
  private static List<HttpRequest> requests(URI base, int i) {
    String prompt = "tell me a story about request " + i;
    var list = new ArrayList<HttpRequest>();
    for (String model : List.of("sim/chat", "openai/train")) {
      String chat = "{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
          + "\"max_tokens\":60,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
      String messages = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":60,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
      list.add(post(base.resolve("/v1/chat/completions"), chat));
      list.add(post(base.resolve("/v1/messages"), messages));
    }
    list.add(HttpRequest.newBuilder(base.resolve("/api/chat/stream?model=sim/chat&max_tokens=60&prompt=story%20" + i))
        .build());
    return list;
  }

  private static HttpRequest post(URI uri, String body) {
    return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /** Sends the request and reads the whole stream; returns the status. */
  private static int drain(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      body.transferTo(OutputStream.nullOutputStream());
    }
    return response.statusCode();
  }
}
