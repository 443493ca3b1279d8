package dev.sluice.server.guard;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The caps on model requests in flight at once, streaming or not: per virtual key
 * ({@code server.max_streams_per_key}) and per client address ({@code server.max_streams_per_client},
 * the TCP peer's address, so behind a proxy every client shares the proxy's). A request over either
 * is refused with 429 before any upstream call. A request holds its {@link Place} until it ends; a
 * browser stream until its generation ends, which can be after its client left (the grace period).
 *
 * <p>Counted per instance, in memory: behind a load balancer each instance applies its own caps. A
 * cap of 0 is off and counts nothing.
 */
public final class StreamCaps {
  /** Refusal names, as the {@code cap} label of {@code sluice_cap_refusals_total}. */
  public static final String PER_KEY = "streams_per_key";
  public static final String PER_CLIENT = "streams_per_client";

  /** No cap. */
  public static final StreamCaps NONE = new StreamCaps(0, 0, cap -> {});

  private final InFlight perKey;
  private final InFlight perClient;
  private final int maxPerKey;
  private final int maxPerClient;
  private final Consumer<String> refused;

  /** @param refused told the name of the cap each time one refuses a request */
  public StreamCaps(int maxPerKey, int maxPerClient, Consumer<String> refused) {
    this.maxPerKey = maxPerKey;
    this.maxPerClient = maxPerClient;
    this.perKey = maxPerKey > 0 ? new InFlight(maxPerKey) : null;
    this.perClient = maxPerClient > 0 ? new InFlight(maxPerClient) : null;
    this.refused = refused;
  }

  /**
   * Takes a place for one request of {@code keyId} (null: no virtual key) from {@code client} (null:
   * unknown); the caller must {@link Place#leave} it when the request ends.
   *
   * @throws GatewayException 429 when the key or the client already has its cap of requests in flight
   */
  Place enter(String keyId, String client) throws GatewayException {
    String countedClient = perClient != null && client != null ? client : null;
    if (countedClient != null && !perClient.enter(countedClient)) {
      throw refusal(PER_CLIENT, "This client address already has " + maxPerClient + " requests in flight, the most "
          + "the gateway allows one address; retry when one ends.");
    }
    String countedKey = perKey != null && keyId != null ? keyId : null;
    if (countedKey != null && !perKey.enter(countedKey)) {
      if (countedClient != null) perClient.leave(countedClient);
      throw refusal(PER_KEY, "This virtual key already has " + maxPerKey + " requests in flight, the most the "
          + "gateway allows one key; retry when one ends.");
    }
    return new Place(countedKey, countedClient);
  }

  /** Requests holding a place now, counted per key (0 with that cap off). */
  public int inFlightPerKey() {
    return perKey == null ? 0 : perKey.total();
  }

  /** Requests holding a place now, counted per client address (0 with that cap off). */
  public int inFlightPerClient() {
    return perClient == null ? 0 : perClient.total();
  }

  private GatewayException refusal(String cap, String message) {
    refused.accept(cap);
    return new GatewayException(new GatewayError(ErrorType.RATE_LIMITED, message, null, "too_many_requests_in_flight", 0,
        null));
  }

  /** One request's place under the caps, given back exactly once however often {@link #leave} is called. */
  final class Place {
    private final String keyId;
    private final String client;
    private final AtomicBoolean left = new AtomicBoolean();

    private Place(String keyId, String client) {
      this.keyId = keyId;
      this.client = client;
    }

    void leave() {
      if (!left.compareAndSet(false, true)) return;
      if (keyId != null) perKey.leave(keyId);
      if (client != null) perClient.leave(client);
    }
  }
}
