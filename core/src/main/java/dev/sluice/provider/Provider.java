package dev.sluice.provider;

import dev.sluice.stream.ChatRequest;
import java.util.List;

/**
 * One upstream API. An adapter turns a canonical request into the upstream's HTTP request and
 * the upstream's stream into canonical events. Implementations are thread-safe and shared by
 * all requests.
 */
public interface Provider {

  /** The routing name: the part before the slash in {@code provider/model}. */
  String name();

  /** The models this provider advertises in {@code GET /v1/models}, without the provider prefix. */
  List<String> models();

  /**
   * Whether this provider can serve {@code model} (no prefix). Providers that pass any name through
   * to their upstream answer true and let the upstream decide; a provider with a closed set of
   * models answers from it, so that an unknown name is a 404 before any call.
   */
  default boolean serves(String model) {
    return true;
  }

  /**
   * A stream for {@code request}, whose {@link ChatRequest#model()} is already the upstream's model
   * name (no provider prefix). Nothing is sent until the first {@link EventStream#next()}.
   */
  EventStream stream(ChatRequest request);
}
