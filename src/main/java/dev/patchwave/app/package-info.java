/** Application wiring: CDI producers that pick adapters from configuration. No logic. */
package dev.patchwave.app;
