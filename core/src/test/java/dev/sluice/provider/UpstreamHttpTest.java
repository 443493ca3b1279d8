package dev.sluice.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstreamHttpTest {

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

  private static HttpHeaders headers(String... nameValue) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) map.put(nameValue[i], List.of(nameValue[i + 1]));
    return HttpHeaders.of(map, (n, v) -> true);
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
  void cleartextUsesHttp11AndTlsPrefersHttp2() {
    assertThat(UpstreamHttp.versionFor(URI.create("http://127.0.0.1:11434/v1"))).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(UpstreamHttp.versionFor(URI.create("https://api.openai.com/v1"))).isEqualTo(HttpClient.Version.HTTP_2);
  }

  @Test
  void theSharedClientNeverFollowsRedirectsAndPrefersHttp2() {
    HttpClient client = UpstreamHttp.newClient(Duration.ofSeconds(3));

    assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
    assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(client.connectTimeout()).contains(Duration.ofSeconds(3));
    assertThat(client.executor()).isPresent();
    assertThatThrownBy(() -> UpstreamHttp.newClient(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
