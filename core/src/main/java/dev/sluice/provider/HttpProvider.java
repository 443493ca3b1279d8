package dev.sluice.provider;

import dev.sluice.stream.ChatRequest;
import java.util.List;
import org.eclipse.jetty.client.HttpClient;

/**
 * A provider that calls one HTTP upstream: every call is an {@link HttpEventStream} over the
 * provider's {@link HttpUpstream}, sent through the gateway's shared client. A wire format's provider
 * only builds its upstream from its configuration; name, models and streams work the same for all.
 *
 * <p>Thread-safe and shared by all requests; each {@link #stream} is read by one thread and may be
 * cancelled from any.
 *
 * @param <C> the wire format's configuration
 */
public abstract class HttpProvider<C> implements Provider {

  private final C config;
  private final HttpUpstream upstream;
  private final HttpClient client;

  /**
   * A provider configured by {@code config} that sends to {@code upstream} (built from it) through
   * {@code client}, the gateway's one shared client ({@link UpstreamHttp#newClient}); that client's
   * connect timeout applies, not the configuration's.
   */
  protected HttpProvider(C config, HttpUpstream upstream, HttpClient client) {
    if (upstream == null || client == null) throw new IllegalArgumentException("upstream and client are required");
    this.config = config;
    this.upstream = upstream;
    this.client = client;
  }

  /** The configuration this provider was built with. */
  public final C config() {
    return config;
  }

  /**
   * The client this provider sends through: a server starts and stops the ones it finds not yet
   * started among its providers (see {@link UpstreamHttp#newClient}).
   */
  public final HttpClient client() {
    return client;
  }

  @Override
  public final String name() {
    return upstream.config().name();
  }

  @Override
  public final List<String> models() {
    return upstream.config().models();
  }

  @Override
  public final EventStream stream(ChatRequest request) {
    if (request == null) throw new IllegalArgumentException("request is required");
    return new HttpEventStream(client, upstream, request);
  }
}
