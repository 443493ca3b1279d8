package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.config.Caps;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The cap on open connections: at the cap the gateway accepts no more until an open one closes. */
class ConnectionCapTest {

  private static void getHealth(Socket socket) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static Socket served(TestGateway g) throws IOException {
    var socket = new Socket("127.0.0.1", g.port());
    socket.setSoTimeout(10_000);
    getHealth(socket);
    assertThat(RawHttp.readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200");
    return socket;
  }

  @Test
  void aConnectionOverTheCapIsNotAcceptedUntilAnOpenOneCloses() throws Exception {
    try (TestGateway g = TestGateway.start(b -> b.caps(new Caps(2, 0, 0)));
        Socket first = served(g); Socket second = served(g); Socket third = new Socket("127.0.0.1", g.port())) {
      assertThat(g.server.openConnections()).isEqualTo(2);
      // The kernel completed the handshake (the listen backlog), but the gateway does not take the
      // connection: its request gets no answer while the cap holds. A short window is enough to see
      // that, and a slow machine can only make this pass, never fail, wrongly.
      getHealth(third);
      third.setSoTimeout(300);
      assertThatThrownBy(() -> third.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

      first.close();
      third.setSoTimeout(10_000);
      assertThat(RawHttp.readResponse(third.getInputStream())).startsWith("HTTP/1.1 200");
      String metrics = RawHttp.readResponse(metricsOn(second));
      assertThat(Scrape.parse(metrics.substring(metrics.indexOf("\r\n\r\n") + 4))
          .sum("sluice_cap_refusals_total", "cap", "connections")).isGreaterThanOrEqualTo(1);
    }
  }

  private static InputStream metricsOn(Socket socket) throws IOException {
    socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket.getInputStream();
  }
}
