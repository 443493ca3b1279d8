package dev.sluice.server;

import static dev.sluice.testkit.ProviderTestSupport.CLIENT_LEFT;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.assertPrompt;
import static dev.sluice.testkit.ProviderTestSupport.hello;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.provider.openai.OpenAiConfig;
import dev.sluice.provider.openai.OpenAiProvider;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.testkit.BoundedStop;
import dev.sluice.testkit.Transcript;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upstream over TLS that speaks HTTP/2 and HTTP/1.1: the upstream client negotiates h2 by ALPN and
 * reads the stream through the same demand-driven body, and a cancel resets the stream. The upstream
 * is a Jetty server with a certificate made for the run; the client trusts any certificate.
 */
class UpstreamOverTlsTest {

  private static final String FIRST = event("{\"role\":\"assistant\",\"content\":\"\"}", null);
  private static final String BODY = FIRST + event("{\"content\":\"over\"}", null)
      + event("{\"content\":\" h2\"}", null) + event("{}", "\"stop\"") + "data: [DONE]\n\n";

  private static Path dir;
  private static Server upstream;
  private static ServerConnector connector;
  private static HttpClient client;
  private static final CompletableFuture<HttpVersion> spoken = new CompletableFuture<>();
  private static final CompletableFuture<Long> resetAt = new CompletableFuture<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("sluice-tls-");
    Path keystore = dir.resolve("upstream.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-keyalg", "EC", "-alias", "upstream", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "secret123")
        .redirectErrorStream(true).start();
    assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();

    var tls = new SslContextFactory.Server();
    tls.setKeyStorePath(keystore.toString());
    tls.setKeyStorePassword("secret123");
    upstream = new Server();
    var http = new HttpConfiguration();
    var alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol("http/1.1");
    connector = new ServerConnector(upstream, new SslConnectionFactory(tls, alpn.getProtocol()), alpn,
        new HTTP2ServerConnectionFactory(http), new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    upstream.addConnector(connector);
    upstream.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        spoken.complete(request.getConnectionMetaData().getHttpVersion());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        if (request.getHttpURI().getPath().startsWith("/hang/")) {
          // The first event, then nothing until the client resets the stream.
          request.addFailureListener(failure -> resetAt.complete(System.nanoTime()));
          Content.Sink.write(response, false, FIRST, Callback.NOOP);
          return true;
        }
        Content.Sink.write(response, true, BODY, callback);
        return true;
      }
    });
    upstream.start();

    client = UpstreamHttp.newClient(Duration.ofSeconds(2));
    var trustAll = new SslContextFactory.Client(true);
    trustAll.setEndpointIdentificationAlgorithm(null);
    client.setSslContextFactory(trustAll);
    UpstreamHttp.started(client);
  }

  @AfterAll
  static void stop() throws Exception {
    BoundedStop.stop("the upstream client", client);
    BoundedStop.stop("the TLS upstream", upstream);
    TestGateway.deleteTree(dir);
  }

  /** One OpenAI chunk event with {@code delta} and {@code finish} (JSON, or null). */
  private static String event(String delta, String finish) {
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\","
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  }

  /** The OpenAI provider for the upstream at {@code root} ({@code /v1} answers, {@code /hang/v1} hangs). */
  private static OpenAiProvider provider(String root) {
    URI base = URI.create("https://127.0.0.1:" + connector.getLocalPort() + root);
    return new OpenAiProvider(new OpenAiConfig(upstreamConfig("tls", base, List.of("gpt-4o"))), client);
  }

  @Test
  void aTlsUpstreamThatOffersHttp2IsReadOverHttp2() throws Exception {
    Transcript t = Transcript.drain(provider("/v1").stream(hello("gpt-4o")), DEADLINE);

    assertThat(t.content()).isEqualTo("over h2");
    assertThat(spoken.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(HttpVersion.HTTP_2);
  }

  @Test
  void aCancelResetsTheHttp2StreamAndWakesTheReader() throws Exception {
    EventStream stream = provider("/hang/v1").stream(hello("gpt-4o"));
    assertThat(stream.next()).isInstanceOf(Started.class);
    StreamEvent[] got = new StreamEvent[1];
    CompletableFuture<Long> returned = new CompletableFuture<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      got[0] = stream.next();
      returned.complete(System.nanoTime());
    });
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (reader.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as("the reader waits for the body").isLessThan(deadline);
      Thread.sleep(5);
    }

    long cancelledAt = System.nanoTime();
    stream.cancel(CLIENT_LEFT);

    assertPrompt(cancelledAt, returned.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "the reader woke");
    assertPrompt(cancelledAt, resetAt.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "the upstream saw the reset");
    assertThat(got[0]).isEqualTo(new Failed(CLIENT_LEFT));
  }
}
