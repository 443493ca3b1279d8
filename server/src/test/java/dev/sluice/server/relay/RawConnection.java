package dev.sluice.server.relay;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 client connection written by hand on a real socket, for tests that must stop
 * reading, pipeline, close or reset at a moment of their choosing. Every read gives up after five
 * seconds: a hang guard, not a timing.
 */
final class RawConnection implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  static RawConnection open(int port) throws IOException {
    return open(port, 0);
  }

  /** @param receiveBufferBytes this side's kernel receive buffer (small, to fill up soon), or 0 for the system's */
  static RawConnection open(int port, int receiveBufferBytes) throws IOException {
    var socket = new Socket();
    if (receiveBufferBytes > 0) socket.setReceiveBufferSize(receiveBufferBytes);
    socket.setSoTimeout(5_000);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    return new RawConnection(socket);
  }

  /** Sends a POST of {@code body} to {@code path}, keeping the connection open. */
  RawConnection post(String path, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: "
        + bytes.length + "\r\n\r\n" + body);
    return this;
  }

  /** Sends these bytes as they are (ISO-8859-1). */
  void send(String raw) throws IOException {
    socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** Reads until {@code marker}: returns what was read, the marker included. */
  String readUntil(String marker) throws IOException {
    var read = new StringBuilder();
    while (!endsWith(read, marker)) {
      int b = in.read();
      if (b < 0) throw new AssertionError("the server closed before " + marker.strip() + ", after: " + read);
      read.append((char) b);
    }
    return read.toString();
  }

  private static boolean endsWith(StringBuilder read, String marker) {
    int from = read.length() - marker.length();
    if (from < 0) return false;
    for (int i = 0; i < marker.length(); i++) if (read.charAt(from + i) != marker.charAt(i)) return false;
    return true;
  }

  /** Closes abruptly: an RST instead of a FIN. */
  void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  /** Closes with a FIN. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
