package dev.sluice.server.guard;

import dev.sluice.server.config.Accounting;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Usage;
import dev.sluice.usage.Cost;
import dev.sluice.usage.Price;
import dev.sluice.usage.PriceTable;
import dev.sluice.usage.TokenEstimator;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call, and whether a request may start: virtual keys (auth), each key's model allowlist,
 * the caps on requests in flight per key and per client address ({@link StreamCaps}), rate limits
 * and budget. All checks happen before any upstream call; refusals are {@link GatewayException}s the
 * endpoints answer in their dialect (401, 403, 429).
 *
 * <p>Auth is on once a key has been made (revoking every key does not turn it off), or when {@code SLUICE_REQUIRE_AUTH} is true;
 * until then the gateway runs open. The admin key ({@code SLUICE_ADMIN_KEY}) is accepted everywhere
 * and has no limits of its own (it counts under the per-client cap only). Keys are cached by their
 * secret's hash for a few seconds, so a request costs no database read, and a key made by {@code
 * sluice keys create} while the gateway runs is found on its first use.
 */
public final class Guard {
  private static final Logger log = LoggerFactory.getLogger(Guard.class);
  /** How long a looked-up key (or the knowledge that no key exists) is trusted before reading again. */
  private static final long CACHE_NANOS = 2_000_000_000L;
  /** The completion reserved against a budget when a request sets no {@code max_tokens}. */
  public static final long DEFAULT_RESERVED_COMPLETION = 4096;

  private record Cached(VirtualKey key, long atNanos) {}

  private final KeyStore store;
  private final Accounting accounting;
  private final Budgets budgets;
  private final Limits limits;
  private final PriceTable prices;
  private final Map<String, String> aliases;
  private final Map<String, List<String>> fallbacks;
  private final StreamCaps caps;
  private final ConcurrentHashMap<String, Cached> byHash = new ConcurrentHashMap<>();
  private volatile boolean anyKey;
  private volatile long anyKeyCheckedNanos;
  private volatile boolean warnedOpen;
  /** True while the key table cannot be read; what was read before it went away is trusted meanwhile. */
  private volatile boolean keysUnreadable;
  private final LongSupplier clock;

  public Guard(KeyStore store, Accounting accounting, Budgets budgets, Limits limits, PriceTable prices,
      Map<String, String> aliases, Map<String, List<String>> fallbacks, StreamCaps caps) {
    this(store, accounting, budgets, limits, prices, aliases, fallbacks, caps, System::nanoTime);
  }

  /** With {@code clock} ({@link System#nanoTime} in production) standing for the time of the key cache. */
  Guard(KeyStore store, Accounting accounting, Budgets budgets, Limits limits, PriceTable prices,
      Map<String, String> aliases, Map<String, List<String>> fallbacks, StreamCaps caps, LongSupplier clock) {
    this.clock = clock;
    this.caps = caps;
    this.store = store;
    this.accounting = accounting;
    this.budgets = budgets;
    this.limits = limits;
    this.prices = prices;
    this.aliases = aliases;
    this.fallbacks = fallbacks;
  }

  public KeyStore store() {
    return store;
  }

  /** The caps on requests in flight, and how many hold a place under them now. */
  public StreamCaps caps() {
    return caps;
  }

  /** The secret a request presents: {@code Authorization: Bearer <key>}, else {@code x-api-key}, else null. */
  public static String presented(HttpFields headers) {
    String auth = headers.get(HttpHeader.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) return auth.substring(7).trim();
    String apiKey = headers.get("x-api-key");
    return apiKey == null ? null : apiKey.trim();
  }

  /** Whether {@code secret} is the admin key (compared in constant time). */
  public boolean isAdmin(String secret) {
    return accounting.adminKey() != null && KeySecrets.constantTimeEquals(secret, accounting.adminKey());
  }

