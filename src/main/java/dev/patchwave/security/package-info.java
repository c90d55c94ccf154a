/**
 * Who may call the API: bearer API tokens (stored only as SHA-256 hashes, in a file that may be a
 * mounted Kubernetes Secret) and, optionally, OIDC bearer tokens with roles from a claim. Roles:
 * {@code viewer} reads, {@code operator} starts and steers rollouts, {@code approver} approves
 * waves and releases quarantines.
 */
package dev.patchwave.security;
