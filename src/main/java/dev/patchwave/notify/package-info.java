/**
 * Webhook notifications (Slack-compatible JSON, optional HMAC signature): rollout started, wave
 * awaiting approval, rollout halted, rollout completed. Delivery is asynchronous with retries and
 * backoff; a slow or dead webhook never blocks or slows a rollout.
 */
package dev.patchwave.notify;
