package dev.sluice.server.ledger;

import dev.sluice.server.relay.Outcome;
import dev.sluice.usage.PriceTable;

/**
 * Turns how a request ended into its ledger row: prices its usage, writes the row durably, and
 * settles what the request reserved against its key's budget and limits with the real figures.
 */
public final class Accountant {
  private final LedgerWriter writer;
  private final PriceTable prices;

  public Accountant(LedgerWriter writer, PriceTable prices) {
    this.writer = writer;
    this.prices = prices;
  }

  public PriceTable prices() {
    return prices;
  }

  /**
   * Records {@code outcome} for {@code account}, once (a second call, from any thread, is ignored), and
   * returns when the row is durable (committed, or journaled while the database is away).
   *
   * @param requestedModel the model as the client named it, for rows where none answered
   * @throws RowNotDurableException when the row could not be made durable: the request must not end cleanly
   */
  public void record(RequestAccount account, Outcome outcome, String requestedModel) {
    if (!account.markRecorded()) return;
    String model = outcome.model() != null ? outcome.model() : requestedModel;
    String provider = null;
    if (outcome.model() != null && outcome.model().indexOf('/') > 0) {
      provider = outcome.model().substring(0, outcome.model().indexOf('/'));
    }
    Long cost = model == null ? null : prices.picos(model, outcome.usage());
    account.settle(cost == null ? 0 : cost, outcome.usage().totalTokens());
    writer.write(new LedgerRow(account.requestId(), account.keyId(), provider, model, account.startMillis(),
        System.currentTimeMillis(), outcome.ttftMillis(), outcome.usage(), cost, outcome.retries(),
        outcome.finishReason() == null ? null : outcome.finishReason().openAi(),
        outcome.error() == null ? null : outcome.error().type().name().toLowerCase(java.util.Locale.ROOT),
        outcome.status().word()));
  }
}