  /** Whether calls need a key now. */
  public boolean authRequired() {
    if (accounting.requireAuth()) return true;
    long now = clock.getAsLong();
    if (anyKeyCheckedNanos == 0 || now - anyKeyCheckedNanos > CACHE_NANOS) {
      try {
        anyKey = store.anyKey();
        keysReadable();
      } catch (SQLException e) {
        keysUnreadable(e);
        // Never read: fail closed, nobody can be told apart. Read before: what was known still holds,
        // and the table is asked again only after the cache's time, not by every request meanwhile.
        if (anyKeyCheckedNanos == 0) return true;
      }
      anyKeyCheckedNanos = now;
    }
    if (!anyKey && !warnedOpen) {
      warnedOpen = true;
      log.warn("no virtual key exists and SLUICE_REQUIRE_AUTH is not set: the gateway is open to anyone who reaches it");
    }
    return anyKey;
  }

  /** Forgets cached keys and whether any exists (after a key is made or revoked here). */
  public void keysChanged() {
    byHash.clear();
    anyKeyCheckedNanos = 0;
  }

  /**
   * Who calls with {@code secret} (may be null).
   *
   * @throws GatewayException 401 when auth is on and the key is missing, unknown or revoked
   */
  public Caller authenticate(String secret) throws GatewayException {
    if (secret != null && isAdmin(secret)) return new Caller.Admin();
    if (!authRequired()) return new Caller.Open();
    if (secret == null || secret.isEmpty()) {
      throw new GatewayException(GatewayError.of(ErrorType.AUTHENTICATION,
          "A virtual key is required: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'.")
          .withCode("missing_api_key"));
    }
    VirtualKey key = lookup(secret);
    if (key == null || key.revoked()) {
      // Never echo the presented secret.
      throw new GatewayException(GatewayError.of(ErrorType.AUTHENTICATION,
          key == null ? "Invalid virtual key." : "This virtual key has been revoked.").withCode("invalid_api_key"));
    }
    return new Caller.Key(key);
  }

  /**
   * The key whose secret hashes to {@code secret}'s hash, or null. A key read less than the cache's
   * time ago is not read again. While the key table cannot be read (the ledger's database is away,
   * and rows go to its journal), a key read before keeps being served as it was, so that an outage
   * of the database is not an outage of the gateway; a key never seen cannot be checked (500).
   */
  private VirtualKey lookup(String secret) throws GatewayException {
    String hash = KeySecrets.hash(secret);
    long now = clock.getAsLong();
    Cached c = byHash.get(hash);
    if (c != null && now - c.atNanos() < CACHE_NANOS) return c.key();
    try {
      VirtualKey key = store.findByHash(hash);
      keysReadable();
      if (key != null) byHash.put(hash, new Cached(key, now));
      return key;
    } catch (SQLException e) {
      keysUnreadable(e);
      if (c != null) {
        byHash.put(hash, new Cached(c.key(), now)); // asked again after the cache's time, not at once
        return c.key();
      }
      throw new GatewayException(GatewayError.of(ErrorType.INTERNAL, "Virtual keys cannot be checked right now."));
    }
  }

  private void keysUnreadable(SQLException e) {
    if (!keysUnreadable) {
      keysUnreadable = true;
      log.error("cannot read virtual keys ({}); keys read before are served as they were until the table answers",
          e.toString());
    }
  }

  private void keysReadable() {
    if (keysUnreadable) {
      keysUnreadable = false;
      log.info("virtual keys readable again");
    }
  }

  /**
   * Admits {@code request} for {@code caller} from {@code client} (its address, or null): the model
   * must be allowed (403), priced if the key has a budget (403 {@code model_not_priced}, for the
   * target and every fallback), the key and the client must be under their caps of requests in
   * flight (429), and the key's rate limits (429) and budget (429, with {@code Retry-After} where
   * known) must have room for it. What it holds is returned, to be settled once, with the real
   * figures, when the request ends: settling also gives back its place under the caps.
   */
  public Reservation admit(Caller caller, String client, ChatRequest request) throws GatewayException {
    VirtualKey key = caller instanceof Caller.Key(VirtualKey k) ? k : null;
    long promptTokens = key == null ? 0 : TokenEstimator.quick(request);
    long completion = request.maxTokens() != null ? request.maxTokens() : DEFAULT_RESERVED_COMPLETION;
    return admit(key, client, request.model(), promptTokens, completion);
  }

