package dev.sluice.server.cli;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An OpenAI-speaking upstream on loopback for the AOT training run: every request gets a streamed
 * chat completion of {@value #CHUNKS} chunks and a usage chunk, at once. The sim provider alone would
 * leave the upstream client, its SSE parser and the chunk decoder untrained, and they are the hot
 * path of every real stream.
 */
final class TrainingUpstream implements AutoCloseable {
  private static final int CHUNKS = 40;
  private static final String HEAD = "data: {\"id\":\"chatcmpl-train\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1700000000,\"model\":\"train\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
  private static final String TAIL = "data: {\"id\":\"chatcmpl-train\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1700000000,\"model\":\"train\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      + "data: {\"id\":\"chatcmpl-train\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"train\","
      + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":" + CHUNKS + ",\"total_tokens\":"
      + (CHUNKS + 9) + "}}\n\ndata: [DONE]\n\n";

  private final Server server = new Server();
  private final ServerConnector connector = new ServerConnector(server);

  TrainingUpstream() throws Exception {
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Content.Source.asString(request, StandardCharsets.UTF_8);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
          for (int i = 0; i < CHUNKS; i++) {
            out.write((HEAD + "word" + i + " \"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
          out.write(TAIL.getBytes(StandardCharsets.UTF_8));
        }
        callback.succeeded();
        return true;
      }
    });
    server.start();
  }

  /** {@code http://127.0.0.1:PORT/v1}, what the gateway's OpenAI provider is pointed at. */
  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1");
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
