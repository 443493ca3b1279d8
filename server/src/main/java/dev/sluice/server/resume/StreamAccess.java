package dev.sluice.server.resume;

/**
 * Who may see a browser stream: the caller that started it owns it, and only the same caller (or
 * the admin key) may replay, follow or abort it. Anyone else is told the stream does not exist
 * (404), so that a stream id, even a guessed or leaked one, reveals nothing across tenants.
 *
 * @param owner the owner tag of the caller: its virtual key's id, or {@link #OPEN} while auth is off
 * @param everyStream true for the admin key, which may reach every stream
 */
public record StreamAccess(String owner, boolean everyStream) {
  /** The owner tag of streams started while auth is off; reachable again only while auth is off, or by the admin. */
  public static final String OPEN = "open";

  /** A virtual key's access: its own streams. */
  public static StreamAccess ofKey(String keyId) {
    return new StreamAccess("key:" + keyId, false);
  }

  /** The admin key's access: every stream. */
  public static final StreamAccess ADMIN = new StreamAccess("admin", true);

  /** Anyone's access while auth is off: the streams started while it was off. */
  public static final StreamAccess ANYONE = new StreamAccess(OPEN, false);

  /** True if this caller may reach a stream owned by {@code streamOwner} (null: the owner is unknown). */
  public boolean permits(String streamOwner) {
    return everyStream || owner.equals(streamOwner);
  }
}
