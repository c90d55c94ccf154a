/**
 * Patch sets and package managers: the grammars that package names and versions must match before
 * they go near a command, and (with the engine) the drivers that turn intents into argv lists.
 *
 * <p>Pure core: imports only {@code java.*}.
 */
package dev.patchwave.patch;
