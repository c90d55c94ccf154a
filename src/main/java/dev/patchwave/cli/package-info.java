/**
 * The {@code patchwave} command line (picocli), packaged alone as {@code target/patchwave-cli.jar}
 * with a {@code kubectl-patchwave} wrapper: a client of the REST API over HTTP and nothing else. It
 * uses no other package of the controller (LayersTest), so that what it does is what the API
 * allows. Exit codes: 0 done, 1 error, 2 refused by the API, 3 the rollout halted or was aborted.
 */
package dev.patchwave.cli;
