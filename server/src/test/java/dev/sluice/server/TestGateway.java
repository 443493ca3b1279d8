package dev.sluice.server;

import dev.sluice.provider.Provider;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.server.telemetry.Tracing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A real gateway on a free loopback port, with the providers a test chooses. */
final class TestGateway implements AutoCloseable {
  final SluiceServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(SluiceServer server) {
    this.server = server;
  }

  /**
   * The providers the configuration makes live (sim as fast as the client reads, unless the test
   * configures it), with any of them replaced by the {@code extra} provider of the same name.
   */
  static TestGateway start(UnaryOperator<SluiceConfig.Builder> config, Provider... extra) throws Exception {
    return start(config, new Telemetry(Tracing.off()), extra);
  }

  /** {@link #start(UnaryOperator, Provider...)} with this telemetry (a test's in-memory span exporter). */
  static TestGateway start(UnaryOperator<SluiceConfig.Builder> config, Telemetry telemetry, Provider... extra)
      throws Exception {
    // A short drain: a test that stops its gateway mid-stream should not wait the default 20 s.
    var builder = SluiceConfig.defaults().toBuilder().port(0).sim(new SimConfig(0, Duration.ZERO))
        .drainTimeout(Duration.ofMillis(500));
    SluiceConfig c = config.apply(builder).build();
    var providers = new ArrayList<Provider>();
    for (Provider p : Providers.fromConfig(c, Map.of())) {
      if (Arrays.stream(extra).noneMatch(e -> e.name().equals(p.name()))) providers.add(p);
    }
    providers.addAll(List.of(extra));
    return new TestGateway(SluiceServer.start(c, providers, telemetry));
  }

  static TestGateway start() throws Exception {
    return start(b -> b);
  }

  URI uri(String path) {
    return server.baseUri().resolve(path);
  }

  int port() {
    return server.port();
  }

  HttpResponse<String> postJson(String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    http.close();
    server.close();
  }
}
