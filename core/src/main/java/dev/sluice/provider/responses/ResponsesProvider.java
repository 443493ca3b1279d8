package dev.sluice.provider.responses;

import dev.sluice.provider.HttpProvider;
import dev.sluice.provider.HttpUpstream;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.provider.UpstreamHttp;
import org.eclipse.jetty.client.HttpClient;

/**
 * The adapter for OpenAI's Responses API: a canonical request becomes {@code POST {baseUrl}/responses}
 * with {@code "stream": true} and {@code "store": false} (Sluice keeps no conversation state upstream),
 * and the upstream's typed events become canonical events.
 *
 * <p>What comes back, in canonical terms:
 * <ul>
 *   <li>one {@code Started} from {@code response.created}'s response ({@code id}, {@code model},
 *       {@code created_at});
 *   <li>{@code TextDelta}s: {@code response.output_text.delta} (CONTENT), {@code response.refusal.delta}
 *       (REFUSAL), {@code response.reasoning_summary_text.delta} and {@code response.reasoning_text.delta}
 *       (REASONING);
 *   <li>{@code ToolCallDelta}s: a {@code function_call} output item opens a call (its {@code call_id} and
 *       {@code name}), its {@code response.function_call_arguments.delta}s continue it;
 *   <li>{@code response.completed}: one {@code UsageReport} and {@code Finished} (STOP, or TOOL_CALLS when a
 *       call was made); {@code response.incomplete}: the same with LENGTH or CONTENT_FILTER;
 *   <li>{@code Failed} for {@code response.failed}, an {@code error} event, an error status, a malformed
 *       event, and a body that ends without a terminal event.
 * </ul>
 * A passthrough request ({@code ChatRequest.passthroughBody}) goes out as the client sent
 * it, and each event also comes back whole, as a {@code Relayed}, before what is decoded from it.
 */
public final class ResponsesProvider extends HttpProvider<ResponsesConfig> {

  /**
   * A provider that sends through {@code client}, the gateway's one shared client
   * ({@link UpstreamHttp#newClient}); its connect timeout applies, not the configuration's.
   */
  public ResponsesProvider(ResponsesConfig config, HttpClient client) {
    super(config, responses(config), client);
  }

  /** A provider with a client of its own, for using the core as a library with a single upstream. */
  public static ResponsesProvider standalone(ResponsesConfig config) {
    return new ResponsesProvider(config, UpstreamHttp.started(UpstreamHttp.newClient(config.upstream().connectTimeout())));
  }

  private static HttpUpstream responses(ResponsesConfig config) {
    if (config == null) throw new IllegalArgumentException("config is required");
    UpstreamConfig upstream = config.upstream();
    String key = upstream.apiKey();
    var errors = new ResponsesErrorMapper(upstream.name(), key);
    return new HttpUpstream(upstream, config.responsesUri(),
        header -> {
          if (key != null) header.accept("Authorization", "Bearer " + key);
        },
        ResponsesRequestWriter::write,
        request -> new ResponsesEventDecoder(request.model(), errors, request.passthroughBody() != null),
        errors);
  }
}