  /**
   * Admits an embeddings request for {@code model} whose input is about {@code inputTokens} long, as
   * {@link #admit(Caller, String, ChatRequest)} admits a chat: it generates no tokens, so only its
   * input is reserved.
   */
  public Reservation admitEmbeddings(Caller caller, String client, String model, long inputTokens)
      throws GatewayException {
    VirtualKey key = caller instanceof Caller.Key(VirtualKey k) ? k : null;
    return admit(key, client, model, key == null ? 0 : inputTokens, 0);
  }

  private Reservation admit(VirtualKey key, String client, String model, long promptTokens, long completion)
      throws GatewayException {
    long reserve = key == null ? 0 : worstCost(key, model, Usage.of(promptTokens, completion));
    StreamCaps.Place place = caps.enter(key == null ? null : key.id(), client);
    try {
      if (key == null) return (cost, tokens) -> place.leave();
      Refusal limited = limits.acquire(key, promptTokens);
      if (limited != null) throw refused(limited);
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      Refusal broke = budgets.reserve(key, reserve, today);
      if (broke != null) {
        limits.settle(key, promptTokens, 0);
        throw refused(broke);
      }
      return (cost, tokens) -> {
        try {
          budgets.settle(key, today, reserve, cost);
          limits.settle(key, promptTokens, tokens);
        } finally {
          place.leave();
        }
      };
    } catch (GatewayException | RuntimeException e) {
      place.leave();
      throw e;
    }
  }

  /**
   * What a request for {@code model} may cost {@code key} at worst ({@code worstCase} tokens), over the
   * models that may answer: the target and its fallbacks; 403 if the key may not use the model, or has a
   * budget and a model has no price.
   */
  private long worstCost(VirtualKey key, String model, Usage worstCase) throws GatewayException {
    String resolved = aliases.getOrDefault(model, model);
    if (!key.allows(model, resolved)) {
      throw new GatewayException(new GatewayError(ErrorType.PERMISSION,
          "This virtual key may not use model '" + model + "'.", "model", "model_not_allowed", 0, null));
    }
    // A key with a budget may use only priced models: an unpriced one would cost it nothing it could count.
    long reserve = 0;
    for (String candidate : candidates(model, resolved)) {
      Price price = prices.price(candidate);
      if (price == null) {
        if (key.budgetPicos() != null) throw unpriced(candidate);
        continue;
      }
      reserve = Math.max(reserve, Cost.picos(price, worstCase));
    }
    return reserve;
  }

  /** The target (alias resolved) and its fallbacks, each resolved: every model that may answer. */
  private List<String> candidates(String requested, String resolved) {
    List<String> fallbackNames = fallbacks.getOrDefault(requested, List.of());
    var all = new ArrayList<String>(1 + fallbackNames.size());
    all.add(resolved);
    for (String fallback : fallbackNames) all.add(aliases.getOrDefault(fallback, fallback));
    return all;
  }

  private static GatewayException unpriced(String model) {
    return new GatewayException(new GatewayError(ErrorType.PERMISSION,
        "Model '" + model + "' has no price, and this virtual key has a budget: its cost could not be counted. "
            + "The operator can price it under 'prices:' in sluice.yaml (0 is a price).",
        "model", "model_not_priced", 0, null));
  }

  private static GatewayException refused(Refusal r) {
    return new GatewayException(new GatewayError(ErrorType.RATE_LIMITED, r.message(), null, null, 0, r.retryAfter()));
  }
}
