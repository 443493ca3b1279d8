package dev.sluice.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** TEMPORARY stand-in until the sse branch merges; replaced by the real writer. */
public final class SseWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  public void reset() {
    out.reset();
  }

  public void event(String type, String id, String data) {
    if (type != null && !type.equals("message")) line("event: " + type);
    if (id != null) line("id: " + id);
    for (String l : data.split("\r\n|\r|\n", -1)) line("data: " + l);
    line("");
  }

  public void comment(String text) {
    for (String l : text.split("\r\n|\r|\n", -1)) line(": " + l);
    line("");
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }

  private void line(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    out.write('\n');
  }
}
