/**
 * Panache entities and stores, Flyway migrations (per database kind under {@code db/migration/h2}
 * and {@code db/migration/postgresql}). Adapters: the core never sees an entity.
 */
package dev.patchwave.persistence;
