package dev.sluice.stream;

/** Who wrote a message. {@code DEVELOPER} is OpenAI's newer name for system-level instructions. */
public enum Role {
  SYSTEM, DEVELOPER, USER, ASSISTANT, TOOL;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
