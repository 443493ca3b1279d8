/**
 * Resilience: per-attempt first-token deadlines, retries with full-jitter backoff and
 * {@code Retry-After}, fallback chains and per-model circuit breakers, all before the first token
 * reaches the client. {@link dev.sluice.policy.Resilience} is the entry point; it wraps provider
 * streams into one {@link dev.sluice.provider.EventStream} per request, so the relay and the
 * dialects see a single, honest stream whatever happened upstream.
 *
 * <p>One job per class: {@code RetryingStream} makes the attempts before the first token and then
 * relays the one that answers; {@code ContinuingStream}, only with mid-stream failover, sits above
 * it and asks the chain for a continuation when the answer breaks. Both report to one
 * {@link dev.sluice.policy.AttemptListener} per request, which is how telemetry sees the attempts.
 */
package dev.sluice.policy;
