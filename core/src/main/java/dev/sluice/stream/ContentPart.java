package dev.sluice.stream;

/** One part of a message's content. */
public sealed interface ContentPart {

  /** Plain text. */
  record Text(String text) implements ContentPart {
    public Text {
      if (text == null) throw new IllegalArgumentException("text is required");
    }
  }

  /**
   * An image by URL or {@code data:} URI.
   *
   * @param detail OpenAI's {@code detail} hint ({@code auto}, {@code low}, {@code high}), or null
   */
  record Image(String url, String detail) implements ContentPart {
    public Image {
      if (url == null) throw new IllegalArgumentException("url is required");
    }
  }
}
