package dev.sluice.server.resume;

import dev.sluice.server.guard.Caller;

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

  /** The access of {@code caller}. */
  public static StreamAccess of(Caller caller) {
    return switch (caller) {
      case Caller.Key(var key) -> new StreamAccess("key:" + key.id(), false);
      case Caller.Admin() -> new StreamAccess("admin", true);
      case Caller.Open() -> new StreamAccess(OPEN, false);
    };
  }

  /** True if this caller may reach a stream owned by {@code streamOwner} (null: the owner is unknown). */
  public boolean permits(String streamOwner) {
    return everyStream || owner.equals(streamOwner);
  }
}
