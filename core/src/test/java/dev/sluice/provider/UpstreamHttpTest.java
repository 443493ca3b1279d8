package dev.sluice.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testkit.BoundedStop;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.ClientConnector;
import org.junit.jupiter.api.Test;

class UpstreamHttpTest {

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

  private static HttpFields headers(String... nameValue) {
    HttpFields.Mutable fields = HttpFields.build();
    for (int i = 0; i < nameValue.length; i += 2) fields.add(nameValue[i], nameValue[i + 1]);
    return fields;
  }

  /** The protocols a request to {@code url} may speak, as the client's transport would open its connection. */
  private static Origin.Protocol protocolFor(HttpClient client, String url) {
    URI uri = URI.create(url);
    return client.getTransport().newOrigin(UpstreamHttp.forBaseUrl(client.newRequest(uri), uri)).getProtocol();
  }

  @Test
  void retryAfterMsIsReadFirstAsFloatMilliseconds() {
    assertThat(UpstreamHttp.retryAfter(headers("retry-after-ms", "250.25", "retry-after", "9"), NOW))
        .isEqualTo(Duration.ofNanos(250_250_000));
  }

  @Test
  void retryAfterIsReadAsFloatSecondsThenAsAnHttpDate() {
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "2"), NOW)).isEqualTo(Duration.ofSeconds(2));
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "0.5"), NOW)).isEqualTo(Duration.ofMillis(500));
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "Wed, 25 Nov 2026 10:00:30 GMT"), NOW))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "Wed, 25 Nov 2026 09:00:00 GMT"), NOW))
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void unusableValuesAreIgnored() {
    assertThat(UpstreamHttp.retryAfter(headers(), NOW)).isNull();
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "soon"), NOW)).isNull();
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "-1"), NOW)).isNull();
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "NaN"), NOW)).isNull();
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "Infinity"), NOW)).isNull();
    assertThat(UpstreamHttp.retryAfter(headers("Retry-After", "0x10"), NOW)).isNull();
    // A bad retry-after-ms falls through to retry-after.
    assertThat(UpstreamHttp.retryAfter(headers("retry-after-ms", "abc", "Retry-After", "3"), NOW))
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void cleartextUsesHttp11AndTlsNegotiatesHttp2First() throws Exception {
    HttpClient client = UpstreamHttp.started(UpstreamHttp.newClient(Duration.ofSeconds(3)));
    try {
      assertProtocols(client);
    } finally {
      BoundedStop.stop("the upstream client", client);
    }
  }

  private static void assertProtocols(HttpClient client) {
    Origin.Protocol cleartext = protocolFor(client, "http://127.0.0.1:11434/v1");
    assertThat(cleartext.getProtocols()).containsExactly("http/1.1");
    assertThat(cleartext.isNegotiate()).isFalse();
    Origin.Protocol tls = protocolFor(client, "https://api.openai.com/v1");
    assertThat(tls.isNegotiate()).isTrue();
    assertThat(tls.getProtocols()).contains("h2", "http/1.1");
    assertThat(tls.getProtocols().indexOf("h2")).isLessThan(tls.getProtocols().indexOf("http/1.1"));
  }

  @Test
  void theSharedClientNeverFollowsRedirectsAndHoldsTensOfThousandsOfConnectionsPerUpstream() {
    HttpClient client = UpstreamHttp.newClient(Duration.ofSeconds(3), 65_536);

    assertThat(client.isFollowRedirects()).isFalse();
    assertThat(client.getConnectTimeout()).isEqualTo(3_000);
    assertThat(client.getMaxConnectionsPerDestination()).isGreaterThanOrEqualTo(10_000);
    assertThat(client.getMaxRequestsQueuedPerDestination()).isGreaterThanOrEqualTo(10_000);
    assertThat(client.getIdleTimeout()).isEqualTo(30_000);
    assertThat(client.getContainedBeans(ClientConnector.class))
        .singleElement().satisfies(c -> assertThat(c.getReceiveBufferSize()).isEqualTo(65_536));
    assertThat(client.isStarted()).as("the server starts it").isFalse();
    assertThatThrownBy(() -> UpstreamHttp.newClient(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
