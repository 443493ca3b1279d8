package dev.sluice.stream;

/**
 * A fragment of a tool call. The first fragment of a call carries its {@code id} and {@code name};
 * later ones carry only {@code index} and an {@code argumentsFragment} to append. The arguments
 * are a JSON text only once every fragment has arrived.
 *
 * @param index the call's position in this answer; identifies the call across fragments
 * @param id the call id (first fragment only, else null)
 * @param name the function name (first fragment only, else null)
 * @param argumentsFragment the next piece of the arguments JSON, possibly empty, never null
 */
public record ToolCallDelta(int index, String id, String name, String argumentsFragment)
    implements StreamEvent {
  public ToolCallDelta {
    if (index < 0) throw new IllegalArgumentException("index must be >= 0");
    if (argumentsFragment == null) argumentsFragment = "";
  }

  /** True for the fragment that opens a call (it names the call). */
  public boolean opensCall() {
    return id != null || name != null;
  }
}
