package dev.sluice.provider;

import dev.sluice.stream.ChatRequest;
import java.net.URI;
import java.util.function.Function;

/**
 * One HTTP upstream and the wire format it speaks: what a provider plugs into {@link HttpEventStream}.
 * The stream does the I/O, the timeouts and the cancellation, once for every format; everything in
 * which the formats differ is here. Immutable and shared by all calls to the upstream.
 *
 * @param config the settings every upstream has: name, base URL, key, timeouts, models
 * @param endpoint the URI each call posts to
 * @param headers the headers the format needs besides the JSON and event-stream ones: its key, its version
 * @param writer writes a call's request body
 * @param decoders a new decoder for one call's event stream, given the call's request (its model is the
 *     {@code Started} of an upstream that names none)
 * @param errors how this upstream's failures read
 */
public record HttpUpstream(
    UpstreamConfig config,
    URI endpoint,
    UpstreamHeaders headers,
    RequestWriter writer,
    Function<ChatRequest, UpstreamDecoder> decoders,
    UpstreamErrors errors) {

  public HttpUpstream {
    if (config == null || endpoint == null || headers == null || writer == null || decoders == null || errors == null) {
      throw new IllegalArgumentException("every part of an upstream is required");
    }
  }
}
