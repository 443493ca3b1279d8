package dev.sluice.server.config;

/** A configuration error; its message names the key and says what is expected. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
