package dev.sluice.route;

import dev.sluice.provider.Provider;

/**
 * Where a request goes.
 *
 * @param provider the live provider that serves it
 * @param upstreamModel the model name sent upstream (no provider prefix)
 */
public record Route(Provider provider, String upstreamModel) {

  /** {@code provider/model}, the name the ledger and the logs use. */
  public String qualifiedModel() {
    return provider.name() + "/" + upstreamModel;
  }
}
