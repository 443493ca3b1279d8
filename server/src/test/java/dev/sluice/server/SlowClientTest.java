package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** A client that accepts nothing holds the upstream back, then is disconnected at the write timeout. */
class SlowClientTest {

  @Test
  void disconnectsAClientThatAcceptsNothingAndCancelsItsUpstream() throws Exception {
    // About 20 MB of chunks: far more than the socket buffers between the three parties hold.
    var pieces = new ArrayList<String>();
    for (int i = 0; i < 20_000; i++) pieces.add("x".repeat(1000));
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl())
            .heartbeat(Duration.ZERO).writeTimeout(Duration.ofMillis(500)))) {
      upstream.enqueue(Script.openAiText(pieces.toArray(String[]::new)));
      var socket = new Socket();
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
        // Nothing is read: Sluice's write blocks, it stops reading the upstream, and after the write
        // timeout it gives the client up and closes the upstream connection.
        seen.clientGone().get(10, TimeUnit.SECONDS);
        assertThat(seen.responseComplete()).as("the upstream could not send everything: backpressure").isFalse();
      }
    }
  }

  @Test
  void deliversEveryByteInOrderToAClientThatReadsSlowly() throws Exception {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) pieces.add(i + ":" + "y".repeat(500) + ";");
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).heartbeat(Duration.ZERO))) {
      upstream.enqueue(Script.openAiText(pieces.toArray(String[]::new)));
      var socket = new Socket();
      socket.setReceiveBufferSize(8 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        String response = RawHttp.readResponse(new SlowInputStream(socket.getInputStream()));
        List<String> data = ChatCompletionsEndpointTest.dataLines(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(OpenAiUpstreamTest.fold(data).content()).isEqualTo(String.join("", pieces));
      }
    }
  }

  /** Hands out at most 512 bytes a read, with a pause before each: a client slower than the stream. */
  private static final class SlowInputStream extends FilterInputStream {
    SlowInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      LockSupport.parkNanos(100_000);
      return super.read(b, off, Math.min(len, 512));
    }
  }
}
