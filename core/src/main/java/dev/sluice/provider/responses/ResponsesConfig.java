package dev.sluice.provider.responses;

import dev.sluice.provider.UpstreamConfig;
import java.net.URI;

/**
 * One upstream that speaks OpenAI's Responses API ({@code POST /v1/responses}): OpenAI itself, Azure
 * OpenAI's v1 API, or a server that copies it.
 *
 * @param upstream the settings every upstream has; its {@code baseUrl} is the API root without the
 *     endpoint, e.g. {@code https://api.openai.com/v1}, and its key goes as a bearer token (none is sent
 *     without one)
 */
public record ResponsesConfig(UpstreamConfig upstream) {

  public ResponsesConfig {
    if (upstream == null) throw new IllegalArgumentException("upstream is required");
  }

  /** {@code {baseUrl}/responses}. */
  public URI responsesUri() {
    return upstream.endpoint("/responses");
  }
}
