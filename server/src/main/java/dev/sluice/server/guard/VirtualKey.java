package dev.sluice.server.guard;

import java.util.List;

/**
 * A virtual key as stored (never its secret).
 *
 * @param id the public id ({@code key_...}), what the ledger and {@code /admin/keys} name
 * @param hint enough of the secret to recognise it ({@code sk-sluice-...abcd}), never enough to use it
 * @param budgetPicos the USD budget per {@code period} in pico-dollars, or null for none
 * @param rpm requests per minute, or null for no limit
 * @param tpm tokens per minute, or null for no limit
 * @param models the models it may call, as clients name them; empty for all
 * @param revokedMillis when it was revoked, or null while it is valid
 */
public record VirtualKey(String id, String name, String hint, Long budgetPicos, BudgetPeriod period, Integer rpm,
    Long tpm, List<String> models, long createdMillis, Long revokedMillis) {

  public VirtualKey {
    models = List.copyOf(models);
    if (period == null) period = BudgetPeriod.MONTH;
  }

  public boolean revoked() {
    return revokedMillis != null;
  }

  /** Whether the key may call {@code model} (as the client named it, or as it resolves). */
  public boolean allows(String model, String resolved) {
    return models.isEmpty() || models.contains(model) || (resolved != null && models.contains(resolved));
  }
}
