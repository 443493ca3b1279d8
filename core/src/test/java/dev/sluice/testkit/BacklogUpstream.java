package dev.sluice.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream on a raw loopback {@link ServerSocket} that accepts only when the test says so, and
 * whose accept queue the test can fill: then the kernel answers no further handshake (Linux drops the
 * SYN of a listener whose queue is full), so that a client's connection attempt times out as it would
 * against an overloaded upstream, deterministically. The test writes every byte of each response itself.
 */
public final class BacklogUpstream implements AutoCloseable {

  private final ServerSocket listener;
  /** Client sockets of the test's own that sit in the accept queue, filling it. */
  private final List<Socket> parked = new CopyOnWriteArrayList<>();
  private final List<Conn> accepted = new CopyOnWriteArrayList<>();

  private BacklogUpstream(ServerSocket listener) {
    this.listener = listener;
  }

  /** A listener on a free loopback port with the smallest accept queue the kernel allows (backlog 1). */
  public static BacklogUpstream open() throws IOException {
    return new BacklogUpstream(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
  }

  /** {@code http://127.0.0.1:port/v1}. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/v1");
  }

  /** Accepts the next connection, waiting at most {@code timeout} for one. */
  public Conn accept(Duration timeout) throws IOException {
    listener.setSoTimeout((int) timeout.toMillis());
    var conn = new Conn(listener.accept());
    accepted.add(conn);
    return conn;
  }

  /**
   * Fills the accept queue with connections of the test's own, until one more gets no answer within
   * {@code probe}: from then on every connection attempt to this upstream hangs in the handshake.
   */
  public void fillBacklog(Duration probe) throws IOException {
    for (int i = 0; i < 64; i++) {
      var socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), (int) probe.toMillis());
      } catch (SocketTimeoutException full) {
        socket.close(); // its SYN was dropped: the queue is full
        return;
      }
      parked.add(socket);
    }
    throw new IllegalStateException("the accept queue took 64 connections; the kernel does not bound it by the backlog");
  }

  /**
   * Accepts the connections {@link #fillBacklog} parked and closes them: the queue has room again,
   * and a client's handshake that the full queue ignored completes when the client next resends it.
   */
  public void drainBacklog(Duration timeout) throws IOException {
    listener.setSoTimeout((int) timeout.toMillis());
    for (Socket own : parked) {
      try (Socket taken = listener.accept()) {
        if (taken.getPort() != own.getLocalPort()) {
          throw new IllegalStateException("a client connection was queued among the test's own: " + taken);
        }
      }
      own.close();
    }
    parked.clear();
  }

  @Override
  public void close() throws IOException {
    for (Socket s : parked) s.close();
    for (Conn c : accepted) c.socket.close();
    listener.close();
  }

  /** One accepted connection, read and written by the test. */
  public static final class Conn {
    private final Socket socket;

    private Conn(Socket socket) {
      this.socket = socket;
    }

    /**
     * Reads one request, head and {@code Content-Length} body, waiting at most {@code timeout} for
     * each byte; returns its head.
     */
    public String readRequest(Duration timeout) throws IOException {
      socket.setSoTimeout((int) timeout.toMillis());
      InputStream in = socket.getInputStream();
      var head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) throw new IOException("the client closed the connection before a whole request: " + head);
        head.write(b);
      }
      String text = head.toString(StandardCharsets.US_ASCII);
      int length = 0;
      for (String line : text.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
      }
      in.readNBytes(length);
      return text;
    }

    /** Writes {@code text} as-is. */
    public void write(String text) throws IOException {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
    }

    /** Closes the connection from the upstream's side. */
    public void close() throws IOException {
      socket.close();
    }

    /** Whether the client closes this connection (a FIN or a reset) within {@code timeout}: false if it stays open or sends a byte. */
    public boolean closedByClient(Duration timeout) throws IOException {
      socket.setSoTimeout((int) timeout.toMillis());
      try {
        return socket.getInputStream().read() < 0;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (SocketException reset) {
        return true;
      }
    }
  }
}
